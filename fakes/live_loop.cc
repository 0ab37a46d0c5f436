#include "fakes/live_loop.h"

#include <cmath>
#include <stdexcept>

namespace failsim::fakes {

LiveLoop::LiveLoop(sim::Engine& engine, double speed) : engine_(engine), speed_(speed) {
  if (!(speed > 0) || !std::isfinite(speed)) throw std::invalid_argument("LiveLoop: speed must be a finite number > 0");
  rebase();
}

void LiveLoop::rebase() {
  wall_origin_ = Clock::now();
  sim_origin_ = engine_.now();
}

void LiveLoop::set_speed(double speed) {
  if (!(speed > 0) || !std::isfinite(speed)) throw std::invalid_argument("LiveLoop: speed must be a finite number > 0");
  rebase();
  speed_ = speed;
}

void LiveLoop::set_paused(bool paused) {
  paused_ = paused;
  rebase();
}

TimePoint LiveLoop::virtual_now() const {
  if (paused_) return engine_.now();
  const double wall_us = std::chrono::duration<double, std::micro>(Clock::now() - wall_origin_).count();
  return sim_origin_ + Duration(static_cast<std::int64_t>(wall_us * speed_.load()));
}

bool LiveLoop::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return false;
    inbox_.push_back(std::move(task));
  }
  cv_.notify_all();
  return true;
}

void LiveLoop::stop() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    dropped.swap(inbox_);
  }
  cv_.notify_all();
  // `dropped` dies here, outside the lock: each call() waiting on it sees a broken promise.
}

bool LiveLoop::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

void LiveLoop::wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++wakes_;
  }
  cv_.notify_all();
}

void LiveLoop::drain() {
  for (;;) {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (inbox_.empty() || stopped_) return;
      task = std::move(inbox_.front());
      inbox_.pop_front();
    }
    task();
  }
}

bool LiveLoop::run_until(TimePoint until) {
  rebase();
  for (;;) {
    if (stopped()) return false;
    if (paused_) {  // serve the inbox only; a task may resume
      drain();
      if (!paused_) continue;
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopped_ || !inbox_.empty(); });
      continue;
    }
    // Everything due by the wall clock runs before the inbox, so tasks see "now".
    const TimePoint due = std::min(until, std::max(engine_.now(), virtual_now()));
    engine_.run_until(due);
    drain();
    if (engine_.now() >= until) return true;
    TimePoint next = until;
    if (auto t = engine_.next_time(); t && *t < next) next = *t;
    if (next <= engine_.now()) continue;  // an event (or a drained task's) is due now
    const double wait_us = static_cast<double>(to_us(next - sim_origin_)) / speed_.load();
    const auto deadline = wall_origin_ + std::chrono::microseconds(static_cast<std::int64_t>(wait_us));
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, deadline, [this] { return stopped_ || !inbox_.empty(); });
  }
}

void LiveLoop::run_frozen_until(const std::function<bool()>& done) {
  for (;;) {
    std::uint64_t seen = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen = wakes_;  // before done(): a wake() after this is never missed
    }
    drain();
    if (done() || stopped()) break;
    std::unique_lock<std::mutex> lock(mu_);
    // The timeout only bounds a missed wake(); done() is checked again either way.
    cv_.wait_for(lock, std::chrono::milliseconds(50), [&] { return stopped_ || !inbox_.empty() || wakes_ != seen; });
  }
  rebase();
}

}  // namespace failsim::fakes
