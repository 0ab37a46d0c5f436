#include "sim/prometheus/alertmanager.h"

#include <cstdio>

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

namespace failsim::sim::prometheus {

// ---- matchers -------------------------------------------------------------------

bool AmMatcher::matches(const Labels& labels) const {
  const std::string v(label_value(labels, name));
  switch (op) {
    case Op::kEq: return v == value;
    case Op::kNe: return v != value;
    case Op::kRe:
    case Op::kNre: {
      // Compiled once per distinct regex (a matcher is checked at every flush).
      thread_local std::map<std::string, std::unique_ptr<RE2>> compiled;
      auto& re = compiled[value];
      if (!re) {
        RE2::Options o;
        o.set_log_errors(false);
        re = std::make_unique<RE2>("^(?:" + value + ")$", o);
      }
      return RE2::FullMatch(v, *re) == (op == Op::kRe);
    }
  }
  return false;
}

Result<AmMatcher> parse_am_matcher(const std::string& text) {
  using R = Result<AmMatcher>;
  std::size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip();
  AmMatcher m;
  const std::size_t name_start = i;
  // A label name, or a quoted one (0.25 accepts both).
  if (i < text.size() && text[i] == '"') {
    const auto close = text.find('"', i + 1);
    if (close == std::string::npos) return R::error("matcher " + text + ": unterminated quoted name");
    m.name = text.substr(i + 1, close - i - 1);
    i = close + 1;
  } else {
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
    m.name = text.substr(name_start, i - name_start);
  }
  if (m.name.empty()) return R::error("matcher \"" + text + "\": expected a label name");
  skip();
  if (text.compare(i, 2, "=~") == 0) {
    m.op = AmMatcher::Op::kRe, i += 2;
  } else if (text.compare(i, 2, "!~") == 0) {
    m.op = AmMatcher::Op::kNre, i += 2;
  } else if (text.compare(i, 2, "!=") == 0) {
    m.op = AmMatcher::Op::kNe, i += 2;
  } else if (text.compare(i, 1, "=") == 0) {
    m.op = AmMatcher::Op::kEq, i += 1;
  } else {
    return R::error("matcher \"" + text + "\": expected =, !=, =~ or !~ after " + m.name);
  }
  skip();
  if (i < text.size() && text[i] == '"') {
    ++i;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\' && i + 1 < text.size()) {
        ++i;
        m.value += text[i] == 'n' ? '\n' : text[i];
      } else {
        m.value += text[i];
      }
      ++i;
    }
    if (i >= text.size()) return R::error("matcher \"" + text + "\": unterminated quoted value");
    ++i;
  } else {
    std::size_t end = text.size();
    while (end > i && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    m.value = text.substr(i, end - i);
    i = end;
  }
  skip();
  if (i != text.size()) return R::error("matcher \"" + text + "\": unexpected text after the value");
  if (m.op == AmMatcher::Op::kRe || m.op == AmMatcher::Op::kNre) {
    RE2::Options o;
    o.set_log_errors(false);
    const RE2 re("^(?:" + m.value + ")$", o);
    if (!re.ok()) return R::error("matcher \"" + text + "\": invalid regex: " + re.error());
  }
  return R::ok(m);
}

std::string to_string(const AmMatcher& m) {
  const char* op = m.op == AmMatcher::Op::kEq ? "=" : m.op == AmMatcher::Op::kNe ? "!=" : m.op == AmMatcher::Op::kRe ? "=~" : "!~";
  return m.name + op + "\"" + m.value + "\"";
}

namespace {

bool all_match(const std::vector<AmMatcher>& ms, const Labels& labels) {
  return std::all_of(ms.begin(), ms.end(), [&](const AmMatcher& m) { return m.matches(labels); });
}

}  // namespace

// ---- the route tree -----------------------------------------------------------------

Alertmanager::Alertmanager(Engine& engine, AlertmanagerConfig config, TimePoint start)
    : engine_(engine), config_(std::move(config)), start_(start) {
  FlatRoute root;
  root.receiver = config_.receiver;
  root.group_by = config_.group_by;
  root.group_by_all = std::find(config_.group_by.begin(), config_.group_by.end(), "...") != config_.group_by.end();
  root.group_wait = config_.group_wait;
  root.group_interval = config_.group_interval;
  root.repeat_interval = config_.repeat_interval;
  routes_.push_back(root);
  for (const auto& child : config_.routes) {
    const std::size_t index = flatten(&child, routes_[0]);
    routes_[0].children.push_back(index);
  }
}

std::size_t Alertmanager::flatten(const AmRoute* route, const FlatRoute& parent) {
  FlatRoute r;
  r.receiver = route->receiver.empty() ? parent.receiver : route->receiver;
  r.matchers = route->matchers;
  r.group_by = route->group_by ? *route->group_by : parent.group_by;
  r.group_by_all = route->group_by ? std::find(route->group_by->begin(), route->group_by->end(), "...") != route->group_by->end()
                                   : parent.group_by_all;
  r.group_wait = route->group_wait.value_or(parent.group_wait);
  r.group_interval = route->group_interval.value_or(parent.group_interval);
  r.repeat_interval = route->repeat_interval.value_or(parent.repeat_interval);
  r.continue_matching = route->continue_matching;
  const std::size_t index = routes_.size();
  routes_.push_back(r);
  const FlatRoute self = routes_[index];  // (routes_ grows below)
  for (const auto& child : route->routes) {
    const std::size_t c = flatten(&child, self);
    routes_[index].children.push_back(c);
  }
  return index;
}

void Alertmanager::match_into(std::size_t route, const Labels& labels, std::vector<std::size_t>& out) const {
  const FlatRoute& r = routes_[route];
  if (!all_match(r.matchers, labels)) return;
  const std::size_t before = out.size();
  for (const std::size_t child : r.children) {
    const std::size_t had = out.size();
    match_into(child, labels, out);
    if (out.size() > had && !routes_[child].continue_matching) break;
  }
  if (out.size() == before) out.push_back(route);
}

std::vector<std::size_t> Alertmanager::match(const Labels& labels) const {
  std::vector<std::size_t> out;
  match_into(0, labels, out);
  return out;
}

bool Alertmanager::muted(const Labels& labels, TimePoint now) const {
  return !silenced_by(labels, now).empty() || !inhibited_by(labels).empty();
}

namespace {
const TimePoint kFarFuture = TimePoint(std::chrono::seconds(4102358400));  // 2099-12-31T00:00:00Z
}  // namespace

std::vector<Alertmanager::SilenceRecord> Alertmanager::silences() const {
  std::vector<SilenceRecord> all;
  for (const auto& s : config_.silences) {
    all.push_back({s.id, s.matchers, start_ + s.starts, s.ends ? start_ + *s.ends : kFarFuture, start_ + s.starts, "failsim", "configured"});
  }
  all.insert(all.end(), made_silences_.begin(), made_silences_.end());
  return all;
}

std::string Alertmanager::add_silence(std::vector<AmMatcher> matchers, TimePoint starts, TimePoint ends, std::string created_by,
                                      std::string comment) {
  char id[40];
  std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012llx", static_cast<unsigned long long>(made_silences_.size() + 1));
  made_silences_.push_back({id, std::move(matchers), starts, ends, engine_.now(), std::move(created_by), std::move(comment)});
  return id;
}

std::string Alertmanager::expire_silence(const std::string& id, TimePoint now) {
  for (auto& s : made_silences_) {
    if (s.id != id) continue;
    if (s.ends <= now) return "already expired";
    s.ends = now;
    if (s.starts > now) s.starts = now;
    s.updated = now;
    return "";
  }
  for (const auto& s : config_.silences) {
    if (s.id == id) return "configured in the world: it lasts as configured";
  }
  return "not found";
}

std::vector<std::string> Alertmanager::silenced_by(const Labels& labels, TimePoint now) const {
  std::vector<std::string> ids;
  for (const auto& s : silences()) {
    if (now >= s.starts && now < s.ends && all_match(s.matchers, labels)) ids.push_back(s.id);
  }
  return ids;
}

bool Alertmanager::inhibits(const InhibitRule& rule, const Labels& labels, std::vector<Labels>* sources) const {
  if (!all_match(rule.target, labels)) return false;
  const bool self_source = all_match(rule.source, labels);
  bool any = false;
  for (const auto& held : held_) {
    const Labels& held_labels = held.first;  // a plain reference: clang 14 cannot capture a structured binding
    if (!all_match(rule.source, held_labels)) continue;
    if (self_source && all_match(rule.target, held_labels)) continue;  // two-sided matches do not inhibit
    const bool equal = std::all_of(rule.equal.begin(), rule.equal.end(), [&](const std::string& name) {
      return label_value(held_labels, name) == label_value(labels, name);
    });
    if (!equal) continue;
    any = true;
    if (sources == nullptr) return true;
    if (std::find(sources->begin(), sources->end(), held_labels) == sources->end()) sources->push_back(held_labels);
  }
  return any;
}

std::vector<Labels> Alertmanager::inhibited_by(const Labels& labels) const {
  std::vector<Labels> sources;
  for (const auto& rule : config_.inhibit_rules) inhibits(rule, labels, &sources);
  return sources;
}

// ---- grouping and notification ----------------------------------------------------

void Alertmanager::receive(const AlertChange& change) {
  if (change.to == AlertState::kPending) return;  // Prometheus sends firing and resolved alerts only
  const bool firing = change.to == AlertState::kFiring;
  if (!firing && change.from != AlertState::kFiring) return;  // a pending alert that went away
  if (firing) {
    auto [it, added] = held_.try_emplace(change.labels, Held{change.labels, change.at, change.at});
    it->second.updated_at = change.at;
  } else {
    held_.erase(change.labels);
  }
  for (const std::size_t route : match(change.labels)) {
    const FlatRoute& r = routes_[route];
    const GroupKey key{route, r.group_by_all ? change.labels : keep_only(change.labels, r.group_by)};
    Group& g = groups_[key];
    if (firing) {
      g.firing[change.labels] = true;
      g.resolved.erase(change.labels);
    } else {
      g.firing.erase(change.labels);
      if (g.notified_once) g.resolved.insert(change.labels);
    }
    g.changed = true;
    if (!g.flush_scheduled && !g.notified_once) {
      if (g.firing.empty()) continue;  // resolved before anything was sent
      g.flush_scheduled = true;
      engine_.schedule_after(r.group_wait, [this, key] { flush(key); });
    }
  }
}

void Alertmanager::flush(const GroupKey& key) {
  Group& g = groups_[key];
  const FlatRoute& r = routes_[key.route];
  const TimePoint now = engine_.now();
  const bool repeat_due = g.notified_once && now - g.last_notified >= r.repeat_interval;
  if ((g.changed || repeat_due) && (!g.firing.empty() || !g.resolved.empty())) {
    Notification n{now, r.receiver, key.labels, {}, {}};
    for (const auto& [labels, present] : g.firing) {
      if (!muted(labels, now)) {
        n.firing.push_back(labels);
        continue;
      }
      inhibitions_.resize(config_.inhibit_rules.size());
      for (std::size_t i = 0; i < config_.inhibit_rules.size(); ++i) inhibitions_[i] += inhibits(config_.inhibit_rules[i], labels) ? 1 : 0;
    }
    for (const auto& labels : g.resolved) {
      if (!muted(labels, now)) n.resolved.push_back(labels);
    }
    // Everything muted: nothing is sent, and the group waits as if it had been.
    if (!n.firing.empty() || !n.resolved.empty()) {
      notifications_.push_back(std::move(n));
      g.notified_once = true;
    }
    g.last_notified = now;
    g.changed = false;
    g.resolved.clear();
  }
  if (g.firing.empty() && g.resolved.empty()) {
    g.flush_scheduled = false;  // the group ends; a new alert starts a new group_wait
    g.notified_once = false;
    return;
  }
  engine_.schedule_after(r.group_interval, [this, key] { flush(key); });
}

std::vector<Alertmanager::Held> Alertmanager::held() const {
  std::vector<Held> out;
  for (const auto& [labels, h] : held_) out.push_back(h);
  return out;
}

std::optional<TimePoint> Alertmanager::first_notified(const std::string& alertname) const {
  for (const auto& n : notifications_) {
    for (const auto& l : n.firing) {
      if (label_value(l, "alertname") == alertname) return n.at;
    }
  }
  return std::nullopt;
}

}  // namespace failsim::sim::prometheus
