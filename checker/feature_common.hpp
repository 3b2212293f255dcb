// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_common.hpp (layer: checker, internal to the feature checkers)
// What the feature properties (checker/features.hpp) share: each message's send record, the
// consumer ops that certainly or maybe received a message, and the rule that turns findings
// into a verdict. Every container whose order reaches output is a std::map or sorted vector.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::feature {

/// What the producer said about one message, from the send ops (any type) that name it.
struct SentMessage {
  std::uint64_t first_send = 0;  // Index of the first send op naming it (invoke or completion).
  std::string process;           // The producer of that op.
  std::string tenant;            // The first non-empty tenant of a send op naming it.
  std::uint64_t tenant_op = 0;   // The op that named that tenant (meaningful when non-empty).
  history::Record record;        // Each field from the first send op that carries it.
};

using SentTable = std::map<MessageId, SentMessage>;

/// Builds the table from the client send ops of `history`, in one pass.
SentTable build_sent_table(history::History const& history);

/// One consumer op's view of one message. `certain`: an ok deliver, poll or process, which
/// happened. Otherwise maybe: an info one, or a process invoke never completed (an open invoke
/// counts as info, as in checker/send_outcomes.hpp).
struct Consumption {
  std::uint64_t op = 0;    // History index.
  std::size_t record = 0;  // Position of the message in the op's value.
  MessageId message;
  bool certain = true;
};

/// Returns every consumption of `history`, ascending by (op, record). fail ops are left out:
/// they did not happen.
std::vector<Consumption> consumptions(history::History const& history);

/// Returns true for deliver, poll and process: the ops that hand a message to a consumer.
bool is_consume(history::OpKind f);

/// Returns whether a consumer of a group whose filter is `filter` may receive a message tagged
/// `tag`: an empty filter takes everything, "*" takes everything (RocketMQ's subscribe "*"),
/// otherwise the tag must be listed; an untagged message matches no non-empty filter.
bool filter_accepts(std::vector<std::string> const& filter, std::string const& tag);

/// What a feature checker found.
struct Findings {
  std::vector<Anomaly> anomalies;
  std::vector<std::string> doubts;  // Why the history cannot decide: each makes it unknown.
  std::size_t judged = 0;           // Observations that could have shown a violation.
};

/// Returns the verdict on `guarantee`: invalid with reason `violation` when there is an
/// anomaly; else unknown with the doubts joined by "; "; else unknown with `nothing_judged`
/// when nothing was judged (a pass that tested nothing is not reported as valid); else valid.
Verdict conclude(std::string guarantee, Findings findings, std::string const& violation,
                 std::string const& nothing_judged);

/// Text helpers shared by the explanations (the first of them: checker/verdict.hpp).
using checker::join;
using checker::message_name;
using checker::op_list;
using checker::plural;
using checker::unique_sorted;
std::string time_text(SimTimeUs time);             // "40us", "15ms"
std::string consumer_name(history::Op const& op);  // "billing-0 of group billing"

}  // namespace mqcheck::checker::feature
