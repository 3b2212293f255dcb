// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/group_static.cpp (layer: model)
// Static membership (KIP-345, Kafka 2.3+;
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-345%3A+Introduce+static+membership+protocol+to+reduce+consumer+rebalances),
// after the classic GroupCoordinator (core/src/main/scala/kafka/coordinator/group/
// GroupCoordinator.scala, 2.4: doUnknownJoinGroup, doJoinGroup, doSyncGroup; GroupMetadata
// .replaceGroupInstance and isStaticMemberFenced). A member with a group.instance.id keeps its
// place in the group across restarts: the restarted consumer joins without a member id, and
// the coordinator hands it a new id in place of the old one, with the old one's assignment.
// While the group is Stable (or CompletingRebalance) that is no rebalance: no other member
// hears of it. A static member never sends LeaveGroup (consumer_group.cpp), so while it is
// down its partitions stay its own and idle, until it returns or its session.timeout.ms
// expires (then it is removed as any member is, and the group rebalances). Any later request
// under the replaced id is answered FENCED_INSTANCE_ID, which is fatal to that client.
#include "model/kafka/group_coordinator.hpp"

namespace mqcheck::model::kafka {

// JoinGroup with a group.instance.id. Returns false when the ordinary path applies: the
// instance's first join (on_join registers it), or a rejoin under the id it holds.
bool GroupCoordinator::static_join(NodeId from, JoinGroupRequest const& req, Output& out) {
  Group& g = groups_[req.group];
  if (req.member != 0) {
    if (!g.replaced.contains(req.member)) return false;
    JoinGroupResponse resp;  // isStaticMemberFenced: that instance id now has another member.
    resp.request = req.request;
    resp.error = Error::fenced_instance_id;
    out.send(from, std::move(resp));
    return true;
  }
  auto const it = g.statics.find(req.instance);
  if (it == g.statics.end()) return false;
  // "Static member with unknown member id rejoins, assigning new member id ..., while old
  // member ... will be removed" (doUnknownJoinGroup); the old id's session timer is dropped.
  std::uint64_t const old_id = it->second;
  std::uint64_t const id = next_member_++;
  std::uint64_t const leader = g.leader;
  out.cancel_timer(timer_base + old_id);
  replace_static(g, old_id, id);
  Member& m = g.members.at(id);
  m.node = from;
  m.session_timeout = req.session_timeout;
  m.rebalance_timeout = req.rebalance_timeout;
  renew(m, id, out);
  if (g.state == GroupState::preparing_rebalance) {  // It joins the rebalance under way.
    m.awaiting_join = true;
    m.join_request = req.request;
    maybe_complete_join(req.group, out);
    return true;
  }
  // Stable or CompletingRebalance: "Static member joins during ... stage will not trigger
  // rebalance". The answer names the leader as it was, so that a replaced leader does not
  // assign again (its assignment would not be broadcast); its SyncGroup gets the assignment
  // the old id had.
  m.awaiting_join = false;
  m.awaiting_sync = false;
  JoinGroupResponse resp;
  resp.request = req.request;
  resp.generation = g.generation;
  resp.member = id;
  resp.leader = leader;
  out.send(from, std::move(resp));
  return true;
}

// GroupMetadata.replaceGroupInstance: the member's metadata (its assignment included) moves to
// the new id, the instance points at it, and leadership follows it.
void GroupCoordinator::replace_static(Group& g, std::uint64_t old_id, std::uint64_t new_id) const {
  auto node = g.members.extract(old_id);
  node.key() = new_id;
  std::string const instance = node.mapped().instance;
  g.members.insert(std::move(node));
  g.statics[instance] = new_id;
  g.replaced[old_id] = instance;
  if (g.leader == old_id) g.leader = new_id;
}

// Removes `member` from `g`: its session timer, and its instance's entry when static.
void GroupCoordinator::forget(Group& g, std::uint64_t member, Output& out) const {
  out.cancel_timer(timer_base + member);
  auto const it = g.members.find(member);
  if (it == g.members.end()) return;
  if (!it->second.instance.empty()) g.statics.erase(it->second.instance);
  g.members.erase(it);
}

}  // namespace mqcheck::model::kafka
