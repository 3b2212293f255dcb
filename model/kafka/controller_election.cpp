// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/controller_election.cpp (layer: model)
// The controller's partition-state changes: fencing and unfencing brokers, ISR changes and
// leader election, with and without eligible leader replicas (KIP-966 part 1, Kafka 4.0
// behind eligible.leader.replicas.version=1, on by default for new 4.1 clusters;
// https://kafka.apache.org/41/operations/eligible-leader-replicas). The rules follow the
// KRaft controller's PartitionChangeBuilder (metadata/.../controller/PartitionChangeBuilder
// .java: maybePopulateTargetElr, electAnyLeader, maybeUpdateLastKnownLeader).
//
// Why ELR exists ("last replica standing", KIP-966's motivation): without it the ISR never
// becomes empty, so when its last member loses its page cache in a power loss it is elected
// again on restart, and the followers that held the committed records truncate to its log.
#include <string>

#include "model/kafka/controller.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;

// A fenced broker leaves every ISR. Without ELR the last member stays, leaderless
// (ReplicationControlManager.generateLeaderAndIsrUpdates); with ELR the ISR may empty and
// the broker moves to the ELR (change_isr).
void Controller::fence(std::int32_t b, Output& out) {
  fenced_ |= broker_bit(b);
  out.event(OpKind::replicate, {}, "fenced broker " + std::to_string(b));
  for (std::uint32_t p = 0; p < partitions_.size(); ++p) {
    State& s = partitions_[p];
    if ((s.isr & broker_bit(b)) == 0 && s.leader != b) continue;
    BrokerSet target = s.isr & ~broker_bit(b);
    if (target == 0 && !elr_on()) target = s.isr;  // The last member stays.
    change_isr(p, target, 0);
    if (s.leader == b) {
      elect(p, out);
    } else {
      publish(p, false, out);
    }
  }
}

void Controller::unfence(std::int32_t b, Output& out) {
  fenced_ &= ~broker_bit(b);
  out.event(OpKind::replicate, {}, "unfenced broker " + std::to_string(b));
  for (std::uint32_t p = 0; p < partitions_.size(); ++p) {
    auto const& rs = cluster_->partitions[p].replicas;
    if (std::find(rs.begin(), rs.end(), b) == rs.end()) continue;
    if (partitions_[p].leader == no_leader) elect(p, out);
    tell(p, b, out);
  }
}

// A registering broker comes back from an unclean shutdown (the model has no controlled
// shutdown: every crash and power loss is unclean), so it may have lost part of its log: it
// leaves every ELR (ReplicationControlManager.handleBrokerUncleanShutdown).
void Controller::forget_unclean(std::int32_t b, Output& out) {
  if (!elr_on()) return;
  for (std::uint32_t p = 0; p < partitions_.size(); ++p) {
    State& s = partitions_[p];
    if ((s.elr & broker_bit(b)) == 0) continue;
    change_isr(p, s.isr, broker_bit(b));
    publish(p, false, out);
  }
}

// Sets the ISR, keeping the ELR as maybePopulateTargetElr does: at or above the (effective)
// min.insync.replicas no ELR is needed; below it, every replica that was in the ISR and is
// no longer joins the ELR, unless it has just come back from an unclean shutdown. When the
// ISR becomes empty the leader it had is remembered (maybeUpdateLastKnownLeader).
void Controller::change_isr(std::uint32_t p, BrokerSet target, BrokerSet unclean_shutdown) {
  State& s = partitions_[p];
  if (elr_on()) {
    std::int32_t const min_isr = effective_min_isr(cluster_->partitions[p], cluster_->version);
    s.elr = broker_count(target) >= min_isr ? 0 : ((s.elr | s.isr) & ~target & ~unclean_shutdown);
    if (target == 0 && s.isr != 0) s.last_leader = s.leader;
  }
  s.isr = target;
}

// Returns the new leader of `p`, or no_leader, in PartitionChangeBuilder.electAnyLeader's
// order: a live ISR member in assignment order; with an empty ISR, a live ELR member; with
// ISR and ELR both empty, the last known leader if it is live; then, with
// unclean.leader.election.enable (default false since 0.11, KIP-106;
// https://kafka.apache.org/documentation/#design_uncleanleader), any live replica.
std::int32_t Controller::pick_leader(std::uint32_t p, bool& unclean) const {
  State const& s = partitions_[p];
  PartitionInfo const& info = cluster_->partitions[p];
  auto live = [&](std::int32_t b) { return (fenced_ & broker_bit(b)) == 0; };
  BrokerSet const eligible = s.isr != 0 ? s.isr : s.elr;
  for (std::int32_t b : info.replicas) {
    if (live(b) && (eligible & broker_bit(b)) != 0) return b;
  }
  unclean = true;
  if (elr_on() && s.isr == 0 && s.elr == 0 && s.last_leader != no_leader && live(s.last_leader)) {
    return s.last_leader;
  }
  if (info.unclean_election) {
    for (std::int32_t b : info.replicas) {
      if (live(b)) return b;
    }
  }
  unclean = false;
  return no_leader;
}

// An unclean choice (not from the ISR or ELR) becomes the whole ISR and may lack
// acknowledged records; an ELR member becomes the ISR and leaves the ELR. The last known
// leader is forgotten once there is a leader.
void Controller::elect(std::uint32_t p, Output& out) {
  State& s = partitions_[p];
  PartitionInfo const& info = cluster_->partitions[p];
  bool unclean = false;
  std::int32_t const chosen = pick_leader(p, unclean);
  bool const from_elr = !unclean && chosen != no_leader && s.isr == 0;
  if (unclean) {
    s.isr = broker_bit(chosen);
    s.elr = 0;
  } else if (from_elr) {
    s.isr = broker_bit(chosen);
    s.elr &= ~broker_bit(chosen);
  }
  if (chosen != no_leader) s.last_leader = no_leader;
  bool const changed = chosen != s.leader;
  s.leader = chosen;
  if (changed) ++s.epoch;
  publish(p, changed, out);
  std::string const who = info.name() + " leader " + std::to_string(chosen);
  if (unclean) out.event(OpKind::replicate, {}, "unclean election " + who);
  if (from_elr) out.event(OpKind::replicate, {}, "eligible leader replica election " + who);
}

}  // namespace mqcheck::model::kafka
