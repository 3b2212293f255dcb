// SPDX-License-Identifier: Apache-2.0
// File: viz/node_state_control.cpp (layer: viz)
// Broker events that carry no message: replication control (a leader election, an ISR change,
// a follower truncating its log, a broker fenced) and transaction markers. They explain where
// an acknowledged message went, so the stepper words them by what they mean for the
// guarantees. The words they start with are the history's conventions (docs/reports.md,
// "Control events"); an event in no known form is still shown, with its detail as written.
// Sources for the reasons: Kafka documentation, "Replication" (ISR, acks=all, clean election,
// https://kafka.apache.org/documentation/#replication); KIP-101 (truncation by leader epoch);
// KIP-98 (transaction markers, last stable offset).
#include <charconv>
#include <sstream>

#include "viz/node_state.hpp"

namespace mqcheck::viz {
namespace {

std::vector<std::string> words_of(std::string const& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) {
    if (w == "state:") break;
    out.push_back(w);
  }
  return out;
}

std::optional<std::int64_t> number(std::string const& text) {
  std::int64_t n = 0;
  auto const [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

// The value after `word` in `w`, e.g. after("to") in "truncate t-0 replica 0 from 9 to 7".
std::string after(std::vector<std::string> const& w, std::string_view word) {
  for (std::size_t i = 0; i + 1 < w.size(); ++i) {
    if (w[i] == word) return w[i + 1];
  }
  return "";
}

std::string clause_words(std::string const& detail) {
  std::string words;
  std::vector<std::pair<std::string, std::string>> pairs;
  parse_state_clause(detail, words, pairs);
  return words;
}

}  // namespace

Narration StateTracker::on_truncate(history::Op const& op, std::string const& partition,
                                    std::int64_t to) {
  std::string const prefix = partition + " @";
  std::vector<std::string> dropped;
  bool acknowledged = false;
  auto& stored = stored_[op.process];
  for (auto it = stored.begin(); it != stored.end();) {
    std::optional<std::int64_t> const offset =
        it->first.rfind(prefix, 0) == 0 ? number(it->first.substr(prefix.size())) : std::nullopt;
    if (!offset || *offset < to) {
      ++it;
      continue;
    }
    dropped.push_back("m" + std::to_string(it->second.id.value));
    acknowledged = acknowledged || confirmed_.contains(it->second.id);
    set(op.process, it->first, "");
    it = stored.erase(it);
  }
  std::string list;
  for (std::size_t i = 0; i < dropped.size() && i < 8; ++i) list += (i ? " " : "") + dropped[i];
  if (dropped.size() > 8) list += " and " + std::to_string(dropped.size() - 8) + " more";
  std::string const says = op.process + " truncates its log of " + partition + " to offset " +
                           std::to_string(to) + (dropped.empty() ? "" : ", dropping " + list) +
                           " (" + clause_words(op.detail) + ").";
  std::string why =
      "A replica cuts its log where it diverges from the current leader's (leader epochs, "
      "KIP-101), so all replicas agree again.";
  if (acknowledged) {
    why += " Some of what it drops was acknowledged to a producer and lived on no other "
           "replica: unless a consumer already processed it, it is lost.";
  }
  return {says, why};
}

Narration StateTracker::on_control(history::Op const& op) {
  std::vector<std::string> const w = words_of(op.detail);
  std::string const first = w.empty() ? "" : w[0];
  std::string const words = clause_words(op.detail);
  if (first == "truncate" && w.size() > 1) {
    if (std::optional<std::int64_t> const to = number(after(w, "to"))) {
      return on_truncate(op, w[1], *to);
    }
  }
  if (first == "leader" && w.size() > 2 && w[2] == "-1") {
    return {"No replica can lead " + w[1] + " (" + words + ").",
            "The partition is offline: writes and reads of it fail until a replica returns."};
  }
  if (first == "leader" && w.size() > 2) {
    return {"broker-" + w[2] + " becomes the leader of " + w[1] + " (" + words + ").",
            "Only what the new leader holds survives: a record the old leader acknowledged "
            "but never replicated here is cut from the old leader's log when it returns."};
  }
  if (first == "isr" && w.size() > 1) {
    return {"The in-sync replicas of " + w[1] + " change (" + words + ").",
            "acks=all waits for every in-sync replica and min.insync.replicas counts them: a "
            "smaller ISR acknowledges a write with fewer copies."};
  }
  if (first == "unclean") {
    return {op.process + ": " + words + ".",
            "An unclean election picks a replica that was not in sync: whatever it lacks, "
            "acknowledged or not, is gone."};
  }
  if (first == "fenced" || first == "unfenced") {
    return {op.process + ": " + words + ".",
            first == "fenced" ? "The broker missed its heartbeats: the partitions it led get "
                                "new leaders."
                              : "The broker is back in the cluster and can lead again."};
  }
  if (first == "COMMIT" || first == "ABORT") {
    return {op.process + " writes a transaction marker (" + words + ").",
            first == "COMMIT"
                ? "read_committed consumers may now read the transaction's records."
                : "read_committed consumers skip the transaction's records; "
                  "read_uncommitted ones may already have read them."};
  }
  return {op.process + ": " + (words.empty() ? std::string(to_string(op.f)) : words) + ".",
          "A broker event without messages."};
}

}  // namespace mqcheck::viz
