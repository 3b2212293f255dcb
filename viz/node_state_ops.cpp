// SPDX-License-Identifier: Apache-2.0
// File: viz/node_state_ops.cpp (layer: viz)
// What each op does to node state, and the words a student reads for it. The reasons follow
// docs/anomalies.md and DESIGN.md §1: a confirm before fsync can be lost to a power loss
// (RabbitMQ, "Publisher confirms", https://www.rabbitmq.com/docs/confirms); an unacked
// delivery is redelivered after a consumer or broker failure, so at-least-once means possible
// duplicates (RabbitMQ, "Consumer Acknowledgements"); committing offsets after processing
// replays, before it skips (Kafka documentation, Design: "Message Delivery Semantics").
#include <algorithm>

#include "viz/node_state.hpp"
#include "viz/spacetime_marks.hpp"

namespace mqcheck::viz {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

std::string with_detail(std::string text, Op const& op) {
  std::string words;
  std::vector<std::pair<std::string, std::string>> pairs;
  parse_state_clause(op.detail, words, pairs);
  return words.empty() ? text + "." : text + " (" + words + ").";
}

std::string stored_key(history::Record const& r) {
  std::string where = r.topic.empty() ? std::string("log") : r.topic;
  if (r.partition) where += "-" + std::to_string(*r.partition);
  if (r.offset) return where + " @" + std::to_string(r.offset->value);
  return where + " m" + std::to_string(r.id.value);
}

}  // namespace

Narration StateTracker::on_store(Op const& op) {
  if (op.value.empty()) return on_control(op);  // An election, a truncation, a marker.
  bool const replica = op.f == OpKind::replicate;
  for (history::Record const& r : op.value) {
    Stored s{stored_key(r), r.id, false, "", false};
    if (!replica || !where_.contains(r.id)) where_[r.id] = {op.process, s.key};
    stored_[op.process][s.key] = s;
    render(op.process, s);
  }
  if (replica) {
    return {with_detail(op.process + " copies " + narrated_records(op) + " as a replica", op),
            "Another copy: the message can now survive the loss of the node that had it first."};
  }
  return {with_detail(op.process + " stores " + narrated_records(op), op),
          "Stored but not yet durable: a process crash keeps it (the OS page cache survives), "
          "a power loss keeps it only after an fsync."};
}

Narration StateTracker::on_fsync(Op const& op) {
  int synced = 0;
  for (auto& [key, s] : stored_[op.process]) {
    if (s.durable) continue;
    s.durable = true;
    render(op.process, s);
    ++synced;
  }
  std::string const says = op.process + " fsyncs: " + std::to_string(synced) +
                           (synced == 1 ? " message" : " messages") + " made durable";
  return {with_detail(says, op), synced > 0
                                     ? "They now survive a power loss."
                                     : "Nothing new was waiting: no stored message changes."};
}

Narration StateTracker::on_down(Op const& op) {
  bool const power = op.f == OpKind::power_loss;
  std::vector<std::string> lost;
  auto& stored = stored_[op.process];
  for (auto it = stored.begin(); it != stored.end();) {
    it->second.out.clear();
    if (power && !it->second.durable) {
      bool const confirmed = confirmed_.contains(it->second.id);
      if (confirmed) lost.push_back("m" + std::to_string(it->second.id.value));
      set(op.process, it->first, "");
      it = stored.erase(it);
      continue;
    }
    render(op.process, it->second);
    ++it;
  }
  for (auto const& [key, value] : std::map(state_[op.process])) {  // Copy: set() edits it.
    if (value.starts_with("received") || value.starts_with("processing")) set(op.process, key, "");
    if (value == "sending") set(op.process, key, "in flight at the crash");
  }
  set(op.process, "(status)", power ? "down: power loss" : "down: crashed");
  std::string says = with_detail(op.process + (power ? " loses power" : " crashes"), op);
  if (!lost.empty()) {
    std::string list;
    for (std::size_t i = 0; i < lost.size() && i < 8; ++i) list += (i ? " " : "") + lost[i];
    if (lost.size() > 8) list += " and " + std::to_string(lost.size() - 8) + " more";
    return {says,
            "Gone with the page cache: " + list +
                ", confirmed to their producer but never "
                "fsynced. An acknowledged message no consumer processed is lost: at-least-once "
                "breaks."};
  }
  return {says,
          "Its memory is gone. Deliveries it held without an ack will be handed out again, "
          "so a message processed but not yet acked is processed twice (at-least-once "
          "allows that; at-most-once does not)."};
}

Narration StateTracker::on_event(Op const& op) {
  switch (op.f) {
    case OpKind::append:
    case OpKind::replicate:
      return on_store(op);
    case OpKind::fsync:
      return on_fsync(op);
    case OpKind::crash:
    case OpKind::power_loss:
      return on_down(op);
    case OpKind::restart:
      set(op.process, "(status)", "");
      return {with_detail(op.process + " restarts", op),
              "It recovers what its disk holds; what lived only in memory is gone."};
    case OpKind::pause:
      set(op.process, "(status)", "paused");
      return {with_detail(op.process + " pauses", op),
              "Paused nodes miss deadlines: others may time out and retry or redeliver."};
    case OpKind::resume:
      set(op.process, "(status)", "");
      return {with_detail(op.process + " resumes", op), "It takes the steps it missed, in order."};
    case OpKind::partition:
      set(op.process, "(partition)", op.detail.empty() ? "cut" : op.detail);
      return {with_detail("The network splits", op),
              "Messages across the cut are dropped: sends time out and their outcome becomes "
              "unknown."};
    case OpKind::heal:
      set(op.process, "(partition)", "");
      return {with_detail("The network heals", op), "Messages flow again; retries can succeed."};
    default:
      break;
  }
  for (history::Record const& r : op.value) {
    auto it = where_.find(r.id);
    if (it == where_.end() || it->second.first != op.process) continue;
    auto& s = stored_[op.process][it->second.second];
    if (op.f == OpKind::expire) {
      set(op.process, s.key, "");
      stored_[op.process].erase(it->second.second);
      where_.erase(it);
    } else if (op.f == OpKind::redeliver) {
      s.out.clear();
      render(op.process, s);
    }
  }
  return event_words(op);
}

}  // namespace mqcheck::viz
