// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_filter.cpp (layer: checker)
// Filtering: a group with a tag filter never receives a message whose tag (from its send
// record) the filter does not list (`filter-leak`; an untagged message matches no filter but
// "*"). Deliver, poll and process ops are judged alike: RocketMQ filters tags on the broker,
// Kafka consumers filter in the client, and a leak is a leak wherever it shows. An info op (or
// a process invoke never completed) of such a message is only a maybe: unknown, not invalid.
// Source: RocketMQ subscribe(topic, "TagA || TagB") tag filtering.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/feature_judge.hpp"
#include "checker/features.hpp"

namespace mqcheck::checker {
namespace {

Anomaly leak_anomaly(history::Op const& op, MessageId id, std::vector<std::string> const& filter,
                     std::string const& tag, feature::SentMessage const* sent) {
  std::vector<std::uint64_t> witnesses{op.index};
  std::string origin;
  if (sent != nullptr) {
    witnesses.insert(witnesses.begin(), sent->first_send);
    origin = " by its producer (op " + std::to_string(sent->first_send) + ")";
  }
  std::string const tagged = tag.empty() ? "sent without a tag" : "tagged " + tag;
  std::string text = "group " + op.group + " subscribes only to tags " +
                     feature::join(filter, ", ") + ", but " + feature::consumer_name(op) +
                     " received " + feature::message_name(id) + " (op " + std::to_string(op.index) +
                     "), " + tagged + origin;
  return Anomaly{"filter-leak", id, op.group, feature::unique_sorted(std::move(witnesses)),
                 std::move(text)};
}

class FilteringJudge final : public feature::Judge {
 public:
  explicit FilteringJudge(history::Header const& header) : groups_(header.groups) {}

  void on_consumption(history::Op const& op, std::size_t record, bool certain,
                      feature::SentMessage const* sent) override {
    auto const spec = groups_.find(op.group);
    if (spec == groups_.end() || spec->second.filter.empty()) return;
    MessageId const id = op.value[record].id;
    // The tag the producer gave the message, or the record's own when it was never sent.
    std::string const& tag = sent == nullptr ? op.value[record].tag : sent->record.tag;
    if (certain) ++findings_.judged;
    if (feature::filter_accepts(spec->second.filter, tag)) return;
    if (!certain) {
      maybe_leaked_.insert(id);
    } else if (reported_.emplace(id, op.group).second) {
      findings_.anomalies.push_back(leak_anomaly(op, id, spec->second.filter, tag, sent));
    }
  }

  std::optional<Verdict> finish() override {
    bool const exercised = std::any_of(groups_.begin(), groups_.end(), [](auto const& entry) {
      return !entry.second.filter.empty();
    });
    if (!exercised) return std::nullopt;
    if (!maybe_leaked_.empty()) {
      findings_.doubts.push_back(
          "maybe leaked: " + feature::plural(maybe_leaked_.size(), "message") +
          " outside a group's filter named by an op of unknown outcome (info)");
    }
    std::size_t const leaks = findings_.anomalies.size();
    return feature::conclude(
        "filtering", std::move(findings_),
        feature::plural(leaks, "message") + " received by a group whose filter excludes it",
        "no group with a filter received anything");
  }

 private:
  std::map<std::string, history::GroupSpec> const& groups_;
  feature::Findings findings_;
  std::set<std::pair<MessageId, std::string>> reported_;  // (message, group): first op only.
  std::set<MessageId> maybe_leaked_;
};

}  // namespace

namespace feature {
std::unique_ptr<Judge> filtering_judge(history::Header const& header) {
  return std::make_unique<FilteringJudge>(header);
}
}  // namespace feature

std::optional<Verdict> check_filtering(history::History const& history) {
  FilteringJudge judge(history.header());
  return feature::judge_whole(history, judge);
}

}  // namespace mqcheck::checker
