// Engine: the deterministic discrete-event core of the simulator.
//
// Contract
//  - Virtual time is a TimePoint (int64 microseconds). now() only moves forward.
//  - Events run in (time, sequence) order; the sequence number grows with every
//    schedule call, so events at equal times run in the order they were scheduled.
//    A run is therefore a pure function of what was scheduled: no wall clock, no
//    address-dependent ordering, no global state. Engines are independent objects;
//    any number may live in one process.
//  - schedule_at(t, fn) with t < now() throws std::invalid_argument: scheduling in
//    the past is a bug in the caller, never silently reordered. t == now() is allowed
//    and runs after every event already scheduled for now().
//  - cancel(id) marks a pending event dead (a tombstone) and destroys its callable at
//    once; the dead entry is dropped when it reaches the front of the queue. Cancelling
//    an event that already ran, is running, or was cancelled returns false.
//  - run_until(t) runs every event with time <= t, then sets now() to t (if t is not
//    in the past). run_for(d) is run_until(now() + d). run() runs until no event is
//    left or stop() is called from a callback.
//  - A callback that throws propagates out of step()/run*(); the event is consumed
//    and the engine stays consistent.
//
// Thread safety: none. One thread drives an Engine (live mode hands work in through
// its own inbox, fakes/).
//
// Costs (n = pending entries in the queue, tombstones included; "delay" = how far
// ahead of now() an event is scheduled)
//   | operation            | time            | heap allocation                        |
//   |----------------------|-----------------|----------------------------------------|
//   | schedule_at/_after   | O(1)            | none in steady state (slots are reused;|
//   |                      |                 | queue buckets and slot chunks grow only|
//   |                      |                 | past their largest size so far)        |
//   | cancel               | O(1)            | none                                   |
//   | step (pop + run)     | amortized       | none                                   |
//   |                      | O(log64 delay)  |                                        |
//   | now / pending        | O(1)            | none                                   |
//  Queue: a monotone radix queue with 64-way digits (sim/event_queue.h) of 16-byte
//  items {time, seq<<24 | slot}: an item moves at most once per 6-bit digit of its
//  delay (about 3 times for delays under 0.26 s of virtual time), never sifts.
//  Callables live in stable slots (chunks of 1024) with kInlineBytes of inline
//  storage; a larger callable is boxed on the heap (one allocation per schedule:
//  keep hot-path captures small). Invocation is one indirect call through a
//  per-type function pointer, no virtual dispatch.
//  Memory per pending event: 16 bytes of queue + one 64-byte slot.
//  Limits: at most 2^24 (16.7M) events pending at once and 2^40 schedule calls per
//  engine; exceeding either throws std::length_error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "failover/time.h"
#include "sim/event_queue.h"

namespace failsim::sim {

// Identifies one scheduled event. Default-constructed ids refer to nothing.
struct EventId {
  std::uint32_t slot = UINT32_MAX;
  std::uint64_t seq = 0;
  bool valid() const noexcept { return slot != UINT32_MAX; }
};

class Engine {
 public:
  static constexpr std::size_t kInlineBytes = 40;
  static constexpr std::uint64_t kMaxPending = std::uint64_t{1} << 24;
  static constexpr std::uint64_t kMaxSchedules = std::uint64_t{1} << 40;

  explicit Engine(TimePoint start = TimePoint{}) : now_(start), queue_(to_us(start)) {}
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine();

  TimePoint now() const noexcept { return now_; }

  // Schedules fn() to run at virtual time t. REQUIRES: t >= now().
  template <class F>
  EventId schedule_at(TimePoint t, F&& fn);
  // Schedules fn() to run at now() + d. REQUIRES: d >= 0.
  template <class F>
  EventId schedule_after(Duration d, F&& fn) {
    return schedule_at(now_ + d, std::forward<F>(fn));
  }

  // true if the event was pending and is now cancelled; false otherwise.
  bool cancel(EventId id) noexcept;
  // true while the event is scheduled and neither ran nor was cancelled.
  bool is_pending(EventId id) const noexcept;

  // Runs the next live event. Returns false (and does nothing) when none is left.
  bool step() {
    if (!drop_front_tombstones()) return false;
    run_front();
    return true;
  }
  // Runs events with time <= t; then now() = max(now(), t). Returns events run.
  std::uint64_t run_until(TimePoint t);
  std::uint64_t run_for(Duration d) { return run_until(now_ + d); }
  // Runs until the queue is empty or stop() is called. Returns events run.
  std::uint64_t run();
  // Makes the innermost run/run_until return after the current event.
  void stop() noexcept { stop_requested_ = true; }

  // Time of the next live event, dropping tombstones at the front; nullopt if none.
  std::optional<TimePoint> next_time();

  std::size_t pending() const noexcept { return live_; }
  std::uint64_t executed() const noexcept { return executed_; }
  std::uint64_t scheduled() const noexcept { return next_seq_; }

 private:
  enum SlotState : std::uint64_t { kFree = 0, kPending = 1, kRunning = 2, kCancelled = 3 };

  // One cache line: the callable's inline storage, how to call and destroy it, and a
  // tag = seq << 2 | state that identifies the occupant (stale EventIds mismatch).
  struct alignas(64) Slot {
    alignas(16) unsigned char storage[kInlineBytes];
    void (*invoke)(void*) = nullptr;
    void (*destroy)(void*) = nullptr;  // null when there is nothing to destroy
    std::uint64_t tag = kFree;

    SlotState state() const noexcept { return static_cast<SlotState>(tag & 3); }
    std::uint64_t seq() const noexcept { return tag >> 2; }
    void set_state(SlotState s) noexcept { tag = (tag & ~std::uint64_t{3}) | s; }
  };
  static_assert(sizeof(Slot) == 64);

  static constexpr int kSlotBits = 24;
  static constexpr std::uint64_t kSlotMask = (std::uint64_t{1} << kSlotBits) - 1;
  static constexpr int kChunkBits = 10;
  static constexpr std::uint32_t kChunkSize = 1u << kChunkBits;

  static std::uint32_t slot_of(const EventQueue::Item& item) noexcept {
    return static_cast<std::uint32_t>(item.key & kSlotMask);
  }

  Slot& slot_at(std::uint32_t index) noexcept {
    return chunks_[index >> kChunkBits][index & (kChunkSize - 1)];
  }
  const Slot& slot_at(std::uint32_t index) const noexcept {
    return chunks_[index >> kChunkBits][index & (kChunkSize - 1)];
  }

  std::uint32_t acquire_slot() {
    if (!free_slots_.empty()) {
      const std::uint32_t index = free_slots_.back();
      free_slots_.pop_back();
      return index;
    }
    return grow_slots();
  }
  std::uint32_t grow_slots();
  void release_slot(std::uint32_t index) noexcept {
    slot_at(index).set_state(kFree);
    free_slots_.push_back(index);  // capacity reserved in grow_slots: never allocates
  }
  void check_schedule(TimePoint t) const {
    if (t < now_ || next_seq_ >= kMaxSchedules) reject_schedule(t);
  }
  [[noreturn]] void reject_schedule(TimePoint t) const;

  // Pops dead items at the front. Returns false when the queue is empty.
  bool drop_front_tombstones() noexcept {
    while (!queue_.empty()) {
      const std::uint32_t index = slot_of(queue_.front());
      if (slot_at(index).state() != kCancelled) return true;
      queue_.pop();
      release_slot(index);
    }
    return false;
  }

  // REQUIRES: drop_front_tombstones() returned true.
  void run_front() {
    const EventQueue::Item item = queue_.front();
    queue_.pop();
    // The next event's slot is most likely not in cache (slots are 64 bytes each, in
    // the order events were scheduled): start loading it while this one runs.
    if (const EventQueue::Item* next = queue_.peek_cheap()) __builtin_prefetch(&slot_at(slot_of(*next)));
    const std::uint32_t index = slot_of(item);
    Slot& s = slot_at(index);  // chunk storage is stable while the callback schedules
    now_ = TimePoint(Duration(EventQueue::unbias(item.time)));
    s.set_state(kRunning);
    --live_;
    ++executed_;
    struct Finish {
      Engine* engine;
      Slot* slot;
      std::uint32_t index;
      ~Finish() {
        if (slot->destroy != nullptr) slot->destroy(slot->storage);
        engine->release_slot(index);
      }
    } finish{this, &s, index};
    s.invoke(s.storage);
  }

  template <class Fn>
  static void invoke_fn(void* p) {
    (*static_cast<Fn*>(p))();
  }
  template <class Fn>
  static void destroy_fn(void* p) noexcept {
    static_cast<Fn*>(p)->~Fn();
  }
  template <class Fn>
  static void invoke_boxed(void* p) {
    (**static_cast<Fn**>(p))();
  }
  template <class Fn>
  static void destroy_boxed(void* p) noexcept {
    delete *static_cast<Fn**>(p);
  }

  TimePoint now_;
  EventQueue queue_;
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  std::vector<std::uint32_t> free_slots_;
  std::uint32_t slot_count_ = 0;
  std::size_t live_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t executed_ = 0;
  bool stop_requested_ = false;
};

template <class F>
EventId Engine::schedule_at(TimePoint t, F&& fn) {
  using Fn = std::decay_t<F>;
  static_assert(std::is_invocable_r_v<void, Fn&>, "an event callback is callable as fn()");
  check_schedule(t);
  const std::uint32_t index = acquire_slot();
  Slot& s = slot_at(index);
  try {
    if constexpr (sizeof(Fn) <= kInlineBytes && alignof(Fn) <= 16) {
      ::new (static_cast<void*>(s.storage)) Fn(std::forward<F>(fn));
      s.invoke = &invoke_fn<Fn>;
      s.destroy = std::is_trivially_destructible_v<Fn> ? nullptr : &destroy_fn<Fn>;
    } else {
      Fn* boxed = new Fn(std::forward<F>(fn));
      ::new (static_cast<void*>(s.storage)) Fn*(boxed);
      s.invoke = &invoke_boxed<Fn>;
      s.destroy = &destroy_boxed<Fn>;
    }
  } catch (...) {
    release_slot(index);
    throw;
  }
  const std::uint64_t seq = next_seq_++;
  s.tag = (seq << 2) | kPending;
  ++live_;
  queue_.push(to_us(t), (seq << kSlotBits) | index);
  return EventId{index, seq};
}

}  // namespace failsim::sim
