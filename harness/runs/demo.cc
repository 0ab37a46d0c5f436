#include "harness/runs/demo.h"

#include <cstdio>
#include <optional>

#include "failover/duration.h"
#include "sim/engine.h"
#include "sim/random.h"

namespace failsim::harness {
namespace {

// One scraped sample: the value and the time it is stamped with (scrape start).
struct Sample {
  double value;
  TimePoint at;
};

struct AlertRule {
  const char* name;
  std::optional<TimePoint> active_since;  // pending/firing since this evaluation
  bool firing = false;
};

class Demo {
 public:
  explicit Demo(const DemoOptions& o)
      : o_(o),
        offsets_(sim::Rng::stream(o.seed, "prometheus/scrape-offset")),
        latency_(sim::Rng::stream(o.seed, "network/latency")) {}

  DemoResult run() {
    const TimePoint fault_from = TimePoint(o_.fault_start);
    const TimePoint fault_to = fault_from + o_.fault_length;
    engine_.schedule_at(fault_from, [this] {
      partitioned_ = true;
      line("fault", "one-way partition: prometheus -> serotonin:9102 dropped (runner still reaches GitHub)");
    });
    engine_.schedule_at(fault_to, [this] {
      partitioned_ = false;
      line("fault", "partition healed");
    });
    // Prometheus gives each target a fixed offset within the interval.
    const auto offset_us = offsets_.uniform_int(0, o_.scrape_interval.count() - 1);
    engine_.schedule_at(TimePoint(Duration(offset_us)), [this] { scrape(); });
    engine_.schedule_at(TimePoint(o_.evaluation_interval), [this] { evaluate(); });
    engine_.run_until(TimePoint(o_.run_length));
    result_.events = engine_.executed();
    return std::move(result_);
  }

 private:
  void scrape() {
    const TimePoint start = engine_.now();
    if (partitioned_) {
      // Drop: no answer; the scrape fails when its timeout expires. `up` is stamped at
      // the scrape's start, and the runner's series get stale markers (they vanish).
      engine_.schedule_after(o_.scrape_timeout, [this, start] {
        set_up(0.0, start, "context deadline exceeded");
        runner_status_.reset();
      });
    } else {
      const double ms = latency_.lognormal(/*mu=ln 20ms*/ 2.9957, 0.25);
      engine_.schedule_after(Duration(static_cast<std::int64_t>(ms * 1000.0)), [this, start] {
        set_up(1.0, start, "");
        runner_status_ = Sample{1.0, start};
      });
    }
    engine_.schedule_after(o_.scrape_interval, [this] { scrape(); });
  }

  void set_up(double value, TimePoint stamped, const char* error) {
    const bool changed = !up_ || up_->value != value;
    up_ = Sample{value, stamped};
    if (changed) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "up=%g stamped %s%s%s", value,
                    format_duration(stamped.time_since_epoch()).c_str(), *error ? ": " : "", error);
      line("scrape", buf);
    }
  }

  // An alert rule's step: a result keeps it pending (then firing after `for`); no
  // result drops it to inactive.
  void step_rule(AlertRule& rule, bool has_result, std::optional<Duration>& first_fired) {
    const TimePoint now = engine_.now();
    if (!has_result) {
      if (rule.active_since) line("alert", std::string(rule.name) + " -> inactive");
      rule.active_since.reset();
      rule.firing = false;
      return;
    }
    if (!rule.active_since) {
      rule.active_since = now;
      line("alert", std::string(rule.name) + " -> pending");
    }
    if (!rule.firing && now - *rule.active_since >= o_.alert_for) {
      rule.firing = true;
      if (!first_fired) first_fired = now.time_since_epoch();
      line("alert", std::string(rule.name) + " -> FIRING");
    }
  }

  void evaluate() {
    step_rule(up_rule_, up_ && up_->value == 0.0, result_.up_alert_firing);
    step_rule(status_rule_, runner_status_ && runner_status_->value == 0.0,
              result_.status_alert_firing);
    engine_.schedule_after(o_.evaluation_interval, [this] { evaluate(); });
  }

  void line(const char* kind, const std::string& text) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%10s  %-7s", format_duration(engine_.now().time_since_epoch()).c_str(),
                  kind);
    result_.timeline += buf;
    result_.timeline += text;
    result_.timeline += '\n';
  }

  DemoOptions o_;
  sim::Engine engine_;
  sim::Rng offsets_;
  sim::Rng latency_;
  bool partitioned_ = false;
  std::optional<Sample> up_;
  std::optional<Sample> runner_status_;
  AlertRule up_rule_{"RunnerScrapeDown (up == 0)", {}, false};
  AlertRule status_rule_{"RunnerOffline (runner_status == 0)", {}, false};
  DemoResult result_;
};

}  // namespace

DemoResult run_demo(const DemoOptions& options) { return Demo(options).run(); }

}  // namespace failsim::harness
