#include "harness/inputs/import/import_prometheus.h"

#include "failover/json_fields.h"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <set>

#include "harness/inputs/text_file.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using json_fields::lower;

class PrometheusImporter {
 public:
  PrometheusImporter(std::string file, const PrometheusImportOptions& o) : file_(std::move(file)), o_(o) {}

  // A saved GET /api/v1/targets: each discovered target (active or dropped), by job, as a
  // static group {targets: [__address__], labels: the rest of its discovered labels}.
  void read_discovered() {
    if (o_.targets_text.empty()) return;
    const json doc = json::parse(o_.targets_text, nullptr, false);
    if (!doc.is_object() || !doc.contains("data") || !doc["data"].is_object()) {
      throw ImportError(o_.targets_file + ": expected what GET /api/v1/targets answers ({\"status\", \"data\": {\"activeTargets\", ...}})");
    }
    static const std::set<std::string> kDefaults = {"job", "__address__", "__scheme__", "__metrics_path__",
                                                    "__scrape_interval__", "__scrape_timeout__"};
    for (const char* list : {"activeTargets", "droppedTargets"}) {
      for (const auto& t : doc["data"].value(list, json::array())) {
        const json d = t.value("discoveredLabels", json::object());
        if (!d.is_object() || !d.contains("job") || !d.contains("__address__")) {
          throw ImportError(o_.targets_file + ": " + list + ": a target without discoveredLabels job and __address__");
        }
        YAML::Node group;
        group["targets"].push_back(d["__address__"].get<std::string>());
        for (const auto& [k, v] : d.items()) {
          if (kDefaults.count(k) == 0 && v.is_string()) group["labels"][k] = v.get<std::string>();
        }
        discovered_[d["job"].get<std::string>()].push_back(group);
      }
    }
  }

  PrometheusImport run(const YAML::Node& root) {
    read_discovered();
    if (!root.IsMap()) import_fail(file_, root, "expected a Prometheus configuration (a mapping with scrape_configs)");
    out_.prometheus = json::object();
    out_.prometheus["host"] = o_.prometheus_host;
    if (o_.fqdn) out_.prometheus["fqdn"] = *o_.fqdn;
    // Where the server reads the file sets the rule groups' phases; never where failsim
    // runs (a world must not depend on the folder it was imported in).
    const fs::path server = o_.server_config_path.empty() ? fs::path(kDefaultServerConfig) : fs::path(o_.server_config_path);
    if (!server.is_absolute()) import_fail(file_, root, "--server-config " + server.string() + ": expected an absolute path");
    out_.prometheus["config_dir"] = server.parent_path().lexically_normal().string();
    if (o_.server_config_path.empty()) {
      note(root, std::string("where the server reads this file is not in it: ") + kDefaultServerConfig +
                     " assumed (Debian's and the upstream default; rule-group phases depend on it: give --server-config)");
    }
    add_host(o_.prometheus_host);
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "global") {
        global(kv.second);
      } else if (key == "scrape_configs") {
        if (!kv.second.IsSequence()) import_fail(file_, kv.second, "scrape_configs: expected a list");
        json jobs = json::array();
        for (const auto& job : kv.second) {
          json j = scrape_config(job);
          if (!j.is_null()) jobs.push_back(j);
        }
        out_.prometheus["scrape_configs"] = jobs;
      } else if (key == "rule_files") {
        rule_files(kv.second);
      } else if (key == "alerting") {
        alerting(kv.second);
      } else {
        note(kv.first, key + " is not modelled (ignored)");
      }
    }
    if (!out_.prometheus.contains("scrape_configs")) out_.prometheus["scrape_configs"] = json::array();
    if (!o_.fqdn) {
      note(root, "the server's FQDN is not in prometheus.yml: scrape phases are drawn per seed (give --fqdn for Prometheus's own)");
    }
    if (o_.runners_from_job && !runners_job_seen_) {
      import_fail(file_, root, "--runners-from " + *o_.runners_from_job + ": no scrape config has that job_name");
    }
    return out_;
  }

 private:
  void note(const YAML::Node& at, const std::string& what) { out_.notes.push_back({file_, line_of(at), what}); }
  void add_host(const std::string& h) {
    if (hosts_seen_.insert(h).second) out_.hosts.push_back(h);
  }

  void global(const YAML::Node& g) {
    if (!g.IsMap()) import_fail(file_, g, "global: expected a mapping");
    json out = json::object();
    for (const auto& kv : g) {
      const std::string key = kv.first.as<std::string>();
      if (key == "scrape_interval" || key == "scrape_timeout" || key == "evaluation_interval") {
        out[key] = scalar(file_, kv.second, "a duration");
      } else if (key == "external_labels") {
        out[key] = labels(kv.second);
      } else {
        note(kv.first, "global." + key + " is not modelled (ignored)");
      }
    }
    out_.prometheus["global"] = out;
  }

  json labels(const YAML::Node& n) {
    if (!n.IsMap()) import_fail(file_, n, "expected a mapping of label names to values");
    json out = json::object();
    for (const auto& kv : n) out[kv.first.as<std::string>()] = scalar(file_, kv.second, "a label value");
    return out;
  }

  json scrape_config(const YAML::Node& job) {
    if (!job.IsMap()) import_fail(file_, job, "scrape_configs: expected a mapping per job");
    if (!job["job_name"]) import_fail(file_, job, "scrape config without job_name");
    json out = json::object();
    const std::string name = scalar(file_, job["job_name"], "a job name");
    out["job_name"] = name;
    const bool runners = o_.runners_from_job && *o_.runners_from_job == name;
    runners_job_seen_ = runners_job_seen_ || runners;
    for (const auto& kv : job) {
      const std::string key = kv.first.as<std::string>();
      if (key == "job_name") continue;
      if (key == "scrape_interval" || key == "scrape_timeout" || key == "metrics_path" || key == "scheme") {
        out[key] = scalar(file_, kv.second, "a value");
      } else if (key == "honor_labels") {
        out[key] = kv.second.as<bool>();
      } else if (key == "static_configs") {
        if (!kv.second.IsSequence()) import_fail(file_, kv.second, "static_configs: expected a list");
        if (!out.contains("static_configs")) out["static_configs"] = json::array();
        for (const auto& sc : kv.second) out["static_configs"].push_back(static_config(sc, runners));
      } else if (key == "relabel_configs" || key == "metric_relabel_configs") {
        out[key] = relabel_configs(kv.second, key);
      } else if (key == "file_sd_configs") {
        if (!out.contains("static_configs")) out["static_configs"] = json::array();
        for (auto& sc : file_sd(kv.second, name, runners)) out["static_configs"].push_back(std::move(sc));
      } else if (key.size() > 11 && key.compare(key.size() - 11, 11, "_sd_configs") == 0 && discovered_.count(name) != 0) {
        note(kv.first, "scrape_configs[" + name + "]." + key + ": its targets as the running server discovered them are read from " +
                           o_.targets_file + " instead");
      } else {
        note(kv.first, "scrape_configs[" + name + "]." + key + " is not modelled (ignored)");
      }
    }
    if (const auto it = discovered_.find(name); it != discovered_.end() && (!out.contains("static_configs") || out["static_configs"].empty())) {
      out["static_configs"] = json::array();
      for (const auto& node : it->second) out["static_configs"].push_back(static_config(node, runners, o_.targets_file));
      note(job, "scrape_configs[" + name + "]: " + std::to_string(it->second.size()) + " target(s) from " + o_.targets_file +
                    " (discovered labels as the server had them; its relabel_configs run on them here)");
    }
    if (!out.contains("static_configs") || out["static_configs"].empty()) {
      note(job, "scrape_configs[" + name + "] has no targets failsim could read (static_configs, or file_sd_configs files "
                "found here; other service discovery is not read): job left out");
      return json();
    }
    return out;
  }

  // Prometheus's relabel config fields as written (the world validates them as 2.42 does).
  json relabel_configs(const YAML::Node& list, const std::string& key) {
    if (!list.IsSequence()) import_fail(file_, list, key + ": expected a list");
    json out = json::array();
    for (const auto& item : list) {
      if (!item.IsMap()) import_fail(file_, item, key + ": expected a mapping per relabel config");
      json c = json::object();
      for (const auto& f : item) {
        const std::string k = f.first.as<std::string>();
        if (k == "source_labels") {
          c[k] = scalars(file_, f.second, "a label name");
        } else if (k == "modulus") {
          c[k] = f.second.as<std::uint64_t>();
        } else if (k == "separator" || k == "target_label" || k == "regex" || k == "replacement" || k == "action") {
          c[k] = scalar(file_, f.second, k);
        } else {
          import_fail(file_, f.first, key + ": unknown field " + k);
        }
      }
      out.push_back(c);
    }
    return out;
  }

  // file_sd_configs: each file's target groups, read now (JSON or YAML, as Prometheus
  // reads them), as static configs carrying __meta_filepath as the server would set it.
  std::vector<json> file_sd(const YAML::Node& list, const std::string& job, bool make_runners) {
    if (!list.IsSequence()) import_fail(file_, list, "file_sd_configs: expected a list");
    const fs::path local_dir = fs::absolute(file_).parent_path();
    const fs::path server_dir = out_.prometheus["config_dir"].get<std::string>();
    std::vector<json> out;
    for (const auto& sd : list) {
      if (!sd.IsMap() || !sd["files"]) import_fail(file_, sd, "file_sd_configs: expected a mapping with files");
      if (sd["refresh_interval"]) note(sd["refresh_interval"], "file_sd_configs.refresh_interval: the files are read once, at import");
      for (const auto& pattern_node : sd["files"]) {
        const std::string pattern = scalar(file_, pattern_node, "a file glob");
        // A path on the server: under its config_dir it is found beside this file, as the
        // server would find it there; anywhere else it is not read from this machine.
        fs::path joined = local_dir / pattern;
        if (fs::path(pattern).is_absolute()) {
          const fs::path rel = fs::path(pattern).lexically_relative(server_dir);
          if (rel.empty() || *rel.begin() == "..") {
            note(pattern_node, "file_sd_configs of job " + job + ": \"" + pattern + "\" is a path on the server outside " +
                                   server_dir.string() + ": not read from this machine");
            continue;
          }
          joined = local_dir / rel;
        }
        glob_t g{};
        const int rc = ::glob(joined.string().c_str(), 0, nullptr, &g);
        std::vector<std::string> matches;
        for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
        ::globfree(&g);
        if (matches.empty()) {
          note(pattern_node, "file_sd_configs of job " + job + ": \"" + pattern + "\" matches no file here (looked for " +
                                 joined.string() + ")");
        }
        for (const auto& m : matches) {
          const auto text = read_text_file(m);
          if (!text) import_fail(file_, pattern_node, "file_sd_configs: cannot read " + m);
          const YAML::Node groups = load_yaml(*text, m);
          if (!groups.IsSequence()) import_fail(m, groups, "expected a list of target groups ({targets, labels})");
          const std::string server_path = (server_dir / fs::path(m).lexically_relative(local_dir)).lexically_normal().string();
          for (auto group : groups) {
            YAML::Node copy = YAML::Clone(group);
            if (!copy.IsMap()) import_fail(m, group, "expected a target group ({targets, labels})");
            copy["labels"]["__meta_filepath"] = server_path;
            out.push_back(static_config(copy, make_runners, m));
          }
          note(pattern_node, "file_sd_configs of job " + job + ": " + std::to_string(groups.size()) + " target group(s) read from " + m +
                                 " (as the server would see them at " + server_path + ")");
        }
      }
    }
    return out;
  }

  json static_config(const YAML::Node& sc, bool make_runners, const std::string& from = "") {
    const std::string& src = from.empty() ? file_ : from;  // a file_sd file's group names that file
    if (!sc.IsMap()) import_fail(src, sc, "static_configs: expected a mapping");
    json out = json::object();
    json target_labels = json::object();
    if (sc["labels"]) target_labels = labels(sc["labels"]);
    for (const auto& kv : sc) {
      const std::string key = kv.first.as<std::string>();
      if (key == "targets") {
        json targets = json::array();
        for (const auto& t : kv.second) {
          const std::string target = scalar(src, t, "a host:port target");
          const auto colon = target.rfind(':');
          const std::string port = colon == std::string::npos ? "" : target.substr(colon + 1);
          const bool numeric = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
          if (colon == std::string::npos || colon == 0 || !numeric || std::stoi(port) < 1 || std::stoi(port) > 65535) {
            import_fail(src, t, "target \"" + target + "\": expected host:port with a port from 1 to 65535");
          }
          targets.push_back(target);
          add_host(target.substr(0, colon));
          if (make_runners) {
            runner(t, target, target_labels);
          } else if (exporters_seen_.insert(target).second) {
            out_.exporters.push_back(target);
          }
        }
        out["targets"] = targets;
      } else if (key == "labels") {
        out["labels"] = target_labels;
      } else {
        note(kv.first, "static_configs." + key + " is not modelled (ignored)");
      }
    }
    return out;
  }

  // One runner per exporter target; what prometheus.yml cannot say is a note.
  void runner(const YAML::Node& at, const std::string& target, const json& target_labels) {
    const auto colon = target.rfind(':');
    const std::string host = target.substr(0, colon);
    const int port = std::stoi(target.substr(colon + 1));
    if (!runner_targets_.insert(target).second) {
      note(at, "target " + target + " is listed twice: one runner made for it");
      return;
    }
    std::string name = target_labels.value("runner_name", host);
    // GitHub gives every self-hosted runner self-hosted, its OS and its architecture;
    // which OS and architecture, prometheus.yml does not say (failsim import github does).
    json labels = json::array({"self-hosted", "Linux", "X64"});
    for (const auto& l : o_.runner_labels) {
      const bool dup = std::any_of(labels.begin(), labels.end(), [&](const json& x) { return lower(x.get<std::string>()) == lower(l); });
      if (!dup) labels.push_back(l);
    }
    json runner = {{"name", name}, {"host", host}, {"hostname", host}, {"labels", labels},
                   {"exporter", {{"port", port}, {"environment", target_labels.value("environment", "production")}}}};
    // Approval for production only when the target says so; else the workflow importer
    // decides (and notes) from the deploy job's runs-on.
    if (target_labels.contains("authorized_for_prod")) {
      const bool authorized = target_labels["authorized_for_prod"] == "true";
      runner["authorized_for_prod"] = authorized;
      runner["exporter"]["authorized_for_prod"] = authorized ? "true" : "false";
    }
    out_.runners.push_back(runner);
    std::string labels_text;
    for (const auto& l : labels) labels_text += (labels_text.empty() ? "" : ", ") + l.get<std::string>();
    note(at, "runner " + name + " made from target " + target + ": labels [" + labels_text + "] assumed (" +
                 (o_.runner_labels.empty() ? "GitHub's defaults for Linux x64; " : "GitHub's defaults for Linux x64 and --runner-label; ") +
                 "its real labels, runner group and OS hostname are not in prometheus.yml: failsim import github reads them)");
  }

  void rule_files(const YAML::Node& n) {
    if (!n.IsSequence()) import_fail(file_, n, "rule_files: expected a list of globs");
    const fs::path local_dir = fs::absolute(file_).parent_path();
    const fs::path out_dir = o_.out_path.empty() ? fs::current_path() : fs::absolute(o_.out_path).parent_path();
    const fs::path server_dir = out_.prometheus["config_dir"].get<std::string>();
    json files = json::array();
    for (const auto& item : n) {
      const std::string pattern = scalar(file_, item, "a rule file glob");
      // As for file_sd_configs: a path on the server under its config_dir is found beside
      // this file; one elsewhere on the server is not this machine's to read.
      fs::path joined = local_dir / pattern;
      if (fs::path(pattern).is_absolute()) {
        const fs::path rel = fs::path(pattern).lexically_relative(server_dir);
        if (rel.empty() || *rel.begin() == "..") {
          import_fail(file_, item, "rule_files: \"" + pattern + "\" is a path on the server outside " + server_dir.string() +
                                       " (its config_dir): failsim cannot read it from here; copy the rule files beside " +
                                       fs::path(file_).filename().string() + " and name them relative to it, or give --server-config");
        }
        joined = local_dir / rel;
      }
      glob_t g{};
      const int rc = ::glob(joined.string().c_str(), 0, nullptr, &g);
      std::vector<std::string> matches;
      for (std::size_t i = 0; rc == 0 && i < g.gl_pathc; ++i) matches.emplace_back(g.gl_pathv[i]);
      ::globfree(&g);
      if (matches.empty()) note(item, "rule_files: \"" + pattern + "\" matches no file here");
      for (const auto& m : matches) {
        // Each must be a rule file Prometheus would load: read and checked now, so a world
        // that says "valid" has rules that load (not /dev/zero, not /etc/*.conf).
        const auto text = read_input_file(m);
        if (!text) import_fail(file_, item, "rule_files: " + m + ": " + text.error());
        if (auto groups = sim::prometheus::parse_rule_file(text.value(), m); !groups) {
          import_fail(file_, item, "rule_files: \"" + pattern + "\" matches " + m + ", which is not a rule file Prometheus loads: " + groups.error());
        }
        const fs::path rel_to_config = fs::path(m).lexically_relative(local_dir);
        files.push_back({{"path", fs::path(m).lexically_relative(out_dir).string()},
                         {"server_path", (server_dir / rel_to_config).lexically_normal().string()}});
      }
    }
    out_.prometheus["rule_files"] = files;
  }

  void alerting(const YAML::Node& n) {
    if (!n.IsMap()) import_fail(file_, n, "alerting: expected a mapping");
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      if (key == "alertmanagers") {
        // Alertmanager's timing lives in alertmanager.yml: the route defaults apply.
        out_.prometheus["alertmanager"] = {{"group_wait", "30s"}, {"group_interval", "5m"}, {"repeat_interval", "4h"}};
        // Where it runs: the first static target, a host of the network (its link can be faulted).
        for (const auto& am : kv.second) {
          if (!am.IsMap() || !am["static_configs"] || !am["static_configs"].IsSequence()) continue;
          for (const auto& sc : am["static_configs"]) {
            if (!sc["targets"] || !sc["targets"].IsSequence() || sc["targets"].size() == 0) continue;
            const std::string t = scalar(file_, sc["targets"][0], "a host:port target");
            const auto colon = t.rfind(':');
            const std::string port = colon == std::string::npos ? "" : t.substr(colon + 1);
            if (colon == std::string::npos || colon == 0 || port.empty() || port.size() > 5 ||
                port.find_first_not_of("0123456789") != std::string::npos || std::stoi(port) < 1 || std::stoi(port) > 65535) {
              import_fail(file_, sc["targets"][0], "alertmanager target \"" + t + "\": expected host:port with a port from 1 to 65535");
            }
            if (!out_.prometheus["alertmanager"].contains("host")) {
              out_.prometheus["alertmanager"]["host"] = t.substr(0, colon);
              out_.prometheus["alertmanager"]["port"] = std::stoi(port);
              add_host(t.substr(0, colon));
            }
          }
        }
        note(kv.first, "alerting.alertmanagers: targets noted; group_wait / group_interval / repeat_interval come from "
                       "alertmanager.yml, not this file: Alertmanager's defaults (30s / 5m / 4h) written");
      } else {
        note(kv.first, "alerting." + key + " is not modelled (ignored)");
      }
    }
  }

  std::string file_;
  const PrometheusImportOptions& o_;
  PrometheusImport out_;
  bool runners_job_seen_ = false;
  std::map<std::string, std::vector<YAML::Node>> discovered_;  // job -> target groups from --targets
  std::set<std::string> runner_targets_;
  std::set<std::string> hosts_seen_;      // out_.hosts, for linear-time de-duplication
  std::set<std::string> exporters_seen_;  // out_.exporters, likewise
};

}  // namespace

Result<PrometheusImport> import_prometheus(const std::string& yaml_text, const std::string& file,
                                           const PrometheusImportOptions& options) {
  try {
    const YAML::Node root = load_yaml(yaml_text, file);
    return Result<PrometheusImport>::ok(PrometheusImporter(file, options).run(root));
  } catch (const ImportError& e) {
    return Result<PrometheusImport>::error(e.what());
  } catch (const YAML::Exception& e) {
    return Result<PrometheusImport>::error(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace failsim::harness
