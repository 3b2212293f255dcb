// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_resends.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) at a message sent more than once
// (a producer's retry after a timeout, an idempotent producer restarted, a transaction re-run)
// or stored at several offsets (a retried batch the broker appended again, each time a retry's
// ack was lost: Kafka without enable.idempotence).
//
// Resends. check_ordering gives a message a place in its producer's order (ordering_facts.cpp,
// sent_position) only when exactly one of its send attempts did not fail, that attempt is ok
// and has an invoke; the attempts are send_outcomes.cpp's, each completion paired with the
// earliest open invoke of its process with the same ids, or one naming no message. Here they
// are paired the same way while that rule is simple: every send op of the message names it
// alone (one record), no send invoke named no message (unnamed_send_), and no process sends
// both the message and a copy of it in another topic (ordering_stream_copies.cpp,
// note_copy_send: a copy's attempts then never pair with these). Then a completion of process P
// pairs with P's earliest open attempt of the message, or stands alone (no invoke: it may have
// written the message, and gives it no place). Anything else is a doubt. From the attempts paired
// so far (place_resent):
//   - an attempt ended info, a lone completion that did not fail, or two ok attempts: never
//     the one writer with a place; the message leaves its producer's order for good;
//   - else one ok attempt: the only one that may end as that writer (the others are open and
//     may yet fail, or failed); none ok and one open: that one; all failed: none (a later
//     attempt may be); two open and none ended: none until one ends.
// The message is held in its producer's order (ProducerOrder::held) at that attempt's key
// (Entry::sent_op, sent_position, sender), and taken out when that changes. Holding it while
// check_ordering may leave it out only adds constraints (a producer order with one more item
// has every inversion of the one without it), so the pass stays a sufficient condition; an
// item dropped is one check_ordering leaves out, and dropping an item keeps the rest sorted.
//
// Spans. A message stored at offsets o1..oN of one unit has Placement::offsets [min, max]
// (ordering_facts.cpp, place_messages widens it), and u precedes v in the broker's order iff
// u.hi < v.lo. Each offset after Entry::offset (the first claimed) is claimed in its unit as it
// comes (a second message at any of them stays a doubt) and kept in spans_; an offset already
// kept only restates it; one past span_offsets_max is a doubt. Entry::offset never changes.
//   - Producer order: it keeps Entry::offset, one of its offsets. Held offsets increase
//     strictly along send order, so for u sent before v: v.hi >= v.offset > u.offset >= u.lo,
//     and v never precedes u. Spans widen only (lo falls, hi rises), which keeps that true.
//   - Consumer order (process()): a span counts at Entry::offset too, and each group's first
//     processings must come in increasing such offsets. For x_i processed before x_j with
//     x_j.offset > x_i.offset: x_j.hi >= x_j.offset > x_i.offset >= x_i.lo, so the broker
//     never put x_j before x_i. Where they do not increase, a range is recorded
//     (ordering_stream_reorders.cpp), judged by the second pass with the spans meeting it:
//     every offset of every span is logged for it (span_log_), so name_spans names the message
//     at each one inside the ranges, and the second pass reads the spans from the ops.
// Both need Entry::offset in [lo, hi] to the end, as the definition places the message. A
// truncation voids ack claims only (truncated_claims): one at Entry::offset is followed only
// when another op stated the offset there (take_back), and one at another offset of a span is
// a doubt, so spans never narrow; a resent message kept at an offset whose claim was voided
// (Entry::offset_voided) starts no span. (A resend marks the message restated, so take_back
// keeps it at its offset: one item more at worst, which only adds constraints.) Skippable
// offsets do not follow a span: its other offsets join no skippable set (a gap over one goes
// to the second pass, which reads claims from the ops).
#include <algorithm>

#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpType;
using history::OrderingScope;

// Sweeps the entries of messages no longer held from resends_ and spans_ (a message is let go
// without them being told): their sizes stay within twice the held ones'.
bool StreamState::held_as(std::uint64_t id, bool (*still)(Entry const&)) {
  std::uint32_t const slot = table_.find_slot(id);
  return slot != stream_detail::OpenTable::no_slot && entry(slot).live && still(entry(slot));
}

void StreamState::start_resend(Op const& op, std::uint64_t id, Entry& e, std::uint32_t position) {
  if (e.send_unpaired || unnamed_send_ || op.value.size() != 1) return doubt();
  // copies10: a copy's send ops come from processes that send none of the message's own
  // (note_copy_send, own_send_apart), so they leave this pairing alone. If every copy's
  // attempt fails, the own attempts decide sent_position, as here; else check_ordering gives
  // the message no place (the copy's is a second writer beside an own ack, or one that is not
  // ok), and holding one only adds constraints. A copy acknowledged first needs the one own
  // attempt (place_by_copy): a resend of it stays a doubt.
  if (!copies_.empty() && copy_acked_first(id)) return doubt();
  if (resends_.size() >= resends_sweep_at_) {
    std::erase_if(resends_, [&](auto const& item) {
      return !held_as(item.first, [](Entry const& held) { return held.send_invokes > 1; });
    });
    resends_sweep_at_ = std::max<std::size_t>(64, 2 * resends_.size());
  }
  e.send_invokes = 2;
  e.restated = true;  // take_back follows messages with one attempt only.
  Resend& resend = resends_[id];
  resend.attempts = {ResendAttempt{e.sent_op, e.sent_position, e.sender, e.first_outcome},
                     ResendAttempt{op.index, position, names_.intern(op.process), outcome_open}};
  place_resent(resend, e);
}

void StreamState::on_resend_op(Op const& op, std::uint64_t id, Entry& e, std::uint32_t position) {
  auto const found = resends_.find(id);
  if (found == resends_.end()) return doubt();  // Never: a held message keeps its entry.
  Resend& resend = found->second;
  if (!read_placed_.empty()) [[unlikely]]
    watch_ack(op, e);  // trunc10.
  // Out, more attempts only add writers; they are still paired, for begun_of, while simple.
  if (resend.out && !resend.paired) return;
  if (op.type == OpType::invoke) {
    if (op.value.size() != 1 || resend.attempts.size() == resend_attempts_max) {
      if (!resend.out) return doubt();
      resend.paired = false;  // A truncation it meets is a doubt (begun_of).
      return;
    }
    resend.attempts.push_back(
        ResendAttempt{op.index, position, names_.intern(op.process), outcome_open});
  } else {
    auto const open = std::find_if(resend.attempts.begin(), resend.attempts.end(),
                                   [&](ResendAttempt const& attempt) {
                                     return attempt.outcome == outcome_open &&
                                            same_text(names_.name(attempt.process), op.process);
                                   });
    if (op.value.size() == 1 && open != resend.attempts.end()) {
      open->outcome = outcome_of(op.type);
      resend_paired_op_ = op.index;  // For begun_of.
      resend_paired_invoke_ = open->invoke;
    } else {
      // No open attempt of its process: send_outcomes.cpp files it alone (start_resend saw no
      // copy and no invoke naming no message, and each later one is a doubt).
      if (op.value.size() == 1) {
        resend_paired_op_ = op.index;
        resend_paired_invoke_ = no_op;
      }
      // A lone completion: it may have written the message, with no invoke.
      if (op.type != OpType::fail) resend.out = true;
      if (op.type == OpType::ok) resend.lone_ok = true;
    }
  }
  place_resent(resend, e);
}

// trunc10: whether the resent message `id` may have had two ok completions, so two ack claims
// (take_back): two ok attempts, or an ok that took none; unknown (true) once not paired.
bool StreamState::acked_twice(std::uint64_t id) const {
  auto const found = resends_.find(id);
  if (found == resends_.end() || !found->second.paired || found->second.lone_ok) return true;
  auto const& attempts = found->second.attempts;
  return std::count_if(attempts.begin(), attempts.end(), [](ResendAttempt const& attempt) {
           return attempt.outcome == outcome_ok;
         }) > 1;
}

// Moves the message to the place its attempts leave it in its producer's order, if any (see
// the file comment).
void StreamState::place_resent(Resend& resend, Entry& e) {
  std::size_t oks = 0;
  std::size_t open = 0;
  ResendAttempt const* ok = nullptr;
  ResendAttempt const* pending = nullptr;
  for (ResendAttempt const& attempt : resend.attempts) {
    if (attempt.outcome == outcome_open) {
      ++open;
      pending = &attempt;
    } else if (attempt.outcome == outcome_ok) {
      ++oks;
      ok = &attempt;
    } else if (attempt.outcome == outcome_info) {
      resend.out = true;
    }
  }
  if (oks > 1) resend.out = true;
  ResendAttempt const* place = nullptr;
  if (!resend.out) {
    if (ok != nullptr) {
      place = ok;
    } else if (open == 1) {
      place = pending;
    }
    // Two open and none ended: either may end as the one writer, so it has no place until one
    // does. Its place is then taken against every held send (producer_order), as a first
    // place is, so no pair of the definition's producer order goes unchecked.
  }
  if (place != nullptr && place->invoke == e.sent_op && place->position == e.sent_position &&
      place->process == e.sender)
    return;
  if (e.sent_op != no_op) drop_sent(e);
  if (place == nullptr) {
    e.sent_op = no_op;
    return;
  }
  e.sent_op = place->invoke;
  e.sent_position = place->position;
  e.sender = place->process;
  if (e.has_offset && scope_of(e.topic) != OrderingScope::none) producer_order(e, unit_of(e));
}

// Takes the message out of its producer's order, where producer_order put it (when it had an
// offset). One forgotten already stays in the order's summary: that only adds constraints.
void StreamState::drop_sent(Entry const& e) {
  if (!e.has_offset || scope_of(e.topic) == OrderingScope::none) return;
  bool fresh = false;
  std::uint32_t const number =
      order_numbers_.number(std::uint64_t{unit_of(e)} << 32 | e.sender, fresh);
  if (fresh) orders_.emplace_back();
  auto& held = orders_[number].held;
  ProducerOrder::Key const key{e.sent_op, e.sent_position};
  auto const found = std::lower_bound(
      held.begin(), held.end(), key,
      [](auto const& sent, ProducerOrder::Key const& k) { return sent.first < k; });
  if (found != held.end() && found->first == key) held.erase(found);
}

// Attempts are no longer paired here: a resend from now on is a doubt, and so is one already
// followed.
void StreamState::note_unnamed_send() {
  unnamed_send_ = true;
  if (!resends_.empty()) doubt();
}

// `offset` for a message claimed at e.offset: another offset of it (see the file comment).
void StreamState::claim_again(Op const& op, std::uint64_t id, Entry& e, std::int64_t offset) {
  std::uint32_t const number = unit_of(e);
  std::pair<std::uint32_t, std::int64_t> const key{number, e.offset};
  // Its first offset may be no offset of it now (take_back): the span would not hold it.
  if (e.offset_voided) return doubt();
  SpanOffsets* span = nullptr;
  if (e.spanned) {
    auto const found = spans_.find(key);
    if (found == spans_.end() || found->second.id != id) return doubt();  // Never while held.
    std::vector<std::int64_t> const& others = found->second.others;
    if (std::find(others.begin(), others.end(), offset) != others.end()) return;  // Known.
    if (others.size() + 1 >= span_offsets_max) return doubt();  // Its 65th offset.
    span = &found->second;
  }
  Unit& unit = units_[number];
  MessageId const slot{static_cast<std::uint64_t>(offset)};
  if (unit.claimed.contains(slot)) return doubt();  // Another message's too.
  if (span == nullptr) {
    span = start_span(key, id);
    if (span == nullptr) return doubt();
  }
  unit.claimed.insert(slot);
  note_recent(op, id, offset, unit);
  span->others.push_back(offset);
  if (span_log_.size() < span_log_max)
    span_log_.push_back(LoggedSpan{number, e.offset, offset, id});
  else
    span_log_full_ = true;
  e.spanned = true;
}

// The entry of the message `id` in spans_ at `key`, new; nullptr (a doubt) when another
// message holds the key: two messages at one first offset (a truncation claimed it again).
StreamState::SpanOffsets* StreamState::start_span(std::pair<std::uint32_t, std::int64_t> key,
                                                  std::uint64_t id) {
  if (spans_.size() >= spans_sweep_at_) {
    std::erase_if(spans_, [&](auto const& item) {
      return !held_as(item.second.id, [](Entry const& held) { return held.spanned; });
    });
    spans_sweep_at_ = std::max<std::size_t>(64, 2 * spans_.size());
  }
  auto const [found, fresh] = spans_.try_emplace(key);
  if (!fresh && found->second.id != id) return nullptr;
  found->second = SpanOffsets{id, {}};
  return &found->second;
}

}  // namespace mqcheck::checker::ordering_detail
