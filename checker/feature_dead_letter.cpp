// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_dead_letter.cpp (layer: checker)
// Dead letters: a message that group g rejected `dead_letter_after` times (ok nacks) is
// exhausted and must arrive in g's dead-letter topic exactly once. Never, after a drain, is
// `dlq-missing`; two copies (distinct offsets there, or two append events) is `dlq-duplicate`.
// An info nack only maybe happened: a message exhausted only with it is not judged missing
// (unknown). Sources: RocketMQ maxReconsumeTimes and %DLQ% topics; RabbitMQ dead-letter
// exchanges and the quorum-queue x-delivery-limit.
// Judged message by message (checker/feature_dead_letter.hpp), whole or streamed.
#include "checker/feature_dead_letter.hpp"

#include <algorithm>
#include <utility>

#include "checker/features.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

Anomaly dlq_missing_anomaly(std::string const& group, history::GroupSpec const& spec, MessageId id,
                            std::vector<std::uint64_t> witnesses) {
  std::string text = "group " + group + " rejected " + feature::message_name(id) + " " +
                     std::to_string(witnesses.size()) + " times (" + feature::op_list(witnesses) +
                     "), which exhausts it, but it never arrived in dead-letter topic " +
                     spec.dead_letter_topic;
  return Anomaly{"dlq-missing", id, group, std::move(witnesses), std::move(text)};
}

// The groups that dead-letter to each topic, by topic; both maps are ordered.
std::map<std::string, std::vector<std::string>> dlq_groups_by_topic(history::Header const& h) {
  std::map<std::string, std::vector<std::string>> out;
  for (auto const& [group, spec] : h.groups)
    if (!spec.dead_letter_topic.empty()) out[spec.dead_letter_topic].push_back(group);
  return out;
}

}  // namespace

namespace feature {

std::size_t DeadLetterJudge::TopicCopies::copies() const {
  return std::max(appends.size(), offsets.size());
}

DeadLetterJudge::DeadLetterJudge(history::Header const& header)
    : header_(header), by_topic_(dlq_groups_by_topic(header)) {}

// Only the nacks of groups with a topic and a limit are held: no other group's count is read.
bool DeadLetterJudge::counts_nacks(Op const& op) const {
  if (op.f != OpKind::nack) return false;
  auto const spec = header_.groups.find(op.group);
  return spec != header_.groups.end() && spec->second.dead_letter_after > 0 &&
         !spec->second.dead_letter_topic.empty();
}

void DeadLetterJudge::on_op(Op const& op) {
  if (op.type == OpType::invoke || op.type == OpType::fail) return;
  bool const nack = counts_nacks(op);
  for (history::Record const& record : op.value) {
    bool const copy = by_topic_.contains(record.topic);
    if (!nack && !copy) continue;
    if (settled_.contains(record.id)) {
      late_ = true;
      continue;
    }
    MessageFacts& facts = held_[record.id];
    if (nack) {
      auto const [it, added] = facts.nacks.try_emplace(op.group);
      held_entries_ += added;
      if (op.type == OpType::ok) it->second.ok.push_back(op.index);
      if (op.type == OpType::info) ++it->second.info;
    }
    if (!copy) continue;
    auto const [it, added] = facts.copies.try_emplace(record.topic);
    held_entries_ += added;
    if (op.f == OpKind::append) it->second.appends.push_back(op.index);
    if (record.offset) it->second.offsets.try_emplace(record.offset->value, op.index);
  }
}

void DeadLetterJudge::settle(MessageId id) {
  settled_.insert(id);
  auto const found = held_.find(id);
  if (found == held_.end()) return;
  judge_message(id, found->second);
  held_entries_ -= found->second.nacks.size() + found->second.copies.size();
  held_.erase(found);
}

void DeadLetterJudge::judge_message(MessageId id, MessageFacts const& facts) {
  std::map<std::string, std::vector<std::string>> exhausted;  // Dead-letter topic -> groups.
  bool not_arrived = false;
  bool maybe = false;
  for (auto const& [group, spec] : header_.groups) {
    auto const nacks = facts.nacks.find(group);
    if (nacks == facts.nacks.end()) continue;  // See counts_nacks.
    auto const limit = static_cast<std::size_t>(spec.dead_letter_after);
    std::vector<std::uint64_t> const& ok = nacks->second.ok;
    if (ok.size() + nacks->second.info < limit) continue;
    bool const arrived = facts.copies.contains(spec.dead_letter_topic);
    if (ok.size() < limit) {
      maybe = maybe || !arrived;
      continue;
    }
    ++findings_.judged;
    exhausted[spec.dead_letter_topic].push_back(group);
    if (arrived) continue;
    if (!header_.drained) {
      not_arrived = true;
      continue;
    }
    std::vector<std::uint64_t> witnesses(ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(limit));
    findings_.anomalies.push_back(dlq_missing_anomaly(group, spec, id, std::move(witnesses)));
  }
  not_arrived_ += not_arrived;
  maybe_exhausted_ += maybe;
  judge_copies(id, facts, exhausted);
}

// Two groups sharing a dead-letter topic may each dead-letter the message once.
void DeadLetterJudge::judge_copies(
    MessageId id, MessageFacts const& facts,
    std::map<std::string, std::vector<std::string>> const& exhausted) {
  for (auto const& [topic, copies] : facts.copies) {
    ++findings_.judged;
    auto const groups = exhausted.find(topic);
    std::size_t const allowed = groups == exhausted.end() ? 1 : groups->second.size();
    if (copies.copies() <= allowed) continue;
    std::string const& group =
        groups == exhausted.end() ? by_topic_.at(topic).front() : groups->second.front();
    std::vector<std::uint64_t> witnesses = copies.appends;
    std::string how = "appended " + std::to_string(copies.copies()) + " times";
    if (copies.offsets.size() > copies.appends.size()) {
      witnesses.clear();
      for (auto const& [offset, op] : copies.offsets) witnesses.push_back(op);
      how = "stored at " + std::to_string(copies.copies()) + " distinct offsets";
    }
    witnesses = unique_sorted(std::move(witnesses));
    std::string text = message_name(id) + " was " + how + " in dead-letter topic " + topic + " (" +
                       op_list(witnesses) + "), but a dead letter must land once";
    findings_.anomalies.push_back(
        Anomaly{"dlq-duplicate", id, group, std::move(witnesses), std::move(text)});
  }
}

Verdict DeadLetterJudge::finish() {
  for (auto const& [id, facts] : held_) judge_message(id, facts);
  held_.clear();
  held_entries_ = 0;
  Findings findings;
  for (auto const& [group, spec] : header_.groups) {
    if (spec.dead_letter_topic.empty() || spec.dead_letter_after > 0) continue;
    findings.doubts.push_back("group " + group + " names dead-letter topic " +
                              spec.dead_letter_topic +
                              " but no dead_letter_after, so nothing counts as exhausted");
  }
  if (not_arrived_ > 0) {
    findings.doubts.push_back("history not drained: " +
                              plural(not_arrived_, "exhausted message") +
                              " not yet in the dead-letter topic");
  }
  if (maybe_exhausted_ > 0) {
    findings.doubts.push_back(
        "uncertain: " + plural(maybe_exhausted_, "message") +
        " exhausted only if an info nack took effect, and not in the dead-letter topic");
  }
  findings.anomalies = std::move(findings_.anomalies);
  findings.judged = findings_.judged;
  std::size_t missing = 0;
  for (Anomaly const& anomaly : findings.anomalies) missing += anomaly.kind == "dlq-missing";
  std::size_t const duplicated = findings.anomalies.size() - missing;
  std::vector<std::string> parts;
  if (missing > 0)
    parts.push_back(plural(missing, "exhausted message") + " never reached the dead-letter topic");
  if (duplicated > 0)
    parts.push_back(plural(duplicated, "message") + " reached a dead-letter topic more than once");
  return conclude("dead-letter", std::move(findings), join(parts, "; "),
                  "no message exhausted its retries or reached a dead-letter topic");
}

std::size_t DeadLetterJudge::memory_bytes() const {
  // A map node holds the entry and about four pointers; vectors' contents are not counted
  // (they grow with nacks and copies of one message, which settle lets go).
  std::size_t const node = 4 * sizeof(void*);
  return held_.size() * (sizeof(MessageId) + sizeof(MessageFacts) + node) +
         held_entries_ * (sizeof(std::string) + sizeof(TopicCopies) + node) +
         settled_.memory_bytes();
}

}  // namespace feature

std::optional<Verdict> check_dead_letter(history::History const& history) {
  feature::DeadLetterJudge judge(history.header());
  if (!judge.exercised()) return std::nullopt;
  for (Op const& op : history.ops()) judge.on_op(op);
  return judge.finish();
}

}  // namespace mqcheck::checker
