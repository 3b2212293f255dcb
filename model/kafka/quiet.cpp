// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/quiet.cpp (layer: model)
// The Kafka model's quiet predicate (model/common/quiet.hpp): true only when, with every node
// up, nothing in flight and no fault, no node can record a client op a delivery verdict reads
// before `end` (a send, a processing, a commit, an assignment, a poll that returns records;
// an empty poll's invoke and ok name no message and change no verdict). Conservative by
// construction: every feature that could act later on its own (transactions, retention,
// quotas, ACLs, the delay and dead-letter patterns, seeks, auto-commit, old versions' HW
// truncation) makes the world not quiet, and so does every timer not listed below as idle.
// What is left is the idle traffic of a settled cluster: broker heartbeats, follower fetches
// parked at the leader and answered empty, ISR ticks, flushes, metadata refreshes, consumer
// heartbeats and empty polls. None of it changes a partition's leader, its log or its high
// watermark, so a consumer whose position is the leader's log end reads nothing more.
#include <algorithm>
#include <type_traits>
#include <variant>
#include <vector>

#include "model/kafka/model.hpp"

namespace mqcheck::model::kafka {

namespace {

using Timers = std::span<ArmedTimer const>;

// Timer ids of the idle traffic, as the actors name them (broker_replication.cpp,
// consumer.cpp, controller.cpp: anonymous there, so repeated here; prefixed for the layer's
// unity build).
constexpr TimerId quiet_broker_heartbeat = 1;   // broker.heartbeat.interval.ms
constexpr TimerId quiet_broker_isr = 2;         // the ISR tick (replica.lag.time.max.ms)
constexpr TimerId quiet_broker_fetch_wait = 3;  // replica.fetch.wait.max.ms
constexpr TimerId quiet_broker_flush = 4;       // log.flush.interval.ms: an fsync event only
constexpr TimerId quiet_broker_fetch_retry = TimerId{1} << 32;  // + partition
constexpr TimerId quiet_consumer_poll = 0;
constexpr TimerId quiet_consumer_poll_timeout = 2;  // An empty poll's request.timeout.ms.
constexpr TimerId quiet_consumer_metadata = 6;      // metadata.max.age.ms
constexpr TimerId quiet_controller_session = 1;     // The session check, once per heartbeat.

bool quiet_before(ArmedTimer const& t, SimTimeUs end) { return t.earliest_us <= end.us; }

bool at_least_ms(DurationUs d) { return d.us >= 1'000; }

}  // namespace

// Reads the actors' private state (a friend of each).
struct Quiet {
  std::span<QuietNode<Model::Actor> const> nodes;
  SimTimeUs end;
  Controller const* controller = nullptr;
  std::vector<Broker const*>& brokers;  // By broker index.

  bool run() {
    ClusterConfig const* cluster = nullptr;
    for (QuietNode<Model::Actor> const& n : nodes) {
      // A node down: the settle restarts it first.
      if (std::holds_alternative<std::monostate>(n.actor)) return false;
      if (auto const* c = std::get_if<Controller const*>(&n.actor)) controller = *c;
      if (auto const* box = std::get_if<Broker const*>(&n.actor)) {
        Broker const* const b = *box;
        cluster = b->cluster_;
        if (brokers.size() <= static_cast<std::size_t>(b->index_)) {
          brokers.resize(static_cast<std::size_t>(b->index_) + 1, nullptr);
        }
        brokers[static_cast<std::size_t>(b->index_)] = b;
      }
    }
    if (controller == nullptr || cluster == nullptr || !features_off(*cluster)) return false;
    if (std::count(brokers.begin(), brokers.end(), nullptr) > 0 ||
        brokers.size() != static_cast<std::size_t>(cluster->brokers)) {
      return false;
    }
    for (QuietNode<Model::Actor> const& n : nodes) {
      bool const ok = std::visit(
          [&](auto const& actor) {
            if constexpr (std::is_same_v<std::decay_t<decltype(actor)>, std::monostate>) {
              return false;
            } else {
              return quiet(*actor, n.timers);
            }
          },
          n.actor);
      if (!ok) return false;
    }
    return true;
  }

  // Cluster features that act on their own later, or whose effect on a poll is not modelled
  // here: any of them, not quiet. Leader epochs (0.11+, KIP-101) so that no HW truncation
  // timer runs, and each periodic interval at least 1 ms so that the idle traffic is at most
  // one firing per timer and millisecond (the step bound in model.hpp).
  static bool features_off(ClusterConfig const& c) {
    return leader_epochs(c.version) && !c.authorizer.enabled && !c.quotas.enabled &&
           // No transactional id: no transactional produce for KIP-890's verification to hold.
           !c.retention_keys_set && c.transactional_ids.empty() &&
           at_least_ms(c.heartbeat_interval) && at_least_ms(c.replica_fetch_wait_max) &&
           at_least_ms(c.replica_lag_max) &&
           // The controller fences a broker after broker.session.timeout.ms without a
           // heartbeat (KIP-631; https://kafka.apache.org/documentation/
           // #brokerconfigs_broker.session.timeout.ms), counted in heartbeat-interval ticks
           // (controller.cpp on_timer). Ticks and heartbeats both run once per interval, so
           // the gap a check sees (at most 1, below) stays at most 2: fencing needs more.
           c.session_timeout.us / c.heartbeat_interval.us >= 3;
  }

  bool quiet(Producer const& p, Timers timers) const {
    ProducerConfig const& c = *p.config_;
    // Every message sent and answered: nothing to send, retry or time out.
    if (!c.transactional_id.empty() || p.session_ || c.resend_unacknowledged) return false;
    if (p.next_ < c.messages || !p.resend_.empty() || !p.batches_.empty() || !p.requests_.empty() ||
        p.send_due_ || !at_least_ms(c.metadata_max_age)) {
      return false;
    }
    return std::all_of(timers.begin(), timers.end(),
                       [](ArmedTimer const& t) { return t.id == Producer::metadata_timer; });
  }

  bool quiet(Broker const& b, Timers timers) const {
    if (b.registering_) return false;

    for (std::uint32_t p = 0; p < b.replicas_.size(); ++p) {
      Broker::Replica const& r = b.replicas_[p];
      if (!r.hosted) continue;
      // Its view of the partition is the controller's, and no produce waits for the HW.
      if (r.leader != controller->leader(p) || r.epoch != controller->epoch(p)) return false;
      if (!r.waiting.empty()) return false;
    }
    return std::all_of(timers.begin(), timers.end(), [](ArmedTimer const& t) {
      return t.id == quiet_broker_heartbeat || t.id == quiet_broker_isr ||
             t.id == quiet_broker_fetch_wait || t.id == quiet_broker_flush ||
             (t.id >= quiet_broker_fetch_retry && t.id < (quiet_broker_fetch_retry << 1));
    });
  }

  bool quiet(Controller const& c, Timers timers) const {
    if (c.fenced_ != 0) return false;
    for (std::uint32_t p = 0; p < c.partitions_.size(); ++p) {
      if (c.partitions_[p].leader == no_leader) return false;
    }
    for (std::uint64_t heard : c.heard_) {
      if (c.tick_ > heard + 1) return false;
    }
    if (!std::all_of(c.txns_.begin(), c.txns_.end(),
                     [](Controller::Txn const& t) { return t.phase == TxnPhase::empty; })) {
      return false;
    }
    // Group session timers may be armed, but none may expire before the end: a member's
    // expiry starts a rebalance (and an `assign` op). A group's rebalance timer does nothing
    // unless the group is preparing a rebalance (GroupCoordinator::on_timer; it stays armed
    // after the join completes): harmless while the group is stable, and nothing else here
    // can start a rebalance.
    return std::all_of(timers.begin(), timers.end(), [&](ArmedTimer const& t) {
      if (t.id == quiet_controller_session) return true;
      if (t.id >= GroupCoordinator::rebalance_timers) {
        auto const g = static_cast<std::uint32_t>(t.id - GroupCoordinator::rebalance_timers);
        return c.groups_.state(g) == GroupState::stable;
      }
      return t.id >= GroupCoordinator::timer_base && !quiet_before(t, end);
    });
  }

  bool quiet(Consumer const& c, Timers timers) const {
    ConsumerConfig const& k = *c.config_;
    if (k.transform || k.dead_letter.enabled || k.delay.enabled || k.seek_to != SeekTo::none ||
        k.auto_commit || c.session_ || c.dead_letter_ || !at_least_ms(k.fetch_max_wait) ||
        !at_least_ms(k.metadata_max_age)) {
      return false;
    }
    // Between polls, or in a poll whose fetches wait at the leader; the last batch processed
    // and its commit answered; nothing being looked up, sought or rebalanced.
    if (c.phase_ != Consumer::Phase::polling && c.phase_ != Consumer::Phase::waiting) return false;
    if (c.next_ < c.batch_.size() || !c.commits_.empty() || c.sync_commit_ != 0 ||
        !c.listing_.empty() || !c.seeking_.empty() || c.seek_due_ || !c.offsets_known_ ||
        c.auto_commit_due_ || c.attempts_ != 0 || c.dead_lettering_) {
      return false;
    }
    for (auto const& f : c.fetched_) {
      if (!f.empty()) return false;
    }
    if (k.subscribe && !member_stable(c, k)) return false;
    for (std::size_t s = 0; s < c.assigned_.size(); ++s) {
      if (!caught_up(c, s)) return false;
    }
    return std::all_of(timers.begin(), timers.end(), [&](ArmedTimer const& t) {
      if (t.id == quiet_consumer_poll || t.id == quiet_consumer_poll_timeout ||
          t.id == quiet_consumer_metadata) {
        return true;
      }
      // The heartbeat thread: a heartbeat to a stable group is answered without error.
      if (k.subscribe && t.id == Consumer::heartbeat_timer) return true;
      // max.poll.interval.ms: "If poll() is not called before expiration of this timeout,
      // then the consumer is considered failed and the group will rebalance"
      // (https://kafka.apache.org/documentation/#consumerconfigs_max.poll.interval.ms): quiet
      // only if it cannot expire before the end.
      return k.subscribe && t.id == Consumer::max_poll_timer && !quiet_before(t, end);
    });
  }

  // A member of a stable group, in the coordinator's current generation, with no join or
  // sync waiting (consumer_group.cpp; group_coordinator.cpp).
  bool member_stable(Consumer const& c, ConsumerConfig const& k) const {
    // Not joining: group_request_ keeps the last JoinGroup/SyncGroup's number, answered or not;
    // the phase says whether one is waited for.
    if (c.member_ == 0 || c.rejoin_ || c.phase_ == Consumer::Phase::joining) return false;
    GroupCoordinator const& groups = controller->groups_;
    auto const g = groups.groups_.find(k.group_index);
    if (g == groups.groups_.end() || g->second.state != GroupState::stable) return false;
    if (g->second.generation != c.generation_) return false;
    auto const m = g->second.members.find(c.member_);
    if (m == g->second.members.end()) return false;
    if (m->second.awaiting_join || m->second.awaiting_sync) return false;
    // The coordinator's session timer for the member must not expire before the end (the
    // controller's timers, above); heartbeats renew it, and must come inside the session:
    // heartbeat.interval.ms "must be set lower than session.timeout.ms"
    // (https://kafka.apache.org/documentation/#consumerconfigs_heartbeat.interval.ms).
    return k.heartbeat_interval.us < k.session_timeout.us;
  }

  // Slot `s` has read everything its partition's leader holds: the position is the leader's
  // log end, which is also its high watermark and last stable offset, the consumer fetches
  // from that leader, and its last epoch does not diverge (the leader's own checks in
  // Broker::on_fetch, in order: not_leader, KIP-320 divergence, out of range).
  bool caught_up(Consumer const& c, std::size_t s) const {
    std::uint32_t const p = c.assigned_[s];
    std::int32_t const leader = controller->leader(p);
    if (leader == no_leader || c.leaders_[p] != leader) return false;
    Broker const* const b = brokers[static_cast<std::size_t>(leader)];
    Broker::Replica const& r = b->replicas_[p];
    if (!r.hosted || r.leader != b->index_) return false;
    PartitionLog const& log = r.log;
    Offset const at = c.positions_[s];
    if (at.value < 0 || at != log.leo() || log.hw() != log.leo() || log.lso() != log.leo() ||
        at < log.log_start()) {
      return false;
    }
    std::int32_t const last = c.last_epochs_[s];
    return last < 0 || !(log.end_offset_for_epoch(last) < at);
  }
};

bool Model::quiet(std::span<QuietNode<Actor> const> nodes, SimTimeUs end) {
  thread_local std::vector<Broker const*> brokers;  // Kept: a settle asks several times.
  brokers.clear();
  return Quiet{nodes, end, nullptr, brokers}.run();
}

}  // namespace mqcheck::model::kafka
