// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_facts.hpp (layer: checker)
// What the ordering checker knows about each message: where the broker put it (topic,
// partition, offsets, or the real-time span of its acknowledged send), who sent it, and its
// key. Read from client ops only (never `event`s), so a history recorded from a real system,
// which has no events, is judged the same; `fail` ops report nothing, as they did not happen.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "checker/precedence_graph.hpp"
#include "checker/send_outcomes.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// A record's place in an op: the op's index and the record's position in its value.
struct OpPosition {
  std::uint64_t op = 0;
  std::size_t position = 0;
  auto operator<=>(OpPosition const&) const = default;
};

/// Where the history says one message went.
struct Placement {
  std::string topic;  // Of its first send; else of the first client op naming it.
  /// The partition of its first acknowledged send's record; else the first one any client op
  /// reports for it; absent when none does (a queue).
  std::optional<std::int32_t> partition;
  std::string key;     // The first non-empty key a send reports for it; "" = no key.
  std::string sender;  // The process of its first acknowledged send attempt, else of its first.
  /// Its lowest and highest offset in `partition` of `topic` over every client op that reports one
  /// (normally a single offset; two when a retried send stored it twice), leaving out the
  /// offsets an `ok` send reported that an acks=1 truncation took away (another message read
  /// there, or acknowledged there later: docs/anomalies.md, "Where the broker put a message").
  std::optional<Span> offsets;
  /// When acknowledged: [the earliest invoke of an attempt that may have written it (ok or
  /// info), its first ok completion]. lo is -1 when such an attempt has no invoke: then nothing
  /// is known to precede it in real time.
  std::optional<Span> acked;
  /// Its position in its producer's send order, when exactly one attempt may have written it,
  /// that attempt is acknowledged and has an invoke: the invoke and the record's position.
  std::optional<OpPosition> sent;
};

using Placements = std::map<MessageId, Placement>;

/// Returns the topics whose header().ordering promises an order (scope other than none).
std::map<std::string, history::OrderingScope> ordered_topics(history::Header const& header);

/// Places every message that `table` (built from the same history) or any client op names.
/// One pass over the ops after the table.
[[nodiscard]] Placements place_messages(history::History const& history, MessageTable const& table);

/// Returns the partition of `record`, or of its message when the record names none.
std::optional<std::int32_t> partition_of(history::Record const& record,
                                         Placements const& placements);

/// Returns the topic of `record`, or of its message when the record names none.
std::string const& topic_of(history::Record const& record, Placements const& placements);

/// Returns "topic orders, partition 0", or "topic orders" without a partition.
std::string place_name(std::string const& topic, std::optional<std::int32_t> partition);

/// Returns true for the client ops whose records say where messages sit: every type but
/// `fail` (a failed op did not happen) and `event`, every f but `assign` (whose records name
/// partitions, not messages).
bool reports_placement(history::Op const& op);

/// Whether `op` is a consumer's word on where its messages sit (a read, processing,
/// acknowledgement or commit): such a claim of an offset is never taken back by a truncation.
bool observed_by_consumer(history::Op const& op);

}  // namespace mqcheck::checker
