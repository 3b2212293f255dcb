// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_group.cpp (layer: model)
// A subscribed consumer's side of the classic group protocol, after the Java client's
// ConsumerCoordinator and AbstractCoordinator (eager protocol only):
// - poll() first makes sure the consumer is a member of a stable generation: JoinGroup, then
//   SyncGroup; the leader runs the assignor (range or round-robin) over the members.
// - Before rejoining, with enable.auto.commit, it commits what it consumed
//   (onJoinPrepare -> maybeAutoCommitOffsetsSync), then gives up every partition (eager).
// - A background heartbeat every heartbeat.interval.ms (KIP-62) keeps the session; an answer
//   REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID makes the next poll rejoin.
// - If the application does not call poll() within max.poll.interval.ms, the heartbeat thread
//   sends LeaveGroup and forgets the member id (KIP-62; "consumer poll timeout has expired");
//   its next commitSync fails with CommitFailedException and the group has moved its
//   partitions, so what it processed since its last commit is processed again.
// The commits themselves (commitSync, the automatic commit) are here too: a member's carry
// its member id and generation, which the coordinator checks.
#include <algorithm>

#include "core/overloaded.hpp"
#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

bool Consumer::on_group_message(Message const& message, Output& out) {
  return std::visit(
      Overloaded{
          [&](JoinGroupResponse const& m) {
            on_joined(m, out);
            return true;
          },
          [&](SyncGroupResponse const& m) {
            on_synced(m, out);
            return true;
          },
          [&](HeartbeatResponse const& m) {
            if (member_ == 0 || m.generation != generation_ || phase_ == Phase::joining) {
              return true;
            }
            // FencedInstanceIdException is fatal (KIP-345): the application stops.
            if (m.error == Error::fenced_instance_id) phase_ = Phase::stopped;
            if (m.error == Error::unknown_member_id) member_ = 0;
            if (m.error != Error::none) rejoin_ = true;
            return true;
          },
          [](auto const&) { return false; },
      },
      message);
}

bool Consumer::on_group_timer(TimerId timer, Output& out) {
  switch (timer) {
    case heartbeat_timer:
      if (member_ == 0 || phase_ == Phase::joining) return true;
      out.send(config_->cluster->controller,
               HeartbeatRequest{config_->group_index, generation_, member_});
      out.set_timer(heartbeat_timer, config_->heartbeat_interval);
      return true;
    case max_poll_timer:  // The application has not called poll() for max.poll.interval.ms.
      if (member_ == 0 || phase_ == Phase::joining) return true;
      // A static member never sends LeaveGroup: only its session's expiry removes it
      // (KIP-345; AbstractCoordinator.maybeLeaveGroup, 2.3+). Either forgets its member id.
      if (config_->group_instance_id.empty()) {
        out.send(config_->cluster->controller, LeaveGroupRequest{config_->group_index, member_});
      }
      member_ = 0;
      generation_ = -1;
      rejoin_ = true;
      return true;
    case join_timer:  // The coordinator did not answer (it crashed, or the message was lost).
      if (phase_ == Phase::joining) join(out);
      return true;
    default:
      return false;
  }
}

// Inside poll(), before fetching: with auto-commit, commit synchronously what was consumed
// (ConsumerCoordinator.onJoinPrepare), then join. The commit's answer calls poll again.
void Consumer::rejoin(Output& out) {
  if (config_->auto_commit && member_ != 0 && !revoke_committed_) {
    revoke_committed_ = true;
    return commit(true, out);
  }
  join(out);
}

// Eager: every partition is given up before the JoinGroup.
void Consumer::join(Output& out) {
  hold({});
  batch_.clear();
  next_ = 0;
  rejoin_ = false;
  revoke_committed_ = false;
  phase_ = Phase::joining;
  out.cancel_timer(heartbeat_timer);
  out.cancel_timer(max_poll_timer);
  JoinGroupRequest req;
  req.request = group_request_ = next_request_++;
  req.group = config_->group_index;
  req.member = member_;
  req.session_timeout = config_->session_timeout;
  req.rebalance_timeout = config_->max_poll_interval;
  req.instance = config_->group_instance_id;  // KIP-345 (group_static.cpp).
  out.send(config_->cluster->controller, req);
  // The Java client waits for a JoinGroup up to the rebalance timeout and then some.
  out.set_timer(join_timer, config_->max_poll_interval + config_->request_timeout);
}

void Consumer::on_joined(JoinGroupResponse const& resp, Output& out) {
  if (phase_ != Phase::joining || resp.request != group_request_) return;
  if (resp.error == Error::fenced_instance_id) return void(phase_ = Phase::stopped);  // Fatal.
  if (resp.error != Error::none) {
    if (resp.error == Error::unknown_member_id) member_ = 0;
    return join(out);
  }
  member_ = resp.member;
  generation_ = resp.generation;
  SyncGroupRequest req;
  req.request = group_request_ = next_request_++;
  req.group = config_->group_index;
  req.generation = generation_;
  req.member = member_;
  if (resp.leader == member_) req.assignments = assign(resp.members);
  out.send(config_->cluster->controller, std::move(req));
  out.set_timer(join_timer, config_->request_timeout);
}

// The assignment arrives: an `assign` op names it, the heartbeats start, and the positions
// come from the committed offsets (auto.offset.reset without one).
void Consumer::on_synced(SyncGroupResponse const& resp, Output& out) {
  if (phase_ != Phase::joining || resp.request != group_request_) return;
  if (resp.error == Error::fenced_instance_id) return void(phase_ = Phase::stopped);  // Fatal.
  if (resp.error != Error::none) {
    if (resp.error == Error::unknown_member_id) member_ = 0;
    return join(out);
  }
  out.cancel_timer(join_timer);
  hold(resp.partitions);
  std::vector<history::Record> held;
  for (std::uint32_t p : assigned_) {
    PartitionInfo const& info = config_->cluster->partitions[p];
    held.push_back(history::Record::of(MessageId{0}, info.topic, {}, info.number));
  }
  out.complete(OpType::ok, OpKind::assign, std::move(held), config_->group);
  out.set_timer(heartbeat_timer, config_->heartbeat_interval);
  phase_ = Phase::starting;
  fetch_offsets(out);
}

// A commit names, per partition, the last record it covers; Kafka's committed offset is one
// more (the next to read). commitSync waits for the answer; the automatic commit does not.
// A subscribed consumer that is no longer a member (it left when max.poll.interval.ms expired)
// fails the commit itself: CommitFailedException, "the group has already rebalanced and
// assigned the partitions to another member" (ConsumerCoordinator.sendOffsetCommitRequest).
void Consumer::commit(bool sync, Output& out) {
  OffsetCommitRequest req;
  req.request = next_request_++;
  req.group = config_->group_index;
  req.generation = config_->subscribe ? generation_ : -1;
  req.member = member_;
  std::vector<history::Record> value;
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    if (last_[s].id.value == 0) continue;
    req.offsets.push_back({assigned_[s], positions_[s]});
    value.push_back(record(last_[s]));
  }
  if (value.empty()) return sync ? committed(out) : void();
  out.invoke(OpKind::commit, value, config_->group);
  if (config_->subscribe && member_ == 0) {
    out.complete(OpType::fail, OpKind::commit, std::move(value), config_->group,
                 "CommitFailedException: not a member of the group (max.poll.interval.ms)");
    return sync ? committed(out) : void();
  }
  commits_[req.request] = std::move(value);
  out.send(config_->cluster->controller, std::move(req));
  if (!sync) return;
  phase_ = Phase::committing;
  sync_commit_ = req.request;
  out.set_timer(commit_timeout_timer, config_->request_timeout);
}

void Consumer::committed(Output& out) {
  out.cancel_timer(commit_timeout_timer);
  sync_commit_ = 0;
  if (config_->commit == CommitMode::before_processing && next_ < batch_.size()) {
    phase_ = Phase::processing;
    return process_next(out);
  }
  phase_ = Phase::waiting;
  start_poll(out);
}

// A failed commit of a member: it is not (or no longer) in the current generation, so it
// rejoins at its next poll; UNKNOWN_MEMBER_ID also forgets its member id.
void Consumer::on_commit_error(Error error) {
  if (!config_->subscribe) return;
  if (error == Error::unknown_member_id) member_ = 0;
  rejoin_ = true;  // FENCED_INSTANCE_ID keeps the id: the JoinGroup is fenced, and it stops.
}

// The leader's assignor over the topic's partitions and the members, ascending.
// RangeAssignor (https://kafka.apache.org/37/javadoc/org/apache/kafka/clients/consumer/
// RangeAssignor.html): partitions in numeric order, consumers in order, each gets
// partitions / consumers contiguous partitions and the first (partitions mod consumers) one
// more. RoundRobinAssignor: the partitions dealt one by one to the consumers in turn.
std::vector<MemberAssignment> Consumer::assign(std::vector<std::uint64_t> const& members) const {
  std::vector<MemberAssignment> out;
  for (std::uint64_t m : members) out.push_back({m, {}});
  if (out.empty()) return out;
  std::vector<std::uint32_t> const& parts = config_->topic_partitions;
  std::size_t const n = parts.size();
  std::size_t const m = out.size();
  for (std::size_t j = 0; j < n; ++j) {
    std::size_t owner = j % m;
    if (config_->assignor == Assignor::range) {
      std::size_t const per = n / m;
      std::size_t const extra = n % m;
      // The first `extra` members own per + 1 partitions each, the others per.
      owner = j < extra * (per + 1) ? j / (per + 1) : extra + (j - extra * (per + 1)) / per;
    }
    out[owner].partitions.push_back(parts[j]);
  }
  return out;
}

}  // namespace mqcheck::model::kafka
