// LiveLoop: drives one sim::Engine in scaled real time and is the only way other
// threads reach the simulated world.
//
// Contract
//  - Pacing: an event at virtual time t fires when the wall clock reaches
//    wall_origin + (t - sim_origin) / speed. `--speed 60` turns a 10-minute deploy into
//    10 s. The models are the same code `failsim run` uses; only who calls
//    Engine::run_until changes. When the engine falls behind (a burst of events), it
//    catches up as fast as it can and never reorders events.
//  - Inbox: post()/call() hand a task to the engine thread; tasks run in FIFO order at
//    the current virtual time (first every event due by the wall clock has run). This
//    is how HTTP handlers read and change the world: nothing else touches it.
//  - Frozen waits: run_frozen_until(done) runs on the engine thread (typically inside
//    an event callback) and serves the inbox without advancing virtual time until
//    done() is true; pacing then resumes from the frozen instant. A live gate calling
//    the fake Prometheus over HTTP uses it, so its queries see the world exactly at the
//    instant the simulated gate would have seen it.
//  - Pause and speed (engine thread, e.g. from a posted task): set_paused(true) holds
//    virtual time where it is (the inbox is still served, so clients see the world
//    frozen); set_paused(false) and set_speed(x) re-base the pacing at the current
//    instant, so no event runs early or in a burst.
//  - stop() (any thread) makes run_until/run_frozen_until return promptly; tasks still
//    in the inbox are dropped and their call() returns nullopt; later posts are refused.
//
// Thread safety: post, call, stop, stopped, wake are thread-safe; run_until and
// run_frozen_until must be called from the one engine thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <type_traits>

#include "failover/time.h"
#include "sim/engine.h"

namespace failsim::fakes {

class LiveLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // REQUIRES: speed > 0.
  LiveLoop(sim::Engine& engine, double speed);
  LiveLoop(const LiveLoop&) = delete;
  LiveLoop& operator=(const LiveLoop&) = delete;

  // Engine thread. Runs events paced by the wall clock until virtual time `until`
  // (then now() == until) or stop(). Returns true when `until` was reached.
  bool run_until(TimePoint until);
  // Engine thread. Serves the inbox with virtual time frozen until done() or stop().
  void run_frozen_until(const std::function<bool()>& done);

  // Any thread. false when the loop is stopped (the task is dropped).
  bool post(std::function<void()> task);
  // Any thread but the engine's: runs fn on the engine thread and returns its result,
  // or nullopt when the loop stopped first or `wait` passed. What fn throws is
  // rethrown here.
  template <class F>
  auto call(F fn, std::chrono::milliseconds wait = std::chrono::seconds(10))
      -> std::optional<std::invoke_result_t<F&>>;
  void stop();
  bool stopped() const;
  // Wakes the engine thread (e.g. a frozen wait whose condition just became true).
  void wake();

  // Engine thread. REQUIRES: speed > 0 and finite.
  void set_speed(double speed);
  void set_paused(bool paused);
  bool paused() const { return paused_; }
  double speed() const { return speed_.load(); }
  sim::Engine& engine() { return engine_; }
  // The virtual time the wall clock corresponds to now (engine thread).
  TimePoint virtual_now() const;

 private:
  void rebase();
  void drain();  // engine thread: runs the tasks in the inbox

  sim::Engine& engine_;
  std::atomic<double> speed_;  // read by HTTP threads (query timeouts), written on the engine thread
  bool paused_ = false;
  Clock::time_point wall_origin_;
  TimePoint sim_origin_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> inbox_;
  bool stopped_ = false;
  std::uint64_t wakes_ = 0;
};

template <class F>
auto LiveLoop::call(F fn, std::chrono::milliseconds wait) -> std::optional<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  static_assert(!std::is_void_v<R>, "call() returns fn's result: return a value");
  auto promise = std::make_shared<std::promise<R>>();
  std::future<R> future = promise->get_future();
  const bool posted = post([promise, fn = std::move(fn)]() mutable {
    try {
      promise->set_value(fn());
    } catch (...) {
      promise->set_exception(std::current_exception());
    }
  });
  if (!posted) return std::nullopt;
  promise.reset();  // a dropped task breaks the promise: the future turns ready
  if (future.wait_for(wait) != std::future_status::ready) return std::nullopt;
  try {
    return future.get();  // rethrows what fn threw
  } catch (const std::future_error&) {
    return std::nullopt;
  }
}

}  // namespace failsim::fakes
