// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_dead_letter.hpp (layer: checker, internal to the feature checkers)
// The dead-letter property (checker/features.hpp, check_dead_letter) judged message by
// message, so that one code serves the whole history and the streaming path: every op is fed
// in history order, and a message's facts (its nacks per group, its copies per dead-letter
// topic) are judged when the caller says it settled, or at the end. A message's judgement
// reads only its own facts, so judging it early gives the whole-history answer as long as no
// op names it afterwards; late() says when one did (the stream then loads the history).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/id_set.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::feature {

class DeadLetterJudge {
 public:
  /// `header` must outlive the judge.
  explicit DeadLetterJudge(history::Header const& header);

  /// Returns true when a header group names a dead-letter topic (the property is exercised).
  bool exercised() const { return !by_topic_.empty(); }
  /// Takes every op of the history, in order.
  void on_op(history::Op const& op);
  /// Judges message `id` now and lets its facts go: no later op may add to them (see late()).
  void settle(MessageId id);
  /// Returns true once an op added a fact (a nack, a dead-letter copy) to a settled message.
  bool late() const { return late_; }
  /// Judges the messages still held and returns the verdict. Call once, after the last op.
  [[nodiscard]] Verdict finish();
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;

 private:
  // How one group rejected one message.
  struct GroupNacks {
    std::vector<std::uint64_t> ok;  // Ascending.
    std::size_t info = 0;
  };
  // What the history shows of one message in one dead-letter topic. Any op but an invoke or a
  // fail that names it there proves it arrived (an append event, a DLQ reader's delivery).
  struct TopicCopies {
    std::vector<std::uint64_t> appends;             // Append events, ascending.
    std::map<std::int64_t, std::uint64_t> offsets;  // Offset -> first op reporting it.
    std::size_t copies() const;
  };
  struct MessageFacts {
    std::map<std::string, GroupNacks> nacks;    // By group (dead-letter groups only).
    std::map<std::string, TopicCopies> copies;  // By dead-letter topic.
  };

  bool counts_nacks(history::Op const& op) const;
  void judge_message(MessageId id, MessageFacts const& facts);
  std::vector<std::string> judge_groups(MessageId id, MessageFacts const& facts);
  void judge_copies(MessageId id, MessageFacts const& facts,
                    std::map<std::string, std::vector<std::string>> const& exhausted);

  history::Header const& header_;
  std::map<std::string, std::vector<std::string>> by_topic_;  // Dead-letter topic -> groups.
  std::map<MessageId, MessageFacts> held_;
  std::size_t held_entries_ = 0;  // Group and topic entries in held_, for memory_bytes.
  IdSet settled_;  // Every message settled, facts or not: dense ids keep it a few intervals.
  bool late_ = false;
  std::size_t not_arrived_ = 0;      // Exhausted, not (yet) in the topic, no drain.
  std::size_t maybe_exhausted_ = 0;  // Exhausted only with info nacks, not in the topic.
  Findings findings_;
};

}  // namespace mqcheck::checker::feature
