// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel_timers.hpp (layer: sim)
// A node's armed timers for the kernel: timer id -> the generation of its live setting. An
// open-addressing hash table (linear probing, backward-shift deletion) in one flat array, since
// a std::map or std::unordered_map allocated a node for every timer set, and a producer sets
// two per message. Lookups only: it is never iterated, so its order cannot reach any output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "model/common/out.hpp"

namespace mqcheck::sim {

class TimerTable {
 public:
  using TimerId = model::TimerId;

  /// Returns the live generation of `id`, or 0 when it is not armed (generations start at 1).
  std::uint64_t find(TimerId id) const {
    if (slots_.empty()) return 0;
    for (std::size_t i = home(id);; i = (i + 1) & mask()) {
      if (slots_[i].generation == 0) return 0;
      if (slots_[i].id == id) return slots_[i].generation;
    }
  }

  /// Arms `id` with `generation` (> 0); returns true when it was armed already (re-armed).
  bool set(TimerId id, std::uint64_t generation) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    std::size_t i = home(id);
    for (; slots_[i].generation != 0; i = (i + 1) & mask()) {
      if (slots_[i].id == id) {
        slots_[i].generation = generation;
        return true;
      }
    }
    slots_[i] = {id, generation};
    ++size_;
    return false;
  }

  /// Disarms `id`; returns 1 when it was armed, else 0.
  std::size_t erase(TimerId id) {
    if (slots_.empty()) return 0;
    std::size_t i = home(id);
    for (; slots_[i].id != id; i = (i + 1) & mask()) {
      if (slots_[i].generation == 0) return 0;
    }
    if (slots_[i].generation == 0) return 0;
    // Backward shift: move later entries of the probe run into the hole while that keeps each
    // reachable from its home slot, so no tombstones are needed.
    for (std::size_t j = (i + 1) & mask();; j = (j + 1) & mask()) {
      if (slots_[j].generation == 0) break;
      std::size_t const h = home(slots_[j].id);
      bool const movable = ((j - h) & mask()) >= ((j - i) & mask());
      if (!movable) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i] = {};
    --size_;
    return 1;
  }

  std::size_t size() const { return size_; }
  void clear() {
    slots_.assign(slots_.size(), Slot{});
    size_ = 0;
  }

 private:
  struct Slot {
    TimerId id = 0;
    std::uint64_t generation = 0;  // 0: empty.
  };
  std::size_t mask() const { return slots_.size() - 1; }
  std::size_t home(TimerId id) const {
    std::uint64_t z = id + 0x9e3779b97f4a7c15ull;  // splitmix64's finaliser.
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return static_cast<std::size_t>(z ^ (z >> 31)) & mask();
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(old.empty() ? 16 : 2 * old.size(), Slot{});
    size_ = 0;
    for (Slot const& s : old) {
      if (s.generation != 0) set(s.id, s.generation);
    }
  }

  std::vector<Slot> slots_;  // A power of two in size, at most half full.
  std::size_t size_ = 0;
};

}  // namespace mqcheck::sim
