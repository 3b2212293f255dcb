// SPDX-License-Identifier: Apache-2.0
// File: checker/id_set.cpp (layer: checker)
#include "checker/id_set.hpp"

#include <iterator>
#include <limits>

namespace mqcheck::checker {

bool IdSet::contains_below_max(MessageId id) const {
  auto const after = intervals_.upper_bound(id.value);
  if (after == intervals_.begin()) return false;
  return std::prev(after)->second >= id.value;
}

// insert()'s path for an id that does not extend the last interval (that one is inline).
void IdSet::insert_slow(MessageId id) {
  std::uint64_t const v = id.value;
  if (size_ == 0 || v > max_) max_ = v;  // Kept even when v is already in: it is then <= max_.
  auto next = intervals_.upper_bound(v);  // First interval starting after v.
  if (next != intervals_.begin()) {
    auto const before = std::prev(next);
    if (before->second >= v) return;  // Already present.
    if (before->second + 1 == v) {    // Extends `before` upwards, maybe closing a gap.
      before->second = v;
      if (next != intervals_.end() && next->first == v + 1) {
        before->second = next->second;
        intervals_.erase(next);
      }
      ++size_;
      note_last();
      return;
    }
  }
  if (next != intervals_.end() && v != std::numeric_limits<std::uint64_t>::max() &&
      next->first == v + 1) {  // Extends `next` downwards.
    std::uint64_t const last = next->second;
    intervals_.erase(next);
    intervals_.emplace(v, last);
  } else {
    intervals_.emplace(v, v);
  }
  ++size_;
  note_last();
}

bool IdSet::contains_all(MessageId first, MessageId last) const {
  if (size_ == 0 || last.value > max_) return false;
  auto const after = intervals_.upper_bound(first.value);
  if (after == intervals_.begin()) return false;
  return std::prev(after)->second >= last.value;  // Disjoint, not adjacent: one must hold all.
}

MessageId IdSet::interval_first(std::size_t n) const {
  auto it = intervals_.begin();
  std::advance(it, static_cast<std::ptrdiff_t>(n));
  return MessageId{it->first};
}

void IdSet::erase_below(MessageId id) {
  while (!intervals_.empty() && intervals_.begin()->first < id.value) {
    auto const first = intervals_.begin();
    std::uint64_t const start = first->first;
    std::uint64_t const end = first->second;
    intervals_.erase(first);
    if (end < id.value) {
      size_ -= end - start + 1;
    } else {  // Straddles `id`: its upper part stays.
      size_ -= id.value - start;
      intervals_.emplace(id.value, end);
      break;
    }
  }
  note_last();
}

std::size_t IdSet::memory_bytes() const {
  // A red-black tree node: three pointers and a colour, then the pair; malloc rounds to 16.
  constexpr std::size_t node = (4 * sizeof(void*) + 2 * sizeof(std::uint64_t) + 15) / 16 * 16;
  return intervals_.size() * node;
}

}  // namespace mqcheck::checker
