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
#include <map>

#include "core/strong_id.hpp"

namespace mqcheck::checker {

class IdSet {
 public:
  /// Adds `id`; merges it with the intervals it touches. O(log intervals).
  void insert(MessageId id);
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

  std::map<std::uint64_t, std::uint64_t> intervals_;  // first -> last, disjoint, not adjacent.
  std::uint64_t size_ = 0;
  std::uint64_t max_ = 0;  // The largest member, when size_ > 0.
};

}  // namespace mqcheck::checker
