// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/group_coordinator.cpp (layer: model)
// The classic group coordinator's rules, after Kafka's GroupCoordinator
// (core/src/main/scala/kafka/coordinator/group/GroupCoordinator.scala, 2.x/3.x; the same rules
// live on in group-coordinator's ClassicGroup in 4.x) and the protocol description in
// https://cwiki.apache.org/confluence/display/KAFKA/Kafka+Client-side+Assignment+Proposal.
// Eager rebalancing only: every member rejoins and gives up all its partitions. Static
// membership (KIP-345) is in group_static.cpp.
#include "model/kafka/group_coordinator.hpp"

#include <algorithm>

#include "core/overloaded.hpp"

namespace mqcheck::model::kafka {

void GroupCoordinator::start(std::uint64_t boot) {
  groups_.clear();
  next_member_ = (boot << 24) + 1;
}

bool GroupCoordinator::on_message(NodeId from, Message const& message, Offsets& committed,
                                  Output& out) {
  return std::visit(
      Overloaded{
          [&](JoinGroupRequest const& m) {
            on_join(from, m, out);
            return true;
          },
          [&](SyncGroupRequest const& m) {
            on_sync(from, m, out);
            return true;
          },
          [&](HeartbeatRequest const& m) {
            on_heartbeat(from, m, out);
            return true;
          },
          [&](LeaveGroupRequest const& m) {
            on_leave(m, out);
            return true;
          },
          [&](OffsetCommitRequest const& m) {
            on_commit(from, m, committed, out);
            return true;
          },
          [&](OffsetFetchRequest const& m) {
            OffsetFetchResponse resp{m.request, {}};
            for (std::uint32_t p : m.partitions) {
              auto const it = committed.find({m.group, p});
              resp.offsets.push_back({p, it == committed.end() ? Offset{-1} : it->second});
            }
            out.send(from, std::move(resp));
            return true;
          },
          [](auto const&) { return false; },
      },
      message);
}

// The member's session restarts with each request it sends (the coordinator's
// completeAndScheduleNextHeartbeatExpiration); session.timeout.ms without one expires it.
void GroupCoordinator::renew(Member const& m, std::uint64_t id, Output& out) const {
  out.set_timer(timer_base + id, m.session_timeout);
}

// JoinGroup: an unknown member (id 0) gets a new id; a known one rejoins. Either starts a
// rebalance unless one is being prepared, and the join phase completes once every member has
// rejoined, or after the rebalance timeout (the largest max.poll.interval.ms of the members,
// KIP-62) without the ones that did not. A nonzero id the coordinator does not know is
// answered UNKNOWN_MEMBER_ID (the client then joins afresh).
void GroupCoordinator::on_join(NodeId from, JoinGroupRequest const& req, Output& out) {
  if (!req.instance.empty() && static_join(from, req, out)) return;  // group_static.cpp
  Group& g = groups_[req.group];
  std::uint64_t id = req.member;
  if (id != 0 && !g.members.contains(id)) {
    JoinGroupResponse resp;
    resp.request = req.request;
    resp.error = Error::unknown_member_id;
    return out.send(from, std::move(resp));
  }
  if (id == 0) id = next_member_++;
  Member& m = g.members[id];
  if (!req.instance.empty()) {  // A static member's first join (KIP-345).
    m.instance = req.instance;
    g.statics[req.instance] = id;
  }
  m.node = from;
  m.session_timeout = req.session_timeout;
  m.rebalance_timeout = req.rebalance_timeout;
  m.awaiting_join = true;
  m.join_request = req.request;
  renew(m, id, out);
  if (g.state != GroupState::preparing_rebalance) prepare_rebalance(req.group, out);
  maybe_complete_join(req.group, out);
}

// A rebalance starts: members waiting for their SyncGroup answer are told
// REBALANCE_IN_PROGRESS, the others learn it from their next heartbeat.
void GroupCoordinator::prepare_rebalance(std::uint32_t gi, Output& out) {
  Group& g = groups_[gi];
  g.state = GroupState::preparing_rebalance;
  DurationUs timeout{};
  for (auto& [id, m] : g.members) {
    timeout = std::max(timeout, m.rebalance_timeout);
    if (!m.awaiting_sync) continue;
    m.awaiting_sync = false;
    SyncGroupResponse resp;
    resp.request = m.sync_request;
    resp.error = Error::rebalance_in_progress;
    out.send(m.node, std::move(resp));
  }
  out.set_timer(rebalance_timers + gi, timeout);
}

void GroupCoordinator::maybe_complete_join(std::uint32_t gi, Output& out) {
  Group const& g = groups_[gi];
  if (g.state != GroupState::preparing_rebalance) return;
  bool const all = std::all_of(g.members.begin(), g.members.end(),
                               [](auto const& kv) { return kv.second.awaiting_join; });
  if (all) complete_join(gi, out);
}

// The join phase ends: members that did not rejoin are removed, the generation advances, the
// leader (the old one if it rejoined, else the first member) gets the member list to assign.
void GroupCoordinator::complete_join(std::uint32_t gi, Output& out) {
  Group& g = groups_[gi];
  out.cancel_timer(rebalance_timers + gi);
  std::vector<std::uint64_t> gone;
  for (auto const& [id, m] : g.members) {
    if (!m.awaiting_join) gone.push_back(id);
  }
  for (std::uint64_t id : gone) forget(g, id, out);
  ++g.generation;
  if (g.members.empty()) {
    g.state = GroupState::empty;
    g.leader = 0;
    return;
  }
  if (!g.members.contains(g.leader)) g.leader = g.members.begin()->first;
  g.state = GroupState::completing_rebalance;
  std::vector<std::uint64_t> ids;
  for (auto const& [id, m] : g.members) ids.push_back(id);
  for (auto& [id, m] : g.members) {
    m.awaiting_join = false;
    m.assignment.clear();
    JoinGroupResponse resp;
    resp.request = m.join_request;
    resp.generation = g.generation;
    resp.member = id;
    resp.leader = g.leader;
    if (id == g.leader) resp.members = ids;
    out.send(m.node, std::move(resp));
    renew(m, id, out);
  }
}

// The checks every member request passes first (handleSyncGroup, handleHeartbeat,
// doCommitOffsets): an unknown member, then a generation other than the group's.
Error GroupCoordinator::check_member(Group const& g, std::uint64_t member,
                                     std::int32_t generation) const {
  if (g.replaced.contains(member)) return Error::fenced_instance_id;  // group_static.cpp
  if (!g.members.contains(member)) return Error::unknown_member_id;
  if (generation != g.generation) return Error::illegal_generation;
  return Error::none;
}

// SyncGroup: while the rebalance is still preparing, REBALANCE_IN_PROGRESS; in
// CompletingRebalance the answers wait for the leader's SyncGroup, which carries every
// member's assignment and makes the group Stable; once Stable, a member gets its share.
void GroupCoordinator::on_sync(NodeId from, SyncGroupRequest const& req, Output& out) {
  Group& g = groups_[req.group];
  SyncGroupResponse resp;
  resp.request = req.request;
  resp.error = check_member(g, req.member, req.generation);
  if (resp.error == Error::none && g.state == GroupState::preparing_rebalance) {
    resp.error = Error::rebalance_in_progress;
  }
  if (resp.error != Error::none) return out.send(from, std::move(resp));
  Member& m = g.members[req.member];
  renew(m, req.member, out);
  if (g.state == GroupState::stable) {
    resp.partitions = m.assignment;
    return out.send(from, std::move(resp));
  }
  m.awaiting_sync = true;
  m.sync_request = req.request;
  if (req.member != g.leader) return;
  for (MemberAssignment const& a : req.assignments) {
    auto const it = g.members.find(a.member);
    if (it != g.members.end()) it->second.assignment = a.partitions;
  }
  g.state = GroupState::stable;
  for (auto& [id, member] : g.members) {
    if (!member.awaiting_sync) continue;
    member.awaiting_sync = false;
    SyncGroupResponse answer;
    answer.request = member.sync_request;
    answer.partitions = member.assignment;
    out.send(member.node, std::move(answer));
  }
}

// Heartbeat: a member of the current generation keeps its session; during PreparingRebalance
// the answer is REBALANCE_IN_PROGRESS, which is how members learn they must rejoin.
void GroupCoordinator::on_heartbeat(NodeId from, HeartbeatRequest const& req, Output& out) {
  Group& g = groups_[req.group];
  HeartbeatResponse resp{req.generation, check_member(g, req.member, req.generation)};
  if (resp.error == Error::none) {
    renew(g.members[req.member], req.member, out);
    if (g.state == GroupState::preparing_rebalance) resp.error = Error::rebalance_in_progress;
  }
  out.send(from, resp);
}

// LeaveGroup (a consumer closing, or one whose poll loop exceeded max.poll.interval.ms, KIP-62):
// the member goes at once, without waiting for its session to expire.
void GroupCoordinator::on_leave(LeaveGroupRequest const& req, Output& out) {
  Group& g = groups_[req.group];
  if (!g.members.contains(req.member)) return;
  remove_member(req.group, req.member, out);
}

void GroupCoordinator::remove_member(std::uint32_t gi, std::uint64_t member, Output& out) {
  Group& g = groups_[gi];
  forget(g, member, out);
  if (g.state == GroupState::preparing_rebalance) return maybe_complete_join(gi, out);
  if (g.members.empty()) {
    g.state = GroupState::empty;
    g.leader = 0;
    return;
  }
  prepare_rebalance(gi, out);
}

// A member waiting in the join or sync phase is kept alive (the coordinator's
// shouldKeepAlive); any other one whose session expired is removed, which rebalances the group.
void GroupCoordinator::on_session_expired(std::uint64_t member, Output& out) {
  for (auto& [gi, g] : groups_) {
    auto const it = g.members.find(member);
    if (it == g.members.end()) continue;
    if (it->second.awaiting_join || it->second.awaiting_sync) return renew(it->second, member, out);
    return remove_member(gi, member, out);
  }
}

void GroupCoordinator::on_timer(TimerId timer, Output& out) {
  if (timer >= rebalance_timers) {
    std::uint32_t const gi = static_cast<std::uint32_t>(timer - rebalance_timers);
    if (groups_[gi].state == GroupState::preparing_rebalance) complete_join(gi, out);
    return;
  }
  on_session_expired(timer - timer_base, out);
}

// OffsetCommit (doCommitOffsets): generation -1 to an Empty group is a client that only stores
// offsets (`assign`); CompletingRebalance answers REBALANCE_IN_PROGRESS; otherwise the member
// must be known and of the current generation, so a member that was removed, or one of an
// earlier generation, cannot commit (the client raises CommitFailedException). Commits are
// accepted during PreparingRebalance, so members commit before they rejoin.
void GroupCoordinator::on_commit(NodeId from, OffsetCommitRequest const& req, Offsets& committed,
                                 Output& out) {
  Group& g = groups_[req.group];
  OffsetCommitResponse resp{req.request, Error::none};
  if (!(req.generation < 0 && g.state == GroupState::empty)) {
    if (g.state == GroupState::completing_rebalance) {
      resp.error = Error::rebalance_in_progress;
    } else {
      resp.error = check_member(g, req.member, req.generation);
    }
    if (resp.error == Error::none) renew(g.members[req.member], req.member, out);
  }
  if (resp.error == Error::none) {
    for (PartitionOffset const& po : req.offsets) {
      committed[{req.group, po.partition}] = po.offset;
      Entry e = Entry::of(Entry::Kind::committed);
      e.group = req.group;
      e.partition = po.partition;
      e.offset = po.offset;
      out.append(offsets_file, std::move(e));
    }
    out.fsync();
  }
  out.send(from, resp);
}

GroupState GroupCoordinator::state(std::uint32_t g) const {
  auto const it = groups_.find(g);
  return it == groups_.end() ? GroupState::empty : it->second.state;
}

std::int32_t GroupCoordinator::generation(std::uint32_t g) const {
  auto const it = groups_.find(g);
  return it == groups_.end() ? 0 : it->second.generation;
}

std::vector<std::uint64_t> GroupCoordinator::members(std::uint32_t g) const {
  std::vector<std::uint64_t> out;
  auto const it = groups_.find(g);
  if (it == groups_.end()) return out;
  for (auto const& [id, m] : it->second.members) out.push_back(id);
  return out;
}

void GroupCoordinator::hash_into(Hasher& h) const {
  h.add(next_member_);
  h.add_each(groups_, [](Hasher& g, auto const& kv) {
    Group const& group = kv.second;
    g.add(kv.first);
    g.add(static_cast<std::uint64_t>(group.state));
    g.add(static_cast<std::uint64_t>(group.generation));
    g.add(group.leader);
    g.add_each(group.members, [](Hasher& k, auto const& mv) {
      Member const& m = mv.second;
      k.add(mv.first);
      k.add(m.node.value);
      k.add(static_cast<std::uint64_t>(m.session_timeout.us));
      k.add(static_cast<std::uint64_t>(m.rebalance_timeout.us));
      k.add((m.awaiting_join ? 1U : 0U) | (m.awaiting_sync ? 2U : 0U));
      k.add(m.join_request);
      k.add(m.sync_request);
      k.add_each(m.assignment, [](Hasher& a, std::uint32_t p) { a.add(p); });
      k.add(m.instance);
    });
    g.add_each(group.statics, [](Hasher& k, auto const& instance) {
      k.add(instance.first);
      k.add(instance.second);
    });
    g.add_each(group.replaced, [](Hasher& k, auto const& old) { k.add(old.first); });
  });
}

}  // namespace mqcheck::model::kafka
