#include "harness/live/gameday_api.h"

#include "failover/utf8.h"

#include <nlohmann/json.hpp>

#include <string>

#include "reports/report.h"

namespace failsim::harness {
namespace {

using nlohmann::json;

void api_reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(2) + "\n", "application/json");
}

void api_run_over(httplib::Response& res) { api_reply(res, 503, {{"error", "the run is over"}}); }

}  // namespace

void add_gameday_routes(fakes::HttpServer& server, fakes::LiveLoop& loop, LiveControl& control, const Scenario& scenario) {
  auto& routes = server.routes();
  routes.Get("/api/faults", [&loop, &control](const httplib::Request&, httplib::Response& res) {
    auto list = loop.call([&control] {
      json out = json::array();
      for (const auto& f : control.faults()) out.push_back(reports::fault_record_json(f));
      return out;
    });
    if (!list) return api_run_over(res);
    api_reply(res, 200, {{"faults", *list}});
  });
  routes.Post("/api/faults", [&loop, &control, &scenario](const httplib::Request& req, httplib::Response& res) {
    auto fault = parse_fault(req.body, "POST /api/faults", scenario);
    if (!fault) return api_reply(res, 400, {{"error", fault.error()}});
    auto record = loop.call([&control, spec = fault.value()] {
      const int id = control.inject_fault(spec);
      for (const auto& f : control.faults()) {
        if (f.id == id) return reports::fault_record_json(f);
      }
      return json(nullptr);
    });
    if (!record) return api_run_over(res);
    res.set_header("Location", "/api/faults/" + std::to_string((*record)["id"].get<int>()));
    api_reply(res, 201, {{"fault", *record}});
  });
  routes.Delete(R"(/api/faults/(\d{1,9}))", [&loop, &control](const httplib::Request& req, httplib::Response& res) {
    const int id = std::stoi(req.matches[1]);
    auto ended = loop.call([&control, id] { return control.end_fault(id); });
    if (!ended) return api_run_over(res);
    if (!*ended) {
      const std::string why = ended->error();
      return api_reply(res, why.rfind("no fault", 0) == 0 ? 404 : 409, {{"error", why}});
    }
    api_reply(res, 200, {{"fault", reports::fault_record_json(ended->value())}});
  });
  routes.Post("/api/deploys", [&loop, &control](const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return api_reply(res, 400, {{"error", "POST /api/deploys: expected a JSON object"}});
    for (const auto& [key, value] : body.items()) {
      if (key != "version" && key != "ref") {
        return api_reply(res, 400, {{"error", "POST /api/deploys: /" + key + ": unknown field (version, ref)"}});
      }
      if (!value.is_string() || value.get<std::string>().empty()) {
        return api_reply(res, 400, {{"error", "POST /api/deploys: /" + key + ": expected a non-empty string"}});
      }
      if (const auto bad = control_char_error(value.get<std::string>())) {
        return api_reply(res, 400, {{"error", "POST /api/deploys: /" + key + ": " + *bad}});
      }
    }
    if (!body.contains("version")) return api_reply(res, 400, {{"error", "POST /api/deploys: /version: missing required field"}});
    const std::string version = body["version"].get<std::string>();
    const std::string ref = body.value("ref", std::string());
    auto run_id = loop.call([&control, version, ref] {
      control.trace("deploy", "api_trigger", version + (ref.empty() ? "" : " on " + ref));
      return control.trigger_deploy(version, ref);
    });
    if (!run_id) return api_run_over(res);
    api_reply(res, 201, {{"version", version}, {"run_id", *run_id ? json(**run_id) : json(nullptr)}});
  });
}

}  // namespace failsim::harness
