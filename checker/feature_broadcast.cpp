// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_broadcast.cpp (layer: checker)
// Broadcast: in a group whose mode is broadcast, every instance (each process with a client op
// of the group) processes every acknowledged message (ok send) of the topics the group reads.
// A missing (instance, message) pair after a drain is `broadcast-miss`; without a drain it is
// only not yet processed (unknown). An info process is a maybe: not a miss, but unknown.
// Source: RocketMQ MessageModel.BROADCASTING ("each consumer instance consumes every
// message"); Kafka and RabbitMQ get the same effect from one group or queue per instance.
#include "checker/feature_broadcast.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/features.hpp"
#include "checker/send_outcomes.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using Pair = std::pair<std::string, MessageId>;  // (instance, message)

// What the history says about one broadcast group.
struct GroupView {
  std::map<std::string, std::uint64_t> last_op;  // Instance -> its last op (any op).
  std::set<std::string> topics;                  // Topics the group reads.
  std::set<Pair> processed;                      // ok process ops.
  std::set<Pair> maybe;                          // info process ops, open process invokes.
};

GroupView view_group(history::History const& history, std::string const& group,
                     MessageTable const& table, std::vector<feature::Consumption> const& consumed) {
  GroupView view;
  // Instances first (any client op of the group), then each one's last op of any kind.
  for (Op const& op : history.ops())
    if (history::is_client_op(op) && op.group == group) view.last_op[op.process] = op.index;
  for (Op const& op : history.ops())
    if (view.last_op.contains(op.process)) view.last_op[op.process] = op.index;
  for (auto const& [topic, groups] : history.header().subscriptions)
    for (std::string const& g : groups)
      if (g == group) view.topics.insert(topic);
  for (feature::Consumption const& c : consumed) {
    Op const& op = history.ops()[c.op];
    if (op.f != history::OpKind::process || op.group != group) continue;
    auto const facts = table.find(c.message);
    bool const sent = facts != table.end() && !facts->second.topic.empty();
    view.topics.insert(sent ? facts->second.topic : op.value[c.record].topic);
    (c.certain ? view.processed : view.maybe).insert({op.process, c.message});
  }
  return view;
}

// Everything the judgement of one group reads.
struct BroadcastInputs {
  MessageTable table;
  feature::SentTable sent;
  std::vector<feature::Consumption> consumed;
};

// Returns whether `group`'s filter takes message `id` (a filtered-out message is not missed).
bool wanted(history::GroupSpec const& spec, feature::SentTable const& sent, MessageId id) {
  auto const found = sent.find(id);
  return feature::filter_accepts(spec.filter, found == sent.end() ? "" : found->second.record.tag);
}

void judge_group(history::History const& history, std::string const& group, GroupView const& view,
                 BroadcastInputs const& in, feature::Findings& findings,
                 feature::BroadcastTally& tally) {
  history::GroupSpec const& spec = history.header().groups.at(group);
  for (auto const& [id, facts] : in.table) {
    if (facts.outcome() != SendOutcome::ok || !view.topics.contains(facts.topic)) continue;
    if (!wanted(spec, in.sent, id)) continue;
    for (auto const& [instance, last] : view.last_op) {
      ++findings.judged;
      if (view.processed.contains({instance, id})) continue;
      if (view.maybe.contains({instance, id})) {
        ++tally.uncertain;
      } else if (!history.header().drained) {
        ++tally.unseen;
      } else {
        SendAttempt const& ack = *facts.first_ok();
        MQCHECK_ASSERT(ack.completion.has_value());
        findings.anomalies.push_back(feature::broadcast_miss(
            group, instance, last, id, {ack.process, ack.invoke, *ack.completion}));
      }
    }
  }
}

}  // namespace

std::optional<Verdict> check_broadcast(history::History const& history) {
  std::vector<std::string> groups;
  for (auto const& [group, spec] : history.header().groups)
    if (spec.mode == history::GroupSpec::Mode::broadcast) groups.push_back(group);
  if (groups.empty()) return std::nullopt;

  BroadcastInputs const in{build_message_table(history), feature::build_sent_table(history),
                  feature::consumptions(history)};
  feature::Findings findings;
  feature::BroadcastTally tally;
  for (std::string const& group : groups)
    judge_group(history, group, view_group(history, group, in.table, in.consumed), in, findings,
                tally);
  return feature::conclude_broadcast(std::move(findings), tally);
}

namespace feature {

Anomaly broadcast_miss(std::string const& group, std::string const& instance, std::uint64_t last,
                       MessageId id, BroadcastAck const& ack) {
  std::vector<std::uint64_t> witnesses{ack.completion, last};
  if (ack.invoke) witnesses.push_back(*ack.invoke);
  witnesses = unique_sorted(std::move(witnesses));
  std::string text = message_name(id) + " was acknowledged to " + ack.process + " (op " +
                     std::to_string(ack.completion) + ") but instance " + instance +
                     " of broadcast group " + group + " never processed it (its last op is " +
                     std::to_string(last) + ")";
  return Anomaly{"broadcast-miss", id, group, std::move(witnesses), std::move(text)};
}

Verdict conclude_broadcast(Findings findings, BroadcastTally const& tally) {
  if (tally.unseen > 0) {
    findings.doubts.push_back(
        "history not drained: " + plural(tally.unseen, "(instance, message) pair") +
        " not yet processed");
  }
  if (tally.uncertain > 0) {
    findings.doubts.push_back("uncertain: " + plural(tally.uncertain, "(instance, message) pair") +
                              " maybe processed (only an info process op)");
  }
  std::size_t const misses = findings.anomalies.size();
  return conclude(
      "broadcast", std::move(findings),
      plural(misses, "(instance, message) pair") +
          " missed: a broadcast instance never processed an acknowledged message, after a final"
          " drain",
      "no broadcast group has both an instance and an acknowledged message of a topic it reads");
}

}  // namespace feature

}  // namespace mqcheck::checker
