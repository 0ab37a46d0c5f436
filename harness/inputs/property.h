// Properties: user-written "if ... then ..." rules a run is checked against, in the
// expectation language (a scenario's expect.POLICY.properties, or an explore config's
// `properties`). Each pairs one condition about ground truth with one consequence:
//
//   runner_down_for D            a runner was down for D without a break: its host down,
//                                its runner service not active, its exporter stopped, or
//                                its exporter unreachable from the Prometheus host
//                                -> alert_fires_within W: an alert about that runner
//                                   (label instance, hostname or runner_name) is firing
//                                   at some moment within W of the outage's start
//   runner_down_fraction F over D [times N] [min_outage L]   in some window of length D
//                                the runner was down at least a fraction F of the time, in
//                                at least N separate outages (default 1; N > 1: a flap, a
//                                crash loop), an outage counting once it has lasted L inside
//                                the window (default 0s: any; an outage shorter than a
//                                scrape interval may be invisible to Prometheus)
//                                -> alert_fires_within W, counted from the moment the
//                                   window first reached F (an alert firing during the
//                                   window counts too)
//   deploy_requested_while_runner_healthy M   a deploy was requested (no other request
//                                in flight, none made before it ended) while some
//                                authorized runner was healthy from M before it to W
//                                after it: up as above, reaching GitHub and
//                                Prometheus (as the gate host does), cpu, memory and disk
//                                at most 90 %, and no cancel_run, loss or latency fault in
//                                that window (a gate or a human may rightly stop a deploy
//                                then) -> deploy_lands_within W: it landed within W
//   deploy_requested_quiet_for Q  a deploy was requested with no fault active from Q
//                                before it to W after it, no other request in flight and none
//                                made before it ended
//                                -> deploy_lands_within W: it landed within W
//
// Ground truth is sampled every kPropertySampleEvery of virtual time by the harness,
// from the model's own state (never from Prometheus); while the Prometheus host is down
// a runner's state is unknown and breaks a streak. A condition whose window runs past
// the end of the run is not judged unless its consequence already held.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failover/json_fields.h"
#include "failover/time.h"

namespace failsim::harness {

inline constexpr Duration kPropertySampleEvery = std::chrono::seconds(5);

struct Property {
  enum class When { kRunnerDownFor, kRunnerDownFraction, kDeployRequestedQuiet, kDeployWithHealthyRunner };
  enum class Then { kAlertFiresWithin, kDeployLandsWithin };
  std::string name;
  When when = When::kRunnerDownFor;
  Duration down_for{0};    // kRunnerDownFor
  double fraction = 0;     // kRunnerDownFraction
  Duration over{0};        // kRunnerDownFraction
  int times = 1;           // kRunnerDownFraction: separate outages within the window
  Duration min_outage{0};  // kRunnerDownFraction: how long an outage lasts before it counts
  Duration quiet_for{0};   // kDeployRequestedQuiet; kDeployWithHealthyRunner: healthy since
  Then then = Then::kAlertFiresWithin;
  Duration within{0};
};

// One property object; throws json_fields::Invalid naming the field.
Property read_property(json_fields::Fields& f);
// The property as a JSON object in the file format (what read_property reads).
json_fields::json property_json(const Property& p);
// "if a runner is down for 5m, an alert about it fires within 7m"
std::string describe(const Property& p);

// What a run observed, for judging properties. Times are offsets from the run's start.
struct PropertyObservations {
  struct Runner {
    std::string name;
    bool authorized = false;    // authorized for production deploys
    // per kPropertySampleEvery from the start: 'h' healthy, 'u' up (not healthy), 'd' down,
    // '?' unknown (the Prometheus host is down)
    std::vector<char> samples;
    std::vector<std::pair<Duration, Duration>> firing;  // alerts about it: [from, to)
  };
  struct Deploy {
    Duration requested{0};
    std::optional<Duration> done;
    bool landed = false;
  };
  std::vector<Runner> runners;
  std::vector<Deploy> deploys;
  struct Fault {
    std::string kind;  // as in the scenario format
    Duration from{0}, to{0};  // active window [from, to); cancel_run: one second
  };
  std::vector<Fault> faults;
  Duration run_end{0};
};

struct PropertyViolation {
  std::string property;  // its name
  std::string detail;
};

// The first violation of each property, in the order given.
std::vector<PropertyViolation> judge_properties(const std::vector<Property>& properties,
                                                const PropertyObservations& seen);

}  // namespace failsim::harness
