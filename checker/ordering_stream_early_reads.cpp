// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_early_reads.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) at a consumer's read of a message
// B at an offset o of a truncated log before B's ok send: a new leader (an unclean election, a
// min.insync.replicas=1 shrink) serves B to a fetcher before its acknowledgement reaches the
// producer, at an offset where the old leader acknowledged another message A. check_ordering's
// truncated_claims (ordering_facts.cpp) decides such an offset over the whole history:
//   (R) A's ack claims at o go unless some consumer reads A at o: B's read is a consumer's
//   claim, which never goes, so R voids them now, unless a read of A at o comes later;
//   (T) B's ok send at o, after A's, voids every ack claim at o and above acknowledged before
//   B's send began (begun_of).
// This pass takes R as decided at B's read: every other live claim at o is an ack claim, taken
// back as take_back does (A keeps o only when another claim of it there stays), or another
// op's claim of a message held there, which stays; B is placed at o. A later read of A at o
// places A again (read_again: a consumer's claim, at the same offset its ack claim had,
// whatever T makes of that one). At B's ok at o, rule T runs as it does for a message
// acknowledged at a claimed offset (reclaim, truncate_claims), with B's read left in place;
// every other ack claim at o must be one T voids, else a doubt (another message's ok there
// after B began; a duplicated ok of B, filed alone, would void the offset's first claim by T
// with a begun this pass does not follow). B's ok at another offset, or B let go first, are
// doubts (here, or at touch()).
#include <algorithm>

#include "checker/ordering_facts.hpp"
#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;

namespace {

MessageId offset_slot(std::int64_t offset) { return MessageId{static_cast<std::uint64_t>(offset)}; }

}  // namespace

// R at the read `op` of `e`'s message `id` at `offset`, where no ack claim of it was made yet:
// every other ack claim there goes (see the file comment). Returns false (a doubt) when the
// pass cannot follow it. The read op is an ok poll or delivery, so that the
// offset joins Unit::read (note_read), which read_again asks.
bool StreamState::read_early(Op const& op, std::uint64_t id, Entry const& e, std::uint32_t number,
                             std::int64_t offset) {
  if (op.type != OpType::ok || (op.f != OpKind::poll && op.f != OpKind::deliver)) return false;
  if (e.acked || e.spanned || unplaced_.contains(id)) return false;
  if (conflicts_.size() == conflicts_max) return false;
  if (early_reads_.size() >= early_sweep_at_) sweep_early_reads();
  if (early_reads_.size() == early_reads_max) return false;
  Unit& unit = units_[number];
  if (skippable_offset(unit, offset) || unit.recent_evicted_max >= offset) return false;
  for (RecentClaim& claim : unit.recent) {
    if (claim.offset != offset || claim.gone) continue;
    if (claim.id == id) return false;
    if (!claim.by_ack) {  // Another op's claim (a read, most often): its message stays there.
      if (!held_at(claim)) return false;
      continue;
    }
    if (!take_back(claim, number)) return false;
    note_truncation(number, claim, false);  // Named: R voided it, which the second pass reads.
  }
  note_truncation(number, RecentClaim{offset, id}, false);
  unit.conflicted.insert(offset_slot(offset));
  conflicts_.emplace_back(number, offset);
  early_reads_.emplace(id, offset);
  return true;
}

// B's ok send `op` of `e`'s message `id` at `offset`, after a read placed it early: rule T (see
// the file comment), then B's ack claim joins the recent ones, for later truncations. Returns
// whether `id` was read early (then this ok is followed here, or doubted).
bool StreamState::ack_read_early(Op const& op, std::uint64_t id, Entry const& e,
                                 std::int64_t offset) {
  auto const found = early_reads_.find(id);
  if (found == early_reads_.end()) return false;
  std::int64_t const at = found->second;
  early_reads_.erase(found);
  if (offset != at || !e.has_offset || e.offset != at || e.spanned) return doubt(), true;
  std::uint32_t const number = unit_of(e);
  Unit& unit = units_[number];
  if (unit.recent_evicted_max >= at) return doubt(), true;
  Reach reach = Reach::up;
  std::uint64_t const begun = truncating_from(op, id, e, unit, at, reach);
  if (begun == no_op || reach == Reach::none || reach == Reach::again) return doubt(), true;
  bool const voided = std::none_of(unit.recent.begin(), unit.recent.end(), [&](auto const& c) {
    return c.offset == at && c.id != id && c.by_ack && c.op >= begun;
  });
  if (!voided ||
      !truncate_claims(id, number, at, begun, reach, unit.read.contains(offset_slot(at))))
    return doubt(), true;
  note_recent(op, id, at, units_[number]);
  return true;
}

// Drops the early reads of messages no longer held (let go before their ok came: such an ok
// is a doubt at touch()).
void StreamState::sweep_early_reads() {
  std::erase_if(early_reads_, [&](auto const& item) {
    return !held_as(item.first, [](Entry const& held) { return held.has_offset; });
  });
  early_sweep_at_ = std::max<std::size_t>(64, 2 * early_reads_.size());
}

}  // namespace mqcheck::checker::ordering_detail
