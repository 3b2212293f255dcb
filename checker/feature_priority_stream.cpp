// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_priority_stream.cpp (layer: checker)
// The one-pass priority judge (checker/feature_priority.hpp). Facts are taken as
// feature_priority.cpp takes them: the send table's topic, tag and priority first (the first
// send op carrying each), else the first record naming the message (any op, its topic and tag;
// the first with a priority); ready at its first append event, else its first ok send; every
// dispatch event's record judged against the queue of its group and topic.
#include <algorithm>
#include <tuple>
#include <utility>

#include "checker/feature_priority.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::feature {

using history::OpKind;
using history::OpType;

bool PriorityStream::Queued::operator<(Queued const& o) const {
  return std::tie(o.priority, ready, id) < std::tie(priority, o.ready, o.id);
}

std::int32_t PriorityStream::Facts::priority() const {
  // RabbitMQ: a message without a priority has priority 0.
  return send_priority ? *send_priority : first_priority.value_or(0);
}

void PriorityStream::on_op(history::Op const& op) {
  if (doubt_) return;
  for (history::Record const& record : op.value) {
    any_priority_ = any_priority_ || record.priority.has_value();
    if (retired_.contains(record.id)) {
      on_retired(op, record);
      continue;
    }
    note_record(op, record);
    if (doubt_) return;
    Facts& facts = held_.at(record.id.value);
    if (op.f == OpKind::append && !facts.appended) on_append(record.id, facts, op.index);
    if (op.f == OpKind::expire && !facts.expired) {
      bool const waited = facts.waits();
      facts.expired = op.index;
      if (waited && !facts.waits()) unqueue(record.id, facts);
    }
    if (op.f == OpKind::send && op.type == OpType::ok && !facts.acked) {
      facts.acked = op.index;
      if (!facts.appended) {
        facts.from_ack = true;
        facts.dispatches_at_ack = dispatches_;
        make_ready(record.id, facts);
      }
    }
    if (op.f == OpKind::dispatch && op.type == OpType::event) on_dispatch(op, record.id, facts);
    if (doubt_) return;
  }
}

// The facts a judgement reads must be final once read: a change after `used` is a doubt.
void PriorityStream::note_record(history::Op const& op, history::Record const& record) {
  auto const [it, first] = held_.try_emplace(record.id.value);
  Facts& facts = it->second;
  // Copied only once read: most records restate nothing new about an unread message.
  std::optional<std::tuple<std::string, std::string, std::int32_t>> before;
  if (facts.used) before.emplace(facts.topic, facts.tag, facts.priority());
  bool const send = history::is_client_op(op) && op.f == OpKind::send;
  if (send && !facts.sent) {
    facts.sent = true;
    facts.topic = record.topic;
    facts.tag = record.tag;
  } else if (send) {
    if (facts.topic.empty()) facts.topic = record.topic;
    if (facts.tag.empty()) facts.tag = record.tag;
  } else if (first) {
    facts.topic = record.topic;
    facts.tag = record.tag;
  }
  if (send && !facts.send_priority) facts.send_priority = record.priority;
  if (!facts.first_priority) facts.first_priority = record.priority;
  if (before && *before != std::make_tuple(facts.topic, facts.tag, facts.priority())) doubt_ = true;
}

// A let-go message's facts are gone: anything that would read or change them is a doubt.
void PriorityStream::on_retired(history::Op const& op, history::Record const& record) {
  bool const event = op.f == OpKind::append || op.f == OpKind::expire || op.f == OpKind::dispatch;
  doubt_ = doubt_ || event || op.f == OpKind::send || record.priority.has_value();
}

void PriorityStream::on_append(MessageId id, Facts& facts, std::uint64_t index) {
  if (facts.from_ack) {
    // Queued since its acknowledgement: the whole history says it was ready only now. Harmless
    // unless a dispatch judged a queue (or it) meanwhile.
    if (dispatches_ != facts.dispatches_at_ack) {
      doubt_ = true;
      return;
    }
    if (facts.waits()) unqueue(id, facts);
    facts.from_ack = false;
  }
  facts.appended = index;
  make_ready(id, facts);
}

// As feature_priority.cpp's on_ready, for the groups known so far to read its topic (a group
// that becomes a reader later takes the ready messages then: add_reader).
void PriorityStream::make_ready(MessageId id, Facts& facts) {
  if (!facts.waits()) return;
  auto const readers = readers_.find(facts.topic);
  if (readers == readers_.end()) return;
  for (std::uint32_t const group : readers->second) {
    if (!accepts(group, facts.tag)) continue;
    auto const& to = facts.dispatched_to;
    if (std::find(to.begin(), to.end(), group) != to.end()) continue;
    queues_[{group, facts.topic}].insert(Queued{facts.priority(), *facts.ready(), id});
    facts.used = true;
  }
}

void PriorityStream::unqueue(MessageId id, Facts const& facts) {
  auto const readers = readers_.find(facts.topic);
  if (readers == readers_.end()) return;
  for (std::uint32_t const group : readers->second)
    queues_[{group, facts.topic}].erase(Queued{facts.priority(), *facts.ready(), id});
}

void PriorityStream::on_dispatch(history::Op const& op, MessageId id, Facts& low) {
  ++dispatches_;
  low.used = true;
  std::uint32_t const group = group_number(op.group);
  // The inversions it was overtaken in are witnessed by this, its next dispatch to the group.
  if (auto const pending = pending_.find({group, id}); pending != pending_.end()) {
    std::vector<std::size_t>& waiting = pending->second;
    std::erase_if(waiting, [&](std::size_t i) {
      if (inversions_[i].dispatch >= op.index) return false;  // The same op: not later.
      inversions_[i].later = op.index;
      return true;
    });
    if (waiting.empty()) pending_.erase(pending);
  }
  if (readers_[low.topic].insert(group).second) add_reader(group, low.topic);
  if (doubt_) return;
  if (std::find(low.dispatched_to.begin(), low.dispatched_to.end(), group) ==
      low.dispatched_to.end())
    low.dispatched_to.push_back(group);
  Queue& queue = queues_[{group, low.topic}];
  if (low.ready() && *low.ready() < op.index) queue.erase(Queued{low.priority(), *low.ready(), id});
  // Each overtaken message is reported once per group, at the first dispatch that overtook it.
  while (!queue.empty() && queue.begin()->priority > low.priority()) {
    Queued const& high = *queue.begin();
    pending_[{group, high.id}].push_back(inversions_.size());
    inversions_.push_back(PriorityInversion{op.group, id, low.priority(), op.index, high.id,
                                            high.priority, high.ready, std::nullopt});
    queue.erase(queue.begin());
  }
}

// A group dispatched `topic` for the first time: in the whole history every message of it that
// became ready before waited for the group as well.
void PriorityStream::add_reader(std::uint32_t group, std::string const& topic) {
  if (retired_ready_topics_.contains(topic)) {
    doubt_ = true;
    return;
  }
  Queue& queue = queues_[{group, topic}];
  for (auto& [id, facts] : held_) {
    if (facts.topic != topic || !facts.waits() || !accepts(group, facts.tag)) continue;
    queue.insert(Queued{facts.priority(), *facts.ready(), MessageId{id}});
    facts.used = true;
  }
}

bool PriorityStream::accepts(std::uint32_t group, std::string const& tag) const {
  // A message the group's filter rejects never waits for that group.
  auto const spec = header_.groups.find(group_names_[group]);
  return spec == header_.groups.end() || filter_accepts(spec->second.filter, tag);
}

std::uint32_t PriorityStream::group_number(std::string const& group) {
  auto const [it, added] =
      group_numbers_.try_emplace(group, static_cast<std::uint32_t>(group_names_.size()));
  if (added) group_names_.push_back(group);
  return it->second;
}

void PriorityStream::settle(MessageId id) {
  auto const found = held_.find(id.value);
  if (found == held_.end()) return;
  // Still ready and undispatched somewhere, it would wait for a group that reads it later.
  if (found->second.waits()) retired_ready_topics_.insert(found->second.topic);
  held_.erase(found);
  retired_.insert(id);
}

std::optional<Verdict> PriorityStream::finish() {
  if (!any_priority_ || dispatches_ == 0) return std::nullopt;
  Findings findings;
  findings.judged = dispatches_;
  for (PriorityInversion const& inversion : inversions_)
    findings.anomalies.push_back(priority_inversion(inversion));
  return conclude_priority(std::move(findings));
}

std::size_t PriorityStream::memory_bytes() const {
  // Hash and tree nodes with their links; strings past the inline buffer by capacity.
  std::size_t bytes = held_.size() * (sizeof(Facts) + 2 * sizeof(void*)) +
                      held_.bucket_count() * sizeof(void*) + retired_.memory_bytes();
  for (auto const& [id, facts] : held_) {
    for (std::string const* s : {&facts.topic, &facts.tag})
      bytes += s->capacity() > 15 ? s->capacity() + 1 : 0;
    bytes += facts.dispatched_to.capacity() * sizeof(std::uint32_t);
  }
  for (auto const& [key, queue] : queues_)
    bytes += queue.size() * (sizeof(Queued) + 4 * sizeof(void*));
  return bytes + inversions_.size() * sizeof(PriorityInversion) +
         pending_.size() * (sizeof(std::size_t) + 6 * sizeof(void*));
}

}  // namespace mqcheck::checker::feature
