// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel_queue.hpp (layer: sim)
// The kernel's event queue: a 4-ary min-heap in one flat array. A binary heap
// (std::push_heap / std::pop_heap) moves an event once per level, and a Kafka run pops a few
// hundred thousand events per second from a queue of ~200: half the levels here, for three
// comparisons more per level, which are cheaper than the moves of a 48-byte event. `Earlier`
// must be a strict total order (the kernel's is time, then sequence number), so the events
// pop in exactly one order, whatever the heap's shape: the history cannot depend on it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace mqcheck::sim {

template <class T, class Earlier>
class QuadHeap {
 public:
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  /// The earliest item (the heap must not be empty).
  T const& top() const { return items_.front(); }

  void push(T const& item) {
    items_.push_back(item);
    sift_up(items_.size() - 1);
  }

  /// Removes and returns the earliest item (the heap must not be empty).
  T pop() {
    T const first = items_.front();
    items_.front() = items_.back();
    items_.pop_back();
    if (!items_.empty()) sift_down(0);
    return first;
  }

  /// Drops every item for which `gone` is true, then restores the heap.
  template <class Pred>
  void erase_if(Pred&& gone) {
    items_.erase(std::remove_if(items_.begin(), items_.end(), gone), items_.end());
    for (std::size_t i = items_.size() / 4 + 1; i-- > 0;) {
      if (i < items_.size()) sift_down(i);
    }
  }

 private:
  static constexpr std::size_t arity = 4;

  void sift_up(std::size_t i) {
    T const item = items_[i];
    while (i > 0) {
      std::size_t const parent = (i - 1) / arity;
      if (!Earlier{}(item, items_[parent])) break;
      items_[i] = items_[parent];
      i = parent;
    }
    items_[i] = item;
  }

  void sift_down(std::size_t i) {
    std::size_t const n = items_.size();
    T const item = items_[i];
    for (;;) {
      std::size_t const first = arity * i + 1;
      if (first >= n) break;
      std::size_t const last = std::min(first + arity, n);
      std::size_t best = first;
      for (std::size_t c = first + 1; c < last; ++c) {
        if (Earlier{}(items_[c], items_[best])) best = c;
      }
      if (!Earlier{}(items_[best], item)) break;
      items_[i] = items_[best];
      i = best;
    }
    items_[i] = item;
  }

  std::vector<T> items_;
};

}  // namespace mqcheck::sim
