// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_broadcast_stream.cpp (layer: checker)
// The one-pass broadcast judge (checker/feature_broadcast.hpp). Each fact is taken as
// check_broadcast takes it from the whole history: a message's topic from the first send op
// naming it and its tag from the first that carries one (build_message_table), its first
// acknowledged attempt with the invoke a completion pairs with (earliest open send invoke of
// the process with the same ids, or one naming none), an instance's last op of any kind.
#include <algorithm>
#include <utility>

#include "checker/feature_broadcast.hpp"
#include "checker/send_outcomes.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::feature {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

}  // namespace

BroadcastStream::BroadcastStream(history::Header const& header) : header_(header) {
  for (auto const& [name, spec] : header.groups)
    if (spec.mode == history::GroupSpec::Mode::broadcast) groups_[name].spec = &spec;
  for (auto const& [topic, groups] : header.subscriptions)
    for (std::string const& g : groups)
      if (auto const group = groups_.find(g); group != groups_.end())
        group->second.topics.insert(topic);
}

void BroadcastStream::on_op(Op const& op) {
  if (auto const last = last_op_.find(op.process); last != last_op_.end()) last->second = op.index;
  if (!history::is_client_op(op)) return;
  if (auto const group = groups_.find(op.group); group != groups_.end())
    note_instance(group->second, op.process, op.index);
  if (op.f == OpKind::send) on_send(op);
}

void BroadcastStream::note_instance(Group& group, std::string const& process, std::uint64_t index) {
  if (!group.instances.insert(process).second) return;
  last_op_[process] = index;  // Its last op so far; on_op keeps it current from now on.
  // A message let go was judged without this instance.
  for (std::string const& topic : group.topics) doubt_ = doubt_ || let_go_topics_.contains(topic);
}

void BroadcastStream::note_topic(Group& group, std::string const& topic) {
  if (!group.topics.insert(topic).second) return;
  doubt_ = doubt_ || let_go_topics_.contains(topic);  // Judged as if the group did not read it.
}

void BroadcastStream::on_send(Op const& op) {
  std::optional<std::uint64_t> invoke;
  if (op.type == OpType::invoke) {
    open_[op.process].push_back(OpenSend{op.index, sorted_ids(op)});
  } else {
    invoke = take_send_invoke(op);
  }
  for (history::Record const& record : op.value) {
    Held& held = held_[record.id.value];
    if (!held.sent) held.topic = record.topic;
    held.sent = true;
    if (held.tag.empty()) held.tag = record.tag;
    if (op.type == OpType::ok && !held.ack) held.ack = BroadcastAck{op.process, invoke, op.index};
  }
}

// Removes and returns the earliest open send invoke of `op`'s process that `op` completes, as
// send_outcomes.cpp's TableBuilder pairs: the same ids, or none named.
std::optional<std::uint64_t> BroadcastStream::take_send_invoke(Op const& op) {
  auto const found = open_.find(op.process);
  if (found == open_.end()) return std::nullopt;
  std::vector<OpenSend>& invokes = found->second;
  std::vector<MessageId> const ids = sorted_ids(op);
  auto const it = std::find_if(invokes.begin(), invokes.end(), [&](OpenSend const& invoke) {
    return invoke.ids.empty() || invoke.ids == ids;
  });
  if (it == invokes.end()) return std::nullopt;
  std::uint64_t const index = it->index;
  invokes.erase(it);
  if (invokes.empty()) open_.erase(found);
  return index;
}

void BroadcastStream::on_consumption(Op const& op, std::size_t record, bool certain) {
  if (op.f != OpKind::process) return;
  auto const group = groups_.find(op.group);
  if (group == groups_.end()) return;
  history::Record const& named = op.value[record];
  Held& held = held_[named.id.value];
  note_topic(group->second, held.sent && !held.topic.empty() ? held.topic : named.topic);
  held.processed.push_back(Processing{op.group, op.process, certain});
}

void BroadcastStream::settle(MessageId id) {
  auto const found = held_.find(id.value);
  if (found == held_.end()) return;
  judge(id, found->second);
  if (found->second.ack) let_go_topics_.insert(found->second.topic);
  held_.erase(found);
}

// As check_broadcast's judge_group, for one message in every group.
void BroadcastStream::judge(MessageId id, Held const& held) {
  if (!held.ack) return;  // Only acknowledged messages are owed.
  for (auto const& [name, group] : groups_) {
    if (!group.topics.contains(held.topic) || !filter_accepts(group.spec->filter, held.tag))
      continue;
    for (std::string const& instance : group.instances) {
      ++judged_;
      bool maybe = false;
      bool processed = false;
      for (Processing const& p : held.processed) {
        if (p.group != name || p.instance != instance) continue;
        processed = processed || p.certain;
        maybe = true;
      }
      if (processed) continue;
      if (maybe) {
        ++tally_.uncertain;
      } else if (!header_.drained) {
        ++tally_.unseen;
      } else {
        misses_.push_back(Miss{name, instance, id, *held.ack});
      }
    }
  }
}

Verdict BroadcastStream::finish() {
  std::vector<std::uint64_t> ids;
  for (auto const& [id, held] : held_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());  // Hash order never reaches output.
  for (std::uint64_t const id : ids) judge(MessageId{id}, held_.at(id));
  held_.clear();
  Findings findings;
  findings.judged = judged_;
  for (Miss const& miss : misses_)
    findings.anomalies.push_back(
        broadcast_miss(miss.group, miss.instance, last_op_.at(miss.instance), miss.id, miss.ack));
  misses_.clear();
  return conclude_broadcast(std::move(findings), tally_);
}

std::size_t BroadcastStream::memory_bytes() const {
  // A hash node holds the entry, the key and a next pointer; strings past the inline buffer
  // and the processings are counted by their capacity.
  std::size_t bytes =
      held_.size() * (sizeof(Held) + 2 * sizeof(void*)) + held_.bucket_count() * sizeof(void*);
  for (auto const& [id, held] : held_) {
    bytes += held.processed.capacity() * sizeof(Processing);
    for (std::string const* s : {&held.topic, &held.tag})
      bytes += s->capacity() > 15 ? s->capacity() + 1 : 0;
  }
  for (auto const& [process, invokes] : open_)
    for (OpenSend const& invoke : invokes)
      bytes += sizeof(invoke) + invoke.ids.capacity() * sizeof(MessageId);
  return bytes + misses_.size() * sizeof(Miss);
}

}  // namespace mqcheck::checker::feature
