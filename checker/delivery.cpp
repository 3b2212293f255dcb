// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery.cpp (layer: checker)
// The four delivery judgements over the per-message table (checker/send_outcomes.hpp). The
// table is a std::map by message id and each message's groups a std::map by name, so the
// anomalies come out in a fixed order before the final sort by first witness. The table is
// build_delivery_table's: transactions already applied (aborted processing leaves no trace, a
// send in a transaction that never committed is info). Header features narrow the judgements:
// a broadcast group is judged for duplicates per instance, a group's tag filter and its
// dead-letter topic narrow which messages it must process.
#include "checker/delivery.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "checker/delivery_detail.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/feature_common.hpp"
#include "checker/send_outcomes.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using Readers = std::map<std::string, std::set<std::string>>;
using delivery_detail::DeadLettered;
using delivery_detail::ProcessOf;
using delivery_detail::Settled;

// "group billing", or "instance billing-1 of broadcast group billing".
std::string consumer_text(std::string const& group, std::string const& instance) {
  if (instance.empty()) return "group " + group;
  return "instance " + instance + " of broadcast group " + group;
}

Anomaly duplicated_anomaly(MessageId id, std::string const& group, std::string const& instance,
                           GroupProcessing const& processing) {
  std::vector<std::uint64_t> witnesses = unique_sorted(processing.ok_ops);
  std::string explanation = message_name(id) + " was processed " +
                            std::to_string(processing.ok_ops.size()) + " times by " +
                            consumer_text(group, instance) + " (" + op_list(witnesses) + ")";
  return Anomaly{"duplicated", id, group, std::move(witnesses), std::move(explanation)};
}

// Returns "message 3 by group billing (ok op 7, info op 9)".
std::string describe_possible_duplicate(MessageId id, std::string const& group,
                                        std::string const& instance,
                                        GroupProcessing const& processing) {
  std::string text = message_name(id) + " by " + consumer_text(group, instance) + " (";
  if (!processing.ok_ops.empty()) text += "ok " + op_list(processing.ok_ops) + ", ";
  return text + "info " + op_list(processing.info_ops) + ")";
}

// The units at-most-once is judged in, by instance name ("" = the whole group). A broadcast
// group (RocketMQ MessageModel.BROADCASTING) promises each instance every message, so one
// message processed by two instances is expected; only one instance processing it twice is a
// duplicate.
std::map<std::string, GroupProcessing> duplicate_units(history::Header const& header,
                                                       ProcessOf const& process_of,
                                                       std::string const& group,
                                                       GroupProcessing const& processing) {
  if (!delivery_detail::is_broadcast(header, group)) return {{"", processing}};
  std::map<std::string, GroupProcessing> units;
  for (std::uint64_t const op : processing.ok_ops) units[process_of(op)].ok_ops.push_back(op);
  for (std::uint64_t const op : processing.info_ops) units[process_of(op)].info_ops.push_back(op);
  return units;
}

// What the at-most-once walk found.
struct Duplicates {
  std::vector<Anomaly> anomalies;
  std::set<MessageId> messages;  // Messages with a duplicated anomaly.
  std::string possible;          // The first possible duplicate, described.
  std::size_t possible_count = 0;
};

// Two ok processes in one unit prove a duplicate. An info process only might have happened,
// so ok + info >= 2 (without two oks) leaves the guarantee unknown.
void judge_unit(MessageId id, std::string const& group, std::string const& instance,
                GroupProcessing const& processing, Duplicates& found) {
  std::size_t const oks = processing.ok_ops.size();
  if (oks >= 2) {
    found.anomalies.push_back(duplicated_anomaly(id, group, instance, processing));
    found.messages.insert(id);
  } else if (oks + processing.info_ops.size() >= 2) {
    // The reason names the first such (message, unit) and counts the others.
    if (found.possible_count++ == 0)
      found.possible = describe_possible_duplicate(id, group, instance, processing);
  }
}

// At-most-once: each (message, group) at most once, or each (message, instance) in a
// broadcast group.
Verdict judge_at_most_once(history::Header const& header, ProcessOf const& process_of,
                           MessageTable const& table) {
  Duplicates found;
  for (auto const& [id, facts] : table) {
    for (auto const& [group, processing] : facts.groups) {
      for (auto const& [instance, unit] : duplicate_units(header, process_of, group, processing))
        judge_unit(id, group, instance, unit, found);
    }
  }
  Verdict verdict{.guarantee = "at-most-once", .anomalies = std::move(found.anomalies)};
  std::set<MessageId> const& duplicated = found.messages;
  std::string const& possible = found.possible;
  std::size_t const possible_count = found.possible_count;
  if (!duplicated.empty()) {
    verdict.validity = Validity::invalid;
    verdict.reason =
        plural(duplicated.size(), "message") + " processed more than once by the same group";
  } else if (possible_count > 0) {
    verdict.validity = Validity::unknown;
    verdict.reason = "possibly processed twice: " + possible;
    if (possible_count > 1)
      verdict.reason += "; " + plural(possible_count - 1, "more (message, group) pair");
  }
  return verdict;
}

// What the at-least-once walk found.
struct Reach {
  std::vector<Anomaly> anomalies;       // lost (drained) or unseen (not drained)
  std::set<MessageId> missing;          // Messages with such an anomaly.
  std::set<MessageId> uncertain;        // Messages that some expected group only maybe processed.
  std::set<std::string> unread_topics;  // Topics with ok sends and no expected group.
};

Anomaly missing_anomaly(MessageId id, MessageFacts const& facts, std::string const& group,
                        bool drained) {
  SendAttempt const* const ack = facts.first_ok();
  MQCHECK_ASSERT(ack != nullptr && ack->completion.has_value());
  std::vector<std::uint64_t> witnesses{*ack->completion};
  if (ack->invoke) witnesses.insert(witnesses.begin(), *ack->invoke);
  std::string const acked = message_name(id) + " was acknowledged to " + ack->process + " (op " +
                            std::to_string(*ack->completion) + ") but group " + group;
  if (drained) return Anomaly{"lost", id, group, witnesses, acked + " never processed it"};
  return Anomaly{"unseen", id, group, witnesses,
                 acked + " had not processed it when the history ended, without a final drain"};
}

// Whether `group` need not process the message of `facts`: its tag filter rejects the message
// (RocketMQ subscribe by tag: the broker never delivers it), or the group exhausted it and it
// arrived in the group's dead-letter topic (it left the topic by the configured route).
bool excused(history::Header const& header, MessageId id, MessageFacts const& facts,
             std::string const& group, DeadLettered const& dead) {
  auto const spec = header.groups.find(group);
  if (spec != header.groups.end() && !spec->second.filter.empty() &&
      !feature::filter_accepts(spec->second.filter, facts.tag))
    return true;
  return dead.contains({group, id});
}

Reach walk_acknowledged(history::Header const& header, MessageTable const& table,
                        Readers const& readers, DeadLettered const& dead,
                        Settled const& settled) {
  Reach reach;
  reach.unread_topics = settled.unread_topics;
  for (auto const& [id, facts] : table) {
    if (facts.outcome() != SendOutcome::ok) continue;
    auto const topic_readers = readers.find(facts.topic);
    MQCHECK_ASSERT(topic_readers != readers.end());  // expected_groups lists every sent topic.
    if (topic_readers->second.empty()) reach.unread_topics.insert(facts.topic);
    for (std::string const& group : topic_readers->second) {
      if (excused(header, id, facts, group, dead)) continue;
      auto const processing = facts.groups.find(group);
      if (processing == facts.groups.end()) {
        reach.anomalies.push_back(missing_anomaly(id, facts, group, header.drained));
        reach.missing.insert(id);
      } else if (processing->second.ok_ops.empty()) {
        // The group has an entry, so it has an info process: maybe processed, not lost.
        MQCHECK_ASSERT(!processing->second.info_ops.empty());
        reach.uncertain.insert(id);
      }
    }
  }
  return reach;
}

// At-least-once. Lost after a final drain is invalid. Not yet processed without a drain, no
// reader at all, or only an info process are all unknown: the history cannot decide them.
Verdict judge_at_least_once(history::Header const& header, MessageTable const& table,
                            Readers const& readers, DeadLettered const& dead,
                            Settled const& settled) {
  Reach reach = walk_acknowledged(header, table, readers, dead, settled);
  Verdict verdict{.guarantee = "at-least-once", .anomalies = std::move(reach.anomalies)};
  if (header.drained && !reach.missing.empty()) {
    verdict.validity = Validity::invalid;
    verdict.reason = plural(reach.missing.size(), "acknowledged message") +
                     " lost (never processed by a group that must read the topic, after a final"
                     " drain)";
    return verdict;
  }
  std::vector<std::string> reasons;
  if (!reach.missing.empty()) {
    reasons.push_back("history not drained: " +
                      plural(reach.missing.size(), "acknowledged message") + " not yet processed");
  }
  for (std::string const& topic : reach.unread_topics)
    reasons.push_back("no consumer group reads topic " + topic);
  if (!reach.uncertain.empty()) {
    reasons.push_back("uncertain: " + plural(reach.uncertain.size(), "acknowledged message") +
                      " maybe processed (only info process ops in a group that must read the"
                      " topic)");
  }
  if (!reasons.empty()) verdict.validity = Validity::unknown;
  verdict.reason = join(reasons);
  return verdict;
}

// No-unexpected. Only an ok process counts: an info process of an unsent message may not
// have happened. A message whose every send failed definitely was not written.
Verdict judge_no_unexpected(MessageTable const& table) {
  Verdict verdict{.guarantee = "no-unexpected"};
  for (auto const& [id, facts] : table) {
    SendOutcome const outcome = facts.outcome();
    if (outcome == SendOutcome::ok || outcome == SendOutcome::info) continue;
    std::vector<std::uint64_t> const failed = facts.failed_completions();
    std::string const why =
        outcome == SendOutcome::none
            ? "no producer ever sent it"
            : (failed.size() == 1 ? "its send failed (" : "all its sends failed (") +
                  op_list(failed) + ")";
    for (auto const& [group, processing] : facts.groups) {
      for (std::uint64_t const op : unique_sorted(processing.ok_ops)) {
        std::vector<std::uint64_t> witnesses = failed;
        witnesses.push_back(op);
        verdict.anomalies.push_back(Anomaly{"unexpected", id, group, unique_sorted(witnesses),
                                            "group " + group + " processed " + message_name(id) +
                                                " (op " + std::to_string(op) + ") but " + why});
      }
    }
  }
  if (!verdict.anomalies.empty()) {
    verdict.validity = Validity::invalid;
    verdict.reason = plural(verdict.anomalies.size(), "process op") +
                     " handled a message never sent or whose every send failed";
  }
  return verdict;
}

// Exactly-once: the worst of the three, with the union of their anomalies.
Verdict judge_exactly_once(std::vector<Verdict const*> const& parts) {
  Verdict verdict{.guarantee = "exactly-once"};
  std::vector<std::string> reasons;
  for (Verdict const* part : parts) {
    verdict.validity = worst(verdict.validity, part->validity);
    verdict.anomalies.insert(verdict.anomalies.end(), part->anomalies.begin(),
                             part->anomalies.end());
    if (part->validity != Validity::valid) reasons.push_back(part->guarantee + ": " + part->reason);
  }
  verdict.reason = join(reasons);
  return verdict;
}

Counts count_messages(MessageTable const& table, Counts counts) {
  for (auto const& [id, facts] : table) {
    bool processed_ok = false;
    for (auto const& [group, processing] : facts.groups) {
      counts.processed += static_cast<std::int64_t>(processing.ok_ops.size());
      processed_ok = processed_ok || !processing.ok_ops.empty();
    }
    switch (facts.outcome()) {
      case SendOutcome::none:
        continue;
      case SendOutcome::ok:
        ++counts.acknowledged;
        break;
      case SendOutcome::fail:
        ++counts.failed;
        break;
      case SendOutcome::info:
        ++counts.unknown;
        if (processed_ok) ++counts.recovered;
        break;
    }
    ++counts.sent;
  }
  return counts;
}

void count_anomalies(std::vector<Anomaly> const& anomalies, Counts& counts) {
  for (Anomaly const& anomaly : anomalies) {
    if (anomaly.kind == "lost")
      ++counts.lost;
    else if (anomaly.kind == "unseen")
      ++counts.unseen;
    else if (anomaly.kind == "duplicated")
      ++counts.duplicated;
    else if (anomaly.kind == "unexpected")
      ++counts.unexpected;
    else
      MQCHECK_ASSERT_MSG(false, "unknown anomaly kind");
  }
}

}  // namespace

std::vector<std::string_view> guarantee_names() {
  return {"at-most-once", "at-least-once", "exactly-once", "no-unexpected"};
}

DeliveryReport check_delivery(history::History const& history) {
  return check_delivery_stream(history.header(), ops_of(history));
}

DeliveryReport check_delivery_whole(history::History const& history) {
  std::map<std::uint64_t, std::string> processes;  // Of the ops of the table.
  MessageTable const table = build_delivery_table(history);
  for (auto const& [id, facts] : table) {
    for (auto const& [group, processing] : facts.groups) {
      for (auto const* ops : {&processing.ok_ops, &processing.info_ops})
        for (std::uint64_t const op : *ops) processes[op] = history.ops()[op].process;
    }
  }
  return delivery_detail::judge(history.header(), table, dead_lettered(history),
                                [&](std::uint64_t op) -> std::string const& {
                                  return processes.at(op);
                                },
                                {});
}

namespace delivery_detail {

bool is_broadcast(history::Header const& header, std::string const& group) {
  auto const spec = header.groups.find(group);
  return spec != header.groups.end() && spec->second.mode == history::GroupSpec::Mode::broadcast;
}

DeliveryReport judge(history::Header const& header, MessageTable const& table,
                     DeadLettered const& dead, ProcessOf const& process_of,
                     Settled const& settled) {
  Readers const readers = expected_groups(header, table);
  Verdict at_most_once = judge_at_most_once(header, process_of, table);
  Verdict at_least_once = judge_at_least_once(header, table, readers, dead, settled);
  Verdict no_unexpected = judge_no_unexpected(table);
  Verdict exactly_once = judge_exactly_once({&at_most_once, &at_least_once, &no_unexpected});

  DeliveryReport report{.counts = count_messages(table, settled.counts)};
  count_anomalies(exactly_once.anomalies, report.counts);
  report.verdicts = {std::move(at_most_once), std::move(at_least_once), std::move(exactly_once),
                     std::move(no_unexpected)};
  for (Verdict& verdict : report.verdicts) sort_anomalies(verdict.anomalies);
  MQCHECK_ASSERT(report.verdicts.size() == guarantee_names().size());
  for (std::size_t i = 0; i < report.verdicts.size(); ++i)
    MQCHECK_ASSERT(report.verdicts[i].guarantee == guarantee_names()[i]);
  return report;
}

}  // namespace delivery_detail

}  // namespace mqcheck::checker
