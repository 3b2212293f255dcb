// SPDX-License-Identifier: Apache-2.0
// File: history/history.hpp (layer: history)
// An append-only list of ops plus the header that says how to read them. It is all that a
// checker or renderer ever sees: the contract between the simulator and everything after it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "history/op.hpp"

namespace mqcheck::history {

inline constexpr int format_version = 1;

/// What the configuration says about one consumer group.
struct GroupSpec {
  enum class Mode : std::uint8_t { clustering, broadcast };
  enum class Isolation : std::uint8_t { read_uncommitted, read_committed };
  /// Who holds a delayed message back: the broker (RocketMQ delay levels, RabbitMQ's delayed
  /// exchange: a poll before the due time is early) or the group's own consumers (Kafka's
  /// paused-consumption pattern: a poll may fetch the record before it pauses and seeks back,
  /// so only processing before the due time is early).
  enum class DelayBy : std::uint8_t { broker, consumer };
  Mode mode = Mode::clustering;    // broadcast: every instance must process every message.
  Isolation isolation = Isolation::read_uncommitted;
  std::vector<std::string> filter; // Tags the group subscribes to; empty = every message.
  std::string tenant;              // The group's tenant (vhost); "" = not stated.
  std::string dead_letter_topic;   // Where exhausted messages must land; "" = no dead letters.
  std::int64_t dead_letter_after = 0;  // Failed attempts (nacks) that exhaust a message.
  DelayBy delay = DelayBy::broker;
  bool operator==(GroupSpec const&) const = default;
};

/// What a principal may do.
struct Acl {
  std::vector<std::string> produce;  // Topics it may send to.
  std::vector<std::string> consume;  // Topics it may read.
  bool operator==(Acl const&) const = default;
};

/// The order a topic promises: per partition (Kafka, RocketMQ message queues), per queue,
/// per message key, per producer session; `none` promises nothing.
enum class OrderingScope : std::uint8_t { none, partition, queue, key, producer };

/// The first line of a history file.
struct Header {
  int format = format_version;
  std::string time_unit = "us";     // Only "us" in format 1.
  std::string scenario;             // The scenario's name, when a scenario produced it.
  std::optional<std::uint64_t> seed;
  /// The run ended with a final drain: an acknowledged message never processed is lost, not
  /// merely unseen.
  bool drained = false;
  /// Which consumer groups must receive each topic: "every message sent to topic T must be
  /// processed by each group in subscriptions[T]". When a topic is absent, the groups that
  /// processed any message of T are taken.
  std::map<std::string, std::vector<std::string>> subscriptions;
  std::map<std::string, GroupSpec> groups;          // By group name.
  std::map<std::string, OrderingScope> ordering;    // By topic; absent = no order promised.
  std::map<std::string, Acl> acls;                  // By principal; empty = not checked.
  /// Guarantees the configuration promises ("at-least-once", "ordering", ...). A violated
  /// promise is a failure; a guarantee not promised is reported, but only as information.
  /// Empty = every guarantee is judged as if promised.
  std::vector<std::string> promises;
  /// Anomaly kinds the configuration legally permits, each with the reason ("poll-skip":
  /// "subscribe: a rebalance may move a partition"). They are listed, never counted as
  /// violations.
  std::map<std::string, std::string> allowed;
  bool operator==(Header const&) const = default;
};

class History {
 public:
  History() = default;
  explicit History(Header header) : header_(std::move(header)) {}

  /// Appends `op`, assigning its index; returns that index. Times must not go backwards.
  std::uint64_t append(Op&& op);
  std::uint64_t append(Op const& op) { return append(Op(op)); }

  Header const& header() const { return header_; }
  Header& header() { return header_; }
  std::span<Op const> ops() const { return ops_; }
  std::size_t size() const { return ops_.size(); }
  bool operator==(History const&) const = default;

 private:
  Header header_;
  std::vector<Op> ops_;
};

}  // namespace mqcheck::history
