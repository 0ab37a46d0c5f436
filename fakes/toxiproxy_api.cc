#include "fakes/toxiproxy_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace failsim::fakes {
namespace {

using Json = nlohmann::ordered_json;

Json toxic_json(const Toxic& t) {
  Json attrs = Json::object();
  for (const auto& [k, v] : t.attributes) attrs[k] = v;
  if (t.type == "http_status") attrs["body"] = t.body;
  return Json{{"name", t.name}, {"type", t.type}, {"stream", t.stream}, {"toxicity", t.toxicity}, {"attributes", attrs}};
}

Json proxy_json(const ProxyInfo& p) {
  Json toxics = Json::array();
  for (const auto& t : p.toxics) toxics.push_back(toxic_json(t));
  return Json{{"name", p.name}, {"listen", p.listen}, {"upstream", p.upstream}, {"enabled", p.enabled}, {"toxics", toxics}};
}

void send(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void fail(httplib::Response& res, const std::string& message) {
  int status = 400;
  if (message.find("not found") != std::string::npos) status = 404;
  if (message.find("already exists") != std::string::npos) status = 409;
  if (message.rfind("listen ", 0) == 0) status = 500;  // the bind itself failed
  send(res, status, Json{{"error", message}, {"status", status}});
}

// Parses the body as a JSON object; on failure answers 400 and returns nullopt.
std::optional<nlohmann::json> body_object(const httplib::Request& req, httplib::Response& res, bool allow_array = false) {
  nlohmann::json j = nlohmann::json::parse(req.body, nullptr, false);
  if (j.is_discarded() || !(j.is_object() || (allow_array && j.is_array()))) {
    fail(res, "bad request body: expected a JSON " + std::string(allow_array ? "array" : "object"));
    return std::nullopt;
  }
  return j;
}

template <class T>
std::optional<T> field(const nlohmann::json& j, const char* name, httplib::Response& res, bool& ok) {
  if (!j.contains(name) || j[name].is_null()) return std::nullopt;
  try {
    return j[name].get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(res, std::string("field \"") + name + "\" has the wrong type");
    ok = false;
    return std::nullopt;
  }
}

// A toxic's attributes as Toxiproxy's Go JSON decoding reads them: an attribute its type
// has must be an integer (1.5 is rejected, not truncated); any other is ignored.
std::optional<std::map<std::string, std::int64_t>> attributes_from(const nlohmann::json& j, const std::string& type,
                                                                   httplib::Response& res) {
  std::map<std::string, std::int64_t> out;
  if (!j.contains("attributes") || j["attributes"].is_null()) return out;
  const nlohmann::json& attrs = j["attributes"];
  if (!attrs.is_object()) {
    fail(res, "bad request body: json: cannot unmarshal " + std::string(attrs.type_name()) + " into Go value of type map");
    return std::nullopt;
  }
  const std::vector<std::string>* known = toxic_attributes(type);
  for (const auto& [key, value] : attrs.items()) {
    if (known == nullptr || std::find(known->begin(), known->end(), key) == known->end()) continue;
    if (!value.is_number_integer()) {
      fail(res, "bad request body: json: cannot unmarshal " + (value.is_number() ? "number " + value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : std::string(value.type_name())) +
                    " into Go struct field .attributes." + key + " of type int64");
      return std::nullopt;
    }
    out[key] = value.get<std::int64_t>();
  }
  return out;
}

// An http_status toxic's text attribute `body`: absent (nullopt in `out`) or a string.
bool body_from(const nlohmann::json& j, const std::string& type, httplib::Response& res, std::optional<std::string>& out) {
  if (type != "http_status" || !j.contains("attributes") || !j["attributes"].is_object()) return true;
  const nlohmann::json& attrs = j["attributes"];
  if (!attrs.contains("body") || attrs["body"].is_null()) return true;
  if (!attrs["body"].is_string()) {
    fail(res, "bad request body: json: cannot unmarshal " + std::string(attrs["body"].type_name()) +
                  " into Go struct field .attributes.body of type string");
    return false;
  }
  out = attrs["body"].get<std::string>();
  return true;
}

std::optional<Toxic> toxic_from(const nlohmann::json& j, httplib::Response& res) {
  bool ok = true;
  Toxic t;
  t.name = field<std::string>(j, "name", res, ok).value_or("");
  t.type = field<std::string>(j, "type", res, ok).value_or("");
  t.stream = field<std::string>(j, "stream", res, ok).value_or("downstream");
  t.toxicity = field<double>(j, "toxicity", res, ok).value_or(1.0);
  if (!ok) return std::nullopt;
  auto attrs = attributes_from(j, t.type, res);
  if (!attrs) return std::nullopt;
  t.attributes = *attrs;
  std::optional<std::string> body;
  if (!body_from(j, t.type, res, body)) return std::nullopt;
  t.body = body.value_or("");
  return t;
}

}  // namespace

void install_toxiproxy_api(httplib::Server& server, ChaosProxies& proxies, std::function<void(const std::string&)> on_change) {
  auto changed = [on_change](const std::string& name) {
    if (on_change) on_change(name);
  };
  server.Get("/version", [](const httplib::Request&, httplib::Response& res) {
    send(res, 200, Json{{"version", "failsim (Toxiproxy 2.x API)"}});
  });
  server.Get("/proxies", [&proxies](const httplib::Request&, httplib::Response& res) {
    Json all = Json::object();
    for (const auto& p : proxies.list()) all[p.name] = proxy_json(p);
    send(res, 200, all);
  });
  auto create = [&proxies](const nlohmann::json& j, httplib::Response& res) -> std::optional<ProxyInfo> {
    bool ok = true;
    const auto name = field<std::string>(j, "name", res, ok);
    const auto listen = field<std::string>(j, "listen", res, ok);
    const auto upstream = field<std::string>(j, "upstream", res, ok);
    const auto enabled = field<bool>(j, "enabled", res, ok);
    if (!ok) return std::nullopt;
    if (!name || name->empty()) {
      fail(res, "missing required field: name");
      return std::nullopt;
    }
    if (!upstream) {
      fail(res, "missing required field: upstream");
      return std::nullopt;
    }
    auto created = proxies.create(*name, listen.value_or("127.0.0.1:0"), *upstream, enabled.value_or(true));
    if (!created) {
      fail(res, created.error());
      return std::nullopt;
    }
    return created.value();
  };
  server.Post("/proxies", [create, changed](const httplib::Request& req, httplib::Response& res) {
    auto j = body_object(req, res);
    if (!j) return;
    if (auto p = create(*j, res)) {
      send(res, 201, proxy_json(*p));
      changed(p->name);
    }
  });
  server.Post("/populate", [&proxies, create, changed](const httplib::Request& req, httplib::Response& res) {
    auto j = body_object(req, res, true);
    if (!j) return;
    if (!j->is_array()) return fail(res, "bad request body: expected a JSON array");
    Json out = Json::array();
    for (const auto& item : *j) {
      if (!item.is_object()) return fail(res, "bad request body: every proxy must be a JSON object");
      if (item.contains("name") && item["name"].is_string()) proxies.remove(item["name"].get<std::string>());
      auto p = create(item, res);
      if (!p) return;
      out.push_back(proxy_json(*p));
      changed(p->name);
    }
    send(res, 201, Json{{"proxies", out}});
  });
  server.Get(R"(/proxies/([^/]+))", [&proxies](const httplib::Request& req, httplib::Response& res) {
    auto p = proxies.get(req.matches[1]);
    if (!p) return fail(res, "proxy not found");
    send(res, 200, proxy_json(*p));
  });
  // Updates answer POST and PATCH alike, as Toxiproxy routes them (api.go: ProxyUpdate,
  // ToxicUpdate: Methods("POST", "PATCH")); the official CLI updates with PATCH.
  const auto update_proxy = [&proxies, changed](const httplib::Request& req, httplib::Response& res) {
    auto j = body_object(req, res);
    if (!j) return;
    bool ok = true;
    const auto enabled = field<bool>(*j, "enabled", res, ok);
    const auto listen = field<std::string>(*j, "listen", res, ok);
    const auto upstream = field<std::string>(*j, "upstream", res, ok);
    if (!ok) return;
    auto p = proxies.update(req.matches[1], enabled, listen, upstream);
    if (!p) return fail(res, p.error());
    send(res, 200, proxy_json(p.value()));
    changed(p.value().name);
  };
  server.Post(R"(/proxies/([^/]+))", update_proxy);
  server.Patch(R"(/proxies/([^/]+))", update_proxy);
  server.Delete(R"(/proxies/([^/]+))", [&proxies, changed](const httplib::Request& req, httplib::Response& res) {
    if (!proxies.remove(req.matches[1])) return fail(res, "proxy not found");
    res.status = 204;
    changed(req.matches[1]);
  });
  server.Get(R"(/proxies/([^/]+)/toxics)", [&proxies](const httplib::Request& req, httplib::Response& res) {
    auto p = proxies.get(req.matches[1]);
    if (!p) return fail(res, "proxy not found");
    send(res, 200, proxy_json(*p)["toxics"]);
  });
  server.Post(R"(/proxies/([^/]+)/toxics)", [&proxies, changed](const httplib::Request& req, httplib::Response& res) {
    auto j = body_object(req, res);
    if (!j) return;
    auto t = toxic_from(*j, res);
    if (!t) return;
    auto added = proxies.add_toxic(req.matches[1], *t);
    if (!added) return fail(res, added.error());
    send(res, 200, toxic_json(added.value()));
    changed(req.matches[1]);
  });
  server.Get(R"(/proxies/([^/]+)/toxics/([^/]+))", [&proxies](const httplib::Request& req, httplib::Response& res) {
    auto p = proxies.get(req.matches[1]);
    if (!p) return fail(res, "proxy not found");
    for (const auto& t : p->toxics) {
      if (t.name == req.matches[2]) return send(res, 200, toxic_json(t));
    }
    fail(res, "toxic not found");
  });
  const auto update_toxic = [&proxies, changed](const httplib::Request& req, httplib::Response& res) {
    auto j = body_object(req, res);
    if (!j) return;
    auto p = proxies.get(req.matches[1]);
    if (!p) return fail(res, "proxy not found");
    double toxicity = 1.0;
    std::string type;
    for (const auto& t : p->toxics) {
      if (t.name == req.matches[2]) {
        toxicity = t.toxicity;
        type = t.type;
      }
    }
    bool ok = true;
    toxicity = field<double>(*j, "toxicity", res, ok).value_or(toxicity);
    if (!ok) return;
    auto attrs = attributes_from(*j, type, res);
    if (!attrs) return;
    std::optional<std::string> body;
    if (!body_from(*j, type, res, body)) return;
    auto updated = proxies.update_toxic(req.matches[1], req.matches[2], toxicity, *attrs, body);
    if (!updated) return fail(res, updated.error());
    send(res, 200, toxic_json(updated.value()));
    changed(req.matches[1]);
  };
  server.Post(R"(/proxies/([^/]+)/toxics/([^/]+))", update_toxic);
  server.Patch(R"(/proxies/([^/]+)/toxics/([^/]+))", update_toxic);
  server.Delete(R"(/proxies/([^/]+)/toxics/([^/]+))", [&proxies, changed](const httplib::Request& req, httplib::Response& res) {
    auto removed = proxies.remove_toxic(req.matches[1], req.matches[2]);
    if (!removed) return fail(res, removed.error());
    res.status = 204;
    changed(req.matches[1]);
  });
  server.Post("/reset", [&proxies, changed](const httplib::Request&, httplib::Response& res) {
    proxies.reset();
    res.status = 204;
    for (const auto& p : proxies.list()) changed(p.name);
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) send(res, 404, Json{{"error", "path not found"}, {"status", 404}});
  });
}

}  // namespace failsim::fakes
