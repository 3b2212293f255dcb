// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_reorders.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) where orders crossed: the ranges
// its first pass records instead of doubting, the messages it learns at their offsets, and the
// second pass that judges them (ordering_stream_resolver.hpp), in the same re-read as the gaps'.
#include <algorithm>
#include <functional>

#include "checker/ordering_stream_resolver.hpp"
#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

// Adds [lo, hi] to the unit's ranges, merged with those it overlaps or touches, and learns the
// messages held at the merged range's offsets now: one forgotten before it can no longer be
// named (reordered_known then doubts). A range already covered changes nothing: the messages
// claimed there since the last walk are learnt at the end, if still held.
void StreamState::note_reorder(std::uint32_t unit, std::int64_t lo, std::int64_t hi) {
  auto const here = reorders_.try_emplace(unit).first;
  std::map<std::int64_t, std::int64_t>& ranges = here->second.ranges;
  auto it = ranges.upper_bound(lo);
  if (it != ranges.begin() && std::prev(it)->second >= hi) return;
  if (it != ranges.begin() && std::prev(it)->second + 1 >= lo) --it;
  while (it != ranges.end() && it->first <= hi + 1) {
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second);
    reorder_width_ -= static_cast<std::uint64_t>(it->second - it->first + 1);
    --reorder_ranges_;
    it = ranges.erase(it);
  }
  ranges.emplace(lo, hi);
  ++reorder_ranges_;
  reorder_width_ += static_cast<std::uint64_t>(hi - lo + 1);
  if (reorder_ranges_ > reorder_ranges_max || reorder_width_ > reorder_width_max) return doubt();
  // Each walk visits every held message: past a budget of visits, a doubt keeps the pass linear.
  reorder_walked_ += held_;
  if (reorder_walked_ > reorder_walk_max) return doubt();
  learn_reordered(here);
}

// Why a producer's neighbours suffice (producer_order): let a send z cross a held send y, say y
// sent before z and stored above it. If y is not z's left neighbour p, then either p is stored
// above z too (the range [z, p] is recorded now) and, when y is above p, y and p crossed
// before, or p is below z, and y and p crossed before: by induction their range was recorded,
// and it holds [z, y] with [z, p]. The same holds on the right.

// Learns the id of every held message at an offset in the ranges of `only` (every unit with
// ranges when it is reorders_.end()). Walks every slot: crossings are rare.
void StreamState::learn_reordered(std::map<std::uint32_t, ReorderUnit>::iterator only) {
  table_.for_each_slot([&](std::uint32_t slot) {
    Entry const& e = table_.side(slot);
    if (!e.live || !e.has_offset) return;
    std::uint32_t const number = unit_of(e);
    auto const found = only != reorders_.end() ? only : reorders_.find(number);
    if (found == reorders_.end() || found->first != number) return;
    std::map<std::int64_t, std::int64_t> const& ranges = found->second.ranges;
    auto const next = ranges.upper_bound(e.offset);
    if (next == ranges.begin() || std::prev(next)->second < e.offset) return;
    found->second.known.emplace(e.offset, table_.id_at(slot));
  });
}

// Whether the second pass can judge the ranges: every offset claimed in them has a message
// known (none was forgotten first), and every message at a conflicted offset of them is (the
// truncation notes name them all, unless they overflowed).
bool StreamState::reordered_known() {
  learn_reordered(reorders_.end());
  if (!name_spans() || !name_truncated()) return false;
  for (auto const& [number, reordered] : reorders_) {
    Unit const& unit = units_[number];
    for (auto const& [first, last] : reordered.ranges) {
      std::size_t claimed = 0;
      for (std::int64_t offset = first; offset <= last; ++offset)
        if (unit.claimed.contains(MessageId{static_cast<std::uint64_t>(offset)})) ++claimed;
      std::size_t named = 0;  // Distinct offsets with a message known.
      auto const to = reordered.known.lower_bound({last + 1, 0});
      for (auto it = reordered.known.lower_bound({first, 0}); it != to; ++it)
        if (it == reordered.known.begin() || std::prev(it)->first != it->first) ++named;
      if (named != claimed) return false;
    }
  }
  return true;
}

// Names, at their offsets inside the ranges, the messages a truncation met: every claimer of a
// conflicted offset, and each message whose ack claim rule T took back (its offset may hold
// nobody now). Naming more messages than those placed in the ranges is harmless: the second
// pass judges only those whose placements meet them.
bool StreamState::name_truncated() {
  if (truncation_notes_.empty()) return true;
  for (auto const& [number, reordered] : reorders_)
    if (truncation_notes_full_ && units_[number].conflicted.size() > 0) return false;
  for (TruncationNote const& note : truncation_notes_) {
    auto const found = reorders_.find(note.unit);
    if (found == reorders_.end()) continue;
    std::map<std::int64_t, std::int64_t> const& ranges = found->second.ranges;
    auto const next = ranges.upper_bound(note.offset);
    if (next != ranges.begin() && std::prev(next)->second >= note.offset)
      found->second.known.emplace(note.offset, note.id);
  }
  return true;
}

// The truncations of the reordered units, as the second pass needs them.
ReorderTruncations StreamState::reorder_truncations() const {
  ReorderTruncations truncations;
  for (TruncationNote const& note : truncation_notes_)
    if (note.op != no_op && reorders_.contains(note.unit))
      truncations.taken.emplace(note.op, MessageId{note.id});
  for (auto const& [number, offset] : conflicts_) {
    if (!reorders_.contains(number)) continue;
    Unit const& unit = units_[number];
    truncations.conflicted.emplace_back(names_.name(unit.topic), unit.partition, offset);
  }
  return truncations;
}

// Names each span's message (a message stored at several offsets) at each of its offsets
// inside the ranges (span_log_ pairs its first offset with every other): the count check
// wants a message at every offset claimed there. The ranges need no widening over spans. The
// first pass ranks a span by its first offset, one of its offsets to the end (see
// ordering_stream_resends.cpp), and records a range over every pair of messages whose first
// offsets cross (a group's first processing below its maximum, a send stored below an earlier
// one): a superset of the pairs whose spans cross, since x.hi < u.lo gives x.offset <
// u.offset. A component of a chain is an interval of the chain's strict order
// (processings, or sends), each cut inside it crossed by a pair; a member w strictly between
// such a pair's u and x in that order has its first offset below u's or above x's, so it
// crosses u or x by first offsets. So every member of a component with a crossing has its
// first offset in a range, and the messages whose spans meet the ranges (keep_in_ranges) are
// a union of whole components.
bool StreamState::name_spans() {
  if (span_log_.empty()) return true;
  if (span_log_full_) return false;
  for (LoggedSpan const& span : span_log_) {
    auto const found = reorders_.find(span.unit);
    if (found == reorders_.end()) continue;
    std::map<std::int64_t, std::int64_t> const& ranges = found->second.ranges;
    for (std::int64_t const offset : {span.first, span.other}) {
      auto const next = ranges.upper_bound(offset);
      if (next != ranges.begin() && std::prev(next)->second >= offset)
        found->second.known.emplace(offset, span.id);
    }
  }
  return true;
}

// The jumped reads' anomalies and the crossings', from one more read of `source` for both; or
// nothing when either cannot be judged (the caller loads).
std::optional<std::vector<Anomaly>> StreamState::reread(OpSource const& source) {
  if (reorders_.empty()) return jumped_anomalies(&source);
  if (!reordered_known()) return std::nullopt;
  std::vector<ReorderRange> ranges;
  std::vector<MessageId> ids;
  for (auto const& [number, reordered] : reorders_) {
    Unit const& unit = units_[number];
    for (auto const& [first, last] : reordered.ranges)
      ranges.push_back(ReorderRange{names_.name(unit.topic), unit.partition, first, last});
    for (auto const& [offset, id] : reordered.known) ids.push_back(MessageId{id});
  }
  ReorderResolver resolver(header_, ranges, ids, reorder_truncations());
  bool read = false;
  OpSource const both = [&](std::function<void(history::Op const&)> const& visit) {
    read = true;
    source([&](history::Op const& op) {
      resolver.observe(op);
      visit(op);
    });
  };
  std::optional<std::vector<Anomaly>> anomalies = jumped_anomalies(&both, &source);
  if (!anomalies) return std::nullopt;
  if (!read) source([&](history::Op const& op) { resolver.observe(op); });
  second_pass_bytes_ += resolver.memory_bytes();
  std::optional<std::vector<Anomaly>> reordered = resolver.judge();
  if (!reordered) return std::nullopt;
  anomalies->insert(anomalies->end(), reordered->begin(), reordered->end());
  return anomalies;
}

std::size_t StreamState::reorder_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16 + 16;  // Links, malloc's, a pair.
  std::size_t bytes = truncation_notes_.capacity() * sizeof(TruncationNote);
  for (auto const& [number, reordered] : reorders_)
    bytes += node + sizeof(ReorderUnit) + (reordered.ranges.size() + reordered.known.size()) * node;
  return bytes;
}

}  // namespace mqcheck::checker::ordering_detail
