// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/retention.cpp (layer: model)
// Retention, as Kafka's log cleaner thread does it (LogManager.cleanupLogs every
// log.retention.check.interval.ms, then Log.deleteOldSegments on every log; Kafka 2.x
// Log.scala, 3.x/4.x UnifiedLog): whole segments are deleted, oldest first, whether consumed or
// not, and the log start offset moves up to the first segment kept. The broker side: the
// check timer (which also advances the replicas' clocks), the `expire` history event, the
// log-start checkpoint on disk and recovery from it.
#include <algorithm>
#include <string>

#include "model/kafka/broker.hpp"
#include "model/kafka/partition_log.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;

// Log.deletableSegments: from the oldest segment, while the predicate holds and the segment
// lies wholly below the high watermark (its upper bound, the next segment's base or the LEO
// for the last one, is <= HW), stopping at the first that fails; a last segment that is empty
// is never deletable. The predicates (Log.deleteRetentionMsBreachedSegments and
// deleteRetentionSizeBreachedSegments): time, `now - segment.largestTimestamp > retention.ms`;
// size, while the log's size minus the segments chosen so far stays >= retention.bytes.
// https://kafka.apache.org/documentation/#topicconfigs_retention.ms and #..._retention.bytes.
std::size_t PartitionLog::deletable_segments(RetentionReason reason) const {
  std::int64_t diff = 0;
  if (reason == RetentionReason::time && retention_.retention_ms < 0) return 0;
  if (reason == RetentionReason::size) {
    if (retention_.retention_bytes < 0) return 0;
    std::int64_t size = 0;
    for (Segment const& s : segments_) size += s.bytes;
    if (size < retention_.retention_bytes) return 0;
    diff = size - retention_.retention_bytes;
  }
  std::size_t n = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    Segment const& s = segments_[i];
    bool const last = i + 1 == segments_.size();
    Offset const upper = last ? leo() : segments_[i + 1].base;
    if (hw_ < upper || (last && s.bytes == 0)) break;
    if (reason == RetentionReason::time) {
      std::int64_t const largest = s.max_timestamp >= 0 ? s.max_timestamp : s.created_ms;
      if (now_ms_ - largest <= retention_.retention_ms) break;
    } else {
      if (diff - s.bytes < 0) break;
      diff -= s.bytes;
    }
    ++n;
  }
  return n;
}

// Log.deleteSegments: "we must always have at least one segment, so if we are going to delete
// all the segments, create a new one first" (roll), then the log start offset moves to the
// first remaining segment's base (maybeIncrementLogStartOffset). Producer state whose records
// are all gone goes with them (ProducerStateManager.truncateHead), which is how retention
// leads to UNKNOWN_PRODUCER_ID (KIP-360's motivation).
void PartitionLog::drop_segments(std::size_t count, Deleted& deleted) {
  if (count == 0) return;
  if (count == segments_.size()) roll();
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(count));
  Offset const start = segments_.front().base;
  for (Offset o = start_; o < start; o.value += 1) deleted.records.push_back(at(o));
  log_.erase(log_.begin(), log_.begin() + (start.value - start_.value));
  start_ = start;
  deleted.to = start;
  truncate_head();
}

// Log.deleteOldSegments: time retention, then size retention (either one deletes).
Deleted PartitionLog::delete_old_segments() {
  Deleted deleted;
  deleted.from = start_;
  deleted.to = start_;
  std::size_t const by_time = deletable_segments(RetentionReason::time);
  if (by_time > 0) deleted.reason = RetentionReason::time;
  drop_segments(by_time, deleted);
  std::size_t const by_size = deletable_segments(RetentionReason::size);
  if (by_size > 0 && deleted.reason == RetentionReason::none) {
    deleted.reason = RetentionReason::size;
  }
  drop_segments(by_size, deleted);
  return deleted;
}

namespace {
// The log-start-offset checkpoint file of partition p (Kafka's log-start-offset-checkpoint),
// after the partition files 0..P-1.
FileId checkpoint_file(ClusterConfig const& c, std::uint32_t p) {
  return static_cast<FileId>(c.partitions.size() + p);
}
}  // namespace

bool Broker::retention_armed() const {
  if (cluster_->retention_keys_set) return true;
  return std::any_of(cluster_->partitions.begin(), cluster_->partitions.end(),
                     [&](PartitionInfo const& p) { return p.retention != cluster_->retention; });
}

// The check runs only when the scenario sets a retention or segment key: with Kafka's
// defaults (7 days, 1 GiB, a check every 5 minutes) nothing can be deleted within a
// simulation, and a timer that never matters would only slow runs and grow the explorer's
// state space.
void Broker::start_retention(Output& out) {
  // One clock per broker: the simulated time, or after recovery the newest stamp found if
  // later (a record's CreateTime may lie ahead of the broker's clock).
  std::int64_t clock = out.now().us / 1'000;
  for (Replica const& r : replicas_) clock = std::max(clock, r.log.clock_ms());
  for (Replica& r : replicas_) r.log.set_clock(clock);
  if (retention_armed()) out.set_timer(retention_timer, cluster_->retention_check_interval);
}

// Every log.retention.check.interval.ms: the clocks move to the simulated time, then each
// hosted replica (leader or follower: each deletes from its own log, below its own HW)
// deletes what retention allows, records an `expire` event naming the deleted messages, and
// checkpoints its new log start (fsynced: a deleted segment file stays deleted).
void Broker::retention_tick(Output& out) {
  std::int64_t const now_ms = out.now().us / 1'000;
  for (std::uint32_t p = 0; p < replicas_.size(); ++p) {
    Replica& r = replicas_[p];
    if (!r.hosted) continue;
    r.log.advance_clock(now_ms);
    Deleted const d = r.log.delete_old_segments();
    if (d.to <= d.from) continue;
    PartitionInfo const& info = cluster_->partitions[p];
    std::vector<history::Record> gone;
    for (std::size_t i = 0; i < d.records.size(); ++i) {
      if (d.records[i].control != Control::data) continue;  // Markers are no messages.
      Offset const at{d.from.value + static_cast<std::int64_t>(i)};
      gone.push_back(history::Record::of(d.records[i].id, info.topic, at, info.number));
    }
    out.event(OpKind::expire, std::move(gone),
              "retention " + info.name() + " replica " + std::to_string(index_) + " log start " +
                  std::to_string(d.from.value) + " -> " + std::to_string(d.to.value) + " (" +
                  retention_key(d.reason) + ") state: " + info.name() +
                  ".start=" + std::to_string(d.to.value));
    Entry e = Entry::of(Entry::Kind::log_start);
    e.partition = p;
    e.offset = d.to;
    out.append(checkpoint_file(*cluster_, p), std::move(e));
    out.fsync();
  }
  out.set_timer(retention_timer, cluster_->retention_check_interval);
}

// A follower whose fetch offset fell below its leader's log start (it was away while the
// leader deleted segments) restarts its log at the leader's log start
// (ReplicaFetcherThread: truncateFullyAndStartAt(leaderLogStartOffset)); its partition file
// restarts too, and the checkpoint records the new base (epoch 1 marks a restart).
void Broker::restart_log(std::uint32_t p, Offset start, Output& out) {
  Replica& r = replicas_[p];
  r.log.reset_to(start);
  out.truncate(p, 0);
  Entry e = Entry::of(Entry::Kind::log_start);
  e.partition = p;
  e.offset = start;
  e.extra.edit().epoch = 1;  // Rare: the boxed field (messages.hpp EntryExtra).
  out.append(checkpoint_file(*cluster_, p), std::move(e));
  out.fsync();
}

// Recovery: the partition file's records start at the last restart's base; the records
// below the checkpointed log start were deleted. The clock restarts from the newest
// timestamp the log holds (the model's brokers have no clock that survives them).
void Broker::recover_log(std::uint32_t p, Disk<Entry> const& disk) {
  Offset base{0};
  Offset start{0};
  for (Entry const& e : disk.entries(checkpoint_file(*cluster_, p))) {
    if (e.kind != Entry::Kind::log_start) continue;
    if (e.extra.get().epoch == 1) base = e.offset;
    start = e.offset;
  }
  PartitionLog& log = replicas_[p].log;
  if (base.value > 0) log.reset_to(base);
  std::int64_t clock = 0;
  for (Entry const& e : disk.entries(p)) {
    clock = std::max(clock, e.record.timestamp);
    log.set_clock(std::max<std::int64_t>(e.record.timestamp, 0));
    log.append(e.record);
  }
  log.set_clock(clock);
  log.advance_start(start);
}

}  // namespace mqcheck::model::kafka
