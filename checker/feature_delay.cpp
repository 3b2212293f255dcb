// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_delay.cpp (layer: checker)
// Delay: a message sent with `deliver_after` T is never delivered, polled or processed before
// T (`early-delivery`, judged on ok ops at their completion time, which is after the effect).
// An info op (or a process invoke never completed) before T only maybe happened early: it
// makes the verdict unknown, never invalid. Sources: RocketMQ delay levels (scheduled
// messages), the RabbitMQ delayed-message exchange and TTL + dead-letter delay queues.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "checker/feature_common.hpp"
#include "checker/features.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using feature::SentMessage;

Anomaly early_anomaly(history::Op const& op, MessageId id, SentMessage const& sent) {
  SimTimeUs const due = *sent.record.deliver_after;
  MQCHECK_ASSERT(op.time < due);
  std::string const verb = op.f == history::OpKind::process ? " processed it" : " received it";
  std::string explanation = feature::message_name(id) + " was sent by " + sent.process + " (op " +
                            std::to_string(sent.first_send) + ") to be delivered from " +
                            feature::time_text(due) + " on, but " + feature::consumer_name(op) +
                            verb + " at " + feature::time_text(op.time) + " (op " +
                            std::to_string(op.index) + ")";
  // A malformed history may list the consumption before the send: witnesses stay ascending.
  return Anomaly{"early-delivery", id, op.group,
                 feature::unique_sorted({sent.first_send, op.index}), std::move(explanation)};
}

}  // namespace

std::optional<Verdict> check_delay(history::History const& history) {
  feature::SentTable const sent = feature::build_sent_table(history);
  bool const exercised = std::any_of(sent.begin(), sent.end(), [](auto const& entry) {
    return entry.second.record.deliver_after.has_value();
  });
  if (!exercised) return std::nullopt;

  feature::Findings findings;
  std::set<std::pair<MessageId, std::string>> reported;  // (message, group): first op only.
  std::set<MessageId> maybe_early;
  for (feature::Consumption const& c : feature::consumptions(history)) {
    auto const found = sent.find(c.message);
    if (found == sent.end() || !found->second.record.deliver_after) continue;
    history::Op const& op = history.ops()[c.op];
    if (c.certain) ++findings.judged;
    if (op.time >= *found->second.record.deliver_after) continue;
    if (!c.certain) {
      maybe_early.insert(c.message);
    } else if (reported.emplace(c.message, op.group).second) {
      findings.anomalies.push_back(early_anomaly(op, c.message, found->second));
    }
  }
  if (!maybe_early.empty()) {
    findings.doubts.push_back("maybe early: " + feature::plural(maybe_early.size(), "message") +
                              " named by an op of unknown outcome (info) before the delay ended");
  }
  std::size_t const early = findings.anomalies.size();
  return feature::conclude(
      "delay", std::move(findings),
      std::to_string(early) + (early == 1 ? " delivery" : " deliveries") +
          " of a delayed message before its delay ended",
      "no delayed message was delivered, polled or processed, so none could be early");
}

}  // namespace mqcheck::checker
