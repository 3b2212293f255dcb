// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_facts.cpp (layer: checker)
// Places messages in two passes over the client ops: the first fixes each message's topic,
// partition and key, the second collects its offsets in that partition (a record that names
// no partition is taken to be in its message's), less the truncated ones (acks=1). Send
// attempts come paired from the delivery checker's message table, so both checkers agree on
// what an attempt is.
#include "checker/ordering_facts.hpp"

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpType;
using history::Record;

// Returns the first record of `op` naming `id`, or nullptr.
Record const* record_of(Op const& op, MessageId id) {
  auto const found = std::find_if(op.value.begin(), op.value.end(),
                                  [&](Record const& record) { return record.id == id; });
  return found == op.value.end() ? nullptr : &*found;
}

std::optional<Span> acked_span(MessageFacts const& facts, SendAttempt const& first_ok) {
  MQCHECK_ASSERT(first_ok.completion.has_value());
  std::uint64_t const done = *first_ok.completion;
  Span span{-1, static_cast<std::int64_t>(done), done, done};
  std::optional<std::uint64_t> begun;
  for (SendAttempt const& attempt : facts.sends) {
    if (attempt.outcome == OpType::fail) continue;  // It certainly wrote nothing.
    if (!attempt.invoke) return span;  // It began at an unknown time: nothing precedes it.
    if (!begun || *attempt.invoke < *begun) begun = attempt.invoke;
  }
  MQCHECK_ASSERT(begun.has_value());
  span.lo = static_cast<std::int64_t>(*begun);
  span.lo_op = *begun;
  return span;
}

std::optional<OpPosition> sent_position(history::History const& history, MessageId id,
                                        MessageFacts const& facts) {
  std::vector<SendAttempt const*> writers;
  for (SendAttempt const& attempt : facts.sends)
    if (attempt.outcome != OpType::fail) writers.push_back(&attempt);
  // A resend makes the message's place in its producer's order ambiguous: left out.
  if (writers.size() != 1 || writers.front()->outcome != OpType::ok) return std::nullopt;
  if (!writers.front()->invoke) return std::nullopt;
  std::uint64_t const invoke = *writers.front()->invoke;
  Op const& op = history.ops()[invoke];
  Record const* const record = record_of(op, id);
  if (record == nullptr) return std::nullopt;  // The invoke named no message (allowed).
  return OpPosition{invoke, static_cast<std::size_t>(record - op.value.data())};
}

Placement place_sent(history::History const& history, MessageId id, MessageFacts const& facts) {
  Placement placement;
  placement.topic = facts.topic;
  if (!facts.sends.empty()) placement.sender = facts.sends.front().process;
  SendAttempt const* const first_ok = facts.first_ok();
  if (first_ok == nullptr) return placement;
  placement.sender = first_ok->process;
  Record const* const acked = record_of(history.ops()[*first_ok->completion], id);
  if (acked != nullptr) placement.partition = acked->partition;
  placement.acked = acked_span(facts, *first_ok);
  placement.sent = sent_position(history, id, facts);
  return placement;
}

void widen(std::optional<Span>& span, std::int64_t offset, std::uint64_t op) {
  if (!span) {
    span = Span{offset, offset, op, op};
    return;
  }
  if (offset < span->lo) {
    span->lo = offset;
    span->lo_op = op;
  }
  if (offset > span->hi) {
    span->hi = offset;
    span->hi_op = op;
  }
}

// (topic, partition, offset) of a record, in its message's partition.
using Slot = std::tuple<std::string, std::optional<std::int32_t>, std::int64_t>;
// (op index, message): a producer-side claim that the log no longer holds.
using Void = std::set<std::pair<std::uint64_t, MessageId>>;

// The invoke of the send attempt that `completion` completed, if the table knows it.
std::optional<std::uint64_t> invoke_of(MessageTable const& table, MessageId id,
                                       std::uint64_t completion) {
  auto const facts = table.find(id);
  if (facts == table.end()) return std::nullopt;
  for (SendAttempt const& attempt : facts->second.sends)
    if (attempt.completion == completion) return attempt.invoke;
  return std::nullopt;
}

// Producer-side offsets the log no longer holds (acks=1 truncation: a leader acknowledged a
// write, lost it in a failover, and the new leader reused the offset; KIP-101). Two kinds:
// a consumer read another message at that offset; or a later acknowledged send put another
// message there, which truncates every offset from there up that was acknowledged before that
// send began (a log appends at its end, so the offset was free again only after a truncation
// to it). Ordering compares what a consumer observed, never offsets that no longer exist.
Void truncated_claims(history::History const& history, MessageTable const& table,
                      Placements const& placements) {
  std::map<Slot, std::set<MessageId>> read;
  std::map<Slot, std::vector<std::pair<std::uint64_t, MessageId>>> acked;  // First ack first.
  for (Op const& op : history.ops()) {
    if (!reports_placement(op)) continue;
    bool const ack = op.f == history::OpKind::send && op.type == OpType::ok;
    if (!ack && !observed_by_consumer(op)) continue;
    for (Record const& record : op.value) {
      if (!record.offset) continue;
      Slot const slot{topic_of(record, placements), partition_of(record, placements),
                      record.offset->value};
      if (ack) acked[slot].emplace_back(op.index, record.id);
      else read[slot].insert(record.id);
    }
  }
  Void gone;
  for (auto const& [slot, claims] : acked) {
    for (auto const& [op, id] : claims) {
      auto const seen = read.find(slot);
      if (seen != read.end() && !seen->second.contains(id) && !seen->second.empty())
        gone.emplace(op, id);
    }
    for (std::size_t later = 1; later < claims.size(); ++later) {
      auto const [op, id] = claims[later];
      if (claims.front().second == id) continue;
      // Everything acknowledged before this send began, from this offset up, was truncated.
      std::uint64_t const begun = invoke_of(table, id, op).value_or(claims.front().first + 1);
      auto const& [topic, partition, offset] = slot;
      for (auto it = acked.lower_bound(slot); it != acked.end(); ++it) {
        if (std::get<0>(it->first) != topic || std::get<1>(it->first) != partition) break;
        bool const here = std::get<2>(it->first) == offset;
        for (auto const& [other_op, other] : it->second) {
          if (other_op >= begun || (other_op == op && other == id)) continue;
          if (here || invoke_of(table, id, op)) gone.emplace(other_op, other);
        }
      }
    }
  }
  return gone;
}

}  // namespace

bool observed_by_consumer(Op const& op) {
  using history::OpKind;
  return op.f == OpKind::poll || op.f == OpKind::deliver || op.f == OpKind::process ||
         op.f == OpKind::ack || op.f == OpKind::nack || op.f == OpKind::commit;
}

bool reports_placement(Op const& op) {
  // An assign's records name partitions, not messages (docs/history-format.md).
  return history::is_client_op(op) && op.type != OpType::fail && op.f != history::OpKind::assign;
}

std::map<std::string, history::OrderingScope> ordered_topics(history::Header const& header) {
  std::map<std::string, history::OrderingScope> topics;
  for (auto const& [topic, scope] : header.ordering)
    if (scope != history::OrderingScope::none) topics.emplace(topic, scope);
  return topics;
}

Placements place_messages(history::History const& history, MessageTable const& table) {
  Placements placements;
  for (auto const& [id, facts] : table) {
    if (!facts.sends.empty()) placements.emplace(id, place_sent(history, id, facts));
  }
  for (Op const& op : history.ops()) {
    if (!reports_placement(op)) continue;
    for (Record const& record : op.value) {
      Placement& placement = placements[record.id];
      if (placement.topic.empty()) placement.topic = record.topic;
      if (!placement.partition) placement.partition = record.partition;
      if (placement.key.empty()) placement.key = record.key;
    }
  }
  Void const gone = truncated_claims(history, table, placements);
  for (Op const& op : history.ops()) {
    if (!reports_placement(op)) continue;
    for (Record const& record : op.value) {
      Placement& placement = placements.at(record.id);
      // Offsets of one partition of the message's own topic only: a copy's offsets in another
      // topic (a dead-letter or retry topic) count nothing in this one's order.
      if (!record.offset || partition_of(record, placements) != placement.partition) continue;
      if (topic_of(record, placements) != placement.topic) continue;
      if (!gone.empty() && !observed_by_consumer(op) && gone.contains({op.index, record.id}))
        continue;
      widen(placement.offsets, record.offset->value, op.index);
    }
  }
  return placements;
}

std::optional<std::int32_t> partition_of(Record const& record, Placements const& placements) {
  if (record.partition) return record.partition;
  auto const found = placements.find(record.id);
  return found == placements.end() ? std::nullopt : found->second.partition;
}

std::string place_name(std::string const& topic, std::optional<std::int32_t> partition) {
  std::string name = "topic " + topic;
  if (partition) name += ", partition " + std::to_string(*partition);
  return name;
}

std::string const& topic_of(Record const& record, Placements const& placements) {
  if (!record.topic.empty()) return record.topic;
  auto const found = placements.find(record.id);
  return found == placements.end() ? record.topic : found->second.topic;
}

}  // namespace mqcheck::checker
