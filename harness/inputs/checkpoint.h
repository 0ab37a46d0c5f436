// Checkpoints of a game-day plan (harness/inputs/gameday_plan.h): what the facilitator expects
// to see, each judged after the run from its record as pass/fail with the time it was
// met. Times are offsets from the run's start ("T+").
//
//   alert_firing NAME   [instance I]   the alert NAME went firing (for instance I)
//   alert_notified NAME                Alertmanager sent a notification carrying NAME firing
//   target_down INSTANCE               a scrape of INSTANCE failed (the target went down)
//   deploy_lands {runner?, version?}   a deploy request (of that version) landed (on that runner)
//   never deploy_on_unhealthy_runner   no deploy attempt started on a runner that was not
//                                      healthy by ground truth at that moment (the same
//                                      truth properties use: harness/inputs/property.h)
// Each but `never` takes `by` (met at or before T+by) and `after` (only what happens at
// or after T+after counts; default 0s); deploy_lands may take `within` instead (landed
// within that long of the request's trigger). A checkpoint with neither is met whenever
// it happens before the run ends.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "failover/json_fields.h"
#include "failover/time.h"
#include "reports/results.h"

namespace failsim::harness {

struct Checkpoint {
  enum class Kind { kAlertFiring, kAlertNotified, kTargetDown, kDeployLands, kNeverDeployOnUnhealthy };
  Kind kind = Kind::kAlertFiring;
  std::string name;      // given, or the description
  std::string subject;   // alert name | instance
  std::string instance;  // alert_firing: only this instance's alert
  std::string runner;    // deploy_lands
  std::string version;   // deploy_lands
  std::optional<Duration> by;
  std::optional<Duration> within;  // deploy_lands
  Duration after{0};
};

// One checkpoint object; throws json_fields::Invalid naming the field.
Checkpoint read_checkpoint(json_fields::Fields& f);
// "by T+7m the RunnerScrapeDown alert is firing"
std::string describe(const Checkpoint& c);

// What a run recorded, for judging checkpoints (seconds after the run's start).
struct CheckpointObservations {
  const std::vector<reports::TraceEvent>* trace = nullptr;  // alert and scrape events
  std::int64_t start_us = 0;                                // the run's start (Unix us)
  std::vector<std::pair<double, std::vector<std::string>>> notifications;  // when, alert names firing
  const std::vector<reports::DeployResult>* deploys = nullptr;
  struct Attempt {
    double at = 0;
    std::string runner;
    char truth = '?';  // ground truth then: 'h' healthy, 'u' up not healthy, 'd' down, '?' unknown
    std::string why;   // the same in words, with the cause ("down to Prometheus: its exporter was unreachable ...")
  };
  std::vector<Attempt> attempts;
  double run_end = 0;
};

std::vector<reports::CheckpointResult> judge_checkpoints(const std::vector<Checkpoint>& checkpoints,
                                                         const CheckpointObservations& seen);

}  // namespace failsim::harness
