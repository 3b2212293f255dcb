// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/broker_replication.cpp (layer: model)
// The broker's side of the controller protocol and the follower's side of replication:
// boot and recovery, heartbeats, LeaderAndIsr (become leader or follower), follower fetches
// with KIP-101 truncation, and the leader's ISR expiry tick.
#include <string>

#include "core/assert.hpp"
#include "model/kafka/broker.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;

namespace {
constexpr TimerId heartbeat_timer = 1;
constexpr TimerId isr_timer = 2;
constexpr TimerId fetch_wait_timer = 3;
constexpr TimerId flush_timer = 4;
constexpr TimerId fetch_retry_base = TimerId{1} << 32;  // + partition.
}  // namespace

void Broker::init_from_assignment() {
  for (std::uint32_t p = 0; p < replicas_.size(); ++p) {
    Replica& r = replicas_[p];
    if (!r.hosted) continue;
    r.followers.assign(static_cast<std::size_t>(cluster_->brokers), Follower{});
  }
}

void Broker::on_start(Output& out) {
  init_from_assignment();
  registering_ = false;
  // The cluster starts settled: each partition led by its preferred replica, epoch 0, every
  // replica in sync. The controller starts from the same state.
  for (std::uint32_t p = 0; p < replicas_.size(); ++p) {
    if (!replicas_[p].hosted) continue;
    PartitionInfo const& info = cluster_->partitions[p];
    BrokerSet all = 0;
    for (std::int32_t b : info.replicas) all |= broker_bit(b);
    become(p, LeaderAndIsr{p, info.replicas[0], 0, all}, out);
  }
  out.set_timer(heartbeat_timer, cluster_->heartbeat_interval);
  out.set_timer(isr_timer, DurationUs{cluster_->replica_lag_max.us / 2});
  out.set_timer(fetch_wait_timer, cluster_->replica_fetch_wait_max);
  if (cluster_->flush_interval_ms != INT64_MAX) {
    out.set_timer(flush_timer, milliseconds(cluster_->flush_interval_ms));
  }
  start_retention(out);
  start_hw_checkpoints(out);
}

// A restarted broker reads its logs back (what the disk kept: after a power loss, only the
// fsynced prefix) and registers with the controller as a new incarnation; it leads or
// follows nothing until the controller tells it the partitions' state. Its HW starts at 0
// (the model keeps no HW checkpoint) and is relearned from the leader.
void Broker::on_recover(Disk<Entry> const& disk, Output& out) {
  init_from_assignment();
  registering_ = true;
  for (std::uint32_t p = 0; p < replicas_.size(); ++p) {
    if (!replicas_[p].hosted) continue;
    recover_log(p, disk);  // retention.cpp: from the log-start checkpoint.
    recover_hw(p, disk);   // Before 0.11 only: the checkpointed HW.
  }
  out.send(cluster_->controller, BrokerHeartbeat{index_, true});
  out.set_timer(heartbeat_timer, cluster_->heartbeat_interval);
  out.set_timer(isr_timer, DurationUs{cluster_->replica_lag_max.us / 2});
  out.set_timer(fetch_wait_timer, cluster_->replica_fetch_wait_max);
  if (cluster_->flush_interval_ms != INT64_MAX) {
    out.set_timer(flush_timer, milliseconds(cluster_->flush_interval_ms));
  }
  start_retention(out);
  start_hw_checkpoints(out);
}

void Broker::on_timer(TimerId timer, Output& out) {
  if (timer >= quota_timers) return unmute(timer, out);  // quota.cpp (broker.cpp)
  if (timer >= fetch_retry_base)
    return send_fetch(static_cast<std::uint32_t>(timer - fetch_retry_base), out);
  switch (timer) {
    case heartbeat_timer:
      out.send(cluster_->controller, BrokerHeartbeat{index_, registering_});
      return out.set_timer(heartbeat_timer, cluster_->heartbeat_interval);
    case isr_timer:
      isr_tick(out);
      return out.set_timer(isr_timer, DurationUs{cluster_->replica_lag_max.us / 2});
    case fetch_wait_timer:
      for (std::uint32_t p = 0; p < replicas_.size(); ++p) answer_parked(p, out);
      return out.set_timer(fetch_wait_timer, cluster_->replica_fetch_wait_max);
    case flush_timer:  // log.flush.interval.ms
      out.fsync();
      std::fill(unflushed_.begin(), unflushed_.end(), 0);
      return out.set_timer(flush_timer, milliseconds(cluster_->flush_interval_ms));
    case retention_timer:  // log.retention.check.interval.ms (retention.cpp)
      return retention_tick(out);
    case hw_checkpoint_timer:  // Before 0.11 (broker_hw_truncation.cpp).
      return checkpoint_hws(out);
    default:
      return;
  }
}

void Broker::on_leader_and_isr(LeaderAndIsr const& msg, Output& out) {
  Replica& r = replicas_[msg.partition];
  if (!r.hosted) return;
  registering_ = false;
  if (msg.epoch < r.epoch) return;  // Stale: an older controller decision.
  if (msg.epoch == r.epoch && msg.leader == r.leader) {
    // The controller confirmed (or overrode) an ISR change within the same leader epoch.
    r.isr = msg.isr;
    r.proposed = 0;
    if (r.leader == index_) maybe_advance_hw(msg.partition, out);
    return;
  }
  become(msg.partition, msg, out);
}

void Broker::become(std::uint32_t p, LeaderAndIsr const& msg, Output& out) {
  Replica& r = replicas_[p];
  for (Waiting const& w : r.waiting) {  // A deposed leader cannot complete them.
    if (w.marker) {
      out.send(w.from, WriteTxnMarkerResponse{w.txn_id, p, w.producer_epoch, Error::not_leader});
    } else {
      out.send(w.from, ProduceResponse{w.request, p, Error::not_leader, Offset{-1}, w.throttle_ms});
    }
  }
  r.waiting.clear();
  r.leader = msg.leader;
  r.epoch = msg.epoch;
  r.isr = msg.isr;
  r.proposed = 0;
  for (Follower& f : r.followers) f = Follower{};
  out.cancel_timer(fetch_retry_base + p);
  if (msg.leader == index_) {
    r.log.begin_epoch(msg.epoch);
    // Followers in the ISR count as caught up until they had a chance to fetch.
    for (Follower& f : r.followers) f.caught_up = true;
    return maybe_advance_hw(p, out);
  }
  if (!leader_epochs(cluster_->version)) truncate_to_hw(p, out);  // Before KIP-101.
  if (msg.leader != no_leader) send_fetch(p, out);
}

void Broker::send_fetch(std::uint32_t p, Output& out) {
  Replica& r = replicas_[p];
  if (r.leader == no_leader || r.leader == index_) return;
  FetchRequest req;
  req.request = next_request_++;
  req.partition = p;
  req.replica = index_;
  req.offset = r.log.leo();
  // Without leader epochs (before 0.11) the fetch carries none, so the leader can only say
  // that it is beyond its log end (truncate to that); it cannot find a divergence below.
  req.last_epoch = leader_epochs(cluster_->version) ? r.log.last_epoch() : -1;
  r.fetch_request = req.request;
  out.send(cluster_->broker_node(r.leader), req);
  // No answer (leader down, request lost): fetch again. A parked fetch is answered within
  // replica.fetch.wait.max.ms, so twice that plus slack means it is gone.
  out.set_timer(fetch_retry_base + p,
                DurationUs{2 * cluster_->replica_fetch_wait_max.us + milliseconds(1).us});
}

// The follower's side: truncate a diverging suffix (KIP-101), else append what came and take
// the leader's HW, then fetch again at once (Kafka's fetcher thread loops the same way).
void Broker::on_fetched(FetchResponse const& resp, Output& out) {
  Replica& r = replicas_[resp.partition];
  if (resp.request != r.fetch_request || r.leader == index_) return;  // Stale.
  if (resp.error == Error::offset_out_of_range && resp.log_start > r.log.leo()) {
    restart_log(resp.partition, resp.log_start, out);  // retention.cpp
    return send_fetch(resp.partition, out);
  }
  if (resp.error != Error::none) return;  // The retry timer fetches again.
  PartitionInfo const& info = cluster_->partitions[resp.partition];
  if (resp.diverging.value >= 0) {
    Offset const before = r.log.leo();
    r.log.truncate(resp.diverging);
    out.truncate(resp.partition,
                 static_cast<std::size_t>(r.log.leo().value - r.log.disk_base().value));
    out.event(OpKind::replicate, {},
              "truncate " + info.name() + " replica " + std::to_string(index_) + " from " +
                  std::to_string(before.value) + " to " + std::to_string(r.log.leo().value) +
                  " (leader epoch " + std::to_string(resp.leader_epoch) +
                  ") state: " + info.name() + ".leo=" + std::to_string(r.log.leo().value));
    return send_fetch(resp.partition, out);
  }
  if (resp.offset != r.log.leo()) return send_fetch(resp.partition, out);
  Offset const first = r.log.leo();
  r.log.advance_clock(out.now().us / 1'000);  // Rolls segments by segment.ms as it appends.
  for (LogRecord const& rec : resp.records) {
    r.log.append(rec);
    write(resp.partition, rec, out);
  }
  r.log.follow_hw(resp.high_watermark);
  if (!resp.records.empty()) {
    std::string const middle = " replica " + std::to_string(index_) + " hw ";
    history::Op& replicated = out.event_in_place(OpKind::replicate);
    records(resp.partition, first, r.log.leo(), replicated.value);
    state_detail(replicated.detail, "fetched ", info, middle, r.log.hw().value, r.log);
  }
  send_fetch(resp.partition, out);
}

void Broker::propose_isr(std::uint32_t p, BrokerSet isr, Output& out) {
  Replica& r = replicas_[p];
  r.proposed = isr;
  out.send(cluster_->controller, AlterPartition{p, index_, r.epoch, isr});
}

// ISR expiry, run every replica.lag.time.max.ms / 2 as Kafka's isr-expiration task is
// (ReplicaManager): a follower not caught up to the leader's LEO for two ticks in a row is
// out of sync (Kafka: lastCaughtUpTime older than replica.lag.time.max.ms;
// https://kafka.apache.org/documentation/#replication). A parked fetch is caught up.
void Broker::isr_tick(Output& out) {
  for (std::uint32_t p = 0; p < replicas_.size(); ++p) {
    Replica& r = replicas_[p];
    if (!r.hosted || r.leader != index_) continue;
    BrokerSet keep = r.isr;
    for (std::size_t b = 0; b < r.followers.size(); ++b) {
      auto const bi = static_cast<std::int32_t>(b);
      Follower& f = r.followers[b];
      if (bi == index_ || (r.isr & broker_bit(bi)) == 0) continue;
      f.missed_ticks = f.caught_up || f.parked ? 0 : f.missed_ticks + 1;
      f.caught_up = false;
      if (f.missed_ticks >= 2) keep &= ~broker_bit(bi);
    }
    if (r.proposed != 0) {
      out.send(cluster_->controller, AlterPartition{p, index_, r.epoch, r.proposed});
    } else if (keep != r.isr) {
      propose_isr(p, keep, out);
    }
  }
}

}  // namespace mqcheck::model::kafka
