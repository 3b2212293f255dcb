// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_broadcast.hpp (layer: checker, internal to the feature checkers)
// Broadcast (checker/features.hpp, check_broadcast) judged in one pass, beside the other
// feature judges of the feature stream (checker/feature_stream.hpp). A message is judged when
// the delivery stream settles it, or at the end: for every broadcast group that reads its
// topic, each instance known by then processed it, maybe processed it, or missed it (a miss's
// witness names the instance's last op, so misses are written up at the end). The state is
// each message's send facts and broadcast processings while it is held, the groups' instances
// and topics, each instance's last op, and the misses (which grow with anomalies only).
//
// The judgement equals check_broadcast's when doubt() is false at the end. It turns true when
// a judged-and-let-go message could have been judged differently: a broadcast group gains an
// instance, or a topic, after a message of a topic it reads (or then reads) was let go. A
// later op that names a let-go message is the feature stream's doubt (it forgets the same
// messages).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::feature {

/// The first acknowledged send attempt of a message (checker/send_outcomes.hpp, first_ok).
struct BroadcastAck {
  std::string process;                  // The producer.
  std::optional<std::uint64_t> invoke;  // Its invoke, when one was paired.
  std::uint64_t completion = 0;         // Its ok completion.
};

/// (instance, message) pairs that leave the broadcast verdict unknown.
struct BroadcastTally {
  std::size_t unseen = 0;     // Missing pairs without a drain.
  std::size_t uncertain = 0;  // Pairs with only an info process.
};

/// Returns the `broadcast-miss` of message `id` by `instance` (whose last op is `last`) of
/// broadcast group `group`, acknowledged by `ack`.
Anomaly broadcast_miss(std::string const& group, std::string const& instance, std::uint64_t last,
                       MessageId id, BroadcastAck const& ack);

/// Returns the broadcast verdict: the doubts of `tally` added to `findings`, then conclude().
Verdict conclude_broadcast(Findings findings, BroadcastTally const& tally);

class BroadcastStream {
 public:
  /// `header` must outlive the stream.
  explicit BroadcastStream(history::Header const& header);

  /// Returns true when a header group is in broadcast mode (the property is exercised).
  bool exercised() const { return !groups_.empty(); }
  /// Takes every op of the history, in order, before that op's consumptions.
  void on_op(history::Op const& op);
  /// Takes one consumption (feature_common.hpp): record `record` of consumer op `op`.
  void on_consumption(history::Op const& op, std::size_t record, bool certain);
  /// Judges message `id` now and lets it go (the delivery stream settled it).
  void settle(MessageId id);
  /// Returns true once a judgement already made could differ from check_broadcast's.
  bool doubt() const { return doubt_; }
  /// Judges the messages still held and returns the verdict. Call once, after the last op.
  [[nodiscard]] Verdict finish();
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;

 private:
  struct Processing {
    std::string group;
    std::string instance;
    bool certain = false;
  };
  struct Held {
    bool sent = false;  // A send op named it; then `topic` is the first one's record topic.
    std::string topic;
    std::string tag;  // The first non-empty tag a send op gave it.
    std::optional<BroadcastAck> ack;
    std::vector<Processing> processed;  // By broadcast groups.
  };
  struct Group {
    history::GroupSpec const* spec = nullptr;
    std::set<std::string> instances;  // Processes with a client op of the group.
    std::set<std::string> topics;     // Subscribed, or of a message it processed.
  };
  struct OpenSend {
    std::uint64_t index = 0;
    std::vector<MessageId> ids;  // Sorted.
  };
  struct Miss {
    std::string group;
    std::string instance;
    MessageId id;
    BroadcastAck ack;
  };

  void on_send(history::Op const& op);
  std::optional<std::uint64_t> take_send_invoke(history::Op const& op);
  void note_instance(Group& group, std::string const& process, std::uint64_t index);
  void note_topic(Group& group, std::string const& topic);
  void judge(MessageId id, Held const& held);

  history::Header const& header_;
  std::map<std::string, Group> groups_;  // Broadcast groups, by name: judged in this order.
  std::map<std::string, std::uint64_t> last_op_;       // Instance -> its last op so far.
  std::map<std::string, std::vector<OpenSend>> open_;  // Send invokes, by process.
  std::unordered_map<std::uint64_t, Held> held_;       // lookup only: order never reaches output.
  std::set<std::string> let_go_topics_;  // Topics of acknowledged messages judged and let go.
  std::vector<Miss> misses_;             // In the order found.
  BroadcastTally tally_;
  std::size_t judged_ = 0;
  bool doubt_ = false;
};

}  // namespace mqcheck::checker::feature
