// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_keys.hpp (layer: checker; private to checker/ordering_stream*)
// Dense numbers for 64-bit keys, for the streaming ordering pass's small per-op tables (a
// producer's order in a partition, a consumer's read position in one): keys made of two
// interned ids, few (bounded by the history's names and partitions, not by its length) and
// asked about at most ops. Open addressing with linear probing; each cell holds its key, so a
// hit reads one cell and compares once, with no call. Nothing is ever erased. Deterministic:
// no seed, and nothing iterates it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mqcheck::checker::ordering_detail {

class KeyNumbers {
 public:
  /// Returns the number of `key`: 0, 1, 2... in the order keys first came. A new key gets the
  /// next number, and `fresh` is set.
  std::uint32_t number(std::uint64_t key, bool& fresh) {
    for (std::size_t at = home(key);; at = (at + 1) & mask_) {
      Cell& cell = cells_[at];
      if (cell.key == key && cell.number != empty) {
        fresh = false;
        return cell.number;
      }
      if (cell.number == empty) return add(key, fresh);
    }
  }
  std::size_t size() const { return count_; }
  std::size_t memory_bytes() const { return cells_.capacity() * sizeof(Cell); }

 private:
  static constexpr std::uint32_t empty = ~std::uint32_t{0};
  struct Cell {
    std::uint64_t key = 0;
    std::uint32_t number = empty;
  };

  std::size_t home(std::uint64_t key) const {
    // Fibonacci hashing (the product's top bits), of both halves: keys are two small ids.
    return static_cast<std::size_t>(((key ^ (key >> 32)) * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  std::uint32_t add(std::uint64_t key, bool& fresh) {
    fresh = true;
    if ((count_ + 1) * 4 > cells_.size() * 3) grow();  // Up to 3/4 full.
    std::size_t at = home(key);
    while (cells_[at].number != empty) at = (at + 1) & mask_;
    cells_[at] = Cell{key, count_};
    return count_++;
  }
  void grow() {
    std::vector<Cell> old(cells_.size() * 2);
    old.swap(cells_);
    mask_ = cells_.size() - 1;
    --shift_;
    for (Cell const& cell : old) {
      if (cell.number == empty) continue;
      std::size_t at = home(cell.key);
      while (cells_[at].number != empty) at = (at + 1) & mask_;
      cells_[at] = cell;
    }
  }

  std::vector<Cell> cells_ = std::vector<Cell>(16);  // A power of two long.
  std::size_t mask_ = 15;
  unsigned shift_ = 64 - 4;  // 64 - log2(cells).
  std::uint32_t count_ = 0;
};

}  // namespace mqcheck::checker::ordering_detail
