// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_dead_letter.cpp (layer: checker)
// Dead letters: a message that group g rejected `dead_letter_after` times (ok nacks) is
// exhausted and must arrive in g's dead-letter topic exactly once. Never, after a drain, is
// `dlq-missing`; two copies (distinct offsets there, or two append events) is `dlq-duplicate`.
// An info nack only maybe happened: a message exhausted only with it is not judged missing
// (unknown). Sources: RocketMQ maxReconsumeTimes and %DLQ% topics; RabbitMQ dead-letter
// exchanges and the quorum-queue x-delivery-limit.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/features.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

// How one group rejected one message.
struct Nacks {
  std::vector<std::uint64_t> ok;  // Ascending.
  std::size_t info = 0;
};

// What the history shows of one message in one dead-letter topic. Any op but an invoke or a
// fail that names it there proves it arrived (an append event, a DLQ reader's delivery).
struct Arrivals {
  std::vector<std::uint64_t> appends;             // Append events, ascending.
  std::map<std::int64_t, std::uint64_t> offsets;  // Offset -> first op reporting it.
  std::size_t copies() const { return std::max(appends.size(), offsets.size()); }
};

using Key = std::pair<std::string, MessageId>;  // (group or dead-letter topic, message)

struct Tables {
  std::map<Key, Nacks> nacks;        // By (group, message).
  std::map<Key, Arrivals> arrivals;  // By (dead-letter topic, message).
};

Tables collect(history::History const& history, std::set<std::string> const& dead_topics) {
  Tables tables;
  for (Op const& op : history.ops()) {
    if (op.type == OpType::invoke || op.type == OpType::fail) continue;
    for (history::Record const& record : op.value) {
      if (op.f == OpKind::nack) {
        Nacks& nacks = tables.nacks[{op.group, record.id}];
        if (op.type == OpType::ok) nacks.ok.push_back(op.index);
        if (op.type == OpType::info) ++nacks.info;
      }
      if (!dead_topics.contains(record.topic)) continue;
      Arrivals& arrivals = tables.arrivals[{record.topic, record.id}];
      if (op.f == OpKind::append) arrivals.appends.push_back(op.index);
      if (record.offset) arrivals.offsets.try_emplace(record.offset->value, op.index);
    }
  }
  return tables;
}

Anomaly missing_anomaly(std::string const& group, history::GroupSpec const& spec, MessageId id,
                        std::vector<std::uint64_t> witnesses) {
  std::string text = "group " + group + " rejected " + feature::message_name(id) + " " +
                     std::to_string(witnesses.size()) + " times (" + feature::op_list(witnesses) +
                     "), which exhausts it, but it never arrived in dead-letter topic " +
                     spec.dead_letter_topic;
  return Anomaly{"dlq-missing", id, group, std::move(witnesses), std::move(text)};
}

Anomaly duplicate_anomaly(std::string const& group, std::string const& topic, MessageId id,
                          Arrivals const& arrivals) {
  std::vector<std::uint64_t> witnesses = arrivals.appends;
  std::string how = "appended " + std::to_string(arrivals.copies()) + " times";
  if (arrivals.offsets.size() > arrivals.appends.size()) {
    witnesses.clear();
    for (auto const& [offset, op] : arrivals.offsets) witnesses.push_back(op);
    how = "stored at " + std::to_string(arrivals.copies()) + " distinct offsets";
  }
  witnesses = feature::unique_sorted(std::move(witnesses));
  std::string text = feature::message_name(id) + " was " + how + " in dead-letter topic " + topic +
                     " (" + feature::op_list(witnesses) + "), but a dead letter must land once";
  return Anomaly{"dlq-duplicate", id, group, std::move(witnesses), std::move(text)};
}

// The groups that dead-letter to each topic, by topic; both maps are ordered.
std::map<std::string, std::vector<std::string>> groups_by_dead_topic(history::Header const& h) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto const& [group, spec] : h.groups)
    if (!spec.dead_letter_topic.empty()) out[spec.dead_letter_topic].push_back(group);
  return out;
}

class DeadLetterJudge {
 public:
  explicit DeadLetterJudge(history::History const& history)
      : header_(history.header()), by_topic_(groups_by_dead_topic(header_)) {
    std::set<std::string> topics;
    for (auto const& [topic, groups] : by_topic_) topics.insert(topic);
    tables_ = collect(history, topics);
  }

  bool exercised() const { return !by_topic_.empty(); }

  feature::Findings judge() {
    for (auto const& [group, spec] : header_.groups) {
      if (spec.dead_letter_topic.empty()) continue;
      if (spec.dead_letter_after <= 0) {
        findings_.doubts.push_back("group " + group + " names dead-letter topic " +
                                   spec.dead_letter_topic +
                                   " but no dead_letter_after, so nothing counts as exhausted");
        continue;
      }
      judge_group(group, spec);
    }
    judge_duplicates();
    if (!not_arrived_.empty()) {
      findings_.doubts.push_back(
          "history not drained: " + feature::plural(not_arrived_.size(), "exhausted message") +
          " not yet in the dead-letter topic");
    }
    if (!maybe_exhausted_.empty()) {
      findings_.doubts.push_back(
          "uncertain: " + feature::plural(maybe_exhausted_.size(), "message") +
          " exhausted only if an info nack took effect, and not in the dead-letter topic");
    }
    return std::move(findings_);
  }

 private:
  void judge_group(std::string const& group, history::GroupSpec const& spec) {
    auto const limit = static_cast<std::size_t>(spec.dead_letter_after);
    for (auto const& [key, nacks] : tables_.nacks) {
      if (key.first != group || nacks.ok.size() + nacks.info < limit) continue;
      MessageId const id = key.second;
      bool const arrived = tables_.arrivals.contains({spec.dead_letter_topic, id});
      if (nacks.ok.size() < limit) {
        if (!arrived) maybe_exhausted_.insert(id);
        continue;
      }
      ++findings_.judged;
      exhausted_[{spec.dead_letter_topic, id}].push_back(group);
      if (arrived) continue;
      if (!header_.drained) {
        not_arrived_.insert(id);
        continue;
      }
      std::vector<std::uint64_t> witnesses(nacks.ok.begin(), nacks.ok.begin() + limit);
      findings_.anomalies.push_back(missing_anomaly(group, spec, id, std::move(witnesses)));
    }
  }

  // Two groups sharing a dead-letter topic may each dead-letter the message once.
  void judge_duplicates() {
    for (auto const& [key, arrivals] : tables_.arrivals) {
      ++findings_.judged;
      auto const exhausted = exhausted_.find(key);
      std::size_t const allowed = exhausted == exhausted_.end() ? 1 : exhausted->second.size();
      if (arrivals.copies() <= allowed) continue;
      std::string const& group = exhausted == exhausted_.end() ? by_topic_.at(key.first).front()
                                                               : exhausted->second.front();
      findings_.anomalies.push_back(duplicate_anomaly(group, key.first, key.second, arrivals));
    }
  }

  history::Header const& header_;
  std::map<std::string, std::vector<std::string>> by_topic_;
  Tables tables_;
  std::map<Key, std::vector<std::string>> exhausted_;  // (dead-letter topic, message) -> groups.
  std::set<MessageId> not_arrived_;
  std::set<MessageId> maybe_exhausted_;
  feature::Findings findings_;
};

}  // namespace

std::optional<Verdict> check_dead_letter(history::History const& history) {
  DeadLetterJudge judge(history);
  if (!judge.exercised()) return std::nullopt;
  feature::Findings findings = judge.judge();
  std::size_t missing = 0;
  for (Anomaly const& anomaly : findings.anomalies) missing += anomaly.kind == "dlq-missing";
  std::size_t const duplicated = findings.anomalies.size() - missing;
  std::vector<std::string> parts;
  if (missing > 0) {
    parts.push_back(feature::plural(missing, "exhausted message") +
                    " never reached the dead-letter topic");
  }
  if (duplicated > 0) {
    parts.push_back(feature::plural(duplicated, "message") +
                    " reached a dead-letter topic more than once");
  }
  return feature::conclude("dead-letter", std::move(findings), feature::join(parts, "; "),
                           "no message exhausted its retries or reached a dead-letter topic");
}

}  // namespace mqcheck::checker
