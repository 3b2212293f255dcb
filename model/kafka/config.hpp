// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/config.hpp (layer: model)
// Configuration of the Kafka model, in Kafka's own key names, plus the cluster layout the
// world builder derives from the scenario (partitions, replica assignment, node ids). The
// defaults follow the version the scenario names (`version:`): before 3.0 a producer has
// acks=1 and no idempotence, from 3.0 on acks=all and idempotence (KIP-679). Every key and
// its citation is in docs/kafka-model.md. Configuration is shared and immutable; actors
// point into it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config_map.hpp"
#include "core/distribution.hpp"
#include "core/strong_id.hpp"
#include "core/time.hpp"
#include "model/kafka/acl.hpp"
#include "model/kafka/partitioner.hpp"
#include "model/kafka/pattern_config.hpp"
#include "model/kafka/pattern_delay.hpp"
#include "model/kafka/quota_config.hpp"

namespace mqcheck::model::kafka {

/// Brokers are numbered 0..brokers-1; a set of them is a bit mask (ISR, alive set).
using BrokerSet = std::uint64_t;
constexpr std::int32_t brokers_max = 64;
constexpr std::int32_t no_leader = -1;

inline BrokerSet broker_bit(std::int32_t b) { return BrokerSet{1} << b; }
inline int broker_count(BrokerSet s) { return __builtin_popcountll(s); }
/// Returns "[0,2]": the brokers of `s`, as the history's event details spell a set.
std::string format_brokers(BrokerSet s);

/// A Kafka release, compared by (major, minor).
struct Version {
  int major = 4;
  int minor = 0;
  bool at_least(int ma, int mi) const { return major != ma ? major > ma : minor >= mi; }
  bool operator==(Version const&) const = default;
};

/// Parses "2.8", "3.0", "3.7", "4.0" ("" is the latest modelled release). Throws InputError
/// naming `where` for anything else, or for a release older than 2.0.
Version parse_version(std::string const& text, SourceMark const& where);

enum class Acks : std::int8_t { none = 0, leader = 1, all = -1 };
enum class OffsetReset : std::uint8_t { earliest, latest, none };
enum class CommitMode : std::uint8_t { none, after_processing, before_processing };

/// A log's retention and segment settings (topic keys retention.ms, retention.bytes,
/// segment.bytes, segment.ms; their broker defaults log.retention.*, log.segment.bytes,
/// log.roll.*). -1 means unlimited. Read by retention_config.cpp; applied by partition_log.
struct Retention {
  std::int64_t retention_ms = 168LL * 3'600'000;  // log.retention.hours = 168.
  std::int64_t retention_bytes = -1;
  std::int64_t segment_bytes = 1LL << 30;       // 1 GiB.
  std::int64_t segment_ms = 168LL * 3'600'000;  // log.roll.hours = 168.
  // message.timestamp.type (topic; broker log.message.timestamp.type): CreateTime, the
  // default, keeps the producer's timestamp; LogAppendTime has the leader stamp its own clock
  // (https://kafka.apache.org/documentation/#topicconfigs_message.timestamp.type).
  bool log_append_time = false;
  bool operator==(Retention const&) const = default;
};

struct PartitionInfo {  // One topic-partition and its replica assignment.
  std::string topic;
  std::int32_t number = 0;             // Partition number within the topic.
  std::vector<std::int32_t> replicas;  // Broker indices; replicas[0] is the preferred leader.
  std::int32_t min_insync = 1;         // min.insync.replicas (topic, else broker).
  bool unclean_election = false;       // unclean.leader.election.enable (topic, else broker).
  Retention retention;                 // The topic's, else the broker's.
  std::string name() const { return topic + "-" + std::to_string(number); }
};

/// The ISR size below which acks=all produces are refused and, from 3.7, the high watermark
/// stops: min.insync.replicas, capped from 3.7 by the replication factor ("effectiveMinIsr",
/// KAFKA-15583, https://github.com/apache/kafka/pull/14594; before it, a min.insync.replicas
/// above the replication factor refused every acks=all produce).
std::int32_t effective_min_isr(PartitionInfo const& partition, Version version);

/// KAFKA-15583 (3.7): the leader advances the high watermark only while the ISR has at least
/// the effective min.insync.replicas members ("strict min ISR"), whatever acks the records
/// came with; before 3.7 min.insync.replicas only gated acks=all produces.
inline bool strict_min_isr(Version version) { return version.at_least(3, 7); }

/// KIP-101 (0.11): records carry leader epochs and a follower truncates by them. Before it
/// (0.10) a replica that becomes a follower truncates its log to its own high watermark, then
/// fetches (ReplicaManager.makeFollowers); a fetch beyond the leader's log end is answered
/// OffsetOutOfRange and the follower truncates to the leader's end (ReplicaFetcherThread.
/// handleOffsetOutOfRange). KIP-101's two scenarios show that losing acknowledged data.
/// https://cwiki.apache.org/confluence/display/KAFKA/KIP-101+-+Alter+Replication+Protocol+to+use+Leader+Epoch+rather+than+High+Watermark+for+Truncation
inline bool leader_epochs(Version version) { return version.at_least(0, 11); }

struct ClusterConfig {  // broker_config keys, cluster-wide.
  Version version;
  std::int32_t brokers = 1;
  std::int32_t default_replication_factor = 1;
  std::int32_t min_insync = 1;
  bool unclean_election = false;
  DurationUs replica_lag_max = seconds(30);
  DurationUs replica_fetch_wait_max = milliseconds(500);
  std::int64_t flush_interval_messages = INT64_MAX;  // Long.MAX_VALUE: never by count.
  std::int64_t flush_interval_ms = INT64_MAX;        // Not set: never by time.
  DurationUs heartbeat_interval = seconds(2);
  DurationUs session_timeout = seconds(9);
  Retention retention;  // The broker defaults of the topic keys.
  DurationUs retention_check_interval = milliseconds(300'000);  // log.retention.check.interval.ms
  bool retention_keys_set = false;  // Any retention or segment key set: the check timer runs.
  // replica.high.watermark.checkpoint.interval.ms (default 5000): how often a broker writes
  // its replicas' HWs to disk. Used before 0.11 only, where a restarted follower truncates to
  // the HW it checkpointed (leader_epochs).
  DurationUs hw_checkpoint_interval = seconds(5);
  bool eligible_leader_replicas = false;  // eligible.leader.replicas.version=1 (KIP-966).
  // transaction.partition.verification.enable (KIP-890 part 1, 3.6+; default true): leaders
  // verify a transactional record that opens a transaction (txn_verify.hpp). False before 3.6.
  bool txn_verification = false;
  Authorizer authorizer;  // authorizer.class.name, super.users, ... and the scenario's acls.
  QuotaConfig quotas;     // quota.window.* and the scenario's quotas, by client (quota.cpp).
  // Derived by the world builder.
  std::vector<PartitionInfo> partitions;       // Every topic-partition, topics in scenario order.
  std::uint32_t first_broker_node = 0;         // NodeId of broker 0; brokers are consecutive.
  NodeId controller;                           // The controller, also the group coordinator.
  std::vector<NodeId> clients;                 // Producers and consumers (metadata subscribers).
  std::vector<std::string> transactional_ids;  // Every transactional.id, indexed by the model.
  std::map<std::uint32_t, ClientIdentity> identities;  // By client NodeId, with an authorizer.
  NodeId broker_node(std::int32_t b) const {
    return NodeId{first_broker_node + static_cast<std::uint32_t>(b)};
  }
  /// The producer id the coordinator gives transactional id `t`: stable across restarts, apart
  /// from the idempotent producers' ids (which are below 2^48).
  static std::uint64_t txn_producer_id(std::uint32_t t) { return (std::uint64_t{1} << 56) + t; }
};

/// A transactional client's settings (the producer keys transactional.id and
/// transaction.timeout.ms, plus its retry timing and delivery.timeout.ms); shared by
/// transactional producers and consume-transform-produce consumers.
struct TxnClientConfig {
  std::uint32_t txn_id = 0;  // Index into ClusterConfig::transactional_ids.
  std::string name;          // The transactional.id: the prefix of history txn names.
  std::int64_t timeout_ms = 60'000;
  DurationUs request_timeout = seconds(30);
  DurationUs retry_backoff = milliseconds(100);
  // delivery.timeout.ms (KIP-91): a record unanswered this long after send() expires and the
  // transaction becomes abortable (txn_session.cpp, expire). 0: records never expire.
  DurationUs delivery_timeout{};
  ClusterConfig const* cluster = nullptr;
};

struct ProducerConfig {
  Acks acks = Acks::all;
  std::int64_t retries = INT32_MAX;
  DurationUs request_timeout = seconds(30);
  DurationUs delivery_timeout = seconds(120);
  DurationUs retry_backoff = milliseconds(100);
  DurationUs metadata_max_age = seconds(300);
  std::int64_t max_in_flight = 5;
  DurationUs linger{};                   // linger.ms: 0 before 4.0, 5 from 4.0 (KIP-1030).
  std::int64_t batch_size = 16'384;      // batch.size, bytes (producer_batch.hpp sizes).
  std::int64_t max_request_size = 1'048'576;  // max.request.size, bytes per request.
  PartitionerConfig partitioner;  // partitioner.class and partitioner.* (partitioner.hpp).
  bool idempotence = true;
  std::string transactional_id;  // "": not transactional.
  std::int64_t transaction_timeout_ms = 60'000;
  // From the scenario.
  std::int64_t txn_messages = 1;  // `transaction.messages`: records per transaction.
  std::int64_t abort_every = 0;   // `transaction.abort_every`: every K-th transaction aborts.
  TxnClientConfig txn;            // Filled by the world builder when transactional.
  std::uint32_t index = 0;        // Producer number: the high bits of its producer ids.
  std::string topic;
  std::vector<std::uint32_t> partitions;  // Global partition indices of the topic, in order.
  MessageId first_id;
  std::int64_t messages = 0;
  std::int32_t keys = 0;
  Distribution interval;
  DurationUs start{};
  ClusterConfig const* cluster = nullptr;
  std::string principal;  // With an authorizer: written on its ops (acl.hpp).
  std::string client_id;  // client.id; "" for the default (the producer's scenario id).
  /// The scenario's `resend_unacknowledged`: after a restart the application sends again, with
  /// the same message ids, every message it never saw acknowledged (producer.cpp on_recover).
  bool resend_unacknowledged = false;
  std::vector<std::string> tags;  // `tags:`: message first_id + i carries tags[i mod n].
  // A consumer of the topic runs the delay PATTERN: sends write `deliver-after` (pattern_delay).
  std::int64_t delay_ms = 0;
};

/// The scenario's `seek:` (consumer_seek.cpp): KafkaConsumer.seek to an offset, seek to the
/// offset offsetsForTimes gives for a timestamp, seekToBeginning or seekToEnd.
enum class SeekTo : std::uint8_t { none, offset, timestamp, beginning, end };

/// partition.assignment.strategy: the classic protocol's eager assignors modelled.
enum class Assignor : std::uint8_t { range, round_robin };

struct ConsumerConfig {
  bool auto_commit = true;
  DurationUs auto_commit_interval = seconds(5);
  OffsetReset reset = OffsetReset::latest;
  std::int64_t max_poll_records = 500;
  DurationUs fetch_max_wait = milliseconds(500);
  DurationUs request_timeout = seconds(30);
  DurationUs metadata_max_age = seconds(300);
  CommitMode commit = CommitMode::none;
  bool read_committed = false;  // isolation.level
  // Group membership (subscribe): the defaults of 3.0 on (session.timeout.ms 10000 before).
  DurationUs session_timeout = seconds(45);
  DurationUs heartbeat_interval = seconds(3);
  DurationUs max_poll_interval = seconds(300);
  Assignor assignor = Assignor::range;
  // group.instance.id (KIP-345, 2.3+): empty for a dynamic member; the world builder makes it
  // "<group.instance.id>-<k>" for instance k, so every instance has its own.
  std::string group_instance_id;
  // From the scenario.
  bool subscribe = true;  // `assignment: subscribe` (group membership) or `assign` (static).
  std::string group;
  std::uint32_t group_index = 0;
  std::string topic;
  std::vector<std::uint32_t> topic_partitions;  // Every partition of `topic`, in order.
  std::vector<std::uint32_t> partitions;        // `assign` only: this instance's, statically.
  Distribution processing;
  ClusterConfig const* cluster = nullptr;
  // `seek:`: `seek_at` after its start, between two polls, the application seeks every
  // partition it holds.
  SeekTo seek_to = SeekTo::none;
  DurationUs seek_at{};
  std::int64_t seek_value = 0;  // SeekTo::offset: the offset; SeekTo::timestamp: in ms.
  // Consume-transform-produce (`transform:`): every processed record is sent to the output
  // topic inside a transaction that also commits the consumed offsets (KIP-447).
  bool transform = false;
  std::vector<std::uint32_t> output_partitions;  // Global partition indices of the output.
  std::string output_topic;
  std::uint64_t output_base = 0;  // An output's id is output_base + its input's id.
  std::int64_t abort_every = 0;   // Every K-th transaction aborts (the app gives up).
  TxnClientConfig txn;
  std::string principal;  // With an authorizer: written on its ops (acl.hpp).
  std::string client_id;  // client.id; "" for the default (the instance's process name).
  DeadLetterConfig dead_letter;  // `dead_letter:`: the retry and dead-letter PATTERN.
  ClientFilterConfig filter;     // `filter:`: client-side filtering (a PATTERN).
  ConsumerDelayConfig delay;     // `delay:`: delay through paused consumption (a PATTERN).
};

/// The tag producer `p` puts on its message `id` (`tags:` not empty; pattern_filter.cpp).
inline std::string const& tag_of(ProducerConfig const& p, std::uint64_t id) {
  return p.tags[(id - p.first_id.value) % p.tags.size()];
}

/// Reads `broker_config` (cluster-wide keys); throws InputError on an unknown key (with the
/// nearest known one) or a bad value.
ClusterConfig parse_cluster_config(ConfigMap const& map, Version version, SourceMark const& where);
/// Reads a topic's `config:` (replication.factor, min.insync.replicas,
/// unclean.leader.election.enable) over the cluster's defaults; returns the replication factor.
std::int32_t parse_topic_config(ConfigMap const& map, std::string const& scope,
                                SourceMark const& where, ClusterConfig const& cluster,
                                PartitionInfo& defaults);
/// Reads a producer's `config:` with the version's defaults and KIP-679's idempotence rule.
ProducerConfig parse_producer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where, Version version);
/// Reads a consume-transform-produce consumer's `transform.config` (producer keys; the
/// transactional.id is required) into `c`, checking it against the consumer's own config.
void parse_transform_config(ConfigMap const& map, std::string const& scope, SourceMark const& where,
                            Version version, ConsumerConfig& c);
/// Reads a consumer's `config:` with the version's defaults (session.timeout.ms: KIP-735).
ConsumerConfig parse_consumer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where, Version version);

}  // namespace mqcheck::model::kafka
