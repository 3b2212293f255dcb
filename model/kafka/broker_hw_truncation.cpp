// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/broker_hw_truncation.cpp (layer: model)
// Replication before KIP-101 (Kafka 0.10): a broker checkpoints its replicas' high watermarks
// every replica.high.watermark.checkpoint.interval.ms (ReplicaManager.checkpointHighWatermarks,
// the replication-offset-checkpoint file), reads them back when it restarts, and truncates a
// replica's log to its HW whenever the replica becomes a follower (ReplicaManager.makeFollowers:
// logManager.truncateTo(... highWatermark ...)), then fetches from the new leader. A follower's
// HW trails the leader's by a fetch, so this drops records the leader has acknowledged; if the
// leader then fails, they are gone (KIP-101, "Scenario 1: High Watermark Truncation followed by
// Immediate Leader Election",
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-101+-+Alter+Replication+Protocol+to+use+Leader+Epoch+rather+than+High+Watermark+for+Truncation).
// From 0.11 none of this runs (leader_epochs): truncation follows leader epochs.
#include <string>

#include "model/kafka/broker.hpp"

namespace mqcheck::model::kafka {

namespace {
// The HW checkpoint of partition p, after the partition files and the log-start checkpoints
// (retention.cpp). Its entries reuse the log-start kind: a partition and an offset.
FileId hw_file(ClusterConfig const& c, std::uint32_t p) {
  return static_cast<FileId>(2 * c.partitions.size() + p);
}
}  // namespace

void Broker::start_hw_checkpoints(Output& out) {
  if (leader_epochs(cluster_->version)) return;
  out.set_timer(hw_checkpoint_timer, cluster_->hw_checkpoint_interval);
}

// Kafka writes the checkpoint file and fsyncs it (OffsetCheckpoint.write). The model appends
// without an fsync, because its fsync would make every file of the broker durable: after a
// power loss the checkpoint may be older than Kafka's (a process crash keeps it either way).
void Broker::checkpoint_hws(Output& out) {
  for (std::uint32_t p = 0; p < replicas_.size(); ++p) {
    if (!replicas_[p].hosted) continue;
    Entry e = Entry::of(Entry::Kind::log_start);
    e.partition = p;
    e.offset = replicas_[p].log.hw();
    out.append(hw_file(*cluster_, p), std::move(e));
  }
  out.set_timer(hw_checkpoint_timer, cluster_->hw_checkpoint_interval);
}

void Broker::recover_hw(std::uint32_t p, Disk<Entry> const& disk) {
  if (leader_epochs(cluster_->version)) return;
  auto const& entries = disk.entries(hw_file(*cluster_, p));
  if (!entries.empty()) replicas_[p].log.advance_hw(entries.back().offset);
}

void Broker::truncate_to_hw(std::uint32_t p, Output& out) {
  Replica& r = replicas_[p];
  Offset const before = r.log.leo();
  if (r.log.hw() >= before) return;
  r.log.truncate(r.log.hw());
  out.truncate(p, static_cast<std::size_t>(r.log.leo().value - r.log.disk_base().value));
  std::string const name = cluster_->partitions[p].name();
  out.event(history::OpKind::replicate, {},
            "truncate " + name + " replica " + std::to_string(index_) + " from " +
                std::to_string(before.value) + " to its high watermark " +
                std::to_string(r.log.leo().value) + " (before KIP-101) state: " + name +
                ".leo=" + std::to_string(r.log.leo().value));
}

}  // namespace mqcheck::model::kafka
