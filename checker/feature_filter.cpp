// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_filter.cpp (layer: checker)
// Filtering: a group with a tag filter never receives a message whose tag (from its send
// record) the filter does not list (`filter-leak`; an untagged message matches no filter but
// "*"). Deliver, poll and process ops are judged alike: RocketMQ filters tags on the broker,
// Kafka consumers filter in the client, and a leak is a leak wherever it shows. An info op (or
// a process invoke never completed) of such a message is only a maybe: unknown, not invalid.
// Source: RocketMQ subscribe(topic, "TagA || TagB") tag filtering.
#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/features.hpp"

namespace mqcheck::checker {
namespace {

// The tag the producer gave `record`'s message, or the record's own when it was never sent.
std::string const& tag_of(feature::SentTable const& sent, history::Record const& record) {
  auto const found = sent.find(record.id);
  return found == sent.end() ? record.tag : found->second.record.tag;
}

Anomaly leak_anomaly(history::Op const& op, MessageId id, std::vector<std::string> const& filter,
                     std::string const& tag, feature::SentTable const& sent) {
  std::vector<std::uint64_t> witnesses{op.index};
  std::string origin;
  if (auto const found = sent.find(id); found != sent.end()) {
    witnesses.insert(witnesses.begin(), found->second.first_send);
    origin = " by its producer (op " + std::to_string(found->second.first_send) + ")";
  }
  std::string const tagged = tag.empty() ? "sent without a tag" : "tagged " + tag;
  std::string text = "group " + op.group + " subscribes only to tags " +
                     feature::join(filter, ", ") + ", but " + feature::consumer_name(op) +
                     " received " + feature::message_name(id) + " (op " + std::to_string(op.index) +
                     "), " + tagged + origin;
  return Anomaly{"filter-leak", id, op.group, feature::unique_sorted(std::move(witnesses)),
                 std::move(text)};
}

}  // namespace

std::optional<Verdict> check_filtering(history::History const& history) {
  auto const& groups = history.header().groups;
  bool const exercised = std::any_of(
      groups.begin(), groups.end(), [](auto const& entry) { return !entry.second.filter.empty(); });
  if (!exercised) return std::nullopt;

  feature::SentTable const sent = feature::build_sent_table(history);
  feature::Findings findings;
  std::set<std::pair<MessageId, std::string>> reported;  // (message, group): first op only.
  std::set<MessageId> maybe_leaked;
  for (feature::Consumption const& c : feature::consumptions(history)) {
    history::Op const& op = history.ops()[c.op];
    auto const spec = groups.find(op.group);
    if (spec == groups.end() || spec->second.filter.empty()) continue;
    std::string const& tag = tag_of(sent, op.value[c.record]);
    if (c.certain) ++findings.judged;
    if (feature::filter_accepts(spec->second.filter, tag)) continue;
    if (!c.certain) {
      maybe_leaked.insert(c.message);
    } else if (reported.emplace(c.message, op.group).second) {
      findings.anomalies.push_back(leak_anomaly(op, c.message, spec->second.filter, tag, sent));
    }
  }
  if (!maybe_leaked.empty()) {
    findings.doubts.push_back("maybe leaked: " + feature::plural(maybe_leaked.size(), "message") +
                              " outside a group's filter named by an op of unknown outcome (info)");
  }
  std::size_t const leaks = findings.anomalies.size();
  return feature::conclude(
      "filtering", std::move(findings),
      feature::plural(leaks, "message") + " received by a group whose filter excludes it",
      "no group with a filter received anything");
}

}  // namespace mqcheck::checker
