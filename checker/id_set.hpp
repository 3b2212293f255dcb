// SPDX-License-Identifier: Apache-2.0
// File: checker/id_set.hpp (layer: checker)
// A set of message ids stored as disjoint closed intervals. Producers number their messages
// densely (the history format asks for ids unique per history, and every harness we know counts
// them up), so the messages a streaming checker has finished with compress to a handful of
// intervals however long the history grows: that is what keeps its memory bounded by open
// state rather than by history length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <utility>

#include "core/strong_id.hpp"

namespace mqcheck::checker {

class IdSet {
 public:
  IdSet() = default;
  IdSet(IdSet const& other) : intervals_(other.intervals_), size_(other.size_), max_(other.max_) {
    note_last();
  }
  IdSet(IdSet&& other) noexcept
      : intervals_(std::move(other.intervals_)), size_(other.size_), max_(other.max_) {
    note_last();
    other.clear_moved();
  }
  IdSet& operator=(IdSet const& other) {
    if (this != &other) *this = IdSet(other);
    return *this;
  }
  IdSet& operator=(IdSet&& other) noexcept {
    intervals_ = std::move(other.intervals_);
    size_ = other.size_;
    max_ = other.max_;
    note_last();
    other.clear_moved();
    return *this;
  }
  ~IdSet() = default;

  /// Adds `id`; merges it with the intervals it touches. O(log intervals), and O(1) inline for
  /// the id just above every member (the common case: ids count up, and the streaming passes
  /// settle them in about that order).
  void insert(MessageId id) {
    if (last_end_ != nullptr && id.value == max_ + 1 && id.value != 0) {
      *last_end_ = id.value;  // The last interval ends at max_.
      max_ = id.value;
      ++size_;
      return;
    }
    insert_slow(id);
  }
  /// Returns true when `id` is in the set. O(log intervals), and O(1) for an id above every
  /// member (the common case: ids count up, and new ones are asked about).
  bool contains(MessageId id) const {
    if (size_ == 0 || id.value > max_) return false;
    return contains_below_max(id);
  }
  /// Returns true when every id of first..last (first <= last) is in the set. O(log intervals).
  bool contains_all(MessageId first, MessageId last) const;
  /// Removes every id below `id`. O(intervals removed + log intervals).
  void erase_below(MessageId id);
  /// Returns the number of ids in the set.
  std::uint64_t size() const { return size_; }
  /// Returns the number of disjoint intervals the set is stored as.
  std::size_t intervals() const { return intervals_.size(); }
  /// Returns the first id of the `n`th interval, counted from the lowest (n < intervals()).
  /// O(n).
  MessageId interval_first(std::size_t n) const;
  /// Returns an estimate of the heap bytes the set holds (nodes of the interval map).
  std::size_t memory_bytes() const;

 private:
  bool contains_below_max(MessageId id) const;
  void insert_slow(MessageId id);
  // Points last_end_ at the last interval's end, or null when there is none: after every change
  // to the map (a node's address never changes while it is in the map).
  void note_last() {
    last_end_ = intervals_.empty() ? nullptr : &std::prev(intervals_.end())->second;
  }
  void clear_moved() {
    intervals_.clear();
    size_ = 0;
    max_ = 0;
    last_end_ = nullptr;
  }

  std::map<std::uint64_t, std::uint64_t> intervals_;  // first -> last, disjoint, not adjacent.
  std::uint64_t size_ = 0;
  std::uint64_t max_ = 0;  // The largest member, when size_ > 0.
  // The last interval's end, in its map node, or null: insert() extends it inline. Before
  // session 13 every insert was a call, and std::prev(end()) another (_Rb_tree_decrement).
  std::uint64_t* last_end_ = nullptr;
};

}  // namespace mqcheck::checker
