// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/config.cpp (layer: model)
// Parsing of Kafka's configuration keys. Keys ending in `.ms` take integer milliseconds, as
// in a Java .properties file, so a configuration can be copied from production unchanged.
#include "model/kafka/config.hpp"

#include <algorithm>
#include <limits>

#include "core/parse.hpp"
#include "model/common/config_reader.hpp"
#include "model/kafka/retention.hpp"

namespace mqcheck::model::kafka {
namespace {

DurationUs millis(ConfigReader& r, std::string_view key, DurationUs fallback) {
  return milliseconds(r.integer(key, fallback.us / 1'000, 0, config_ms_max));
}

Acks read_acks(ConfigReader& r, Acks fallback) {
  std::size_t const fallback_index = fallback == Acks::none ? 0 : fallback == Acks::leader ? 1 : 2;
  switch (r.choice("acks", fallback_index, {"0", "1", "all", "-1"})) {
    case 0:
      return Acks::none;
    case 1:
      return Acks::leader;
    default:
      return Acks::all;
  }
}

[[noreturn]] void config_error(ConfigMap const& map, std::string const& scope,
                               SourceMark const& where, std::string const& key,
                               std::string const& problem) {
  auto const it = map.find(key);
  throw InputError(it == map.end() ? where : it->second.mark, scope + "." + key, problem);
}

}  // namespace

std::string format_brokers(BrokerSet s) {
  std::string out = "[";
  for (std::int32_t b = 0; b < brokers_max; ++b) {
    if ((s & broker_bit(b)) == 0) continue;
    out += (out.size() > 1 ? "," : "") + std::to_string(b);
  }
  return out + "]";
}

Version parse_version(std::string const& text, SourceMark const& where) {
  if (text.empty()) return Version{};
  auto const dot = text.find('.');
  // MAJOR.MINOR, or MAJOR.MINOR.PATCH (patch releases change no modelled rule).
  auto const patch_dot = dot == std::string::npos ? dot : text.find('.', dot + 1);
  std::optional<std::int64_t> const major =
      dot == std::string::npos ? std::nullopt : parse_int(text.substr(0, dot));
  std::optional<std::int64_t> const minor =
      dot == std::string::npos ? std::nullopt
                               : parse_int(text.substr(dot + 1, patch_dot - dot - 1));
  bool const patch_ok =
      patch_dot == std::string::npos || parse_int(text.substr(patch_dot + 1)).has_value();
  if (!major || !minor || !patch_ok || *major < 0 || *minor < 0 || *major > 99 || *minor > 99) {
    throw InputError(where, "version",
                     "expected a Kafka release as MAJOR.MINOR such as '2.8', '3.7' or '4.0', "
                     "got '" +
                         text + "'");
  }
  Version const v{static_cast<int>(*major), static_cast<int>(*minor)};
  // 0.10 is modelled for its replication (truncation to the HW before KIP-101, leader_epochs);
  // 0.11 to 2.0 are not (their producer had no delivery.timeout.ms, KIP-91, 2.1).
  bool const old = v == Version{0, 10};
  if ((!old && !v.at_least(2, 1)) || v.at_least(5, 0)) {
    throw InputError(where, "version",
                     "the Kafka model covers 0.10 and releases 2.1 to 4.x (delivery.timeout.ms, "
                     "KIP-91, arrived in 2.1); got '" +
                         text + "'");
  }
  return v;
}

std::int32_t effective_min_isr(PartitionInfo const& partition, Version version) {
  auto const replicas = static_cast<std::int32_t>(partition.replicas.size());
  return version.at_least(3, 7) ? std::min(partition.min_insync, replicas) : partition.min_insync;
}

namespace {

// KIP-966 part 1, eligible leader replicas: in Kafka 4.0 behind the feature level
// eligible.leader.replicas.version=1 (off by default), on by default for new 4.1 clusters
// (https://kafka.apache.org/41/operations/eligible-leader-replicas). It is a feature level
// (kafka-storage format --feature / kafka-features.sh), not a server.properties key; a
// scenario sets it in broker_config under the feature's own name.
bool parse_elr_version(ConfigReader& r, ConfigMap const& map, SourceMark const& where,
                       Version version) {
  std::int64_t const level =
      r.integer("eligible.leader.replicas.version", version.at_least(4, 1) ? 1 : 0, 0, 1);
  if (level == 1 && !version.at_least(4, 0)) {
    config_error(map, "broker_config", where, "eligible.leader.replicas.version",
                 "eligible leader replicas (KIP-966) arrived in Kafka 4.0; this scenario's "
                 "version is older");
  }
  return level == 1;
}

// transaction.partition.verification.enable: KIP-890 part 1's switch, a broker key from 3.6.0
// with default true ("Notable changes in 3.6.0",
// https://kafka.apache.org/36/documentation.html#upgrade_360_notable; the broker config
// reference,
// https://kafka.apache.org/documentation/#brokerconfigs_transaction.partition.verification.enable).
// Before 3.6 Kafka has no such key: refused, as any unknown key is, with the release it
// arrived in (ignored, as unknown keys are, when it comes from a server.properties file).
// Kafka reads it per produce (a dynamic config); the model reads it once.
bool parse_txn_verification(ConfigReader& r, ConfigMap const& map, SourceMark const& where,
                            Version version) {
  char const* const key = "transaction.partition.verification.enable";
  if (version.at_least(3, 6)) return r.boolean(key, true);
  if (auto const it = map.find(key); it != map.end() && !it->second.lenient) {
    config_error(map, "broker_config", where, key,
                 "partition verification (KIP-890 part 1) arrived in Kafka 3.6; this "
                 "scenario's version is older");
  }
  return false;
}

// partitioner.class and the built-in partitioner's keys (partitioner.hpp has the rules).
// Classes: org.apache.kafka.clients.producer.internals.DefaultPartitioner (every release to
// 3.9; removed in 4.0, KAFKA-18262), ...UniformStickyPartitioner (2.4 to 3.9, KIP-480),
// ...RoundRobinPartitioner (2.4+, KIP-369); unset is the release's default. Any other class is
// user code, refused. partitioner.ignore.keys, partitioner.adaptive.partitioning.enable and
// partitioner.availability.timeout.ms arrived with KIP-794 in 3.3 (unknown keys before); a
// non-zero availability timeout (partitions left out for their latency) is not modelled.
// https://kafka.apache.org/documentation/#producerconfigs_partitioner.class
PartitionerConfig read_partitioner(ConfigReader& r, ConfigMap const& map, std::string const& scope,
                                   SourceMark const& where, Version version,
                                   std::int64_t batch_size) {
  char const* const key = "partitioner.class";
  std::string const prefix = "org.apache.kafka.clients.producer.";
  bool const kip480 = version.at_least(2, 4);
  bool const kip794 = version.at_least(3, 3);
  std::vector<std::string> classes = {"", prefix + "internals.DefaultPartitioner"};
  if (kip480) {
    classes.push_back(prefix + "UniformStickyPartitioner");
    classes.push_back(prefix + "RoundRobinPartitioner");
  }
  std::string const given = r.text(key);
  auto const at = std::find(classes.begin(), classes.end(), given);
  if (at == classes.end()) {
    std::string known;
    for (std::size_t i = 1; i < classes.size(); ++i) known += (i > 1 ? ", " : "") + classes[i];
    config_error(map, scope, where, key,
                 "only Kafka's own partitioners are modelled in this release: " + known);
  }
  auto const chosen = at - classes.begin();
  PartitionerConfig c;
  c.sticky_batch_size = std::max<std::int64_t>(1, batch_size);  // KafkaProducer: max(1, ...).
  c.kind = PartitionerKind::built_in;  // 3.3+ with partitioner.class unset.
  if (!kip794) c.kind = PartitionerKind::sticky;
  if (!kip480) c.kind = PartitionerKind::legacy_round_robin;
  if (chosen == 1 && kip480) c.kind = PartitionerKind::sticky;
  if (chosen == 2) c.kind = PartitionerKind::uniform_sticky;
  if (chosen == 3) c.kind = PartitionerKind::round_robin;
  if ((chosen == 1 || chosen == 2) && version.at_least(4, 0)) {
    config_error(map, scope, where, key,
                 "DefaultPartitioner and UniformStickyPartitioner were removed in Kafka 4.0 "
                 "(KAFKA-18262): leave partitioner.class unset, with partitioner.ignore.keys for "
                 "the uniform one");
  }
  c.double_call = c.kind == PartitionerKind::round_robin && !version.at_least(4, 0);
  if (kip794) {
    c.ignore_keys = r.boolean("partitioner.ignore.keys", false);
    c.adaptive = r.boolean("partitioner.adaptive.partitioning.enable", true);
    if (r.integer("partitioner.availability.timeout.ms", 0, 0,
                  std::numeric_limits<std::int64_t>::max()) != 0) {
      config_error(map, scope, where, "partitioner.availability.timeout.ms",
                   "leaving slow partitions out of the built-in partitioner's choice is not "
                   "modelled: only 0 (the default) is");
    }
  }
  return c;
}

}  // namespace

ClusterConfig parse_cluster_config(ConfigMap const& map, Version version, SourceMark const& where) {
  ConfigReader r(map, "broker_config", where);
  ClusterConfig c;
  c.version = version;
  c.default_replication_factor =
      static_cast<std::int32_t>(r.integer("default.replication.factor", 1, 1, brokers_max));
  c.min_insync = static_cast<std::int32_t>(r.integer("min.insync.replicas", 1, 1, brokers_max));
  // Default true before 0.11, false since (KIP-106;
  // https://kafka.apache.org/0110/documentation.html#upgrade_1100_notable).
  c.unclean_election = r.boolean("unclean.leader.election.enable", !version.at_least(0, 11));
  // replica.high.watermark.checkpoint.interval.ms, default 5000 in every release
  // (https://kafka.apache.org/0102/documentation.html#brokerconfigs); the model uses it before
  // 0.11 only, where a restarted follower truncates to the HW it checkpointed.
  c.hw_checkpoint_interval =
      millis(r, "replica.high.watermark.checkpoint.interval.ms", seconds(5));
  c.replica_lag_max = millis(r, "replica.lag.time.max.ms", seconds(30));
  c.replica_fetch_wait_max = millis(r, "replica.fetch.wait.max.ms", milliseconds(500));
  c.flush_interval_messages =
      r.integer("log.flush.interval.messages", std::numeric_limits<std::int64_t>::max(), 1,
                std::numeric_limits<std::int64_t>::max());
  c.flush_interval_ms = r.integer("log.flush.interval.ms", std::numeric_limits<std::int64_t>::max(),
                                  1, std::numeric_limits<std::int64_t>::max());
  c.heartbeat_interval = millis(r, "broker.heartbeat.interval.ms", seconds(2));
  c.session_timeout = millis(r, "broker.session.timeout.ms", seconds(9));
  c.eligible_leader_replicas = parse_elr_version(r, map, where, version);
  c.txn_verification = parse_txn_verification(r, map, where, version);
  read_broker_retention(r, map, where, c);
  read_authorizer(r, map, where, version, c.authorizer);  // acl.cpp
  read_quota_window(r, c.quotas);                         // quota_config.cpp
  r.reject_unknown();
  if (c.replica_lag_max.us <= 0 || c.replica_fetch_wait_max.us <= 0 ||
      c.heartbeat_interval.us <= 0 || c.session_timeout < c.heartbeat_interval) {
    throw InputError(where, "broker_config",
                     "replica.lag.time.max.ms, replica.fetch.wait.max.ms and "
                     "broker.heartbeat.interval.ms must be positive, and "
                     "broker.session.timeout.ms at least the heartbeat interval");
  }
  return c;
}

std::int32_t parse_topic_config(ConfigMap const& map, std::string const& scope,
                                SourceMark const& where, ClusterConfig const& cluster,
                                PartitionInfo& defaults) {
  ConfigReader r(map, scope, where);
  auto const rf = static_cast<std::int32_t>(
      r.integer("replication.factor", cluster.default_replication_factor, 1, brokers_max));
  defaults.min_insync = static_cast<std::int32_t>(
      r.integer("min.insync.replicas", cluster.min_insync, 1, brokers_max));
  defaults.unclean_election = r.boolean("unclean.leader.election.enable", cluster.unclean_election);
  read_topic_retention(r, map, scope, where, cluster, defaults);
  r.reject_unknown();
  if (rf > cluster.brokers) {
    config_error(map, scope, where, "replication.factor",
                 "replication factor " + std::to_string(rf) + " is larger than the " +
                     std::to_string(cluster.brokers) + " brokers of cluster.brokers");
  }
  return rf;
}

// KIP-679 (https://cwiki.apache.org/confluence/display/KAFKA/KIP-679): from 3.0 the producer
// defaults to acks=all and enable.idempotence=true (upgrade notes,
// https://kafka.apache.org/30/getting-started/upgrade). Idempotence needs acks=all, retries > 0
// and max.in.flight.requests.per.connection <= 5. When enable.idempotence was left to its
// default, a conflicting setting turns idempotence off silently; when it was set to true
// explicitly, the conflict is a ConfigException (ProducerConfig.postProcessAndValidate-
// IdempotenceConfigs). Before 3.0 the defaults were acks=1 and no idempotence.
ProducerConfig parse_producer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where, Version version) {
  ConfigReader r(map, scope, where);
  bool const modern = version.at_least(3, 0);
  ProducerConfig c;
  c.acks = read_acks(r, modern ? Acks::all : Acks::leader);
  // retries: 0 before 2.1, Integer.MAX_VALUE since (KIP-91;
  // https://kafka.apache.org/0102/documentation.html#producerconfigs: retries, default 0).
  bool const kip91 = version.at_least(2, 1);
  c.retries = r.integer("retries", kip91 ? std::numeric_limits<std::int32_t>::max() : 0, 0,
                        std::numeric_limits<std::int32_t>::max());
  c.request_timeout = millis(r, "request.timeout.ms", seconds(30));
  // 0.10 has no delivery.timeout.ms (an unknown key there); the model keeps its 120 s bound.
  if (kip91) c.delivery_timeout = millis(r, "delivery.timeout.ms", seconds(120));
  c.retry_backoff = millis(r, "retry.backoff.ms", milliseconds(100));
  c.metadata_max_age = millis(r, "metadata.max.age.ms", seconds(300));
  c.max_in_flight = r.integer("max.in.flight.requests.per.connection", 5, 1, 1'000);
  // Batching (https://kafka.apache.org/documentation/#producerconfigs_linger.ms): linger.ms
  // defaults to 5 from 4.0 (KIP-1030), 0 before; batch.size 16384 (0 disables batching:
  // every record is a batch of its own); max.request.size 1048576.
  c.linger = millis(r, "linger.ms", milliseconds(version.at_least(4, 0) ? 5 : 0));
  c.batch_size = r.integer("batch.size", 16'384, 0, std::numeric_limits<std::int32_t>::max());
  c.max_request_size =
      r.integer("max.request.size", 1'048'576, 1, std::numeric_limits<std::int32_t>::max());
  c.partitioner = read_partitioner(r, map, scope, where, version, c.batch_size);
  // client.id: only client quotas read it here (KIP-55 entities; quota_config.hpp).
  c.client_id = r.text("client.id");
  bool const explicit_idempotence = map.contains("enable.idempotence");
  // enable.idempotence and transactions arrived in 0.11 (KIP-98): unknown keys on 0.10.
  if (leader_epochs(version)) {
    c.idempotence = r.boolean("enable.idempotence", modern);
    if (auto const it = map.find("transactional.id"); it != map.end()) {
      c.transactional_id = it->second.text;
      r.choice("transactional.id", 0, {c.transactional_id});  // Declares the key.
    }
    c.transaction_timeout_ms = r.integer("transaction.timeout.ms", 60'000, 1, 900'000);
  } else {
    c.idempotence = false;
    for (char const* key : {"enable.idempotence", "transactional.id", "transaction.timeout.ms"}) {
      if (map.contains(key)) {
        config_error(map, scope, where, key,
                     "idempotence and transactions arrived in Kafka 0.11 (KIP-98); not in '" +
                         std::to_string(version.major) + "." + std::to_string(version.minor) +
                         "'");
      }
    }
  }
  r.reject_unknown();
  // KIP-98: a transactional producer is idempotent. Setting transactional.id with
  // enable.idempotence=false is a ConfigException ("Cannot set a transactional.id without
  // also enabling idempotence", ProducerConfig.postProcessAndValidateIdempotenceConfigs); left
  // at its default, idempotence is on for a transactional producer even before 3.0.
  if (!c.transactional_id.empty()) {
    if (explicit_idempotence && !c.idempotence) {
      config_error(map, scope, where, "enable.idempotence",
                   "a transactional.id needs idempotence: Kafka raises a ConfigException for "
                   "transactional.id with enable.idempotence=false");
    }
    if (!explicit_idempotence) c.idempotence = true;
  }
  // Before 3.0, idempotence asked for explicitly (or implied by transactional.id) with acks
  // left unset overrides acks to all (ProducerConfig.maybeOverrideAcksAndRetries in 2.x).
  bool const requested = (explicit_idempotence && c.idempotence) || !c.transactional_id.empty();
  if (requested && !map.contains("acks")) c.acks = Acks::all;
  std::string conflict;
  if (c.acks != Acks::all) conflict = "acks";
  if (c.retries == 0) conflict = "retries";
  if (c.max_in_flight > 5) conflict = "max.in.flight.requests.per.connection";
  if (c.idempotence && !conflict.empty()) {
    if (explicit_idempotence || !c.transactional_id.empty()) {
      config_error(map, scope, where, conflict,
                   "conflicts with enable.idempotence=true (which needs acks=all, retries > 0 and "
                   "max.in.flight.requests.per.connection <= 5): Kafka raises a ConfigException");
    }
    c.idempotence = false;  // Default idempotence yields silently to the explicit setting.
  }
  // KIP-91 (KafkaProducer.configureDeliveryTimeout): delivery.timeout.ms must be at least
  // linger.ms + request.timeout.ms; set explicitly below that it is a ConfigException, left at
  // its default it is raised to the sum (with a warning).
  if (c.delivery_timeout < c.linger + c.request_timeout) {
    if (map.contains("delivery.timeout.ms")) {
      config_error(map, scope, where, "delivery.timeout.ms",
                   "must be at least linger.ms + request.timeout.ms (Kafka raises a "
                   "ConfigException; KIP-91)");
    }
    c.delivery_timeout = c.linger + c.request_timeout;
  }
  return c;
}

// Group membership keys (https://kafka.apache.org/documentation/#consumerconfigs):
// session.timeout.ms defaults to 45000 from 3.0 (KIP-735), 10000 before; heartbeat.interval.ms
// 3000; max.poll.interval.ms 300000 (KIP-62). partition.assignment.strategy: 2.x defaults to
// RangeAssignor, 3.x and 4.x to [RangeAssignor, CooperativeStickyAssignor], where range is the
// one in effect until every member is upgraded; only the eager range and round-robin assignors
// are modelled. heartbeat.interval.ms must be lower than session.timeout.ms (ConsumerConfig's
// documentation; the client rejects it as an IllegalArgumentException in GroupRebalanceConfig).
namespace {
void parse_group_keys(ConfigReader& r, ConfigMap const& map, std::string const& scope,
                      SourceMark const& where, Version version, ConsumerConfig& c) {
  c.session_timeout = millis(r, "session.timeout.ms", seconds(version.at_least(3, 0) ? 45 : 10));
  c.heartbeat_interval = millis(r, "heartbeat.interval.ms", seconds(3));
  c.max_poll_interval = millis(r, "max.poll.interval.ms", seconds(300));
  c.assignor =
      static_cast<Assignor>(r.choice("partition.assignment.strategy", 0,
                                     {"org.apache.kafka.clients.consumer.RangeAssignor",
                                      "org.apache.kafka.clients.consumer.RoundRobinAssignor"}));
  // group.instance.id arrived in 2.3 (KIP-345,
  // https://cwiki.apache.org/confluence/display/KAFKA/KIP-345%3A+Introduce+static+membership+protocol+to+reduce+consumer+rebalances):
  // refused before it.
  if (version.at_least(2, 3)) {
    auto const it = map.find("group.instance.id");
    if (it != map.end()) c.group_instance_id = it->second.text;
    r.choice("group.instance.id", 0, {c.group_instance_id});  // Declares it (for suggestions).
    // JoinGroupRequest.validateGroupInstanceId: an empty id is invalid.
    if (it != map.end() && c.group_instance_id.empty()) {
      config_error(map, scope, where, "group.instance.id", "must not be empty");
    }
  } else if (map.contains("group.instance.id")) {
    config_error(map, scope, where, "group.instance.id",
                 "static membership arrived in Kafka 2.3 (KIP-345)");
  }
  if (c.heartbeat_interval.us <= 0 || c.heartbeat_interval >= c.session_timeout ||
      c.max_poll_interval.us <= 0) {
    throw InputError(where, scope + ".heartbeat.interval.ms",
                     "heartbeat.interval.ms must be positive and lower than session.timeout.ms, "
                     "and max.poll.interval.ms positive");
  }
}
}  // namespace

ConsumerConfig parse_consumer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where, Version version) {
  ConfigReader r(map, scope, where);
  ConsumerConfig c;
  c.auto_commit = r.boolean("enable.auto.commit", true);
  c.auto_commit_interval = millis(r, "auto.commit.interval.ms", seconds(5));
  c.reset =
      static_cast<OffsetReset>(r.choice("auto.offset.reset", 1, {"earliest", "latest", "none"}));
  c.max_poll_records = r.integer("max.poll.records", 500, 1, 1'000'000);
  c.fetch_max_wait = millis(r, "fetch.max.wait.ms", milliseconds(500));
  c.request_timeout = millis(r, "request.timeout.ms", seconds(30));
  c.metadata_max_age = millis(r, "metadata.max.age.ms", seconds(300));
  // KIP-98: read_uncommitted (the default) reads to the HW, aborted records included;
  // read_committed reads to the LSO and drops aborted transactions
  // (https://kafka.apache.org/documentation/#consumerconfigs_isolation.level).
  c.read_committed = r.choice("isolation.level", 0, {"read_uncommitted", "read_committed"}) == 1;
  // client.id: only client quotas read it here; every instance of the entry shares it, as
  // consumers configured with one client.id do (quota_config.hpp).
  c.client_id = r.text("client.id");
  parse_group_keys(r, map, scope, where, version, c);
  r.reject_unknown();
  if (c.auto_commit_interval.us <= 0 || c.fetch_max_wait.us <= 0 || c.request_timeout.us <= 0) {
    throw InputError(where, scope,
                     "auto.commit.interval.ms, fetch.max.wait.ms and request.timeout.ms must be "
                     "positive");
  }
  return c;
}

// The transform's producer: its keys are a producer's, and its transactional.id is required
// (consume-transform-produce commits the input offsets with the output, KIP-447). Offsets
// committed outside the transaction would break exactly-once, so enable.auto.commit must be
// false and no `commit:` mode may be set.
void parse_transform_config(ConfigMap const& map, std::string const& scope, SourceMark const& where,
                            Version version, ConsumerConfig& c) {
  ProducerConfig const p = parse_producer_config(map, scope, where, version);
  if (p.transactional_id.empty()) {
    throw InputError(where, scope + ".transactional.id",
                     "a transform sends its output in transactions: set transactional.id");
  }
  if (c.auto_commit || c.commit != CommitMode::none) {
    throw InputError(where, scope,
                     "a transform commits its offsets with sendOffsetsToTransaction: set "
                     "enable.auto.commit: false in the consumer's config and no `commit:` mode");
  }
  c.transform = true;
  c.txn.name = p.transactional_id;
  c.txn.timeout_ms = p.transaction_timeout_ms;
  c.txn.request_timeout = p.request_timeout;
  c.txn.retry_backoff = p.retry_backoff;
  // The transform's producer expires its records as any KafkaProducer does (KIP-91; Sender.
  // failBatch on an expired batch makes the transaction abortable), so its commit fails and
  // the application rewinds (consumer_transform.cpp).
  c.txn.delivery_timeout = p.delivery_timeout;
}

}  // namespace mqcheck::model::kafka
