#include "harness/inputs/import/import_workflow.h"

#include "harness/inputs/import/import_gate_steps.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

namespace failsim::harness {
namespace {

using nlohmann::json;

class WorkflowImporter {
 public:
  WorkflowImporter(std::string file, const WorkflowImportOptions& o) : file_(std::move(file)), o_(o) {}

  WorkflowImport run(const YAML::Node& root) {
    if (!root.IsMap() || !root["jobs"] || !root["jobs"].IsMap()) {
      import_fail(file_, root, "expected a GitHub Actions workflow (a mapping with jobs)");
    }
    if (root["jobs"].size() == 0) import_fail(file_, root["jobs"], "jobs: the workflow has no job (GitHub refuses it too)");
    json wf = json::object();
    wf["file"] = std::filesystem::path(file_).filename().string();
    wf["name"] = root["name"] ? scalar(file_, root["name"], "a workflow name") : wf["file"].get<std::string>();
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "name" || key == "jobs") continue;
      if (key == "on" || key == "true") {
        triggers(kv.second);
      } else if (key == "concurrency") {
        wf["concurrency"] = concurrency(kv.second, "the workflow");
      } else {
        note(kv.first, key + " is not modelled (ignored)");
      }
    }
    // workflow_dispatch with no inputs declares none: GitHub then refuses any input (422
    // "Unexpected inputs provided"), and so does the fake API.
    if (dispatchable_) {
      wf["inputs"] = inputs_;
    } else {
      note(root["on"] ? root["on"] : root, std::string("on: no workflow_dispatch trigger: GitHub refuses a dispatch of this workflow ") +
                                             "(422 \"Workflow does not have 'workflow_dispatch' trigger\"); failsim's deploy requests stand " +
                                             "for the event that starts it, and the fake API's dispatch inputs are not checked");
    }
    if (root["env"] && root["env"].IsMap()) workflow_env_ = root["env"];
    const std::string deploy = pick_deploy_job(root["jobs"]);
    out_.deploy_job = deploy;
    json jobs = json::array();
    for (const auto& kv : root["jobs"]) jobs.push_back(job(kv.first.as<std::string>(), kv.second, deploy));
    wf["jobs"] = jobs;
    out_.github = {{"repository", o_.repository},
                   {"default_branch", default_branch_},
                   {"timings", default_github_timings()},
                   {"workflows", json::array({wf})},
                   {"deploy", {{"workflow", wf["file"]}, {"job", deploy}}}};
    if (o_.repository == "your-org/your-repo") {
      note(root, "the repository is not in the workflow file: \"your-org/your-repo\" written (give --repository owner/name)");
    }
    out_.policy = policy(root["jobs"][deploy], deploy, wf["jobs"]);
    return out_;
  }

 private:
  void note(const YAML::Node& at, const std::string& what) { out_.notes.push_back({file_, line_of(at), what}); }
  std::string text(const YAML::Node& n, const std::string& what) {
    const std::string s = scalar(file_, n, what);
    if (has_expression(s)) note(n, "cannot evaluate the expression in \"" + s + "\" (" + what + "): the literal text is kept");
    return s;
  }

  void triggers(const YAML::Node& on) {
    // Only workflow_dispatch matters to failsim (a deploy request dispatches the workflow).
    if (on.IsMap()) {
      for (const auto& kv : on) {
        const std::string event = kv.first.as<std::string>();
        if (event == "workflow_dispatch") {
          dispatchable_ = true;
          if (kv.second.IsMap() && kv.second["inputs"]) dispatch_inputs(kv.second["inputs"]);
        } else if (event == "push" || event == "pull_request") {
          const YAML::Node branches = kv.second.IsMap() ? kv.second["branches"] : YAML::Node();
          if (event == "push" && branches && branches.IsSequence() && branches.size() > 0 && !has_expression(branches[0].as<std::string>())) {
            default_branch_ = branches[0].as<std::string>();
          }
          note(kv.first, "on." + event + ": runs triggered by " + event + " are not modelled; deploys are dispatched");
        } else {
          note(kv.first, "on." + event + " is not modelled");
        }
      }
    } else {
      for (const auto& e : scalars(file_, on, "an event name")) {
        if (e == "workflow_dispatch") dispatchable_ = true;
        else note(on, "on: " + e + " is not modelled; deploys are dispatched");
      }
    }
  }

  void dispatch_inputs(const YAML::Node& inputs) {
    if (!inputs.IsMap()) import_fail(file_, inputs, "on.workflow_dispatch.inputs: expected a mapping");
    for (const auto& kv : inputs) {
      const std::string name = kv.first.as<std::string>();
      json in = json::object();
      if (kv.second.IsMap()) {
        for (const auto& field : kv.second) {
          const std::string key = field.first.as<std::string>();
          if (key == "required") {
            in["required"] = field.second.as<bool>();
          } else if (key == "type") {
            in["type"] = scalar(file_, field.second, "an input type");
          } else if (key == "default") {
            in["default"] = scalar(file_, field.second, "a default value");
          } else if (key == "description") {
            in["description"] = scalar(file_, field.second, "a description");
          } else if (key == "options") {
            in["options"] = scalars(file_, field.second, "an option");
          } else {
            note(field.first, "inputs." + name + "." + key + " is not modelled");
          }
        }
      }
      inputs_[name] = in;
    }
  }

  json concurrency(const YAML::Node& n, const std::string& whose) {
    if (n.IsScalar()) return text(n, "the concurrency group of " + whose);
    if (!n.IsMap()) import_fail(file_, n, "concurrency: expected a group name or a mapping");
    json c = json::object();
    for (const auto& kv : n) {
      const std::string key = kv.first.as<std::string>();
      if (key == "group") {
        c["group"] = text(kv.second, "the concurrency group of " + whose);
      } else if (key == "cancel-in-progress") {
        const std::string v = scalar(file_, kv.second, "true, false or an expression");
        if (has_expression(v)) {
          note(kv.second, "cannot evaluate cancel-in-progress \"" + v + "\" of " + whose + ": false assumed");
          c["cancel_in_progress"] = false;
        } else {
          c["cancel_in_progress"] = kv.second.as<bool>();
        }
      } else if (key == "queue") {
        c["queue"] = scalar(file_, kv.second, "single or max");
      } else {
        note(kv.first, "concurrency." + key + " is not modelled");
      }
    }
    if (!c.contains("group")) import_fail(file_, n, "concurrency of " + whose + " has no group");
    return c;
  }

  std::string pick_deploy_job(const YAML::Node& jobs) {
    std::vector<std::string> ids;
    for (const auto& kv : jobs) ids.push_back(kv.first.as<std::string>());
    if (o_.deploy_job) {
      if (std::find(ids.begin(), ids.end(), *o_.deploy_job) == ids.end()) {
        std::string all;
        for (const auto& i : ids) all += (all.empty() ? "" : ", ") + i;
        import_fail(file_, jobs, "--deploy-job " + *o_.deploy_job + ": no such job; jobs: " + all);
      }
      return *o_.deploy_job;
    }
    for (const auto& kv : jobs) {
      const YAML::Node env = kv.second.IsMap() ? kv.second["environment"] : YAML::Node();
      std::string name;
      if (env && env.IsScalar()) name = env.as<std::string>();
      if (env && env.IsMap() && env["name"]) name = env["name"].as<std::string>();
      if (name == "production") {
        note(kv.first, "deploy job: " + kv.first.as<std::string>() + " (environment production; --deploy-job picks another)");
        return kv.first.as<std::string>();
      }
    }
    note(jobs, "deploy job: " + ids.back() + " (the last job; --deploy-job picks another)");
    return ids.back();
  }

  json job(const std::string& id, const YAML::Node& j, const std::string& deploy) {
    if (!j.IsMap()) import_fail(file_, j, "job " + id + ": expected a mapping");
    json out = {{"id", id}};
    for (const auto& kv : j) {
      const std::string key = kv.first.as<std::string>();
      if (key == "runs-on") {
        out["runs_on"] = runs_on(kv.second, id, id == deploy);
      } else if (key == "needs") {
        out["needs"] = scalars(file_, kv.second, "a job id");
      } else if (key == "concurrency") {
        out["concurrency"] = concurrency(kv.second, "job " + id);
      } else if (key == "timeout-minutes") {
        const std::string v = scalar(file_, kv.second, "a number of minutes");
        if (has_expression(v)) {
          note(kv.second, "cannot evaluate timeout-minutes \"" + v + "\" of job " + id + ": GitHub's default (360) applies");
        } else {
          out["timeout_minutes"] = kv.second.as<int>();
        }
      } else if (key == "environment") {
        const YAML::Node name = kv.second.IsMap() ? kv.second["name"] : kv.second;
        out["environment"] = text(name, "the environment of job " + id);
      } else if (key == "steps" || key == "name" || key == "permissions" || key == "env" || key == "outputs" ||
                 key == "defaults") {
        // Steps are the deploy itself (modelled by production's steps); the rest does not change timing.
        if (key == "steps" && id == deploy) steps_ = kv.second;
        if (key == "steps") job_steps_[id] = kv.second;
        if (key == "env") job_env_[id] = kv.second;
      } else {
        note(kv.first, "jobs." + id + "." + key + " is not modelled (ignored)");
      }
    }
    if (!out.contains("runs_on")) import_fail(file_, j, "job " + id + " has no runs-on (reusable workflows are not modelled)");
    if (id != deploy) {
      out["run_time"] = "2m";
      note(j, "job " + id + ": how long it runs is not in the workflow: 2m written (set run_time in the world)");
    }
    return out;
  }

  json runs_on(const YAML::Node& n, const std::string& id, bool is_deploy) {
    if (n.IsScalar() && has_expression(n.as<std::string>())) {
      const std::string v = n.as<std::string>();
      if (is_deploy && v.find("needs.") != std::string::npos) {
        gate_chooses_ = true;
        note(n, "runs-on of " + id + " comes from an upstream job's outputs (\"" + v +
                    "\"): a gate job chooses the runner, so the policy is before-dispatch; its candidates are not in the "
                    "workflow: edit /candidates");
      } else {
        note(n, "cannot evaluate runs-on \"" + v + "\" of job " + id + ": the literal text is kept as a label");
      }
      return json::array({is_deploy && gate_chooses_ ? "self-hosted" : v});
    }
    if (n.IsMap()) {
      json out = json::object();
      if (n["group"]) out["group"] = text(n["group"], "the runner group of job " + id);
      if (n["labels"]) out["labels"] = scalars(file_, n["labels"], "a runner label");
      if (is_deploy && n["labels"]) deploy_labels_ = out["labels"];
      return out;
    }
    json labels = scalars(file_, n, "a runner label");
    for (const auto& l : labels) {
      if (has_expression(l.get<std::string>())) note(n, "cannot evaluate the runs-on label " + l.get<std::string>() + " of job " + id);
    }
    if (is_deploy) deploy_labels_ = labels;
    if (labels.size() == 1 && is_github_hosted(labels[0].get<std::string>())) hosted_runner(n, labels[0], id);
    return labels;
  }

  // ubuntu-latest, windows-2022, macos-14, ...: GitHub's own runners.
  static bool is_github_hosted(const std::string& label) {
    for (const char* prefix : {"ubuntu-", "windows-", "macos-"}) {
      if (label.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
  void hosted_runner(const YAML::Node& at, const json& label, const std::string& id) {
    const std::string name = "github-hosted-" + label.get<std::string>();
    for (const auto& r : out_.hosted_runners) {
      if (r["name"] == name) return;
    }
    out_.hosted_runners.push_back({{"name", name}, {"host", "github-hosted"}, {"labels", json::array({label})},
                                   {"authorized_for_prod", false}});
    note(at, "job " + id + " runs on GitHub-hosted " + label.get<std::string>() + ": modelled as runner " + name +
                 " on host github-hosted (no exporter)");
  }

  // The as-built policy of the deploy job.
  json policy(const YAML::Node& job, const std::string& id, const json& jobs) {
    json deploy_job;
    for (const auto& j : jobs) {
      if (j["id"] == id) deploy_job = j;
    }
    const std::string stem = std::filesystem::path(file_).stem().string();
    json p = {{"policy_version", 1},
              {"name", stem + "-as-built"},
              {"description", "Imported by failsim import workflow from " + std::filesystem::path(file_).filename().string() +
                                  ", job " + id + ": what the workflow itself determines. The gate checks are the ones "
                                  "read from the job's shell steps (see the import notes); none when it has none."}};
    // The gate is what the deploy job's own steps check: nothing invented.
    GateSteps steps;
    if (gate_chooses_) {  // the gate job(s) the deploy job needs
      for (const auto& up : deploy_job.value("needs", json::array())) {
        const std::string upstream = up.get<std::string>();
        GateSteps s = read_gate_steps(job_steps_[upstream], file_, upstream, {workflow_env_, job_env_[upstream]});
        for (auto& c : s.checks) steps.checks.push_back(std::move(c));
        for (auto& n : s.notes) steps.notes.push_back(std::move(n));
        for (auto& f : s.scripts) steps.scripts.push_back(std::move(f));
        steps.unreadable += s.unreadable;
      }
    } else {
      steps = read_gate_steps(steps_, file_, id, {workflow_env_, job_env_[id]});
    }
    out_.gate_scripts = steps.scripts;
    for (auto& n : steps.notes) out_.notes.push_back(std::move(n));
    p["gate"] = {{"placement", gate_chooses_ ? "before-dispatch" : "in-job"}, {"checks", steps.checks}};
    if (steps.checks.empty()) {
      note(job, "job " + id + " has no health check failsim can read" +
                    (steps.unreadable > 0 ? " (" + std::to_string(steps.unreadable) + " step(s) it cannot read, above)" : std::string()) +
                    ": the as-built policy has no gate, and deploys go wherever GitHub places them");
    }
    if (gate_chooses_) {
      p["candidates"] = json::array({{{"name", "CHANGE-ME"}, {"hostname", "CHANGE-ME"}, {"labels", {"self-hosted"}},
                                      {"authorized_for_prod", true}}});
    } else {
      json labels = deploy_labels_.is_null() ? json::array({"self-hosted"}) : deploy_labels_;
      p["candidates"] = json::array({{{"name", "any-runner-matching-" + id}, {"hostname", nullptr}, {"labels", labels},
                                      {"authorized_for_prod", true}}});
    }
    json j = json::object();
    if (deploy_job.contains("concurrency")) {
      const json& c = deploy_job["concurrency"];
      j["concurrency_group"] = c.is_string() ? c : c["group"];
      if (c.is_object() && c.contains("cancel_in_progress")) j["cancel_in_progress"] = c["cancel_in_progress"];
      else j["cancel_in_progress"] = false;
    }
    if (deploy_job.contains("timeout_minutes")) j["timeout_minutes"] = deploy_job["timeout_minutes"];
    p["job"] = j;
    p["failover"] = {{"redispatch_on_failure", false}, {"redispatch_on_lost", false}, {"max_dispatches", 1}};
    p["deploy"] = {{"retry", retry(id)}};
    p["post_deploy"] = {{"check", false}, {"enforced", false}, {"rollback", "none"}};
    return p;
  }

  // A step `uses:` a retry action (with: max_attempts, ...): nick-fields/retry's semantics.
  json retry(const std::string& id) {
    json r = {{"max_attempts", 1}, {"attempt_timeout", "360m"}, {"wait", "fixed"}, {"wait_base", "0s"}, {"retry_on", "error"}};
    if (!steps_ || !steps_.IsSequence()) return r;
    for (const auto& step : steps_) {
      if (!step.IsMap() || !step["with"] || !step["with"].IsMap() || !step["with"]["max_attempts"]) continue;
      const YAML::Node with = step["with"];
      r["max_attempts"] = with["max_attempts"].as<int>();
      if (with["timeout_seconds"]) r["attempt_timeout"] = scalar(file_, with["timeout_seconds"], "seconds") + "s";
      if (with["timeout_minutes"]) r["attempt_timeout"] = scalar(file_, with["timeout_minutes"], "minutes") + "m";
      r["wait_base"] = (with["retry_wait_seconds"] ? scalar(file_, with["retry_wait_seconds"], "seconds") : std::string("10")) + "s";
      if (with["retry_on"]) r["retry_on"] = scalar(file_, with["retry_on"], "error, timeout or any");
      // nick-fields/retry sleeps retry_wait_seconds inside every failed attempt, the last included.
      r["wait_after_last_attempt"] = true;
      for (const auto& kv : with) {
        const std::string key = kv.first.as<std::string>();
        static const std::set<std::string> kRead = {"max_attempts", "timeout_seconds", "timeout_minutes",
                                                    "retry_wait_seconds", "retry_on", "command", "shell"};
        if (kRead.count(key) == 0) note(kv.first, "the retry step's " + key + " is not modelled");
      }
      note(step, "retry step of job " + id + " (" + (step["uses"] ? step["uses"].as<std::string>() : std::string("?")) +
                     "): " + std::to_string(r["max_attempts"].get<int>()) + " attempts, fixed wait");
      return r;
    }
    note(steps_, "job " + id + " has no retry step: one attempt");
    return r;
  }

  std::string file_;
  const WorkflowImportOptions& o_;
  WorkflowImport out_;
  json inputs_ = json::object();
  bool dispatchable_ = false;  // on: has workflow_dispatch
  std::string default_branch_ = "main";
  json deploy_labels_;
  bool gate_chooses_ = false;
  YAML::Node steps_;
  std::map<std::string, YAML::Node> job_steps_;
  std::map<std::string, YAML::Node> job_env_;  // jobs.<id>.env
  YAML::Node workflow_env_;                     // the workflow's env
};

}  // namespace

json default_github_timings() {
  auto flagged = [](const char* value, const char* source) {
    return json{{"value", value}, {"unconfirmed", true}, {"source", source}};
  };
  return {{"pickup_timeout", "60s"},
          {"queue_ttl", "24h"},
          {"queue_ttl_conclusion", flagged("failure", "reference A2 rule 4: docs disagree (fails / cancelled)")},
          {"default_timeout_minutes", 360},
          {"timeout_conclusion", flagged("cancelled", "reference A3: docs say GitHub cancels the job")},
          {"lock_renewal_interval", "60s"},
          {"lost_communication_delay", flagged("10m", "reference A4: observed 10-15 min after the last renewal")},
          {"offline_after_last_poll", flagged("90s", "reference A4: not documented")},
          {"cancel_grace", "10s"},
          {"force_cancel_after", "5m"},
          {"queue_max", 100}};
}

Result<WorkflowImport> import_workflow(const std::string& yaml_text, const std::string& file,
                                       const WorkflowImportOptions& options) {
  try {
    const YAML::Node root = load_yaml(yaml_text, file);
    return Result<WorkflowImport>::ok(WorkflowImporter(file, options).run(root));
  } catch (const ImportError& e) {
    return Result<WorkflowImport>::error(e.what());
  } catch (const YAML::Exception& e) {
    return Result<WorkflowImport>::error(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace failsim::harness
