// SPDX-License-Identifier: Apache-2.0
// File: model/common/chunked.hpp (layer: model)
// An append-only sequence kept in blocks of a fixed number of entries, for disk files
// (disk.hpp) and partition logs (kafka/partition_log.hpp). A std::vector moved every entry to a new
// buffer each time it outgrew its capacity, about twenty times for a million entries: in a
// 1,000,000-message Kafka run (bench/kafka_throughput.cpp) the disk's appends, with that copying
// and the page faults of the doubled buffers, were a quarter of the time. Here a full block is
// never touched again; only the first block grows as a vector does, so a short file (every file the
// explorer copies) costs what a vector of it would. Entries are read in order or by index, and cut
// from the end (truncation, power loss); cutting from the front (a partition log's retention)
// copies what remains, as a vector's erase would move it.
#pragma once

#include <cstddef>
#include <iterator>
#include <utility>
#include <vector>

#include "core/assert.hpp"

namespace mqcheck::model {

template <class T>
class Chunked {
  // Entries per block: a power of two (an index splits with a shift), at most 1 MiB a block.
  // Measured on that run: blocks of ~64 KiB, interleaved with the model's small allocations in
  // the heap, made malloc slower (glibc's unlink_chunk: 6% of the time) than the copying saved.
  static constexpr std::size_t fit(std::size_t n) {
    return n < 1 || 2 * n * sizeof(T) > (std::size_t{1} << 20) ? n : fit(2 * n);
  }
  static constexpr std::size_t block = fit(1);

 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = T const*;
    using reference = T const&;
    const_iterator() = default;
    const_iterator(Chunked const* c, std::size_t i) : c_(c), i_(i) {}
    T const& operator*() const { return (*c_)[i_]; }
    T const* operator->() const { return &(*c_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator const was = *this;
      ++i_;
      return was;
    }
    const_iterator operator+(std::ptrdiff_t n) const {
      return {c_, static_cast<std::size_t>(static_cast<std::ptrdiff_t>(i_) + n)};
    }
    bool operator==(const_iterator const& o) const { return i_ == o.i_; }

   private:
    Chunked const* c_ = nullptr;
    std::size_t i_ = 0;
  };

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T const& operator[](std::size_t i) const { return blocks_[i / block][i % block]; }
  T const& back() const { return (*this)[size_ - 1]; }
  T& back() { return blocks_.back().back(); }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

  void push_back(T&& value) {
    if (blocks_.empty() || blocks_.back().size() == block) {
      blocks_.emplace_back();
      // The first block grows as a vector would (a short file stays small); later ones are
      // allocated whole, so nothing stored is ever moved.
      if (blocks_.size() > 1) blocks_.back().reserve(block);
    }
    blocks_.back().push_back(std::move(value));
    ++size_;
  }
  void push_back(T const& value) { push_back(T(value)); }

  /// Keeps the first `n` entries (n <= size()).
  void truncate(std::size_t n) {
    MQCHECK_ASSERT(n <= size_);
    std::size_t const kept_blocks = (n + block - 1) / block;
    blocks_.resize(kept_blocks);
    if (kept_blocks > 0) blocks_.back().resize(n - (kept_blocks - 1) * block);
    size_ = n;
  }

  /// Removes [first, last), which must be a prefix (begin(), begin() + n): the rest is copied
  /// to the front, in fresh blocks.
  void erase(const_iterator first, const_iterator last) {
    MQCHECK_ASSERT(first == begin());
    Chunked rest;
    for (auto it = last; it != end(); ++it) rest.push_back(*it);
    *this = std::move(rest);
  }
  void clear() { truncate(0); }

  bool operator==(Chunked const& o) const { return size_ == o.size_ && blocks_ == o.blocks_; }
  /// For tests: equal to a vector of the same entries.
  friend bool operator==(Chunked const& c, std::vector<T> const& v) {
    if (c.size() != v.size()) return false;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!(c[i] == v[i])) return false;
    }
    return true;
  }

 private:
  std::vector<std::vector<T>> blocks_;  // All full but the last, which is never empty.
  std::size_t size_ = 0;
};

}  // namespace mqcheck::model
