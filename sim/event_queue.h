// EventQueue: the engine's pending-event set, a monotone radix queue with 64-way
// digits (a hierarchical timing wheel that is exact: no rounding of times).
//
// Contract
//  - Items are (time_us, key) pairs; key is opaque to the queue (the engine packs its
//    sequence number and slot into it).
//  - front() is the item with the smallest time; among equal times, the one pushed
//    first (FIFO). pop() removes it. REQUIRES for both: !empty().
//  - push(t, k) REQUIRES t >= the time of the last item popped (a discrete-event
//    simulation never schedules in the past; the engine checks this before push).
//
// How. Times are split into 6-bit digits. `floor_` is a lower bound of every pending
// time. An item whose time first differs from floor_ in digit d sits in level d,
// bucket <digit d of its time>; level 0 buckets therefore hold one exact time each.
// The front is the lowest occupied bucket of level 0 (one count-trailing-zeros on an
// occupancy mask). When level 0 is empty, the lowest occupied bucket of the lowest
// occupied level is scanned for its minimum, floor_ moves there and the bucket's items
// are redistributed, in order, into the (empty) lower levels. Each bucket thus stays in
// push order, which makes equal times FIFO.
//
// A peek (front() after the last pop) may move floor_ ahead of the caller's clock; a
// later push below floor_ (legal: not below the last popped time) goes to `early_`, a
// small sorted list that is served first. It is empty in the common case.
//
// Costs (n items pending, d = time - floor_ in microseconds)
//   | operation   | time                                         | allocation              |
//   |-------------|----------------------------------------------|-------------------------|
//   | push        | O(1) (O(size of early_) below floor_)        | only when a bucket      |
//   | front / pop | amortized O(log64 d): an item moves at most  | outgrows its largest    |
//   |             | once per digit, about 3 times for d < 2^18   | size so far: none in    |
//   |             |                                              | steady state            |
//  Memory: 16 bytes per item, plus 704 bucket headers (17 KiB).
//
// Thread safety: none.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <vector>

namespace failsim::sim {

class EventQueue {
 public:
  struct Item {
    std::uint64_t time;  // biased: the signed time with its sign bit flipped
    std::uint64_t key;
  };

  explicit EventQueue(std::int64_t start_us = 0) : floor_(bias(start_us)) {}

  static constexpr std::uint64_t bias(std::int64_t t) noexcept {
    return static_cast<std::uint64_t>(t) ^ kSignBit;
  }
  static constexpr std::int64_t unbias(std::uint64_t t) noexcept {
    return static_cast<std::int64_t>(t ^ kSignBit);
  }

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  void push(std::int64_t time_us, std::uint64_t key) {
    const std::uint64_t t = bias(time_us);
    ++size_;
    if (t < floor_) [[unlikely]] {
      insert_early(Item{t, key});
      return;
    }
    place(Item{t, key});
  }

  const Item& front() noexcept {
    assert(size_ > 0);
    if (early_head_ < early_.size()) [[unlikely]] return early_[early_head_];
    if (level_mask_[0] == 0) refill();
    const unsigned b = static_cast<unsigned>(std::countr_zero(level_mask_[0]));
    return buckets_[b][head0_[b]];
  }

  // The front item if finding it takes no work (level 0 occupied, early_ empty), else
  // null. Never moves floor_: the engine uses it to prefetch, not to decide.
  const Item* peek_cheap() const noexcept {
    if (early_head_ < early_.size() || level_mask_[0] == 0) return nullptr;
    const unsigned b = static_cast<unsigned>(std::countr_zero(level_mask_[0]));
    return &buckets_[b][head0_[b]];
  }

  void pop() noexcept {
    assert(size_ > 0);
    --size_;
    if (early_head_ < early_.size()) [[unlikely]] {
      if (++early_head_ == early_.size()) {
        early_.clear();
        early_head_ = 0;
      }
      return;
    }
    if (level_mask_[0] == 0) refill();
    const unsigned b = static_cast<unsigned>(std::countr_zero(level_mask_[0]));
    if (++head0_[b] == buckets_[b].size()) {
      buckets_[b].clear();
      head0_[b] = 0;
      level_mask_[0] &= ~(std::uint64_t{1} << b);
    }
  }

 private:
  static constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
  static constexpr unsigned kDigitBits = 6;
  static constexpr unsigned kLevels = 11;  // 11 * 6 >= 64
  static constexpr unsigned kFanout = 1u << kDigitBits;

  void place(const Item& item) {
    const std::uint64_t diff = item.time ^ floor_;
    const unsigned level =
        diff == 0 ? 0u : static_cast<unsigned>(63 - std::countl_zero(diff)) / kDigitBits;
    const unsigned digit = static_cast<unsigned>(item.time >> (kDigitBits * level)) & (kFanout - 1);
    buckets_[level * kFanout + digit].push_back(item);
    level_mask_[level] |= std::uint64_t{1} << digit;
  }

  // Level 0 is empty (and so is early_): advance floor_ to the smallest pending time.
  void refill() noexcept {
    unsigned level = 1;
    while (level_mask_[level] == 0) ++level;  // size_ > 0, so some level is occupied
    const unsigned digit = static_cast<unsigned>(std::countr_zero(level_mask_[level]));
    std::vector<Item>& from = buckets_[level * kFanout + digit];
    std::uint64_t min = from.front().time;
    for (const Item& item : from) min = std::min(min, item.time);
    floor_ = min;
    level_mask_[level] &= ~(std::uint64_t{1} << digit);
    for (const Item& item : from) place(item);  // lands below `level`; capacity is kept
    from.clear();
  }

  // A push below floor_: keep early_ sorted by time, FIFO among equal times.
  void insert_early(const Item& item) {
    const auto pos = std::upper_bound(early_.begin() + static_cast<std::ptrdiff_t>(early_head_),
                                      early_.end(), item.time,
                                      [](std::uint64_t t, const Item& x) { return t < x.time; });
    early_.insert(pos, item);
  }

  std::array<std::vector<Item>, kLevels * kFanout> buckets_;
  std::array<std::uint64_t, kLevels> level_mask_{};  // bit b: bucket b of the level is occupied
  std::array<std::uint32_t, kFanout> head0_{};       // next item of each level-0 bucket
  std::vector<Item> early_;
  std::size_t early_head_ = 0;
  std::uint64_t floor_;
  std::size_t size_ = 0;
};

}  // namespace failsim::sim
