// SPDX-License-Identifier: Apache-2.0
// File: checker/send_outcomes.cpp (layer: checker)
// One pass over the ops pairs each completion with its invoke and files sends and processings
// under their message. Open invokes are keyed by process in a std::map, so the final pass over
// the ones never completed runs in a fixed order.
#include "checker/send_outcomes.hpp"

#include <algorithm>

#include "checker/transactions.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

// An invoke waiting for its completion.
struct OpenInvoke {
  std::uint64_t index = 0;
  OpKind f = OpKind::send;
  std::vector<MessageId> ids;  // Sorted, so that pairing ignores the order of records.
  std::string group;
};

class TableBuilder {
 public:
  void on_op(Op const& op) {
    if (!history::is_client_op(op)) return;
    if (op.f != OpKind::send && op.f != OpKind::process) return;
    if (op.type == OpType::invoke) {
      on_invoke(op);
    } else {
      on_completion(op, take_open_invoke(op));
    }
  }

  // An invoke never completed counts as `info`: a send attempt already does (its outcome
  // starts as info), and a process becomes a "maybe processed" of its group.
  MessageTable finish() && {
    for (auto const& [process, invokes] : open_) {
      for (OpenInvoke const& invoke : invokes) {
        if (invoke.f != OpKind::process) continue;
        for (MessageId id : invoke.ids)
          table_[id].groups[invoke.group].info_ops.push_back(invoke.index);
      }
    }
    for (auto& [id, facts] : table_) {
      for (auto& [group, processing] : facts.groups)
        std::sort(processing.info_ops.begin(), processing.info_ops.end());
    }
    return std::move(table_);
  }

 private:
  void on_invoke(Op const& op) {
    open_[op.process].push_back(OpenInvoke{op.index, op.f, sorted_ids(op), op.group});
    if (op.f != OpKind::send) return;
    for (history::Record const& record : op.value) {
      MessageFacts& facts = table_[record.id];
      if (facts.sends.empty()) facts.topic = record.topic;
      if (facts.tag.empty()) facts.tag = record.tag;
      facts.sends.push_back(SendAttempt{op.index, std::nullopt, OpType::info, op.process, op.txn});
    }
  }

  // Removes and returns the earliest open invoke that `op` completes, if any.
  std::optional<std::uint64_t> take_open_invoke(Op const& op) {
    auto const found = open_.find(op.process);
    if (found == open_.end()) return std::nullopt;
    std::vector<OpenInvoke>& invokes = found->second;
    std::vector<MessageId> const ids = sorted_ids(op);
    // An invoke that names no message (docs/history-format.md: a poll's) pairs on f alone.
    auto const it = std::find_if(invokes.begin(), invokes.end(), [&](OpenInvoke const& open) {
      return open.f == op.f && (open.ids.empty() || open.ids == ids);
    });
    if (it == invokes.end()) return std::nullopt;
    std::uint64_t const index = it->index;
    invokes.erase(it);
    if (invokes.empty()) open_.erase(found);
    return index;
  }

  void on_completion(Op const& op, std::optional<std::uint64_t> invoke) {
    if (op.f == OpKind::send) {
      for (history::Record const& record : op.value) complete_send(op, record, invoke);
      return;
    }
    // A failed process did not happen, so it leaves no trace in the table.
    if (op.type == OpType::fail) return;
    for (history::Record const& record : op.value) {
      GroupProcessing& processing = table_[record.id].groups[op.group];
      (op.type == OpType::ok ? processing.ok_ops : processing.info_ops).push_back(op.index);
    }
  }

  void complete_send(Op const& op, history::Record const& record,
                     std::optional<std::uint64_t> invoke) {
    MessageFacts& facts = table_[record.id];
    auto const filed = std::find_if(facts.sends.begin(), facts.sends.end(), [&](auto const& a) {
      return invoke && a.invoke == invoke && !a.completion;
    });
    if (facts.tag.empty()) facts.tag = record.tag;
    if (filed != facts.sends.end()) {
      filed->completion = op.index;
      filed->outcome = op.type;
      if (!op.txn.empty()) filed->txn = op.txn;
      return;
    }
    // No attempt was filed: the completion stands alone, or its invoke named no message.
    if (facts.sends.empty()) facts.topic = record.topic;
    facts.sends.push_back(SendAttempt{invoke, op.index, op.type, op.process, op.txn});
  }

  MessageTable table_;
  std::map<std::string, std::vector<OpenInvoke>> open_;  // By process.
};

// Sets every GroupProcessing's topics from the records of its ops that name the message.
void fill_topics(MessageTable& table, history::History const& history) {
  for (auto& [id, facts] : table) {
    for (auto& [group, processing] : facts.groups) {
      processing.topics.clear();
      for (auto const* ops : {&processing.ok_ops, &processing.info_ops}) {
        for (std::uint64_t const index : *ops) {
          for (history::Record const& record : history.ops()[index].value)
            if (record.id == id) processing.topics.insert(record.topic);
        }
      }
    }
  }
}

// Keeps, lowers to info, or drops each process op of `processing` as its transaction says.
void apply_txns(GroupProcessing& processing, history::History const& history,
                TxnTable const& txns) {
  GroupProcessing counted;
  for (auto const* ops : {&processing.ok_ops, &processing.info_ops}) {
    for (std::uint64_t const index : *ops) {
      switch (counted_as_processed(history.ops()[index], txns, history.header().drained)) {
        case Counted::yes:
          counted.ok_ops.push_back(index);
          break;
        case Counted::maybe:
          counted.info_ops.push_back(index);
          break;
        case Counted::no:
          break;
      }
    }
  }
  std::sort(counted.ok_ops.begin(), counted.ok_ops.end());
  std::sort(counted.info_ops.begin(), counted.info_ops.end());
  processing = std::move(counted);
}

}  // namespace

std::vector<MessageId> sorted_ids(Op const& op) {
  std::vector<MessageId> ids;
  ids.reserve(op.value.size());
  for (history::Record const& record : op.value) ids.push_back(record.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

SendOutcome MessageFacts::outcome() const {
  if (sends.empty()) return SendOutcome::none;
  auto const any = [&](OpType type) {
    return std::any_of(sends.begin(), sends.end(),
                       [&](auto const& a) { return a.outcome == type; });
  };
  if (any(OpType::ok)) return SendOutcome::ok;
  if (any(OpType::info)) return SendOutcome::info;
  return SendOutcome::fail;
}

SendAttempt const* MessageFacts::first_ok() const {
  SendAttempt const* first = nullptr;
  for (SendAttempt const& attempt : sends) {
    if (attempt.outcome != OpType::ok) continue;
    MQCHECK_ASSERT(attempt.completion.has_value());
    if (first == nullptr || *attempt.completion < *first->completion) first = &attempt;
  }
  return first;
}

std::vector<std::uint64_t> MessageFacts::failed_completions() const {
  std::vector<std::uint64_t> indices;
  for (SendAttempt const& attempt : sends) {
    if (attempt.outcome == OpType::fail && attempt.completion)
      indices.push_back(*attempt.completion);
  }
  std::sort(indices.begin(), indices.end());
  return indices;
}

MessageTable build_message_table(history::History const& history) {
  TableBuilder builder;
  for (Op const& op : history.ops()) builder.on_op(op);
  MessageTable table = std::move(builder).finish();
  fill_topics(table, history);
  return table;
}

MessageTable build_delivery_table(history::History const& history) {
  MessageTable table = build_message_table(history);
  TxnTable const txns = build_txn_table(history);
  for (auto& [id, facts] : table) {
    for (SendAttempt& attempt : facts.sends) {
      if (attempt.txn.empty() || attempt.outcome != OpType::ok) continue;
      auto const txn = txns.find(attempt.txn);
      if (txn != txns.end() && txn->second.status != TxnStatus::committed)
        attempt.outcome = OpType::info;
    }
    for (auto& [group, processing] : facts.groups) apply_txns(processing, history, txns);
    std::erase_if(facts.groups, [](auto const& entry) {
      return entry.second.ok_ops.empty() && entry.second.info_ops.empty();
    });
  }
  fill_topics(table, history);
  return table;
}

DeadLetterTracker::DeadLetterTracker(history::Header const& header) : header_(&header) {
  for (auto const& [group, spec] : header.groups) {
    if (!spec.dead_letter_topic.empty() && spec.dead_letter_after > 0)
      dead_letter_topics_.insert(spec.dead_letter_topic);
    if (!spec.dead_letter_topic.empty()) nack_groups_.push_back(group);
  }
}

void DeadLetterTracker::observe(Op const& op) {
  if (dead_letter_topics_.empty() || op.type == OpType::invoke || op.type == OpType::fail)
    return;
  bool const nack = op.f == OpKind::nack && op.type == OpType::ok;
  for (history::Record const& record : op.value) {
    if (forgotten_.contains(record.id)) continue;  // Its pairs no longer matter (forget).
    if (nack) {
      auto const spec = header_->groups.find(op.group);
      if (spec != header_->groups.end() && !spec->second.dead_letter_topic.empty())
        ++nacks_[{op.group, record.id}];
    }
    if (dead_letter_topics_.contains(record.topic)) arrived_.insert({record.topic, record.id});
  }
}

std::set<std::pair<std::string, MessageId>> DeadLetterTracker::finish() const {
  std::set<std::pair<std::string, MessageId>> out;
  for (auto const& [key, count] : nacks_) {
    history::GroupSpec const& spec = header_->groups.at(key.first);
    if (spec.dead_letter_after <= 0 || count < spec.dead_letter_after) continue;
    if (arrived_.contains({spec.dead_letter_topic, key.second})) out.insert(key);
  }
  return out;
}

void DeadLetterTracker::forget(MessageId id) {
  if (dead_letter_topics_.empty()) return;  // observe() holds nothing.
  forgotten_.insert(id);
  for (std::string const& group : nack_groups_) nacks_.erase({group, id});
  for (std::string const& topic : dead_letter_topics_) arrived_.erase({topic, id});
}

std::size_t DeadLetterTracker::memory_bytes() const {
  constexpr std::size_t node = 96;  // A tree node holding a short string and an id.
  return (nacks_.size() + arrived_.size()) * node + forgotten_.memory_bytes();
}

std::set<std::pair<std::string, MessageId>> dead_lettered(history::History const& history) {
  DeadLetterTracker tracker(history.header());
  for (Op const& op : history.ops()) tracker.observe(op);
  return tracker.finish();
}

std::map<std::string, std::set<std::string>> expected_groups(history::Header const& header,
                                                             MessageTable const& table) {
  std::map<std::string, std::set<std::string>> groups;
  for (auto const& [topic, subscribed] : header.subscriptions)
    groups[topic].insert(subscribed.begin(), subscribed.end());
  for (auto const& [id, facts] : table) {
    if (facts.sends.empty() || header.subscriptions.contains(facts.topic)) continue;
    std::set<std::string>& readers = groups[facts.topic];
    for (auto const& [group, processing] : facts.groups) {
      // A group that read the message only in another topic (a dead-letter topic) does not
      // thereby read its send topic.
      if (processing.topics.contains(facts.topic)) readers.insert(group);
    }
  }
  return groups;
}

}  // namespace mqcheck::checker
