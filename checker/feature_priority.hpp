// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_priority.hpp (layer: checker, internal to the feature checkers)
// Priority (checker/features.hpp, check_priority) judged in one pass, beside the other feature
// judges of the feature stream (checker/feature_stream.hpp). The whole-history walk
// (feature_priority.cpp) replays readiness, expiry and dispatch in history order against each
// message's final facts; the stream does the same as the ops arrive: per (group, topic) the
// messages ready and not yet dispatched to that group (the queue), judged at each dispatch.
// An inversion's last witness, the overtaken message's next dispatch to the group, comes later:
// it is filled in then, or at the end. A message's facts go when the delivery stream settles
// it; its place in the queues (priority, readiness, id) stays until it is dispatched there.
//
// The verdict equals check_priority's when doubt() is false at the end. It turns true when a
// fact a judgement used changes afterwards, or a judgement would need a fact let go:
// - a message's topic, tag or priority is first stated (or, by a send, restated) after it was
//   queued or dispatched;
// - an append event makes ready, later, a message already queued from its acknowledgement
//   while a dispatch came in between (the whole history takes the append as its readiness);
// - an append, expire or dispatch event, a send or a record with a priority names a message
//   whose facts were let go;
// - a group first receives a topic by dispatch after a ready message of that topic was let go
//   (it would have waited for that group too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/id_set.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::feature {

/// One priority inversion: `high` waited (ready since `high_ready`) while `low` was dispatched
/// to `group` at op `dispatch`; `later` is high's next dispatch to the group, if any.
struct PriorityInversion {
  std::string group;
  MessageId low;
  std::int32_t low_priority = 0;
  std::uint64_t dispatch = 0;
  MessageId high;
  std::int32_t high_priority = 0;
  std::uint64_t high_ready = 0;
  std::optional<std::uint64_t> later;
};

/// Returns the `priority-inversion` anomaly of `inversion`.
Anomaly priority_inversion(PriorityInversion const& inversion);

/// Returns the priority verdict of `findings` (some dispatch was judged).
Verdict conclude_priority(Findings findings);

class PriorityStream {
 public:
  /// `header` must outlive the stream.
  explicit PriorityStream(history::Header const& header) : header_(header) {}

  /// Takes every op of the history, in order.
  void on_op(history::Op const& op);
  /// Lets message `id`'s facts go (the delivery stream settled it).
  void settle(MessageId id);
  /// Returns true once the verdict could differ from check_priority's (see above).
  bool doubt() const { return doubt_; }
  /// Returns the verdict, or nothing when the history did not exercise priority. Call once,
  /// after the last op.
  [[nodiscard]] std::optional<Verdict> finish();
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;

 private:
  // A message waiting for a group, highest priority first, then the longest waiting.
  struct Queued {
    std::int32_t priority = 0;
    std::uint64_t ready = 0;
    MessageId id;
    bool operator<(Queued const& o) const;
  };
  // What the ops so far say about one message, as feature_priority.cpp's Facts will say it.
  struct Facts {
    bool sent = false;  // A send named it: topic and tag are the send table's from then on.
    std::string topic;
    std::string tag;
    std::optional<std::int32_t> send_priority;   // The send table's.
    std::optional<std::int32_t> first_priority;  // The first record's with one, any op.
    std::optional<std::uint64_t> appended, acked, expired;
    bool from_ack = false;  // Queued at its acknowledgement; an append may come.
    std::uint64_t dispatches_at_ack = 0;
    bool used = false;                         // Queued or dispatched: its facts were read.
    std::vector<std::uint32_t> dispatched_to;  // Groups, by number.
    std::int32_t priority() const;
    std::optional<std::uint64_t> ready() const { return appended ? appended : acked; }
    bool waits() const { return ready() && !(expired && *ready() <= *expired); }
  };
  using Queue = std::set<Queued>;

  void note_record(history::Op const& op, history::Record const& record);
  void on_retired(history::Op const& op, history::Record const& record);
  void on_append(MessageId id, Facts& facts, std::uint64_t index);
  void make_ready(MessageId id, Facts& facts);
  void unqueue(MessageId id, Facts const& facts);
  void on_dispatch(history::Op const& op, MessageId id, Facts& facts);
  void add_reader(std::uint32_t group, std::string const& topic);
  bool accepts(std::uint32_t group, std::string const& tag) const;
  std::uint32_t group_number(std::string const& group);

  history::Header const& header_;
  std::unordered_map<std::uint64_t, Facts> held_;  // lookup only: order never reaches output.
  IdSet retired_;                                  // Messages whose facts were let go.
  std::set<std::string> retired_ready_topics_;     // Topics of let-go messages still waiting.
  std::map<std::string, std::uint32_t> group_numbers_;
  std::vector<std::string> group_names_;
  std::map<std::string, std::set<std::uint32_t>> readers_;         // Topic -> groups dispatched to.
  std::map<std::pair<std::uint32_t, std::string>, Queue> queues_;  // (group, topic).
  std::vector<PriorityInversion> inversions_;
  // Inversions whose overtaken message was not yet dispatched again: (group, id) -> indices.
  std::map<std::pair<std::uint32_t, MessageId>, std::vector<std::size_t>> pending_;
  std::uint64_t dispatches_ = 0;  // Dispatch records judged.
  bool any_priority_ = false;
  bool doubt_ = false;
};

}  // namespace mqcheck::checker::feature
