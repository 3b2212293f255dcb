// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_offsets.hpp (layer: checker)
// The log-position half of the ordering checker, after Jepsen's Kafka workload
// (jepsen/src/jepsen/tests/kafka.clj): `inconsistent-offsets` = two client ops say different
// messages sit at one (topic, partition, offset); `nonmonotonic-poll` = a consumer's next poll
// or delivery of a partition starts at or before where its last one ended; `poll-skip` = it
// starts past a known message. An `assign` by the consumer, its crash or restart, or its
// aborted transaction (a txn-abort completed, a txn-commit failed: the application seeks back
// to its committed offsets) resets its position. Only `ok` polls and deliveries move a
// position: an `info` one may not have happened. Every non-`fail` client op may report where
// a message sits.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checker/ordering_facts.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Returns the inconsistent-offsets, nonmonotonic-poll and poll-skip anomalies of the records
/// of `topics` in `history` (unsorted; sort_anomalies orders them). A message expired by the
/// broker (an `expire` event names it) or aborted (an `ok` txn-abort names it) may be skipped:
/// Kafka's read_committed consumers and retention both skip such offsets legitimately. A
/// read_committed group's consumer may also skip an offset first claimed by a send in a
/// transaction that did not commit (TxnStatus other than committed): aborted data. A group with
/// a tag filter may skip a message its filter rejects (feature::filter_accepts on the first tag
/// a send of it states): the broker or the client filtered it out. Offsets no op claims
/// (transaction markers, KIP-98 control records) are never a poll-skip.
[[nodiscard]] std::vector<Anomaly> check_offsets(
    history::History const& history, Placements const& placements,
    std::map<std::string, history::OrderingScope> const& topics);

/// The two consumer-read anomalies, worded once for check_offsets and the streaming pass
/// (checker/ordering_stream_skips.hpp), so that both reports match byte for byte.
struct ReadJump {
  std::string process;  // The consumer.
  std::string group;    // Its op's group.
  std::string topic;
  std::optional<std::int32_t> partition;
  std::int64_t before_offset = 0;  // Where its last read of the partition ended...
  std::uint64_t before_op = 0;     // ...and in which op.
  std::int64_t first = 0;          // Where this read starts...
  std::uint64_t op = 0;            // ...and its op.
};

/// One message said to sit at an offset, and the first op that said so.
struct OffsetClaim {
  MessageId id;
  std::uint64_t op = 0;
};

/// An inconsistent-offsets: `here` (two or more, in the order first claimed) all said to sit
/// at `offset` of the partition. Shared with the streaming pass (ordering_stream_skips.hpp).
[[nodiscard]] Anomaly inconsistent_offset(std::string const& topic,
                                          std::optional<std::int32_t> partition,
                                          std::int64_t offset,
                                          std::vector<OffsetClaim> const& here);

/// A nonmonotonic-poll: the read starting at `first_id` went back to an offset already read.
[[nodiscard]] Anomaly nonmonotonic_poll(ReadJump const& jump, MessageId first_id);

/// A poll-skip: the read jumped `skipped`, at `offset` according to op `claim_op`.
[[nodiscard]] Anomaly poll_skip(ReadJump const& jump, MessageId skipped, std::int64_t offset,
                                std::uint64_t claim_op);

/// Returns true when `op` makes a consumer start reading afresh (a crash, power loss or
/// restart, an assign, a seek back by an abort or a failed commit): the next poll need not
/// continue where the last one ended.
bool resets_position(history::Op const& op);

}  // namespace mqcheck::checker
