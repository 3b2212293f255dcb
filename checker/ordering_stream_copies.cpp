// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_copies.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) at a message named on other topics
// than its first: the dead-letter and retry-topic patterns re-send a message, same id, to
// another topic (Kafka has no broker-side dead-letter queue: the application publishes the
// record to a DLT, e.g. Spring Kafka's DeadLetterPublishingRecoverer; its non-blocking retries,
// RetryTopicConfigurer, send a failed record on to orders-retry-100, orders-retry-200, then
// orders-dlt; RocketMQ's %RETRY% and %DLQ% topics move the message likewise). What
// check_ordering does with such copies (checker/ordering*.cpp), whatever their number:
//   - the message is placed in its first send's topic (MessageFacts::topic), its partition
//     that of its first ok send; every group's first ok processing, of any copy, orders it
//     in that topic's chain (consumer_chains keys by the placement, not by the record);
//   - its broker span is its offset in that topic alone (place_messages leaves out the copies'
//     offsets, which are other topics'), so judging the first topic's offset is exact;
//   - its later send attempts leave it out of its producer's order (sent_position): keeping
//     it there only adds constraints, so again sufficient;
//   - each copy's offsets are claims of its own topic's partition (collect_claims keys by the
//     record's topic), read in order there by that topic's consumers (PollWalk); a copy in a
//     topic that promises no order is claimed and walked nowhere.
// So copies are judged here when the message's first topic already placed it by an
// acknowledged send with an offset and a partition: their processings go to process() with the
// first topic's scope, and each copy's offset is claimed, and walked, in its own topic's unit.
// A copy may also come before that acknowledgement (a lost or late ack line), once the first
// topic's records gave the message an offset and a partition: place_by_copy says when that is
// exact. A copy's send attempts are the message's too (build_message_table files attempts by
// id, whatever their topic), so no process may send both the message and a copy of it
// (note_copy_send, own_send_apart): its own attempts then pair as if it had no copies.
// Anything else stays a doubt: a copy at two offsets (or partitions) of one topic, more than
// copy_topics_max topics, a copy's offset with no partition, a copy in a transaction, tag
// filters, a truncation that would take a claim back (a copy's claim keeps truncations at or
// below it from being judged: recent_evicted_max; a copied message's own claim is never taken
// back: take_back).
#include <algorithm>

#include "checker/ordering_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;

void StreamState::judge_copy(Op const& op, Record const& record, Entry& e, std::uint32_t position) {
  // The placement's topic is its first send's (has_send: that send came before any copy's),
  // its partition that of the first topic's records, which placed it at an offset.
  if (!e.has_send || !e.has_offset || !e.has_partition) return doubt();
  // Transactions and tag filters make offsets skippable by message: not followed for copies.
  if (!op.txn.empty() || !filters_.empty() || e.abort_named) return doubt();
  if (record.offset && !record.partition) return doubt();
  CopyAt* const copy = copy_in(record.id.value, names_.intern(record.topic));
  if (copy == nullptr) return doubt();  // Too many topics.
  if (op.f == OpKind::send) {
    note_copy_send(op, record.id.value, e);
    // Before the message's own ack, a copy's ok send is the first ok attempt: place_messages
    // takes the partition from it. (After, the own ack is first, and fixed it.)
    if (!doubt_ && !e.acked && op.type == OpType::ok && !copy_acked_first(record.id.value))
      place_by_copy(record, e);
    if (doubt_) return;
  }
  if (op.f == OpKind::send && op.type == OpType::fail) return;  // A failed op places nothing.
  if (!record.key.empty()) e.has_key = true;  // Placement::key: the first non-empty of any.
  if (record.offset) {
    // Walked in its own topic's unit, or (an unordered topic) not at all: walk_copies.
    std::uint32_t unit = no_copy_unit;
    if (scope_of(copy->topic) != OrderingScope::none) {
      unit = unit_of(copy->topic, true, *record.partition);
      claim_copy(record, *copy, unit);
      if (doubt_) return;
    }
    if (copy_op_ != op.index) {
      copy_op_ = op.index;
      copy_units_.clear();
    }
    copy_units_.emplace_back(position, unit);
  }
  OrderingScope const scope = scope_of(e.topic);
  if (op.f == OpKind::process && op.type == OpType::ok && scope != OrderingScope::none)
    process(op, e, scope);
}

// A copy's ok send before any ok send of the message: check_ordering's first ok attempt
// (MessageFacts::first_ok, the earliest ok completion) is then this one, and place_sent takes
// the placement's partition from its record and its sender from its process. The placement
// is the one judged so far when:
//   - the record names the partition the first topic's records gave (Placement::partition;
//     a later own ack naming another one is a doubt: place());
//   - the topic does not order by producer (chain_of keys those chains by the sender);
//   - the message is never in a producer chain of the copy's sender: add_producer_node needs
//     one attempt alone that did not fail (sent_position). Its one own attempt (one invoke,
//     paired here: send_invokes, send_unpaired) has not failed and never does (a failed own
//     send after this is a doubt: own_send_apart; a resend too: start_resend), so the copy's
//     attempt is never alone. Those chains hold the first topic's sender (producer_order)
//     or, as check_ordering, none.
// Otherwise a doubt. The message's other ops are judged as after an own ack. (place_sent
// reads the first record naming the message in that op: this one, as an earlier record of
// it there was an own ack, or a copy's that came here first.)
void StreamState::place_by_copy(Record const& record, Entry const& e) {
  if (!record.partition || *record.partition != e.partition) return doubt();
  if (scope_of(e.topic) == OrderingScope::producer) return doubt();
  if (e.send_invokes != 1 || e.send_unpaired || e.first_outcome == outcome_fail) return doubt();
  copies_.at(record.id.value).acked_first = true;
}

// A copy's send op of process P. send_outcomes.cpp pairs a completion with an open invoke of
// its own process: while P sent none of the message's own attempts (Entry::sender, the
// resend's attempts, whose list is whole while not `out`) and sends none later
// (own_send_apart), the own attempts pair among themselves, as ordering_stream_resends.cpp
// pairs them. (A completion that stood alone cannot pair with a later invoke.)
void StreamState::note_copy_send(Op const& op, std::uint64_t id, Entry const& e) {
  std::uint32_t const process = names_.intern(op.process);
  if (e.send_invokes == 1 && e.sender == process) return doubt();
  if (e.send_invokes > 1) {
    auto const resend = resends_.find(id);
    if (resend == resends_.end() || resend->second.out) return doubt();
    for (ResendAttempt const& attempt : resend->second.attempts)
      if (attempt.process == process) return doubt();
  }
  if (std::find(copy_senders_.begin(), copy_senders_.end(), process) != copy_senders_.end()) return;
  if (copy_senders_.size() == copy_senders_max) return doubt();
  copy_senders_.push_back(process);
}

bool StreamState::copy_sender(std::string const& process) const {
  return std::any_of(copy_senders_.begin(), copy_senders_.end(),
                     [&](std::uint32_t sender) { return same_text(names_.name(sender), process); });
}

// A send op of the message's own topic, for a message with copies: false (a doubt) when a
// process that sent copies sends it (its attempts might pair across topics: note_copy_send),
// or when it fails after a copy was acknowledged first (the copy's attempt might then be the
// only one that did not fail: place_by_copy).
bool StreamState::own_send_apart(Op const& op, std::uint64_t id) const {
  bool const sender = copy_sender(op.process);
  if (!sender && op.type != OpType::fail) return true;
  auto const found = copies_.find(id);
  return found == copies_.end() || (!sender && !found->second.acked_first);
}

bool StreamState::copy_acked_first(std::uint64_t id) const {
  auto const found = copies_.find(id);
  return found != copies_.end() && found->second.acked_first;
}

// The message's copy in `topic`, made when new; nullptr past copy_topics_max topics.
StreamState::CopyAt* StreamState::copy_in(std::uint64_t id, std::uint32_t topic) {
  Copy& copies = copies_[id];
  auto const end = copies.at.begin() + copies.count;
  auto const found =
      std::find_if(copies.at.begin(), end, [&](CopyAt const& at) { return at.topic == topic; });
  if (found != end) return &*found;
  if (copies.count == copy_topics_max) return nullptr;
  CopyAt& made = copies.at[copies.count++];
  made = CopyAt{};
  made.topic = topic;
  return &made;
}

// As collect_claims: each copy claims its offset of (its topic, its partition), once.
void StreamState::claim_copy(Record const& record, CopyAt& copy, std::uint32_t unit) {
  std::int64_t const offset = record.offset->value;
  if (offset < 0) return doubt();
  if (copy.offset != no_copy_offset) {
    if (copy.offset != offset || copy.partition != *record.partition) doubt();
    return;
  }
  Unit& here = units_[unit];
  MessageId const slot{static_cast<std::uint64_t>(offset)};
  if (here.claimed.contains(slot)) return doubt();  // Another message there.
  here.claimed.insert(slot);
  // Not among the unit's recent claims: a truncation reaching down to it is a doubt.
  here.recent_evicted_max = std::max(here.recent_evicted_max, offset);
  if (claim_forms_.size() <= copy.topic) claim_forms_.resize(copy.topic + 1, 0);
  claim_forms_[copy.topic] |= claim_form_named;
  copy.partition = *record.partition;
  copy.offset = offset;
}

// walk_poll for an op with a copy's record: each record read in its own topic's unit, as
// check_offsets' PollWalk keys runs by the record's topic.
void StreamState::walk_copies(Op const& op) {
  std::uint32_t const process = names_.intern(op.process);
  std::uint32_t const filter = filters_.empty() ? no_filter : filter_index(op.group);
  std::vector<Run>& runs = runs_;
  runs.clear();
  for (std::size_t i = 0; i < op.value.size(); ++i) {
    Record const& record = op.value[i];
    if (!record.offset) continue;
    auto const position = static_cast<std::uint32_t>(i);
    auto const copied = std::find_if(copy_units_.begin(), copy_units_.end(),
                                     [&](auto const& known) { return known.first == position; });
    std::uint32_t unit = 0;
    if (copied != copy_units_.end()) {
      if (copied->second == no_copy_unit) continue;  // PollWalk reads ordered topics only.
      unit = copied->second;
    } else {
      MQCHECK_ASSERT(table_.id_at(slots_[i]) == record.id.value);
      Entry const& e = entry(slots_[i]);
      if (scope_of(e.topic) == OrderingScope::none) continue;
      unit = unit_of(e);
    }
    add_to_run(runs, unit, record.offset->value, record.id);
  }
  for (Run const& run : runs) {
    read_run(process, run.unit, run.first, run.last, run.first_id, filter, op);
    if (doubt_) return;
  }
}

}  // namespace mqcheck::checker::ordering_detail
