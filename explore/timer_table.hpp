// SPDX-License-Identifier: Apache-2.0
// File: explore/timer_table.hpp (layer: explore)
// A node's armed timers in the explorer (NodeState::timers): id -> window, in id order, as a
// sorted vector instead of a std::map. A node arms a handful of timers, a fire erases one and
// its handler mostly re-arms it, and World::edit copies the whole node: the map allocated and
// freed a tree node for each of these (5.6% of the search's instructions went to the map in
// apply_out alone). Only what the engine needs: set, erase, find, clear, iteration in id order
// (the order choices and the settle's ties are defined in).
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "model/common/out.hpp"

namespace mqcheck::explore {

template <class Window>
class TimerTable {
 public:
  using value_type = std::pair<model::TimerId, Window>;
  using iterator = typename std::vector<value_type>::iterator;
  using const_iterator = typename std::vector<value_type>::const_iterator;

  /// The window of timer `id`, arming it (with a default window) when it is not armed.
  Window& operator[](model::TimerId id) {
    auto it = lower(id);
    if (it == items_.end() || it->first != id) it = items_.insert(it, value_type{id, Window{}});
    return it->second;
  }
  /// Arms timer `id` with `window`; returns the window it had, if it was armed.
  std::optional<Window> set(model::TimerId id, Window const& window) {
    auto it = lower(id);
    if (it == items_.end() || it->first != id) {
      items_.insert(it, value_type{id, window});
      return std::nullopt;
    }
    return std::exchange(it->second, window);
  }
  /// Disarms timer `id`; returns how many were armed (0 or 1), as std::map::erase does.
  std::size_t erase(model::TimerId id) {
    auto const it = lower(id);
    if (it == items_.end() || it->first != id) return 0;
    items_.erase(it);
    return 1;
  }
  iterator erase(const_iterator it) { return items_.erase(it); }
  iterator find(model::TimerId id) {
    auto const it = lower(id);
    return it != items_.end() && it->first == id ? it : items_.end();
  }
  void clear() { items_.clear(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

 private:
  // A linear scan: a node arms a handful of timers, and for so few a scan is about a quarter of
  // std::lower_bound's instructions (operator[] alone was 3% of a Kafka search's).
  iterator lower(model::TimerId id) {
    auto it = items_.begin();
    while (it != items_.end() && it->first < id) ++it;
    return it;
  }
  std::vector<value_type> items_;  // Sorted by id, ids unique.
};

}  // namespace mqcheck::explore
