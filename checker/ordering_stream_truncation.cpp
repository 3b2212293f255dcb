// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_truncation.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) at a second message claimed at an
// offset: Jepsen's inconsistent-offsets, as a truncated leader log makes it (acks=1 leader
// crash, unclean election, a min.insync.replicas=1 shrink, pre-KIP-101 high-watermark
// truncation: https://cwiki.apache.org/confluence/display/KAFKA/KIP-101). check_ordering then
// takes back the acknowledged claims the log no longer holds (ordering_facts.cpp's
// truncated_claims): a later acknowledged send B at offset o voids every claim at o and above
// acknowledged before B's send began, so those messages drop out of the producer and consumer
// orders. This pass follows that rule only where it is sure to match, and doubts otherwise:
// B's claim is its ok send, its one send invoke is known; every claim of the unit at o or above
// is recent (Unit::recent), was its message's ok send before B began, and no other op stated an
// offset of that message (Entry::restated: no consumer read it, so no other claim keeps it
// placed), and each such message is still held, with its place in its producer's order.
// Those messages lose their offset; their producer-order entries go. The offset is kept as
// conflicted (conflicts_): the second pass over the ops (ordering_stream_skips.hpp) gathers
// every claim of it, which gives check_offsets' inconsistent-offsets anomaly.
#include <algorithm>

#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;

// Every claim goes to its unit's recent claims; the oldest leave past recent_keep.
void StreamState::note_recent(Op const& op, std::uint64_t id, std::int64_t offset, Unit& unit) {
  if (unit.recent.size() == recent_keep) {
    unit.recent_evicted_max = std::max(unit.recent_evicted_max, unit.recent.front().offset);
    unit.recent.pop_front();
  }
  RecentClaim claim{offset, id};
  claim.op = op.index;
  claim.by_ack = op.f == OpKind::send && op.type == OpType::ok;
  unit.recent.push_back(claim);
}

// A conflicted offset is judged only while no group may skip it in the first pass: its
// message rejected by a group's tag filter, named by an ok txn-abort, or aborted data. For
// known_between reads every claim of the offset in turn, and the first pass's sets hold the
// offset whichever of its messages made it skippable. Such an offset is a doubt.
void StreamState::note_conflict_guard(Unit const& unit, std::int64_t offset) {
  if (unit.conflicted.contains(MessageId{static_cast<std::uint64_t>(offset)})) doubt();
}

bool StreamState::skippable_offset(Unit const& unit, std::int64_t offset) const {
  MessageId const slot{static_cast<std::uint64_t>(offset)};
  if (unit.abort_named.contains(slot) || unit.aborted.contains(slot)) return true;
  return std::any_of(unit.rejected.begin(), unit.rejected.end(),
                     [&](IdSet const& rejected) { return rejected.contains(slot); });
}

// Returns true when the claim of `offset` by the message `e` (which had no offset), already
// claimed by another, is a truncation this pass judges exactly (see the file comment).
bool StreamState::reclaim(Op const& op, Entry const& e, std::uint32_t number, std::int64_t offset) {
  if (op.f != OpKind::send || op.type != OpType::ok || e.sent_op == no_op) return false;
  if (conflicts_.size() == conflicts_max) return false;
  Unit& unit = units_[number];
  if (skippable_offset(unit, offset)) return false;
  if (unit.recent_evicted_max >= offset) return false;  // A claim there may be forgotten.
  std::uint64_t const begun = e.sent_op;
  for (RecentClaim& claim : unit.recent) {
    if (claim.gone || claim.offset < offset) continue;
    if (!claim.by_ack || claim.op >= begun) return false;
    if (!take_back(claim, number)) return false;
  }
  unit.conflicted.insert(MessageId{static_cast<std::uint64_t>(offset)});
  conflicts_.emplace_back(number, offset);
  return true;
}

// check_ordering's truncated_claims voids `claim`: its message loses the offset, and leaves its
// producer's order. Returns false (a doubt) when something else kept it placed.
bool StreamState::take_back(RecentClaim& claim, std::uint32_t number) {
  std::uint32_t const slot = table_.find_slot(claim.id);
  if (slot == stream_detail::OpenTable::no_slot) return false;
  Entry& e = entry(slot);
  if (!e.live || !e.has_offset || e.offset != claim.offset || e.restated || e.processed)
    return false;
  // Without this claim, its copy's offset may be all that places it (same partition number).
  if (!copies_.empty() && copies_.contains(claim.id)) return false;
  if (e.sent_op != no_op) {
    bool fresh = false;
    std::uint32_t const order_number =
        order_numbers_.number(std::uint64_t{number} << 32 | e.sender, fresh);
    if (fresh) orders_.emplace_back();
    auto& held = orders_[order_number].held;
    ProducerOrder::Key const key{e.sent_op, e.sent_position};
    auto const found =
        std::find_if(held.begin(), held.end(), [&](auto const& sent) { return sent.first == key; });
    if (found == held.end()) return false;  // Forgotten: its offset was kept in a summary.
    held.erase(found);
  }
  e.has_offset = false;
  claim.gone = 1;
  return true;
}

}  // namespace mqcheck::checker::ordering_detail
