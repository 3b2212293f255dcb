// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario.hpp (layer: sim)
// A scenario as data: what the user wrote in YAML, validated and typed, with every value's
// source position kept so that later stages (a broker's config parser, the world builder)
// can still report file, line and key. docs/scenario-format.md documents the file format.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/config_map.hpp"
#include "core/distribution.hpp"
#include "core/input_error.hpp"
#include "core/ratio.hpp"
#include "core/time.hpp"

namespace mqcheck::sim {

enum class BrokerKind : std::uint8_t { reference, kafka, rabbitmq, rocketmq };

struct TopicSpec {               // A Kafka/RocketMQ topic or a RabbitMQ queue.
  std::string name;
  std::int32_t partitions = 1;   // Kafka partitions, RocketMQ message queues; 1 for queues.
  ConfigMap config;              // Topic- or queue-level keys, as written.
  SourceMark mark;
  bool is_queue = false;         // Declared under `queues:` rather than `topics:`.
};

struct ProducerSpec {
  std::string id;                // Process name in the history, unique among all nodes.
  std::string topic;             // Must name a TopicSpec.
  std::int64_t messages = 0;     // How many messages it sends, >= 0.
  Distribution interval;         // Time between two sends (from `rate_per_s` or `interval`).
  DurationUs start{};            // When the first send happens.
  std::int32_t keys = 0;         // 0: no keys; otherwise message i has key i mod keys.
  ConfigMap config;              // Client keys (`acks`, `retries`, ...), as written.
  SourceMark mark;
  // `transaction:` (Kafka transactional producers): records per transaction, and every
  // abort_every-th transaction aborts (0: none). txn_messages 0: the key is absent.
  std::int64_t txn_messages = 0;
  std::int64_t abort_every = 0;
  SourceMark txn_mark;
  std::string principal;  // Kafka `principal:` ("User:alice"): who it authenticates as.
  bool resend_unacknowledged = false;  // Kafka: a restarted application resends (producer.cpp).
  SourceMark resend_mark;
  std::vector<std::string> tags;  // Kafka `tags:`: message i carries tags[i mod n] (a header).
  SourceMark tags_mark;
};

/// `transform:` of a consumer: consume-transform-produce into `output` in transactions.
struct TransformSpec {
  std::string output;            // Must name a TopicSpec.
  std::int64_t abort_every = 0;  // Every K-th transaction aborts (0: none).
  ConfigMap config;              // Producer keys; transactional.id required.
  SourceMark mark;
};

/// `dead_letter:` of a Kafka consumer: the retry and dead-letter PATTERN (application code;
/// model/kafka/consumer_dead_letter.cpp). Records whose id is divisible by `poison_every`
/// always fail; after `after` attempts each is published to `topic`, waiting for the
/// acknowledgement (`publish` "sync") or not ("async").
/// `filter:` of a Kafka consumer: client-side filtering (a PATTERN). The application keeps
/// the records whose tag is in `tags`, dropping the rest in a ConsumerInterceptor (`in`
/// "interceptor") or in its listener after poll() ("listener").
struct FilterSpec {
  std::vector<std::string> tags;
  std::string in = "listener";
  SourceMark mark;
};

/// `delay:` of a Kafka consumer: delay through paused consumption (a PATTERN;
/// model/kafka/consumer_delay.cpp). A record is due `ms` after its timestamp; the consumer
/// waits for it by pausing the partition (`wait` "pause") or by sleeping ("sleep").
struct DelaySpec {
  std::int64_t ms = 0;
  std::string wait = "pause";
  SourceMark mark;
};

/// Which records a pattern's listener fails on: ids divisible by `poison_every` always,
/// ids divisible by `flaky_every` on their first `flaky_failures` attempts (0: none).
struct FailureSpec {
  std::int64_t poison_every = 0;
  std::int64_t flaky_every = 0;
  std::int64_t flaky_failures = 0;
};

struct DeadLetterSpec {
  std::string topic;  // Must name a TopicSpec.
  std::int64_t after = 0;
  FailureSpec failures;
  std::string publish = "sync";
  ConfigMap config;  // The dead-letter producer's keys.
  SourceMark mark;
};

/// `retry_topics:` of a Kafka consumer: non-blocking retries through retry topics, a PATTERN
/// (Spring Kafka's @RetryableTopic; model/kafka/consumer_dead_letter.cpp). A record whose
/// processing fails is forwarded to `retries[0].topic`, read back by that topic's consumers
/// once `retries[0].delay` has passed, and so on; after the last it goes to `dlt`.
struct RetryTopicSpec {
  std::string topic;   // Must name a TopicSpec.
  DurationUs delay{};  // Whole milliseconds.
  SourceMark mark;
};
struct RetryTopicsSpec {
  std::vector<RetryTopicSpec> retries;
  std::string dlt;  // Must name a TopicSpec.
  FailureSpec failures;
  std::string publish = "sync";
  ConfigMap config;  // The forwarding producer's keys.
  SourceMark mark;
};

/// `seek:` of a Kafka consumer: `at` after its start, between two polls, the application
/// seeks every partition it holds: to `offset`, to the offset offsetsForTimes gives for
/// `timestamp` (simulated time since the run began, whole ms), or `to` the beginning or end.
struct SeekSpec {
  DurationUs at{};
  std::string to;  // "offset", "timestamp", "beginning" or "end".
  std::int64_t offset = 0;
  DurationUs timestamp{};
  SourceMark mark;
};

struct ConsumerSpec {
  std::string group;             // Consumer group, or the queue's consumers.
  std::string topic;             // Must name a TopicSpec.
  std::int32_t instances = 1;    // Processes named "<group>-0", "<group>-1", ...
  Distribution processing;       // How long the application takes per message.
  ConfigMap config;              // Client keys (`enable.auto.commit`, `ack`, ...), as written.
  std::string commit;            // The application's commitSync: "", "after-processing",
                                 // "before-processing" (Kafka consumers only).
  std::string assignment;        // Kafka: "" or "subscribe" (group rebalances), or "assign"
                                 // (static partitions, KafkaConsumer.assign).
  SourceMark mark;
  std::optional<TransformSpec> transform;  // Kafka consumers only.
  std::optional<SeekSpec> seek;            // Kafka consumers only.
  std::optional<DeadLetterSpec> dead_letter;  // Kafka consumers only (a PATTERN).
  std::optional<RetryTopicsSpec> retry_topics;  // Kafka consumers only (a PATTERN).
  std::optional<FilterSpec> filter;           // Kafka consumers only (a PATTERN).
  std::optional<DelaySpec> delay;             // Kafka consumers only (a PATTERN).
  std::string principal;                   // Kafka `principal:` ("User:bob").
};

/// One entry of `acls:` (Kafka ACL bindings): its keys as written; the Kafka model reads them.
struct AclSpec {
  ConfigMap entry;
  SourceMark mark;
};

struct LinkSpec {                // Overrides the default network for messages from -> to.
  std::string from;              // A node name, or "*" for any.
  std::string to;
  std::optional<Distribution> latency;
  std::optional<Ratio> drop, duplicate, reorder;
  SourceMark mark;
};

struct NetworkSpec {
  Distribution latency = Distribution::constant(microseconds(100));
  Ratio drop{0, 1};              // Chance a message is lost.
  Ratio duplicate{0, 1};         // Chance a message arrives twice.
  Ratio reorder{0, 1};           // Chance a message leaves its link's FIFO order.
  std::vector<LinkSpec> links;
};

// Timed faults. A target is a node name, or a selector the world builder resolves
// ("all", "brokers", "producers", "consumers").
struct Crash { std::string target; };
struct PowerLoss { std::string target; };      // Crash plus loss of unsynced writes.
struct Restart { std::string target; };
struct Pause { std::string target; };
struct Resume { std::string target; };
struct Partition {                              // Nodes in different groups cannot talk.
  std::vector<std::vector<std::string>> groups; // A node in no group is in a group of its own.
  bool one_way = false;                         // Only messages from groups[0] to the rest drop.
};
struct Heal {};

using FaultKind = std::variant<Crash, PowerLoss, Restart, Pause, Resume, Partition, Heal>;

struct TimedFault {
  DurationUs at{};
  FaultKind what;
  std::optional<DurationUs> duration;  // `for:`: undo after this long (restart, resume, heal).
  SourceMark mark;
};

struct RandomFault {                    // Strikes as a Poisson process until quiesce.
  enum class Kind : std::uint8_t { crash, power_loss, pause };
  Kind kind = Kind::crash;
  std::vector<std::string> targets;     // Each strike picks one uniformly.
  Distribution interval;                // Time between strikes (from `rate_per_s`).
  DurationUs downtime{};                // Restart or resume after this long.
  SourceMark mark;
};

/// The verdict a scenario expects for a guarantee: `expect: {at-least-once: invalid}`.
struct Expectation {
  std::string guarantee;                // "at-most-once", "at-least-once", "exactly-once".
  std::string verdict;                  // "valid", "invalid", "unknown".
  SourceMark mark;
};

struct Scenario {
  std::string file;                     // Path as given; used in messages.
  std::string name;
  std::string description;
  BrokerKind broker = BrokerKind::reference;
  std::string version;                  // Broker version where defaults differ; "" = latest.
  std::uint64_t seed = 1;               // Default seed; `--seed` overrides.
  std::int32_t brokers = 1;             // cluster.brokers
  ConfigMap broker_config;              // The broker's own keys, as written.
  std::vector<TopicSpec> topics;
  std::vector<AclSpec> acls;            // Kafka only: ACL bindings for the authorizer.
  std::vector<AclSpec> quotas;          // Kafka only: client quotas (keys as written; quota.cpp).
  std::vector<ProducerSpec> producers;
  std::vector<ConsumerSpec> consumers;
  NetworkSpec network;
  std::vector<TimedFault> faults;
  std::vector<RandomFault> fault_rates;
  DurationUs quiesce{};                 // No fault strikes after this; crashed nodes restart.
  DurationUs drain = seconds(10);       // After quiesce, the run ends when idle or after this.
  std::vector<Expectation> expect;
};

/// Returns the guarantee names an `expect:` block may use (checker::all_guarantee_names(),
/// which sim/ cannot include; a test keeps the two equal).
std::vector<std::string_view> expectable_guarantees();

/// Loads and validates the scenario at `path`. Throws InputError (file, line, column, key,
/// nearest valid key) on any problem; never returns a half-filled scenario.
Scenario load_scenario(std::string const& path);
/// Parses scenario text; `file` is used in error messages only.
Scenario parse_scenario(std::string const& text, std::string const& file);

}  // namespace mqcheck::sim
