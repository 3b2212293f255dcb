// SPDX-License-Identifier: Apache-2.0
// File: explore/fingerprint_table.hpp (layer: explore)
// The explorer's visited set and verdict cache: 64-bit state fingerprints mapped to a 32-bit
// value, in one flat array with open addressing (linear probing), so a state costs a few
// bytes and no node allocation (a std::unordered_map node with its bucket costs about 40).
// Its memory is what it really holds: bytes() is computed from the array's capacity, which is
// what --max-memory counts. Deterministic: lookups only; nothing iterates it in an order that
// could reach a result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace mqcheck::explore {

class FingerprintTable {
 public:
  static constexpr std::uint32_t absent = 0xffffffffu;

  /// Returns the value stored for `fp`, or `absent`.
  std::uint32_t find(std::uint64_t fp) const {
    if (values_.empty()) return absent;
    for (std::size_t i = home(fp);; i = (i + 1) & mask_) {
      if (values_[i] == absent) return absent;
      if (fps_[i] == fp) return values_[i];
    }
  }

  /// Stores `value` (not `absent`) for `fp` unless `fp` is there; returns the value stored for
  /// `fp` afterwards and whether it was inserted now.
  std::pair<std::uint32_t, bool> insert(std::uint64_t fp, std::uint32_t value) {
    if ((size_ + 1) * 4 > values_.size() * 3) grow();  // Load factor at most 3/4.
    for (std::size_t i = home(fp);; i = (i + 1) & mask_) {
      if (values_[i] == absent) {
        fps_[i] = fp;
        values_[i] = value;
        ++size_;
        return {value, true};
      }
      if (fps_[i] == fp) return {values_[i], false};
    }
  }

  /// Overwrites the value of `fp`, which must be present.
  void set(std::uint64_t fp, std::uint32_t value) {
    for (std::size_t i = home(fp);; i = (i + 1) & mask_) {
      if (values_[i] != absent && fps_[i] == fp) {
        values_[i] = value;
        return;
      }
    }
  }

  std::size_t size() const { return size_; }
  /// The bytes the table holds (its whole arrays, empty slots included).
  std::size_t bytes() const {
    return fps_.capacity() * sizeof(std::uint64_t) + values_.capacity() * sizeof(std::uint32_t);
  }

 private:
  // Fingerprints are already well mixed (core/hash.hpp); the top bits pick the home slot, so
  // the low bits a caller may have used for something else do not cluster.
  std::size_t home(std::uint64_t fp) const { return static_cast<std::size_t>(fp >> shift_); }

  void grow() {
    std::vector<std::uint64_t> const old_fps = std::move(fps_);
    std::vector<std::uint32_t> const old_values = std::move(values_);
    std::size_t const capacity = old_values.empty() ? 1024 : old_values.size() * 2;
    fps_.assign(capacity, 0);
    values_.assign(capacity, absent);
    mask_ = capacity - 1;
    shift_ = 64;
    for (std::size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = 0;
    for (std::size_t i = 0; i < old_values.size(); ++i) {
      if (old_values[i] != absent) insert(old_fps[i], old_values[i]);
    }
  }

  // Two arrays rather than one of {fp, value}: 12 bytes a slot instead of a padded 16.
  std::vector<std::uint64_t> fps_;
  std::vector<std::uint32_t> values_;
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::size_t size_ = 0;
};

}  // namespace mqcheck::explore
