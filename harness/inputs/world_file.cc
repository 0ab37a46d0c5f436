#include "harness/inputs/world_file.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <limits>
#include <set>

#include "failover/json_fields.h"
#include "harness/inputs/distribution_field.h"
#include "harness/inputs/text_file.h"
#include "harness/inputs/world_parts.h"
#include "sim/prometheus/rules.h"
#include "sim/prometheus/schedule.h"

namespace failsim::harness {
namespace {

using world_parts::read_prometheus;
using world_parts::split_target;

using json_fields::Fields;
using json_fields::Invalid;
using json_fields::json;

using json_fields::join;

// A GitHub timing: a plain value, or {"value", "unconfirmed", "source"}.
struct TimingReader {
  Fields& parent;
  WorldFile& world;
  const std::set<std::string>& unconfirmed_names;

  const json* open(const std::string& key, Fields*& inner, std::optional<Fields>& holder) {
    const json* v = parent.get(key);
    inner = &parent;
    if (v == nullptr || !v->is_object()) return v;
    holder.emplace(*v, parent.at(key));
    holder->flag("unconfirmed", false);
    holder->text("source", std::string());
    inner = &*holder;
    return v;
  }
  void note(const std::string& key, const std::string& value) {
    if (unconfirmed_names.count(key) != 0) world.unconfirmed.push_back({key, value});
  }
  Duration duration(const std::string& key, Duration fallback) {
    Fields* f = nullptr;
    std::optional<Fields> holder;
    const json* v = open(key, f, holder);
    const Duration d = v == nullptr ? fallback : f->duration(v->is_object() ? "value" : key, fallback);
    if (holder) holder->finish();
    if (d <= Duration(0)) Fields::fail(parent.at(key), "expected a duration > 0");
    note(key, format_duration(d));
    return d;
  }
  std::string conclusion(const std::string& key, const std::string& fallback) {
    Fields* f = nullptr;
    std::optional<Fields> holder;
    const json* v = open(key, f, holder);
    std::string c = fallback;
    if (v != nullptr) {
      c = f->choice<std::string>(v->is_object() ? "value" : key,
                                 {{"failure", "failure"}, {"cancelled", "cancelled"}, {"timed_out", "timed_out"}}, fallback);
    }
    if (holder) holder->finish();
    note(key, c);
    return c;
  }
};

sim::github::GitHubTimings read_timings(Fields& f, WorldFile& world) {
  // Reference C: the timings observed rather than documented.
  static const std::set<std::string> kUnconfirmed = {"lost_communication_delay", "offline_after_last_poll",
                                                     "queue_ttl_conclusion", "timeout_conclusion"};
  sim::github::GitHubTimings t;
  TimingReader r{f, world, kUnconfirmed};
  t.pickup_timeout = r.duration("pickup_timeout", t.pickup_timeout);
  t.queue_ttl = r.duration("queue_ttl", t.queue_ttl);
  t.queue_ttl_conclusion = r.conclusion("queue_ttl_conclusion", t.queue_ttl_conclusion);
  t.default_timeout_minutes = f.integer("default_timeout_minutes", t.default_timeout_minutes, 1, 43200);
  t.timeout_conclusion = r.conclusion("timeout_conclusion", t.timeout_conclusion);
  t.lock_renewal_interval = r.duration("lock_renewal_interval", t.lock_renewal_interval);
  t.lost_communication_delay = r.duration("lost_communication_delay", t.lost_communication_delay);
  t.offline_after_last_poll = r.duration("offline_after_last_poll", t.offline_after_last_poll);
  t.cancel_grace = r.duration("cancel_grace", t.cancel_grace);
  t.force_cancel_after = r.duration("force_cancel_after", t.force_cancel_after);
  t.queue_max = f.integer("queue_max", t.queue_max, 1, 100000);
  f.finish();
  return t;
}

// runs-on: "label", ["a", "b"], or {"group": "...", "labels": "label" | [...]}.
void read_runs_on(const json& v, const std::string& at, sim::github::JobSpec& job) {
  auto labels_of = [](const json& l, const std::string& where) {
    std::vector<std::string> out;
    if (l.is_string()) {
      out.push_back(l.get<std::string>());
    } else if (l.is_array() && !l.empty()) {
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (!l[i].is_string() || l[i].get<std::string>().empty()) {
          Fields::fail(where + "/" + std::to_string(i), "expected a runner label (a non-empty string)");
        }
        out.push_back(l[i].get<std::string>());
      }
    } else {
      Fields::fail(where, "expected a label or a non-empty array of labels");
    }
    return out;
  };
  if (v.is_object()) {
    Fields f(v, at);
    job.runs_on_group = f.text("group", std::string());
    if (const json* l = f.get("labels")) job.runs_on = labels_of(*l, f.at("labels"));
    if (job.runs_on_group.empty() && job.runs_on.empty()) Fields::fail(at, "expected \"group\", \"labels\" or both");
    f.finish();
    return;
  }
  job.runs_on = labels_of(v, at);
}

// concurrency: "group" or {"group", "cancel_in_progress", "queue": "single" | "max"}.
sim::github::ConcurrencySpec read_concurrency(const json& v, const std::string& at) {
  sim::github::ConcurrencySpec c;
  if (v.is_null()) return c;
  if (v.is_string()) {
    c.group = v.get<std::string>();
    return c;
  }
  Fields f(v, at);
  c.group = f.text("group");
  c.cancel_in_progress = f.flag("cancel_in_progress", false);
  c.queue_max = f.choice<bool>("queue", {{"single", false}, {"max", true}}, false);
  f.finish();
  // Reference A1: queue: max together with cancel-in-progress: true is a validation error.
  if (c.queue_max && c.cancel_in_progress) {
    Fields::fail(at, "queue: max cannot be combined with cancel_in_progress: true (GitHub rejects the workflow)");
  }
  if (c.group.empty()) Fields::fail(at + "/group", "expected a non-empty group name");
  return c;
}

// Orders jobs so that every job comes after the jobs it needs (stable otherwise).
std::vector<sim::github::JobSpec> order_jobs(const std::vector<sim::github::JobSpec>& jobs, const std::string& at) {
  std::vector<std::string> ids;
  for (const auto& j : jobs) ids.push_back(j.name);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    for (std::size_t n = 0; n < jobs[i].needs.size(); ++n) {
      if (std::find(ids.begin(), ids.end(), jobs[i].needs[n]) == ids.end()) {
        Fields::fail(at + "/" + std::to_string(i) + "/needs/" + std::to_string(n),
                     "no job \"" + jobs[i].needs[n] + "\" in this workflow; jobs: " + join(ids));
      }
    }
  }
  std::vector<sim::github::JobSpec> out;
  std::set<std::string> placed;
  while (out.size() < jobs.size()) {
    bool progress = false;
    for (const auto& j : jobs) {
      if (placed.count(j.name) != 0) continue;
      const bool ready = std::all_of(j.needs.begin(), j.needs.end(), [&](const std::string& n) { return placed.count(n) != 0; });
      if (!ready) continue;
      out.push_back(j);
      placed.insert(j.name);
      progress = true;
    }
    if (!progress) {
      std::vector<std::string> stuck;
      for (const auto& j : jobs) {
        if (placed.count(j.name) == 0) stuck.push_back(j.name);
      }
      Fields::fail(at, "the jobs' needs form a cycle among: " + join(stuck));
    }
  }
  return out;
}

sim::github::WorkflowSpec read_workflow(Fields& f, WorldFile& world) {
  sim::github::WorkflowSpec w;
  w.file = f.text("file");
  w.name = f.text("name", w.file);
  if (const json* c = f.get("concurrency")) w.concurrency = read_concurrency(*c, f.at("concurrency"));
  if (const json* in = f.get("inputs")) {
    if (!in->is_object()) Fields::fail(f.at("inputs"), "expected an object keyed by input name");
    w.inputs_declared = true;
    for (const auto& [name, spec] : in->items()) {
      Fields i(spec, f.at("inputs") + "/" + name);
      sim::github::WorkflowInput input;
      input.name = name;
      input.required = i.flag("required", false);
      input.type = i.choice<std::string>("type", {{"string", "string"}, {"boolean", "boolean"}, {"choice", "choice"},
                                                  {"number", "number"}, {"environment", "environment"}},
                                         "string");
      if (i.get("default") != nullptr) input.default_value = i.text("default");
      if (i.get("options") != nullptr) input.options = i.strings("options");
      i.text("description", std::string());
      i.finish();
      w.inputs.push_back(input);
    }
  }
  const json& jobs = f.need("jobs");
  if (!jobs.is_array() || jobs.empty()) Fields::fail(f.at("jobs"), "expected a non-empty array of jobs");
  std::vector<sim::github::JobSpec> read;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Fields j(jobs[i], f.at("jobs") + "/" + std::to_string(i));
    sim::github::JobSpec job;
    job.name = j.text("id");
    for (const auto& other : read) {
      if (other.name == job.name) Fields::fail(j.at("id"), "duplicate job id \"" + job.name + "\"");
    }
    read_runs_on(j.need("runs_on"), j.at("runs_on"), job);
    if (const json* c = j.get("concurrency")) job.concurrency = read_concurrency(*c, j.at("concurrency"));
    if (j.get("timeout_minutes") != nullptr) job.timeout_minutes = j.integer("timeout_minutes", 360, 1, 43200);
    job.environment = j.text("environment", std::string());
    if (j.get("needs") != nullptr) job.needs = j.strings("needs");
    if (j.get("run_time") != nullptr) {
      world.job_run_time[job.name] = read_distribution(j, "run_time", sim::Distribution::fixed(std::chrono::minutes(2)));
    }
    j.finish();
    read.push_back(job);
  }
  w.jobs = order_jobs(read, f.at("jobs"));
  return w;
}

sim::runner::RunnerHostSpec read_runner(Fields& f) {
  sim::runner::RunnerHostSpec r;
  r.runner_name = f.text("name");
  r.host = f.text("host");
  r.hostname = f.text("hostname", r.host);
  r.labels = f.strings("labels");
  r.runner_group = f.text("runner_group", std::string("Default"));
  // Whether the team has approved this runner for production deploys (what the
  // `authorized_runners_only` invariant checks).
  const bool authorized = f.flag("authorized_for_prod", false);
  r.authorized_for_prod = authorized ? "true" : "false";
  f.text("environment", std::string());  // documentation: the environment it serves
  if (const json* e = f.get("exporter")) {
    Fields x(*e, f.at("exporter"));
    r.exporter_port = x.integer("port", 9100, 1, 65535);
    if (x.get("metrics") != nullptr) {
      r.exported_metrics = x.strings("metrics");
      for (std::size_t i = 0; i < r.exported_metrics.size(); ++i) {
        const auto& known = sim::runner::kExporterMetrics;
        if (std::find(known.begin(), known.end(), r.exported_metrics[i]) == known.end()) {
          Fields::fail(x.at("metrics") + "/" + std::to_string(i),
                       "unknown metric \"" + r.exported_metrics[i] + "\"; the modelled exporter serves: " + join(known));
        }
      }
    }
    // The exporter's own labels (ENVIRONMENT / AUTHORIZED_FOR_PROD; defaults production / false).
    r.environment = x.text("environment", std::string("production"));
    r.authorized_for_prod = x.text("authorized_for_prod", r.authorized_for_prod);
    r.check_in_visible = x.flag("check_in_visible", true);
    r.collect_time = read_distribution(x, "collect_time", r.collect_time);
    x.finish();
  } else {
    r.exporter_port = 0;  // no exporter (a GitHub-hosted runner, say): nothing to scrape
  }
  if (const json* s = f.get("service")) {
    Fields x(*s, f.at("service"));
    r.poll_interval = x.duration("poll_interval", r.poll_interval);
    r.pickup_delay = x.duration("pickup_delay", r.pickup_delay);
    r.github_call_timeout = x.duration("github_call_timeout", r.github_call_timeout);
    x.finish();
  }
  if (const json* s = f.get("resources")) {
    Fields x(*s, f.at("resources"));
    r.cpu_percent = x.number("cpu_percent", r.cpu_percent);
    r.memory_percent = x.number("memory_percent", r.memory_percent);
    r.disk_percent = x.number("disk_percent", r.disk_percent);
    r.memory_total_bytes = x.number("memory_total_bytes", r.memory_total_bytes);
    r.disk_available_bytes = x.number("disk_available_bytes", r.disk_available_bytes);
    x.finish();
  }
  f.finish();
  return r;
}

// /runners and /exporters: every runner (unique names, one exporter per host:port) and
// the plain exporters; their hosts join the world's (`hosts`: the set beside the list).
void read_runners(Fields& top, sim::WorldSpec& spec, std::set<std::string>& hosts) {
  auto add_host = [&spec, &hosts](const std::string& h) {
    if (hosts.insert(h).second) spec.hosts.push_back(h);
  };
  const json& runners = top.need("runners");
  if (!runners.is_array() || runners.empty()) Fields::fail("/runners", "expected a non-empty array of runners");
  std::set<std::string> names;
  std::map<std::pair<std::string, int>, std::string> exporter_of;  // host:port -> runner
  for (std::size_t i = 0; i < runners.size(); ++i) {
    Fields f(runners[i], "/runners/" + std::to_string(i));
    auto r = read_runner(f);
    if (!names.insert(r.runner_name).second) Fields::fail(f.at("name"), "duplicate runner name \"" + r.runner_name + "\"");
    if (r.exporter_port != 0) {
      const auto [at, fresh] = exporter_of.emplace(std::make_pair(r.host, r.exporter_port), r.runner_name);
      if (!fresh) {
        Fields::fail(f.at("exporter") + "/port", "port " + std::to_string(r.exporter_port) + " on " + r.host +
                                                     " is already the exporter of " + at->second);
      }
    }
    add_host(r.host);
    spec.runners.push_back(r);
  }
  // Exporters that are not runners' (node exporters, ...): they answer every scrape.
  if (top.get("exporters") != nullptr) {
    const auto list = top.strings("exporters");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto [host, port] = split_target(list[i], "/exporters/" + std::to_string(i));
      if (const auto it = exporter_of.find({host, port}); it != exporter_of.end()) {
        Fields::fail("/exporters/" + std::to_string(i), list[i] + " is already the exporter of " + it->second);
      }
      spec.plain_exporters.emplace_back(host, port);
      add_host(host);
    }
  }
}

// /github/environments: wait timers, reviewers and branch rules.
void read_environments(Fields& g, sim::WorldSpec& spec) {
  if (const json* envs = g.get("environments")) {
    if (!envs->is_object()) Fields::fail("/github/environments", "expected an object of environments by name");
    for (const auto& [name, value] : envs->items()) {
      Fields e(value, "/github/environments/" + name);
      sim::github::EnvironmentSpec env;
      env.wait_timer = e.duration("wait_timer", Duration(0));
      if (env.wait_timer > sim::github::kEnvironmentApprovalLimit) {
        Fields::fail(e.at("wait_timer"), "GitHub's wait timer is at most 30 days (43200 minutes)");
      }
      if (const json* rv = e.get("required_reviewers")) {
        if (!rv->is_array()) Fields::fail(e.at("required_reviewers"), "expected the reviewers' names (a list)");
        env.required_reviewers = !rv->empty();
      }
      if (e.get("approval_after") != nullptr) env.approval_after = e.duration("approval_after");
      if (e.get("branches") != nullptr) env.branches = e.strings("branches");
      e.finish();
      spec.environments[name] = env;
    }
  }
}

// The deploy job's environment lets a deploy through, and every job of the deploy
// workflow has a runner: else no deploy would ever start, which is an error naming why.
void check_deploy_workflow(const WorldFile& w, const sim::github::WorkflowSpec* deploy) {
  const sim::WorldSpec& spec = w.spec;
  // The deploy job's environment must be able to let a deploy through.
  for (const auto& job : deploy->jobs) {
    const auto env = job.environment.empty() ? spec.environments.end() : spec.environments.find(job.environment);
    if (env == spec.environments.end()) continue;
    const std::string at = "/github/environments/" + env->first;
    if (env->second.required_reviewers && !env->second.approval_after) {
      Fields::fail(at + "/approval_after",
                   "job " + job.name + " deploys to environment " + env->first + ", which needs a reviewer's approval; "
                   "nobody approves in a simulation, so every deploy would wait 30 days and fail: say how long your "
                   "reviewers take (approval_after, e.g. \"10m\"; failsim import github --approval-after)");
    }
    const auto& allowed = env->second.branches;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), w.default_branch) == allowed.end()) {
      Fields::fail(at + "/branches", "environment " + env->first + " allows deploys from [" + join(allowed) +
                                         "] only, and deploys are dispatched on the default branch " + w.default_branch +
                                         ": every deploy would fail (set /github/default_branch or the branches)");
    }
  }
  // Every job of the deploy workflow, the deploy job too, must have a runner, or no
  // deploy ever starts (a policy may send the deploy job elsewhere: checked per scenario).
  for (std::size_t i = 0; i < deploy->jobs.size(); ++i) {
    const auto& job = deploy->jobs[i];
    const std::string why = why_no_runner(job.runs_on, job.runs_on_group, spec.runners);
    if (!why.empty()) {
      std::vector<std::string> offered;
      for (const auto& r : spec.runners) offered.push_back(r.runner_name + " [" + join(r.labels) + "] in " + r.runner_group);
      Fields::fail("/github/workflows/" + std::to_string(deploy - w.workflows.data()) + "/jobs/" + std::to_string(i),
                   "job " + job.name + ": " + why + ", so no deploy would ever start; runners: " + join(offered, "; ") +
                       " (a runner's GitHub labels: failsim import github; a GitHub-hosted runner is a runner on "
                       "host github-hosted without an exporter)");
    }
  }
}

// /github: the repository, branch, timings, environments, workflows and the deploy job.
void read_github(Fields& g, WorldFile& w) {
  sim::WorldSpec& spec = w.spec;
  w.repository = g.text("repository");
  if (w.repository.find('/') == std::string::npos || w.repository.front() == '/' || w.repository.back() == '/') {
    Fields::fail("/github/repository", "expected owner/name, got \"" + w.repository + "\"");
  }
  w.default_branch = g.text("default_branch", w.default_branch);
  if (const json* t = g.get("timings")) {
    Fields f(*t, "/github/timings");
    spec.github = read_timings(f, w);
  } else {
    json empty = json::object();
    Fields f(empty, "/github/timings");
    spec.github = read_timings(f, w);
  }
  read_environments(g, spec);
  const json& workflows = g.need("workflows");
  if (!workflows.is_array() || workflows.empty()) Fields::fail("/github/workflows", "expected a non-empty array of workflows");
  for (std::size_t i = 0; i < workflows.size(); ++i) {
    Fields f(workflows[i], "/github/workflows/" + std::to_string(i));
    w.workflows.push_back(read_workflow(f, w));
    f.finish();
  }
  Fields d(g.need("deploy"), "/github/deploy");
  w.deploy_workflow = d.text("workflow");
  w.deploy_job = d.text("job");
  d.finish();
  std::vector<std::string> files;
  const sim::github::WorkflowSpec* deploy = nullptr;
  for (const auto& wf : w.workflows) {
    files.push_back(wf.file);
    if (wf.file == w.deploy_workflow) deploy = &wf;
  }
  if (deploy == nullptr) Fields::fail("/github/deploy/workflow", "no workflow \"" + w.deploy_workflow + "\"; workflows: " + join(files));
  std::vector<std::string> jobs;
  bool found = false;
  for (const auto& j : deploy->jobs) {
    jobs.push_back(j.name);
    found = found || j.name == w.deploy_job;
  }
  if (!found) Fields::fail("/github/deploy/job", "no job \"" + w.deploy_job + "\" in " + w.deploy_workflow + "; jobs: " + join(jobs));
  check_deploy_workflow(w, deploy);
}

WorldFile read_world(const json& root, const std::string& source) {
  Fields top(root, "");
  WorldFile w;
  w.file = source;
  if (top.integer("world_version", 0, 1, 1) != 1) Fields::fail("/world_version", "missing required field (1)");
  w.name = top.text("name");
  w.description = top.text("description", std::string());
  top.text("$schema", std::string());
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  sim::WorldSpec& spec = w.spec;
  if (top.get("hosts") != nullptr) spec.hosts = top.strings("hosts");
  if (const json* n = top.get("network")) {
    Fields f(*n, "/network");
    spec.lan_latency = read_distribution(f, "lan_latency", spec.lan_latency);
    f.finish();
  }
  // Sets beside the lists, so a world of thousands of runners or targets loads in linear time.
  std::set<std::string> hosts(spec.hosts.begin(), spec.hosts.end());
  read_runners(top, spec, hosts);
  {
    Fields p(top.need("prometheus"), "/prometheus");
    read_prometheus(p, w, dir);
    p.finish();
    if (hosts.insert(spec.prometheus.host).second) spec.hosts.push_back(spec.prometheus.host);
  }
  {
    Fields g(top.need("github"), "/github");
    read_github(g, w);
    g.finish();
  }
  {
    Fields p(top.need("production"), "/production");
    spec.production_version = p.text("initial_version");
    if (p.get("steps") != nullptr) spec.production_steps = p.strings("steps");
    w.deploy_step = read_distribution(p, "deploy_step", w.deploy_step);
    w.rollback_time = read_distribution(p, "rollback_time", w.rollback_time);
    w.attempt_failure_probability = p.probability("attempt_failure_probability", 0.0);
    if (w.attempt_failure_probability < 0 || w.attempt_failure_probability > 1) {
      Fields::fail("/production/attempt_failure_probability", "expected a number in [0, 1]");
    }
    p.finish();
  }
  w.background = read_background(top);
  top.finish();
  return w;
}

}  // namespace

const sim::github::WorkflowSpec& WorldFile::deploy_workflow_spec() const {
  for (const auto& wf : workflows) {
    if (wf.file == deploy_workflow) return wf;
  }
  return workflows.front();  // unreachable for a validated world
}

std::string WorldFile::server_path_for(const std::string& local_path) const {
  for (std::size_t i = 0; i < rule_files.size(); ++i) {
    if (rule_files[i] == local_path) return rule_server_paths[i];
  }
  return (std::filesystem::path(prometheus_config_dir) / std::filesystem::path(local_path).filename()).string();
}

std::map<std::string, std::string> WorldFile::instances() const {
  std::map<std::pair<std::string, int>, const std::string*> runner_at;  // the last runner there wins, as before
  for (const auto& r : spec.runners) runner_at[{r.host, r.exporter_port}] = &r.runner_name;
  std::map<std::string, std::string> out;
  for (const auto& c : spec.scrape_configs) {
    for (const auto& t : c.targets) {
      if (const auto it = runner_at.find({t.host, t.port}); it != runner_at.end()) out[t.host + ":" + std::to_string(t.port)] = *it->second;
    }
  }
  return out;
}

std::string why_no_runner(const std::vector<std::string>& labels, const std::string& group,
                          const std::vector<sim::runner::RunnerHostSpec>& runners) {
  const bool any_group = group.empty();
  std::size_t best_missing = SIZE_MAX;
  std::string closest;
  for (const auto& r : runners) {
    const bool group_ok = any_group || json_fields::lower(group) == json_fields::lower(r.runner_group);
    std::vector<std::string> missing;
    for (const auto& l : labels) {
      if (!sim::github::GitHub::labels_match(r.labels, {l})) missing.push_back(l);
    }
    if (group_ok && missing.empty()) return "";
    const std::size_t score = missing.size() + (group_ok ? 0 : 1);
    if (score < best_missing) {
      best_missing = score;
      closest = r.runner_name + " (" + (missing.empty() ? "" : "missing: " + join(missing)) +
                (group_ok ? "" : std::string(missing.empty() ? "" : "; ") + "in group " + r.runner_group + ", not " + group) + ")";
    }
  }
  std::string out = "no runner has all of [" + join(labels) + "]" + (any_group ? "" : " in runner group " + group);
  return out + (closest.empty() ? "; the world has no runners" : "; closest: " + closest);
}

Result<WorldFile> parse_world(const std::string& json_text, const std::string& source) {
  return json_fields::read_document<WorldFile>(json_text, source, [&](const json& root) { return read_world(root, source); });
}

Result<WorldFile> load_world(const std::string& path, const std::vector<Override>& overrides) {
  const auto text = read_input_file(path);
  if (!text) return Result<WorldFile>::error(path + ": cannot read the world file: " + text.error());
  return parse_with_overrides<WorldFile>(text.value(), path, "world", overrides, parse_world);
}

}  // namespace failsim::harness
