// SPDX-License-Identifier: Apache-2.0
// File: viz/node_state_client.cpp (layer: viz)
// What client ops (send, receive, process, ack, commit, transactions) do to node state, and
// their words. "Processed" is the effect the guarantees count (docs/history-format.md:
// `process` is not `deliver` or `poll`), so duplicates are counted per group on process ops.
#include <string_view>

#include "viz/node_state.hpp"
#include "viz/spacetime_marks.hpp"

namespace mqcheck::viz {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

std::string mid(history::Record const& r) { return "m" + std::to_string(r.id.value); }

std::string reason(Op const& op) { return op.detail.empty() ? "" : " (" + op.detail + ")"; }

}  // namespace

Narration event_words(Op const& op) {
  std::string const what = op.detail.empty() ? "" : ": " + op.detail;
  switch (op.f) {
    case OpKind::drop:
      return {"The network drops a message" + what + ".",
              "The sender sees only a timeout: retrying may duplicate, giving up may lose."};
    case OpKind::duplicate:
      return {"The network duplicates a message" + what + ".",
              "Without deduplication the receiver may store or process it twice."};
    case OpKind::redeliver:
      return {op.process + " hands " + narrated_records(op) + " out again" + reason(op) + ".",
              "At-least-once at work: redelivery prevents loss, but a consumer that already "
              "processed the message will process it again unless it deduplicates."};
    case OpKind::expire:
      return {op.process + " discards " + narrated_records(op) + reason(op) + ".",
              "If no consumer processed it first, it will never be processed."};
    case OpKind::dispatch:
      return {op.process + " picks " + narrated_records(op) + " for " + op.group + ".",
              "The moment the broker chooses among waiting messages: priorities are judged "
              "here."};
    default:
      return {op.process + " " + std::string(to_string(op.f)) + " " + narrated_records(op) +
                  reason(op) + ".",
              ""};
  }
}

Narration StateTracker::on_sent(Op const& op) {
  bool unsynced = false;
  for (history::Record const& r : op.value) {
    confirmed_.insert(r.id);
    set(op.process, mid(r), "confirmed" + (r.offset ? " @" + std::to_string(r.offset->value) : ""));
    count(op.process, "(in flight)", -1);
    if (auto it = where_.find(r.id); it != where_.end()) {
      auto const& s = stored_[it->second.first][it->second.second];
      unsynced = unsynced || !s.durable;
    }
  }
  std::string const says =
      "The broker confirms " + narrated_records(op) + " to " + op.process + ".";
  if (unsynced) {
    return {says,
            "Confirmed before it was fsynced: the producer now believes it delivered, "
            "yet a power loss would still erase it."};
  }
  return {says,
          "The producer counts it as delivered: at-least-once now obliges a consumer to "
          "process it."};
}

Narration StateTracker::on_send(Op const& op) {
  if (op.type == OpType::ok) return on_sent(op);
  for (history::Record const& r : op.value) {
    if (op.type == OpType::invoke) {
      set(op.process, mid(r), "sending");
      count(op.process, "(in flight)", 1);
    } else {
      set(op.process, mid(r), (op.type == OpType::fail ? "failed" : "unknown") + reason(op));
      count(op.process, "(in flight)", -1);
    }
  }
  if (op.type == OpType::invoke) {
    return {op.process + " sends " + narrated_records(op) + ".",
            "Until a confirm arrives the producer cannot know whether the broker has it."};
  }
  if (op.type == OpType::fail) {
    return {op.process + "'s send of " + narrated_records(op) + " fails" + reason(op) + ".",
            "The broker certainly did not take it: nothing is owed to consumers."};
  }
  return {op.process + "'s send of " + narrated_records(op) + " ends without an answer" +
              reason(op) + ".",
          "Outcome unknown: the broker may have it or not. It is never counted lost, and if it "
          "shows up it is 'recovered'; resending it risks a duplicate."};
}

Narration StateTracker::on_receive(Op const& op) {
  if (op.type != OpType::ok) {
    return {op.process + " " + std::string(to_string(op.type)) + " " +
                std::string(to_string(op.f)) + reason(op) + ".",
            op.f == OpKind::poll ? "Asking the broker for the next messages." : ""};
  }
  if (op.value.empty()) return {op.process + "'s poll returns nothing.", "Nothing waits for it."};
  bool const again = op.detail.find("redeliver") != std::string::npos;
  for (history::Record const& r : op.value) {
    set(op.process, mid(r), again ? "received again" : "received");
    if (auto it = where_.find(r.id); it != where_.end()) {
      auto& s = stored_[it->second.first][it->second.second];
      s.out = op.process;
      render(it->second.first, s);
    }
  }
  std::string const verb = op.f == OpKind::poll ? " fetches " : " receives ";
  if (again) {
    return {op.process + verb + narrated_records(op) + " again (redelivered).",
            "If this group already processed it, processing it again is a duplicate: "
            "at-most-once and exactly-once break."};
  }
  return {op.process + verb + narrated_records(op) + ".",
          "Received is not processed: if the consumer crashes now, only a redelivery saves the "
          "message."};
}

Narration StateTracker::on_process(Op const& op) {
  std::string dup;
  for (history::Record const& r : op.value) {
    if (op.type == OpType::invoke) {
      set(op.process, mid(r), "processing");
    } else if (op.type == OpType::ok) {
      int const n = ++processed_[{op.group, r.id}];
      set(op.process, mid(r), n == 1 ? "processed" : "processed x" + std::to_string(n));
      count(op.process, "(processed)", 1);
      if (n > 1) dup += (dup.empty() ? "" : " ") + mid(r);
    } else {
      set(op.process, mid(r),
          op.type == OpType::fail ? "not processed" + reason(op) : "maybe processed" + reason(op));
    }
  }
  std::string const who = op.process + (op.group.empty() ? "" : " (" + op.group + ")");
  if (op.type == OpType::invoke) {
    return {who + " starts processing " + narrated_records(op) + ".",
            "Processing is the effect the delivery guarantees count."};
  }
  if (op.type == OpType::fail) {
    return {who + "'s processing of " + narrated_records(op) + " does not take effect" +
                reason(op) + ".",
            "Only a redelivery can still get it processed."};
  }
  if (op.type == OpType::info) {
    return {who + "'s processing of " + narrated_records(op) + " has an unknown outcome" +
                reason(op) + ".",
            "Maybe processed: it can neither prove a duplicate nor leave the message lost."};
  }
  if (!dup.empty()) {
    return {who + " processes " + dup + " again.",
            "A duplicate: the same group processed the same message twice. At-most-once and "
            "exactly-once break."};
  }
  return {who + " processes " + narrated_records(op) + ".",
          "The effect happened once: at-least-once is satisfied for it in this group."};
}

Narration StateTracker::on_settle(Op const& op) {
  bool const ack = op.f == OpKind::ack;
  bool before_processing = false;
  for (history::Record const& r : op.value) {
    auto const& rows = state_[op.process];
    auto row = rows.find(mid(r));
    std::string const prior = row == rows.end() ? std::string() : row->second;
    before_processing = before_processing || !prior.starts_with("processed");
    if (op.type == OpType::ok) set(op.process, mid(r), prior + (ack ? ", acked" : ", nacked"));
    auto it = where_.find(r.id);
    if (op.type != OpType::ok || it == where_.end()) continue;
    auto& s = stored_[it->second.first][it->second.second];
    s.out.clear();
    s.acked = s.acked || ack;
    render(it->second.first, s);
  }
  std::string const says = op.process + " " + std::string(ack ? "acks " : "rejects ") +
                           narrated_records(op) + reason(op) + ".";
  if (!ack) return {says, "The broker may requeue it: it will be delivered again."};
  if (before_processing) {
    return {says,
            "Acked before processing: if the consumer crashes now the message is gone "
            "(at-most-once behaviour)."};
  }
  return {says,
          "Acked after processing: the broker may forget it. A crash before this ack "
          "would have meant a redelivery and a duplicate (at-least-once behaviour)."};
}

Narration StateTracker::on_position(Op const& op) {
  if (op.type != OpType::ok) {
    return {op.process + " " + std::string(to_string(op.type)) + " " +
                std::string(to_string(op.f)) + reason(op) + ".",
            ""};
  }
  if (op.f == OpKind::assign) {
    set(op.process, "(assigned)", records_name(op, 16));
    return {op.process + " now holds " + records_name(op, 16) + ".",
            "A rebalance: another consumer may have read past what this one resumes from, or "
            "not as far."};
  }
  for (history::Record const& r : op.value) {
    std::string key = "committed " + r.topic;
    if (r.partition) key += "-" + std::to_string(*r.partition);
    set(op.process, key, (r.offset ? "@" + std::to_string(r.offset->value) + " " : "") + mid(r));
  }
  return {op.process + " commits its position: " + narrated_records(op) + ".",
          "After a crash the group resumes after this point. Commit after processing and a "
          "crash replays (duplicates); commit before and a crash skips (loss)."};
}

Narration StateTracker::on_txn(Op const& op) {
  std::string const key = "txn " + (op.txn.empty() ? std::string("?") : op.txn);
  std::string value;
  if (op.type == OpType::invoke) {
    value = op.f == OpKind::txn_begin ? "beginning" : "ending";
  } else if (op.type == OpType::info) {
    value = "unknown";
  } else if (op.f == OpKind::txn_begin) {
    value = op.type == OpType::ok ? "open" : "";
  } else {
    value = op.f == OpKind::txn_commit && op.type == OpType::ok ? "committed" : "aborted";
  }
  set(op.process, key, value);
  return {op.process + " " + std::string(to_string(op.type)) + " " + std::string(to_string(op.f)) +
              " " + key + ".",
          "A read-committed consumer sees a transaction's messages only once it commits, all "
          "together; an aborted one never."};
}

}  // namespace mqcheck::viz
