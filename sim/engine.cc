#include "sim/engine.h"

#include <string>

#include "failover/duration.h"

namespace failsim::sim {

Engine::~Engine() {
  for (std::uint32_t i = 0; i < slot_count_; ++i) {
    Slot& s = slot_at(i);
    if (s.state() == kPending && s.destroy != nullptr) s.destroy(s.storage);
  }
}

void Engine::reject_schedule(TimePoint t) const {
  if (t < now_) {
    throw std::invalid_argument("Engine::schedule_at: time " + format_duration(t.time_since_epoch()) +
                                " is in the past (now is " +
                                format_duration(now_.time_since_epoch()) + ")");
  }
  throw std::length_error("Engine: more than 2^40 schedule calls in one engine");
}

std::uint32_t Engine::grow_slots() {
  if (slot_count_ >= kMaxPending) {
    throw std::length_error("Engine: more than 2^24 events pending at once");
  }
  if ((slot_count_ & (kChunkSize - 1)) == 0) {
    chunks_.push_back(std::make_unique<Slot[]>(kChunkSize));
    free_slots_.reserve(chunks_.size() * kChunkSize);
  }
  return slot_count_++;
}

bool Engine::cancel(EventId id) noexcept {
  if (!id.valid() || id.slot >= slot_count_) return false;
  Slot& s = slot_at(id.slot);
  if (s.seq() != id.seq || s.state() != kPending) return false;
  if (s.destroy != nullptr) s.destroy(s.storage);
  s.destroy = nullptr;
  s.set_state(kCancelled);
  --live_;
  return true;
}

bool Engine::is_pending(EventId id) const noexcept {
  if (!id.valid() || id.slot >= slot_count_) return false;
  const Slot& s = slot_at(id.slot);
  return s.seq() == id.seq && s.state() == kPending;
}

std::uint64_t Engine::run_until(TimePoint t) {
  stop_requested_ = false;
  const std::uint64_t before = executed_;
  const std::int64_t limit_us = to_us(t);
  while (!stop_requested_ && drop_front_tombstones() && EventQueue::unbias(queue_.front().time) <= limit_us) {
    run_front();
  }
  if (!stop_requested_ && t > now_) now_ = t;
  stop_requested_ = false;
  return executed_ - before;
}

std::uint64_t Engine::run() {
  stop_requested_ = false;
  const std::uint64_t before = executed_;
  while (!stop_requested_ && drop_front_tombstones()) run_front();
  stop_requested_ = false;
  return executed_ - before;
}

std::optional<TimePoint> Engine::next_time() {
  if (!drop_front_tombstones()) return std::nullopt;
  return TimePoint(Duration(EventQueue::unbias(queue_.front().time)));
}

}  // namespace failsim::sim
