// SPDX-License-Identifier: Apache-2.0
// File: checker/send_outcomes.hpp (layer: checker)
// The per-message table the delivery checker judges: each message's send attempts, paired
// into outcomes, and per consumer group the ops that processed it for sure (`ok`) or maybe
// (`info`). Built in one pass over the ops. Invariant: every container whose order can reach
// output is a std::map or an ascending vector, so verdicts never depend on hashing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/id_set.hpp"
#include "core/strong_id.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Returns the ids of `op`'s records, ascending.
std::vector<MessageId> sorted_ids(history::Op const& op);

/// A message's send outcome: `ok` if any attempt was acknowledged, else `info` if any
/// attempt's outcome is unknown (an `info` completion or an invoke never completed), else
/// `fail`. `none` when no producer ever tried to send it.
enum class SendOutcome : std::uint8_t { none, ok, info, fail };

/// One attempt to send a message: an invoke and its completion, paired per process.
struct SendAttempt {
  std::optional<std::uint64_t> invoke;              // Absent when a completion matched no invoke.
  std::optional<std::uint64_t> completion;          // Absent while the invoke is open.
  history::OpType outcome = history::OpType::info;  // ok, fail or info; open counts as info.
  std::string process;                              // The producer that made the attempt.
  std::string txn{};  // The transaction it was sent in (its completion's, else its invoke's).
};

/// How one consumer group processed one message.
struct GroupProcessing {
  std::vector<std::uint64_t> ok_ops;    // Ascending; once per record naming the message.
  std::vector<std::uint64_t> info_ops;  // Ascending: info completions, never-completed invokes.
  std::set<std::string> topics{};       // Topics of the records that named it in those ops.
};

/// Everything the history says about one message.
struct MessageFacts {
  std::string topic;                              // From its first send op; "" if never sent.
  std::string tag{};                              // The first non-empty tag a send gave it.
  std::vector<SendAttempt> sends;                 // In the order the attempts began.
  std::map<std::string, GroupProcessing> groups;  // Only groups with an ok or info process.

  /// Returns the send outcome defined on SendOutcome.
  SendOutcome outcome() const;
  /// Returns the first acknowledged attempt, or nullptr when none was.
  SendAttempt const* first_ok() const;
  /// Returns the indices of the `fail` completions, ascending.
  std::vector<std::uint64_t> failed_completions() const;
};

using MessageTable = std::map<MessageId, MessageFacts>;

/// Builds the table from the client ops of `history` (events are skipped), in one pass.
/// Pairing: a completion completes the earliest open invoke of the same process with the
/// same f and the same message ids (or an invoke naming no message, as docs/history-format.md
/// allows); a completion that matches none stands alone, and an
/// invoke never completed counts as `info`. Only `send` and `process` ops are read.
MessageTable build_message_table(history::History const& history);

/// Returns build_message_table(history) with transactions applied (checker/transactions.hpp),
/// as the delivery checker counts: each process op is kept as ok, lowered to info, or dropped
/// by counted_as_processed(op, build_txn_table(history), header().drained); an ok send in a
/// transaction that did not commit (aborted, open or unknown) becomes info, since its write
/// may never have become visible (Kafka KIP-98: aborted records are never delivered to
/// read_committed consumers). Groups left with no process op are removed.
MessageTable build_delivery_table(history::History const& history);

/// Returns the (group, message) pairs that group g exhausted and dead-lettered: at least
/// header().groups[g].dead_letter_after (> 0) ok nack ops of g name the message, and an op that
/// is neither an invoke nor a fail (an append event, a DLQ reader's op) names it in g's
/// dead_letter_topic. RocketMQ maxReconsumeTimes and %DLQ% topics; RabbitMQ dead-lettering.
std::set<std::pair<std::string, MessageId>> dead_lettered(history::History const& history);

/// dead_lettered() for a stream: feed every op in order, then take the pairs. Holds the nack
/// counts of groups that dead-letter and the arrivals in their dead-letter topics, per message
/// until forget() lets the message go (then only its id, in an interval set).
class DeadLetterTracker {
 public:
  explicit DeadLetterTracker(history::Header const& header);
  void observe(history::Op const& op);
  /// Lets message `id` go: its counts and arrivals are dropped, later ops naming it are
  /// ignored, and finish() never lists it. For a caller to whom its pairs can no longer matter:
  /// the delivery stream's settled message, which every reader group processed `ok`, so that
  /// excusing it (checker/delivery.cpp, excused) changes none of its verdicts.
  void forget(MessageId id);
  /// Returns dead_lettered()'s pairs, leaving out every forgotten message.
  [[nodiscard]] std::set<std::pair<std::string, MessageId>> finish() const;
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;

 private:
  history::Header const* header_;
  std::set<std::string, std::less<>> dead_letter_topics_;  // Of the groups that dead-letter.
  std::vector<std::string> nack_groups_;  // Groups with a dead-letter topic: counts kept.
  std::map<std::pair<std::string, MessageId>, std::int64_t> nacks_;  // Ok nacks by (group, id).
  std::set<std::pair<std::string, MessageId>> arrived_;  // (dead-letter topic, id).
  IdSet forgotten_;  // Dense ids: a few intervals however many messages went.
};

/// Returns, for every topic that is subscribed in the header or named by a send, the groups
/// that must process it: header().subscriptions[T] when T is listed, otherwise every group
/// with an ok or info process of a message sent to T that named it in T (a group that only
/// read it elsewhere, e.g. in a dead-letter topic, is not inferred). A topic may map to no
/// group.
std::map<std::string, std::set<std::string>> expected_groups(history::Header const& header,
                                                             MessageTable const& table);

}  // namespace mqcheck::checker
