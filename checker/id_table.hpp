// SPDX-License-Identifier: Apache-2.0
// File: checker/id_table.hpp (layer: checker)
// A map from message id to a small value, for the streaming checkers' open messages, built for
// their hot path: values live in fixed-size chunks (a value never moves, so a reference stays
// valid until its own entry is erased; memory grows by one chunk, not by doubling; erased
// entries are chained into a free list through their id field), and ids are found through an
// open-addressing index of 32-bit cells, each a slot number, its probe distance and a tag
// (linear probing, erased by backward shift, so there are no tombstones; up to 7/8 full, which
// Fibonacci hashing of ids that count up keeps short). A lookup costs one multiply, a few
// probes of the index and usually one entry read (the one it wants: other entries on the
// probe run are passed by their distance and tag); an erase reads no other entry. Nothing is
// allocated per entry. Deterministic: no hashing seed, and the streaming checkers never iterate
// it in a way that reaches a report unsorted.
// A second value type, `Side`, may ride along at the same slots, in chunks of its own (allocated
// only once enable_side() is called): two checkers fed the same ops then share one index, one
// id and one lookup per message (the delivery and ordering passes, checker/check.cpp). Each
// keeps track of its own part being in use; the entry is erased when neither is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "core/assert.hpp"

namespace mqcheck::checker {

/// No second value (IdTable's default `Side`).
struct NoSide {};

/// `DistBits` caps the bits an index cell gives to its probe distance (below); only tests lower
/// it, to exercise the path taken when a distance does not fit.
template <class Value, unsigned DistBits = 32, class Side = NoSide>
class IdTable {
 public:
  /// Returns the value of `id`, or null.
  Value* find(std::uint64_t id) {
    std::uint32_t const slot = find_slot(id);
    return slot == no_slot ? nullptr : &entry(slot).value;
  }
  Value const* find(std::uint64_t id) const { return const_cast<IdTable*>(this)->find(id); }

  static constexpr std::uint32_t no_slot = ~std::uint32_t{0};

  /// Returns the slot of `id`, or no_slot. A slot names an entry until it is erased: queues
  /// of entries to revisit hold slots, so that a revisit needs no lookup and can be
  /// prefetched.
  /// The last id found or inserted is remembered with its slot: the passes sharing a table
  /// look up each record's id one after the other, and an invoke's completion (often the next
  /// op) names the same ids again.
  std::uint32_t find_slot(std::uint64_t id) const {
    if (id == recent_id_ && recent_slot_ != no_slot) return recent_slot_;
    if (size_ == 0) return no_slot;
    std::size_t const at = locate(id);
    if (index_[at] == empty) return no_slot;
    recent_id_ = id;
    recent_slot_ = slot_of(index_[at]);
    return recent_slot_;
  }
  /// Returns the value and the id in `slot`, which must hold an entry.
  Value& at(std::uint32_t slot) { return entry(slot).value; }
  std::uint64_t id_at(std::uint32_t slot) const { return entry(slot).id; }
  /// Asks the processor to bring `slot`'s entry into the cache ahead of its use.
  void prefetch(std::uint32_t slot) const { prefetch_line(&entry(slot)); }

  /// From now on every slot also holds a `Side` (default-made, reset on erase). Only before the
  /// first insert: side chunks parallel the entry chunks.
  void enable_side() {
    MQCHECK_ASSERT(chunks_.empty());
    side_enabled_ = true;
  }
  bool side_enabled() const { return side_enabled_; }
  /// The `Side` at `slot`, which must hold an entry (enable_side() called).
  Side& side(std::uint32_t slot) {
    return side_chunks_[slot >> chunk_bits][slot & (chunk_size - 1)];
  }
  Side const& side(std::uint32_t slot) const {
    return side_chunks_[slot >> chunk_bits][slot & (chunk_size - 1)];
  }
  void prefetch_side(std::uint32_t slot) const { prefetch_line(&side(slot)); }
  /// Asks for the index line where a lookup of `id` starts (an erase of it, soon).
  void prefetch_index(std::uint64_t id) const {
    if (!index_.empty()) prefetch_line(&index_[home(id)]);
  }
  /// Asks for the lines a lookup of `id` will read (its entry, and its side when enabled),
  /// guessing its slot from the first cells of its probe run: the first whose distance and tag
  /// match (no entry is read to make sure). Reads index cells, so call prefetch_index(id) well
  /// before.
  void prefetch_guess(std::uint64_t id) const {
    if (size_ == 0) return;
    std::size_t at = home(id);
    std::uint32_t const tag = tag_of(id);
    for (std::size_t d = 0; d < 4; ++d, at = (at + 1) & mask_) {
      std::uint32_t const c = index_[at];
      if (c == empty) return;
      if ((c >> slot_bits_) != (tag | static_cast<std::uint32_t>(d < far_ ? d : far_))) continue;
      std::uint32_t const slot = slot_of(c);
      prefetch_line(&entry(slot));
      if constexpr (!std::is_same_v<Side, NoSide>) {
        if (side_enabled_) {  // Both ends: a side value may straddle two lines.
          char const* const side_at = reinterpret_cast<char const*>(&side(slot));
          prefetch_line(side_at);
          prefetch_line(side_at + sizeof(Side) - 1);
        }
      }
      return;
    }
  }

  /// Returns the value of `id`, inserting a default one (`fresh` set) when there is none.
  Value& insert(std::uint64_t id, bool& fresh) {
    std::uint32_t slot = no_slot;
    return insert(id, fresh, slot);
  }
  /// As above, and sets `slot` to its slot.
  Value& insert(std::uint64_t id, bool& fresh, std::uint32_t& slot_out) {
    if ((size_ + 1) * 8 > index_.size() * 7) grow();
    std::size_t const at = locate(id);
    if (index_[at] != empty) {
      fresh = false;
      slot_out = slot_of(index_[at]);
      return entry(slot_out).value;
    }
    std::uint32_t const slot = take_slot();
    Entry& e = entry(slot);
    e.id = id;
    e.value = Value{};
    index_[at] = cell(slot, (at - home(id)) & mask_, tag_of(id));
    // Producers count ids up, so the next new id is likely id + 1: the index line its lookup
    // will start at (anywhere in the index, and cold) is asked for now.
    prefetch_line(&index_[home(id + 1)]);
    ++size_;
    fresh = true;
    slot_out = slot;
    recent_id_ = id;
    recent_slot_ = slot;
    return e.value;
  }

  /// Removes `id` when present. References to other values stay valid.
  void erase(std::uint64_t id) {
    if (size_ == 0) return;
    std::size_t const at = locate(id);
    if (index_[at] == empty) return;
    std::uint32_t const slot = slot_of(index_[at]);
    if (recent_id_ == id) recent_slot_ = no_slot;  // Slots of other ids never move.
    entry(slot).value = Value{};  // Gives back what the value holds on the heap.
    if constexpr (!std::is_same_v<Side, NoSide>) {
      if (side_enabled_) side(slot) = Side{};
    }
    entry(slot).id = free_;       // No index slot leads here now: the id links the free list.
    free_ = slot;
    --size_;
    // Backward shift: pull later members of the probe run into the hole so lookups that pass
    // through it still find them. A member may move back as far as its distance from home;
    // the distance is read from its cell, so the entries themselves are not touched.
    std::size_t hole = at;
    for (std::size_t next = (hole + 1) & mask_; index_[next] != empty;
         next = (next + 1) & mask_) {
      std::size_t const distance = distance_at(next);
      std::size_t const gap = (next - hole) & mask_;
      if (distance >= gap) {
        index_[hole] = cell(slot_of(index_[next]), distance - gap, tag_at(next));
        hole = next;
      }
    }
    index_[hole] = empty;
  }

  std::size_t size() const { return size_; }

  /// Calls visit(id, value) for every entry, in no meaningful order.
  template <class Visit>
  void for_each(Visit visit) const {
    for (std::uint32_t const c : index_)
      if (c != empty) visit(entry(slot_of(c)).id, entry(slot_of(c)).value);
  }
  /// Calls visit(slot) for every entry, in no meaningful order.
  template <class Visit>
  void for_each_slot(Visit visit) const {
    for (std::uint32_t const c : index_)
      if (c != empty) visit(slot_of(c));
  }

  /// Returns the heap bytes held by the table itself (not by what the values point to).
  std::size_t memory_bytes() const {
    std::size_t const side_bytes = side_enabled_ ? chunk_size * sizeof(Side) + sizeof(void*) : 0;
    return index_.capacity() * sizeof(std::uint32_t) +
           chunks_.size() * (chunk_size * sizeof(Entry) + sizeof(void*) + side_bytes);
  }

 private:
  // An index cell is a slot number in its low `slot_bits_` bits; above them, how far the cell
  // lies from its id's home (linear probing's distance) in `dist_bits_` bits, saturated at
  // `far_`; above that, a tag: more bits of the id's hash than its home took. Slots are below
  // the index size (at most 7/8 of it are ever handed out), so with an index of 2^b cells a
  // slot needs b bits, and the distance and the tag share 32 - b. A lookup compares the
  // distance and the tag first and reads an entry (a cache miss, at these table sizes) only
  // when both match: at 7/8 full a probe run passes several other entries, and a lookup of an
  // id not held (every new message's) passes a whole run. Up to session 11 the cells had no
  // tag, and those lookups read an entry at every cell whose distance matched. A saturated
  // distance says "read the entry". `empty` (all ones) is never a cell: its slot part would be
  // the last index cell.
  static constexpr std::uint32_t empty = ~std::uint32_t{0};
  static constexpr std::size_t chunk_bits = 10;

  // A prefetch that stays. GCC 12 at -O2 deems a function whose only effect is
  // __builtin_prefetch pure (ipa-pure-const) and deletes its calls, so that until session 12
  // prefetch_index, and the prefetches of callers made of prefetches alone, emitted nothing.
  // The empty volatile asm is an effect it must keep; it costs no instruction.
  static void prefetch_line(void const* at) {
    __builtin_prefetch(at);
    asm volatile("" : : "r"(at));
  }
  static constexpr std::size_t chunk_size = std::size_t{1} << chunk_bits;
  // An entry of exactly one cache line starts on one: a lookup then touches one line, not
  // two (a chunk from plain new[] is only 16-byte aligned, so every such entry straddled two).
  static constexpr std::size_t entry_align =
      sizeof(std::uint64_t) + sizeof(Value) == 64 ? 64 : alignof(std::uint64_t);
  struct alignas(entry_align) Entry {
    std::uint64_t id = 0;
    Value value{};
  };

  std::size_t home(std::uint64_t id) const {
    // Fibonacci hashing: dense ids spread over the index, with the high bits of the product.
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ULL) >> shift_) & mask_;
  }
  // The tag of `id`, in place above the distance: the hash bits just below its home's.
  std::uint32_t tag_of(std::uint64_t id) const {
    std::uint64_t const hash = id * 0x9E3779B97F4A7C15ULL;
    return static_cast<std::uint32_t>((hash >> (shift_ - tag_bits_)) & tag_mask_) << dist_bits_;
  }
  std::uint32_t slot_of(std::uint32_t c) const { return c & slot_mask_; }
  std::uint32_t cell(std::uint32_t slot, std::size_t distance, std::uint32_t tag) const {
    std::size_t const d = distance < far_ ? distance : far_;
    return slot | ((static_cast<std::uint32_t>(d) | tag) << slot_bits_);
  }
  // The tag of the cell at `at`, in place (as tag_of).
  std::uint32_t tag_at(std::size_t at) const {
    return (index_[at] >> slot_bits_) & ~static_cast<std::uint32_t>(far_);
  }
  // The distance of the cell at `at` from its entry's home.
  std::size_t distance_at(std::size_t at) const {
    std::size_t const d = (index_[at] >> slot_bits_) & far_;
    if (d < far_) return d;
    return (at - home(entry(slot_of(index_[at])).id)) & mask_;
  }
  // Returns the cell of `id`, or the empty cell where its probe run ends.
  std::size_t locate(std::uint64_t id) const {
    std::size_t at = home(id);
    std::uint32_t const tag = tag_of(id);
    for (std::size_t d = 0;; at = (at + 1) & mask_, ++d) {
      std::uint32_t const c = index_[at];
      if (c == empty) return at;
      std::uint32_t const upper = c >> slot_bits_;
      if ((upper & ~static_cast<std::uint32_t>(far_)) != tag) continue;  // Another id's.
      std::size_t const stored = upper & far_;
      if ((stored == d || (stored == far_ && d >= far_)) && entry(slot_of(c)).id == id) return at;
    }
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
    if (used_ == chunks_.size() * chunk_size) {
      chunks_.push_back(std::make_unique<Entry[]>(chunk_size));
      if (side_enabled_) side_chunks_.push_back(std::make_unique<Side[]>(chunk_size));
    }
    MQCHECK_ASSERT(used_ < index_.size() - 1);
    return static_cast<std::uint32_t>(used_++);
  }

  void grow() {
    std::size_t const slots = index_.empty() ? 64 : index_.size() * 2;
    MQCHECK_ASSERT(slots <= std::size_t{1} << 31);
    std::vector<std::uint32_t> old(slots, empty);
    old.swap(index_);
    std::uint32_t const old_slot_mask = slot_mask_;
    mask_ = slots - 1;
    shift_ = 64;
    slot_bits_ = 0;
    for (std::size_t s = slots; s > 1; s >>= 1) --shift_, ++slot_bits_;
    slot_mask_ = static_cast<std::uint32_t>(mask_);
    // Probe runs at 7/8 full are rarely 63 cells long: the bits past that are the tag's.
    unsigned const room = 32 - slot_bits_;
    dist_bits_ = std::min({room, DistBits, max_dist_bits});
    far_ = (std::size_t{1} << dist_bits_) - 1;
    tag_bits_ = room - dist_bits_;
    tag_mask_ = (std::uint64_t{1} << tag_bits_) - 1;
    for (std::uint32_t const c : old) {
      if (c == empty) continue;
      std::uint32_t const slot = c & old_slot_mask;
      std::uint64_t const id = entry(slot).id;
      std::size_t const h = home(id);
      std::size_t at = h;
      while (index_[at] != empty) at = (at + 1) & mask_;
      index_[at] = cell(slot, (at - h) & mask_, tag_of(id));
    }
  }

  std::vector<std::uint32_t> index_;  // Cells, or `empty`; a power of two long.
  std::size_t mask_ = 0;
  unsigned shift_ = 64;
  unsigned slot_bits_ = 0;
  std::uint32_t slot_mask_ = 0;
  std::size_t far_ = 0;  // The saturated distance (and its bits' mask).
  static constexpr unsigned max_dist_bits = 6;
  unsigned dist_bits_ = 0;
  unsigned tag_bits_ = 0;
  std::uint64_t tag_mask_ = 0;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::vector<std::unique_ptr<Side[]>> side_chunks_;  // Parallel to chunks_, when enabled.
  bool side_enabled_ = false;
  std::size_t used_ = 0;              // Slots ever handed out.
  std::uint32_t free_ = empty;        // The first slot given back, reused first, or `empty`.
  std::size_t size_ = 0;
  mutable std::uint64_t recent_id_ = 0;          // The last id found or inserted...
  mutable std::uint32_t recent_slot_ = no_slot;  // ...and its slot, or no_slot.
};

}  // namespace mqcheck::checker
