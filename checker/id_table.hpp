// SPDX-License-Identifier: Apache-2.0
// File: checker/id_table.hpp (layer: checker)
// A map from message id to a small value, for the streaming checkers' open messages, built for
// their hot path: values live in fixed-size chunks (a value never moves, so a reference stays
// valid until its own entry is erased; memory grows by one chunk, not by doubling; erased
// entries are chained into a free list through their id field), and ids are found through an
// open-addressing index of 32-bit slot numbers (linear probing, erased by backward shift, so
// there are no tombstones; up to 7/8 full, which Fibonacci hashing of ids that count up keeps
// short). A lookup costs one multiply, usually one probe and one compare; nothing is allocated
// per entry. Deterministic: no hashing seed, and the streaming checkers never iterate it in a
// way that reaches a report unsorted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/assert.hpp"

namespace mqcheck::checker {

template <class Value>
class IdTable {
 public:
  /// Returns the value of `id`, or null.
  Value* find(std::uint64_t id) {
    if (size_ == 0) return nullptr;
    for (std::size_t at = home(id);; at = (at + 1) & mask_) {
      std::uint32_t const slot = index_[at];
      if (slot == empty) return nullptr;
      if (entry(slot).id == id) return &entry(slot).value;
    }
  }
  Value const* find(std::uint64_t id) const { return const_cast<IdTable*>(this)->find(id); }

  static constexpr std::uint32_t no_slot = ~std::uint32_t{0};

  /// Returns the slot of `id`, or no_slot. A slot names an entry until it is erased: queues
  /// of entries to revisit hold slots, so that a revisit needs no lookup and can be
  /// prefetched.
  std::uint32_t find_slot(std::uint64_t id) const {
    if (size_ == 0) return no_slot;
    for (std::size_t at = home(id);; at = (at + 1) & mask_) {
      std::uint32_t const slot = index_[at];
      if (slot == empty || entry(slot).id == id) return slot;
    }
  }
  /// Returns the value and the id in `slot`, which must hold an entry.
  Value& at(std::uint32_t slot) { return entry(slot).value; }
  std::uint64_t id_at(std::uint32_t slot) const { return entry(slot).id; }
  /// Asks the processor to bring `slot`'s entry into the cache ahead of its use.
  void prefetch(std::uint32_t slot) const { __builtin_prefetch(&entry(slot)); }

  /// Returns the value of `id`, inserting a default one (`fresh` set) when there is none.
  Value& insert(std::uint64_t id, bool& fresh) {
    std::uint32_t slot = no_slot;
    return insert(id, fresh, slot);
  }
  /// As above, and sets `slot` to its slot.
  Value& insert(std::uint64_t id, bool& fresh, std::uint32_t& slot_out) {
    if ((size_ + 1) * 8 > index_.size() * 7) grow();
    std::size_t at = home(id);
    for (;; at = (at + 1) & mask_) {
      std::uint32_t const slot = index_[at];
      if (slot == empty) break;
      if (entry(slot).id == id) {
        fresh = false;
        slot_out = slot;
        return entry(slot).value;
      }
    }
    std::uint32_t const slot = take_slot();
    Entry& e = entry(slot);
    e.id = id;
    e.value = Value{};
    index_[at] = slot;
    ++size_;
    fresh = true;
    slot_out = slot;
    return e.value;
  }

  /// Removes `id` when present. References to other values stay valid.
  void erase(std::uint64_t id) {
    if (size_ == 0) return;
    std::size_t at = home(id);
    for (;; at = (at + 1) & mask_) {
      std::uint32_t const slot = index_[at];
      if (slot == empty) return;
      if (entry(slot).id == id) break;
    }
    std::uint32_t const slot = index_[at];
    entry(slot).value = Value{};  // Gives back what the value holds on the heap.
    entry(slot).id = free_;       // No index slot leads here now: the id links the free list.
    free_ = slot;
    --size_;
    // Backward shift: pull later members of the probe run into the hole so lookups that pass
    // through it still find them.
    std::size_t hole = at;
    for (std::size_t next = (hole + 1) & mask_; index_[next] != empty;
         next = (next + 1) & mask_) {
      std::size_t const want = home(entry(index_[next]).id);
      // The entry at `next` may move to `hole` when its home is not inside (hole, next].
      bool const movable = hole <= next ? (want <= hole || want > next)
                                        : (want <= hole && want > next);
      if (movable) {
        index_[hole] = index_[next];
        hole = next;
      }
    }
    index_[hole] = empty;
  }

  std::size_t size() const { return size_; }

  /// Calls visit(id, value) for every entry, in no meaningful order.
  template <class Visit>
  void for_each(Visit visit) const {
    for (std::uint32_t const slot : index_)
      if (slot != empty) visit(entry(slot).id, entry(slot).value);
  }

  /// Returns the heap bytes held by the table itself (not by what the values point to).
  std::size_t memory_bytes() const {
    return index_.capacity() * sizeof(std::uint32_t) +
           chunks_.size() * (chunk_size * sizeof(Entry) + sizeof(void*));
  }

 private:
  static constexpr std::uint32_t empty = ~std::uint32_t{0};
  static constexpr std::size_t chunk_bits = 10;
  static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;
  struct Entry {
    std::uint64_t id = 0;
    Value value{};
  };

  std::size_t home(std::uint64_t id) const {
    // Fibonacci hashing: dense ids spread over the index, with the high bits of the product.
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ULL) >> shift_) & mask_;
  }
  Entry& entry(std::uint32_t slot) { return chunks_[slot >> chunk_bits][slot & (chunk_size - 1)]; }
  Entry const& entry(std::uint32_t slot) const {
    return chunks_[slot >> chunk_bits][slot & (chunk_size - 1)];
  }

  std::uint32_t take_slot() {
    if (free_ != empty) {
      std::uint32_t const slot = free_;
      free_ = static_cast<std::uint32_t>(entry(slot).id);
      return slot;
    }
    if (used_ == chunks_.size() * chunk_size)
      chunks_.push_back(std::make_unique<Entry[]>(chunk_size));
    MQCHECK_ASSERT(used_ < empty);
    return static_cast<std::uint32_t>(used_++);
  }

  void grow() {
    std::size_t const slots = index_.empty() ? 64 : index_.size() * 2;
    std::vector<std::uint32_t> old(slots, empty);
    old.swap(index_);
    mask_ = slots - 1;
    shift_ = 64;
    for (std::size_t s = slots; s > 1; s >>= 1) --shift_;
    for (std::uint32_t const slot : old) {
      if (slot == empty) continue;
      std::size_t at = home(entry(slot).id);
      while (index_[at] != empty) at = (at + 1) & mask_;
      index_[at] = slot;
    }
  }

  std::vector<std::uint32_t> index_;  // Slot numbers, or `empty`; a power of two long.
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::size_t used_ = 0;              // Slots ever handed out.
  std::uint32_t free_ = empty;        // The first slot given back, reused first, or `empty`.
  std::size_t size_ = 0;
};

}  // namespace mqcheck::checker
