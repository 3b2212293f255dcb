// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_truncation.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) at a second message claimed at an
// offset: Jepsen's inconsistent-offsets, as a truncated leader log makes it (acks=1 leader
// crash, unclean election, a min.insync.replicas=1 shrink, a power loss without fsync,
// pre-KIP-101 high-watermark truncation:
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-101). check_ordering then takes back
// the acknowledged claims the log no longer holds (ordering_facts.cpp's truncated_claims):
// (T) a later acknowledged send B at offset o voids every ack claim at o and above
// acknowledged before B's send began; (R) an ack claim goes when consumers read another
// message at its offset and never this one. Only ack claims go: a message that some other op
// (a consumer's read, most often) placed at its offset keeps it. This pass follows those rules
// where it is sure to match, and doubts otherwise:
//   at B's ok send at o (the invoke of the attempt it completes known: begun_of), every claim
//   at o is recent, was an ok send before B began (or is another op's, at an offset a poll read),
//   and its message is held; every claim of the unit at o or above is recent (every ok send's,
//   even one at the offset its message holds already: note_ack_again). Each ack claim from o up
//   acknowledged before B began goes: its message keeps its offset when another op stated it
//   (Entry::restated) or another claim of it there stays, else loses it and leaves its
//   producer's order (it must be held there, and not processed). Claims acknowledged later
//   stay, for the orders to judge.
//   Whether a consumer read another message at o is known from the ok polls and deliveries
//   (Unit::read); a holder at o that another op restated, at an offset no poll read, is a
//   doubt (a processing may have read it). When one did, B's claim is gone as it is made: B
//   stays without an offset (unplaced_) until a consumer reads it there, which places it as
//   check_ordering would (its read is a claim that stays, and adds nothing R did not already
//   take back: someone else was read there before).
// B's begun is truncated_claims' invoke_of: the invoke of the attempt B's ok completes, as
// send_outcomes.cpp pairs them, which this pass knows for a message sent once, or resent while
// ordering_stream_resends.cpp follows its attempts (begun_of). An ok the table files alone (its
// invoke lost, or taken by another completion) has none: truncated_claims then voids the first
// ack claim at o alone, and nothing when that claim is B's own (front_again: an ok written
// again). Where no ack claim was at o before B's (a poll read a message whose ok was lost),
// B's voids nothing, and R decides B's as above (first_ack). A consumer's read of B at o
// before B's ok is ordering_stream_early_reads.cpp's.
// The offset is kept as conflicted (conflicts_): the second pass over the ops
// (ordering_stream_skips.hpp) gathers every claim of it, which gives check_offsets'
// inconsistent-offsets anomaly. Two messages at one offset are equal spans, which neither
// order ranks: a group that processes both is no reorder (tied()).
#include <algorithm>
#include <optional>
#include <utility>

#include "checker/ordering_facts.hpp"
#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

namespace {

MessageId offset_id(std::int64_t offset) { return MessageId{static_cast<std::uint64_t>(offset)}; }

}  // namespace

// Every claim goes to its unit's recent claims; the oldest leave past recent_keep, and the
// offsets read below every recent claim with them (no truncation reaches there).
void StreamState::note_recent(Op const& op, std::uint64_t id, std::int64_t offset, Unit& unit) {
  if (unit.recent.size() == recent_keep) {
    unit.recent_evicted_max = std::max(unit.recent_evicted_max, unit.recent.front().offset);
    unit.recent.pop_front();
    if (unit.read.intervals() > read_keep)
      unit.read.erase_below(offset_id(unit.recent_evicted_max + 1));
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
  if (unit.conflicted.contains(offset_id(offset))) doubt();
}

bool StreamState::skippable_offset(Unit const& unit, std::int64_t offset) const {
  MessageId const slot = offset_id(offset);
  if (unit.abort_named.contains(slot) || unit.aborted.contains(slot)) return true;
  return std::any_of(unit.rejected.begin(), unit.rejected.end(),
                     [&](IdSet const& rejected) { return rejected.contains(slot); });
}

// The claim of `offset` by the message `id` (entry `e`, which had no offset), already claimed
// by another: how this pass judges it (see the file comment).
StreamState::Reclaim StreamState::reclaim(Op const& op, std::uint64_t id, Entry const& e,
                                          std::uint32_t number, std::int64_t offset) {
  if (op.f != OpKind::send || op.type != OpType::ok) {
    if (read_again(op, id, number, offset)) return Reclaim::placed;
    return read_early(op, id, e, number, offset) ? Reclaim::placed : Reclaim::refused;
  }
  if (conflicts_.size() == conflicts_max) return Reclaim::refused;
  Unit& unit = units_[number];
  if (skippable_offset(unit, offset)) return Reclaim::refused;
  if (unit.recent_evicted_max >= offset) return Reclaim::refused;  // A claim may be forgotten.
  Reach reach = Reach::up;
  std::uint64_t const begun = truncating_from(op, id, e, unit, offset, reach);
  bool const read_here = unit.read.contains(offset_id(offset));
  if (reach == Reach::again) return front_again(op, id, e, number, offset, read_here);
  if (begun == no_op) return Reclaim::refused;
  if (reach == Reach::none) return first_ack(op, id, e, number, offset, read_here);
  if (!truncate_claims(id, number, offset, begun, reach, read_here)) return Reclaim::refused;
  note_truncation(number, RecentClaim{offset, id}, false);
  unit.conflicted.insert(offset_id(offset));
  conflicts_.emplace_back(number, offset);
  if (!read_here) return Reclaim::placed;
  return leave_unplaced(op, id, e, number, offset) ? Reclaim::pending : Reclaim::refused;
}

// Rule T's loop (truncated_claims' over the ack claims of a slot from `offset` up): each
// recent ack claim there acknowledged before `begun` goes (take_back), and is noted, even if
// gone already; at `offset` only with `reach` here. Every live claim at `offset` but B's own
// (`id`'s: its early read, ordering_stream_early_reads.cpp) must be one this pass follows
// (holder_known). Returns false for a doubt.
bool StreamState::truncate_claims(std::uint64_t id, std::uint32_t number, std::int64_t offset,
                                  std::uint64_t begun, Reach reach, bool read_here) {
  for (RecentClaim& claim : units_[number].recent) {
    if (claim.offset < offset || (reach == Reach::here && claim.offset != offset)) continue;
    if (claim.id == id && !claim.gone) continue;          // B's read stays; B has no other claim.
    bool const taken = claim.by_ack && claim.op < begun;  // By T: noted even if gone already.
    if (claim.gone) {
      if (taken) note_truncation(number, claim, true);
      continue;
    }
    if (claim.offset == offset && !claim.by_ack) {
      // Another message's claim that stays (a read before its ok, most often): rule R voids
      // B's ack claim if it was a consumer's, which a poll's read of the offset settles.
      if (!read_here || !held_at(claim)) return false;
      continue;
    }
    if (claim.offset == offset && !holder_known(claim, begun, read_here)) return false;
    if (!taken) continue;  // It stays.
    if (!take_back(claim, number)) return false;
    note_truncation(number, claim, true);
  }
  return true;
}

// Rule T at B's ok send `op` at `offset` (truncated_claims' loop over the later claims of an
// offset): B's `begun`, before which the ack claims from `offset` up were acknowledged that
// go; no_op for a doubt. The offset's first ack claim (claims.front(): every claim of the
// offset is recent here) decides three cases. None: B's voids nothing (`reach` none,
// first_ack). B's own: nothing either (`reach` again, front_again). When the table files `op` alone
// (begun_of: no_op), begun is that claim's op + 1 and only claims at the offset go (`reach`
// here): that first one alone, if it has not gone already.
std::uint64_t StreamState::truncating_from(Op const& op, std::uint64_t id, Entry const& e,
                                           Unit const& unit, std::int64_t offset,
                                           Reach& reach) const {
  auto const front = std::find_if(unit.recent.begin(), unit.recent.end(),
                                  [&](auto const& c) { return c.offset == offset && c.by_ack; });
  if (front == unit.recent.end()) {
    reach = Reach::none;
    return 0;
  }
  if (front->id == id) {
    reach = Reach::again;
    return 0;
  }
  std::optional<std::uint64_t> invoke = begun_of(op, id, e);
  if (!invoke && e.send_invokes == 1 && acked_again(op, id, unit, offset)) invoke = no_op;
  if (!invoke) return no_op;
  if (*invoke != no_op) return *invoke;
  reach = Reach::here;
  return front->op + 1;
}

// B's ack claim is the first at `offset`, where only other ops (no acknowledgement) placed
// another message: truncated_claims' T takes nothing back for it, and R voids it unless a
// consumer reads B there, when one read the other message there (read_here: a poll read the
// offset, and only that message's claims are there). B then stays unplaced until such a read
// (leave_unplaced, read_again). The other message's claim stays (a consumer's). An ok send of
// it at the offset later would be an ack claim after B's, whose T this pass would not see:
// the offset is watched (read_placed_), and such an ok is a doubt (watch_ack).
StreamState::Reclaim StreamState::first_ack(Op const& op, std::uint64_t id, Entry const& e,
                                            std::uint32_t number, std::int64_t offset,
                                            bool read_here) {
  Unit& unit = units_[number];
  bool found = false;
  std::uint64_t holder = 0;
  for (RecentClaim const& claim : unit.recent) {
    if (claim.offset != offset) continue;
    if (found && claim.id != holder) return Reclaim::refused;  // Two others.
    found = true;
    holder = claim.id;
  }
  if (!read_here || !found || holder == id) return Reclaim::refused;
  note_truncation(number, RecentClaim{offset, holder}, false);  // Named: no claim taken.
  note_truncation(number, RecentClaim{offset, id}, false);
  unit.conflicted.insert(offset_id(offset));
  conflicts_.emplace_back(number, offset);
  read_placed_.emplace(number, offset);
  return leave_unplaced(op, id, e, number, offset) ? Reclaim::pending : Reclaim::refused;
}

// B's ack claim at `offset`, whose first ack claim was B's own, gone since (T by another's ok
// there, or R): truncated_claims' T passes over a later claim of the first claim's message, so
// R alone decides this one. B holds no offset, so no consumer read it there yet (a read would
// have kept its claim: take_back); when a poll read another message there (read_here), R voids
// this claim too as it is made, and B stays unplaced until a consumer reads it there
// (read_again). Else a doubt: a processing may have read the offset, which no poll did.
StreamState::Reclaim StreamState::front_again(Op const& op, std::uint64_t id, Entry const& e,
                                              std::uint32_t number, std::int64_t offset,
                                              bool read_here) {
  auto const gone = unplaced_.find(id);
  if (!read_here || gone == unplaced_.end() || gone->second != offset) return Reclaim::refused;
  note_truncation(number, RecentClaim{offset, id}, false);
  return leave_unplaced(op, id, e, number, offset) ? Reclaim::pending : Reclaim::refused;
}

// An ok send of `e` (touched by `op`) at an offset first_ack watches: a doubt (see there).
void StreamState::watch_ack(Op const& op, Entry const& e) {
  if (op.type == OpType::ok && e.has_offset && read_placed_.contains({unit_of(e), e.offset}))
    doubt();
}

// The invoke of the send attempt that `op`, an ok send of `e`'s message `id`, completed: B's
// begun in rule T, which truncated_claims takes from the message table (invoke_of, after
// send_outcomes.cpp's pairing); no_op when the table files `op` alone, with no invoke; nullopt
// when unsure (a doubt). A message sent once: its invoke, when `op` paired with it
// (note_first_outcome: its outcome was open, and nothing else stated the message). One never
// invoked: alone, unless an invoke naming no message or a copy's (send_outcomes.cpp pairs by
// ids) may pair with `op`. A resent one: as on_resend_op paired `op`, which follows
// send_outcomes.cpp while the resends are followed.
std::optional<std::uint64_t> StreamState::begun_of(Op const& op, std::uint64_t id,
                                                   Entry const& e) const {
  if (e.send_invokes > 1) {
    if (resend_paired_op_ != op.index) return std::nullopt;
    return resend_paired_invoke_;
  }
  if (e.send_invokes == 1) {
    if (e.send_unpaired || e.first_outcome != outcome_ok) return std::nullopt;
    return e.sent_op;
  }
  if (!filed_alone(op, id)) return std::nullopt;
  return no_op;
}

// Whether send_outcomes.cpp files `op`, a send completion of message `id` finding no open
// invoke of it, alone: unless an invoke naming no message, or a copy's send (it pairs by ids),
// may take it, or `op` names other messages too.
bool StreamState::filed_alone(Op const& op, std::uint64_t id) const {
  return !unnamed_send_ && op.value.size() == 1 && (copies_.empty() || !copies_.contains(id));
}

// Whether `op`, an ok send of message `id` (sent once), is filed alone by the table as an ok
// again (a harness that wrote the line twice): an earlier ok of it claimed `offset` after the
// first ack claim there, and went (R as it was made, or T since). Made after that first one,
// it was a reclaim, where begun_of found its invoke: the one invoke named it alone and paired
// with that ok. This one then finds no open invoke (filed_alone).
bool StreamState::acked_again(Op const& op, std::uint64_t id, Unit const& unit,
                              std::int64_t offset) const {
  if (!filed_alone(op, id)) return false;
  auto const gone = unplaced_.find(id);
  if (gone == unplaced_.end() || gone->second != offset) return false;
  return std::any_of(unit.recent.begin(), unit.recent.end(), [&](RecentClaim const& claim) {
    return claim.id == id && claim.offset == offset && claim.by_ack && claim.gone;
  });
}

// Whether `claim`, at the offset a send acknowledged at `begun` reclaims, is one this pass
// follows: an ack claim from before `begun`, of a held message, and not restated by some op
// that may have been a consumer's when no poll read the offset (R would then void B's claim).
bool StreamState::holder_known(RecentClaim const& claim, std::uint64_t begun, bool read_here) {
  if (!claim.by_ack || claim.op >= begun) return false;
  std::uint32_t const slot = table_.find_slot(claim.id);
  if (slot == stream_detail::OpenTable::no_slot) return false;
  Entry const& e = entry(slot);
  return e.live && (read_here || !e.restated);
}

// B's ack claim is gone as it is made (a consumer read another message there): B stays
// without an offset, its claim kept for the second pass. Refused where B's own claim would
// count in the first pass's skips (a tag filter, an abort, a transaction).
bool StreamState::leave_unplaced(Op const& op, std::uint64_t id, Entry const& e,
                                 std::uint32_t number, std::int64_t offset) {
  if (e.rejected_by != 0 || e.abort_named || !op.txn.empty()) return false;
  if (unplaced_.size() == unplaced_max) return false;
  auto const record = std::find_if(op.value.begin(), op.value.end(), [&](Record const& r) {
    return r.id.value == id && r.offset && r.offset->value == offset;
  });
  if (record == op.value.end()) return false;
  note_claim_form(e, *record);  // Its claim is the second pass's to file.
  Unit& unit = units_[number];
  note_recent(op, id, offset, unit);
  unit.recent.back().gone = 1;
  unplaced_.insert_or_assign(id, offset);
  return true;
}

// An ok send `op` of `e`'s message `id` at the offset it holds already: an ack claim all the
// same (a consumer read it before the ok, or the harness wrote the ok twice), which rule T or
// R may take back with the others (truncated_claims reads every ok send), so it joins the
// recent claims, and take_back keeps the offset while one of them stays (claimed_again). At a
// conflicted offset, the ok's own T takes back nothing new when the table files it alone (the
// one invoke paired with the first ok: T voids the offset's first ack claim only, gone with
// the first ok's); an ok of a resent message may pair with a later invoke: not followed.
void StreamState::note_ack_again(Op const& op, std::uint64_t id, Entry const& e) {
  Unit& unit = units_[unit_of(e)];
  if (unit.conflicted.contains(offset_id(e.offset)) &&
      (e.send_invokes != 1 || !filed_alone(op, id)))
    return doubt();
  note_recent(op, id, e.offset, unit);
}

// Whether another claim of `claim`'s message at its offset is recent and not gone.
bool StreamState::claimed_again(RecentClaim const& claim, Unit const& unit) const {
  return std::any_of(unit.recent.begin(), unit.recent.end(), [&](RecentClaim const& other) {
    return &other != &claim && other.id == claim.id && other.offset == claim.offset && !other.gone;
  });
}

// Whether `claim`'s message is held at the claim's offset.
bool StreamState::held_at(RecentClaim const& claim) {
  std::uint32_t const slot = table_.find_slot(claim.id);
  if (slot == stream_detail::OpenTable::no_slot) return false;
  Entry const& e = entry(slot);
  return e.live && e.has_offset && e.offset == claim.offset;
}

// Notes `claim` for the second pass over a reordering (ordering_stream_reorders.cpp): its
// message is named at its offset, and, when `taken`, its ack claim is one check_ordering's
// truncated_claims voids by rule T. (Rule R depends on reads that may come later: the second
// pass sees them all.) Past truncation_notes_max, a reordering in a conflicted unit loads.
void StreamState::note_truncation(std::uint32_t unit, RecentClaim const& claim, bool taken) {
  if (truncation_notes_.size() == truncation_notes_max) {
    truncation_notes_full_ = true;
    return;
  }
  truncation_notes_.push_back(
      TruncationNote{claim.id, taken ? std::uint64_t{claim.op} : no_op, unit, claim.offset});
}

// A consumer's read of `id` at `offset`, where its ack claim went (T or R), after a poll read
// another message there: a claim that stays, which R already counted (read_here).
bool StreamState::read_again(Op const& op, std::uint64_t id, std::uint32_t number,
                             std::int64_t offset) {
  if (!observed_by_consumer(op)) return false;
  auto const gone = unplaced_.find(id);
  if (gone == unplaced_.end() || gone->second != offset) return false;
  Unit const& unit = units_[number];
  if (!unit.read.contains(offset_id(offset)) || !unit.conflicted.contains(offset_id(offset)))
    return false;
  unplaced_.erase(gone);
  return true;
}

// check_ordering's truncated_claims voids `claim`: its message keeps the offset when another
// op stated it there, or another claim of it there is not gone (yet: a claim the same rule
// voids comes later in the recent ones, and its take_back decides), else loses it and leaves
// its producer's order. Returns false (a doubt) when something else kept it placed: another
// offset (a span whose first one may go), a resend acknowledged twice.
bool StreamState::take_back(RecentClaim& claim, std::uint32_t number) {
  std::uint32_t const slot = table_.find_slot(claim.id);
  if (slot == stream_detail::OpenTable::no_slot) return false;
  Entry& e = entry(slot);
  if (!e.live || !e.has_offset || e.offset != claim.offset) return false;
  if (e.send_invokes > 1 && acked_twice(claim.id)) return false;
  // A span is counted at its first offset (ordering_stream_resends.cpp), which must stay one
  // of its offsets: some op other than this claim's must have stated it there. Only restated
  // says so, and only of a message sent once (start_resend marks every resent one).
  if (e.spanned && (!e.restated || e.send_invokes > 1)) return false;
  claim.gone = 1;
  if (e.restated) {
    // Kept with no claim there, maybe: then it has no offset in check_ordering, and counting it
    // at this one only adds constraints, unless it is stored elsewhere too (claim_again).
    if (e.send_invokes > 1) e.offset_voided = true;
    return true;  // A claim that stays.
  }
  // Every claim of its offset is recent: each caller doubts past recent_evicted_max.
  if (claimed_again(claim, units_[number])) return true;  // A claim that stays.
  if (e.processed) return false;
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
  if (unplaced_.size() < unplaced_max) unplaced_.insert_or_assign(claim.id, claim.offset);
  return true;
}

// A group's processing of `e` at the offset of its last one: two messages at a conflicted
// offset are equal spans, which no order ranks (precedes() is strict).
bool StreamState::tied(Entry const& e, std::int64_t processed_max) {
  return e.offset == processed_max && units_[unit_of(e)].conflicted.contains(offset_id(e.offset));
}

}  // namespace mqcheck::checker::ordering_detail
