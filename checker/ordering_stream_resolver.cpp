// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_resolver.cpp (layer: checker)
// The second look of the streaming ordering pass where orders crossed
// (ordering_stream_resolver.hpp): the ranges' messages placed and chained as check_ordering
// does (place_messages, build_message_table's pairing, truncated_claims), then judged by
// check_ordering's own chain code (checker/ordering_chains.cpp).
#include "checker/ordering_stream_resolver.hpp"

#include <algorithm>

#include "checker/send_outcomes.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

ReorderResolver::ReorderResolver(history::Header const& header,
                                 std::vector<ReorderRange> const& ranges,
                                 std::vector<MessageId> const& ids, ReorderTruncations truncations)
    : topics_(ordered_topics(header)), taken_(std::move(truncations.taken)) {
  for (ReorderSlot& slot : truncations.conflicted) read_.try_emplace(std::move(slot));
  for (ReorderRange const& range : ranges)
    ranges_[{range.topic, range.partition}].emplace_back(range.first, range.last);
  for (auto& [place, spans] : ranges_) std::sort(spans.begin(), spans.end());
  for (MessageId const id : ids) facts_.try_emplace(id);
}

void ReorderResolver::observe(Op const& op) {
  if (lost_ || !history::is_client_op(op)) return;
  // An invoke naming no message pairs with any send completion (build_message_table): not
  // followed here.
  if (op.f == OpKind::send && op.type == OpType::invoke && op.value.empty()) lost_ = true;
  if (!read_.empty()) note_read(op);
  bool const ours = std::any_of(op.value.begin(), op.value.end(),
                                [&](Record const& record) { return facts_.contains(record.id); });
  if (!ours) return;
  if (op.f == OpKind::send) on_send(op);
  bool const first_ok = op.f == OpKind::process && op.type == OpType::ok;
  bool const placing = reports_placement(op);
  for (std::size_t i = 0; i < op.value.size(); ++i) {
    Record const& record = op.value[i];
    auto const found = facts_.find(record.id);
    if (found == facts_.end()) continue;
    if (first_ok) found->second.first_ok.try_emplace(op.group, OpPosition{op.index, i});
    if (placing) on_placement(op, record, found->second);
  }
}

// As build_message_table: an invoke files an attempt per record; a completion completes the
// earliest open invoke of its process with the same ids (each of which names our message, so
// all are seen here), else stands alone.
void ReorderResolver::on_send(Op const& op) {
  if (op.type == OpType::invoke) {
    open_[op.process].push_back(OpenSend{op.index, sorted_ids(op)});
    for (Record const& record : op.value) {
      auto const found = facts_.find(record.id);
      if (found == facts_.end()) continue;
      found->second.sends.push_back(Attempt{op.index, ordering_chains::position_in(op, record.id),
                                            std::nullopt, OpType::info, op.process, record.topic,
                                            std::nullopt});
    }
    return;
  }
  std::optional<std::uint64_t> invoke;
  auto const open = open_.find(op.process);
  if (open != open_.end()) {
    std::vector<MessageId> const ids = sorted_ids(op);
    std::vector<OpenSend>& sends = open->second;
    auto const it = std::find_if(sends.begin(), sends.end(),
                                 [&](OpenSend const& send) { return send.ids == ids; });
    if (it != sends.end()) {
      invoke = it->index;
      sends.erase(it);
      if (sends.empty()) open_.erase(open);
    }
  }
  for (Record const& record : op.value) {
    auto const found = facts_.find(record.id);
    if (found == facts_.end()) continue;
    std::vector<Attempt>& attempts = found->second.sends;
    auto const filed = std::find_if(attempts.begin(), attempts.end(), [&](Attempt const& a) {
      return invoke && a.invoke == invoke && !a.completion;
    });
    std::optional<std::int32_t> const partition =
        op.value[ordering_chains::position_in(op, record.id)].partition;
    if (filed != attempts.end()) {
      filed->completion = op.index;
      filed->outcome = op.type;
      filed->partition = partition;
    } else {
      attempts.push_back(
          Attempt{invoke, 0, op.index, op.type, op.process, record.topic, partition});
    }
  }
}

// As truncated_claims gathers its reads: which messages consumers read at each conflicted
// slot (rule R voids an ack claim there of a message none of them is). A record without its
// topic or partition would be placed by its message's placement, which this pass may not
// know: not followed.
void ReorderResolver::note_read(Op const& op) {
  if (!reports_placement(op) || !observed_by_consumer(op)) return;
  for (Record const& record : op.value) {
    if (!record.offset) continue;
    if (record.topic.empty() || !record.partition) {
      lost_ = true;
      return;
    }
    auto const slot = read_.find(ReorderSlot{record.topic, record.partition, record.offset->value});
    if (slot != read_.end()) slot->second.insert(record.id);
  }
}

// As place_messages' second and third walks: each distinct offset's first op is kept, and
// every ok send's claim, which a truncation may void (placement_of).
void ReorderResolver::on_placement(Op const& op, Record const& record, Facts& facts) {
  if (facts.record_topic.empty()) facts.record_topic = record.topic;
  if (!facts.record_partition) facts.record_partition = record.partition;
  if (facts.key.empty()) facts.key = record.key;
  if (!record.offset) return;
  bool const ack = op.f == OpKind::send && op.type == OpType::ok;
  bool const seen = std::any_of(facts.offsets.begin(), facts.offsets.end(), [&](Sighting const& s) {
    return !s.ack && s.topic == record.topic && s.partition == record.partition &&
           s.offset == record.offset->value;
  });
  if (ack || !seen)
    facts.offsets.push_back(
        Sighting{record.topic, record.partition, record.offset->value, op.index, ack});
}

// Whether truncated_claims voids the ack claim `sighting` of `id`, at `topic` and `partition`
// (the record's, else its placement's): by rule T (the first pass's notes), or by rule R
// (consumers read another message at that slot and never this one).
bool ReorderResolver::taken_back(MessageId id, Sighting const& sighting, std::string const& topic,
                                 std::optional<std::int32_t> partition) const {
  if (!sighting.ack) return false;
  if (taken_.contains({sighting.op, id})) return true;
  auto const read = read_.find(ReorderSlot{topic, partition, sighting.offset});
  return read != read_.end() && !read->second.empty() && !read->second.contains(id);
}

// As place_messages (acked is left out: only a chain without offsets reads it, and such a
// chain holds nothing of the ranges).
Placement ReorderResolver::placement_of(MessageId id, Facts const& facts) const {
  Placement placement;
  if (!facts.sends.empty()) {
    placement.topic = facts.sends.front().topic;
    placement.sender = facts.sends.front().process;
  }
  Attempt const* first_ok = nullptr;
  for (Attempt const& attempt : facts.sends) {
    if (attempt.outcome != OpType::ok) continue;
    if (first_ok == nullptr || *attempt.completion < *first_ok->completion) first_ok = &attempt;
  }
  if (first_ok != nullptr) {
    placement.sender = first_ok->process;
    placement.partition = first_ok->partition;
    std::vector<Attempt const*> writers;
    for (Attempt const& attempt : facts.sends)
      if (attempt.outcome != OpType::fail) writers.push_back(&attempt);
    if (writers.size() == 1 && writers.front()->outcome == OpType::ok && writers.front()->invoke)
      placement.sent = OpPosition{*writers.front()->invoke, writers.front()->position};
  }
  if (placement.topic.empty()) placement.topic = facts.record_topic;
  if (!placement.partition) placement.partition = facts.record_partition;
  placement.key = facts.key;
  for (Sighting const& sighting : facts.offsets) {
    std::string const& topic = sighting.topic.empty() ? placement.topic : sighting.topic;
    std::optional<std::int32_t> const partition =
        sighting.partition ? sighting.partition : placement.partition;
    if (topic != placement.topic || partition != placement.partition) continue;
    if (taken_back(id, sighting, topic, partition)) continue;
    if (!placement.offsets) {
      placement.offsets = Span{sighting.offset, sighting.offset, sighting.op, sighting.op};
      continue;
    }
    Span& span = *placement.offsets;
    if (sighting.offset < span.lo) {
      span.lo = sighting.offset;
      span.lo_op = sighting.op;
    }
    if (sighting.offset > span.hi) {
      span.hi = sighting.offset;
      span.hi_op = sighting.op;
    }
  }
  return placement;
}

// Keeps the nodes whose offsets meet the ranges: a union of whole components (name_spans).
void ReorderResolver::keep_in_ranges(ordering_chains::Chains& chains) const {
  for (auto it = chains.begin(); it != chains.end();) {
    auto const spans = ranges_.find({it->first.topic, it->first.partition});
    std::vector<ordering_chains::Node>& nodes = it->second;
    std::erase_if(nodes, [&](ordering_chains::Node const& node) {
      if (!it->first.by_offset || spans == ranges_.end()) return true;
      auto const next =
          std::upper_bound(spans->second.begin(), spans->second.end(), node.broker.hi,
                           [](std::int64_t o, std::pair<std::int64_t, std::int64_t> const& r) {
                             return o < r.first;
                           });
      return next == spans->second.begin() || std::prev(next)->second < node.broker.lo;
    });
    it = nodes.empty() ? chains.erase(it) : std::next(it);
  }
}

std::optional<std::vector<Anomaly>> ReorderResolver::judge() const {
  if (lost_) return std::nullopt;
  ordering_chains::Chains consumers;
  ordering_chains::Chains producers;
  std::vector<ordering_chains::FirstProcessing> first_ok;
  for (auto const& [id, facts] : facts_) {
    Placement const placement = placement_of(id, facts);
    first_ok.assign(facts.first_ok.begin(), facts.first_ok.end());  // A map: sorted by group.
    ordering_chains::add_consumer_nodes(consumers, id, placement, first_ok, topics_);
    ordering_chains::add_producer_node(producers, id, placement, topics_);
  }
  keep_in_ranges(consumers);
  keep_in_ranges(producers);
  return ordering_chains::judge_chains(consumers, producers, topics_);
}

std::size_t ReorderResolver::memory_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16;
  std::size_t bytes = 0;
  for (auto const& [id, facts] : facts_) {
    bytes += node + sizeof(Facts) + facts.sends.capacity() * sizeof(Attempt);
    bytes += facts.offsets.capacity() * sizeof(Sighting) + facts.first_ok.size() * (node + 48);
  }
  for (auto const& [process, sends] : open_)
    for (OpenSend const& send : sends) bytes += sizeof(send) + send.ids.capacity() * 8;
  for (auto const& [place, spans] : ranges_) bytes += node + 48 + spans.capacity() * 16;
  bytes += taken_.size() * (node + 16);
  for (auto const& [slot, read] : read_) bytes += node + sizeof(slot) + read.size() * (node + 8);
  return bytes;
}

}  // namespace mqcheck::checker::ordering_detail
