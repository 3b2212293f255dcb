// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery.hpp (layer: checker)
// The delivery checker, in the vocabulary of Jepsen's total-queue checker (DESIGN.md §1):
// `lost` = acknowledged (ok send) but never processed by a group that must read its topic
// after a final drain (`unseen` without a drain); `duplicated` = processed twice by one group;
// `unexpected` = processed but never sent, or every send failed; `recovered` = a send whose
// outcome is unknown (info) that was processed. An `info` process is "maybe processed": it
// never makes a message lost, and never proves a duplicate; it can make a verdict unknown.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// What the history holds, in numbers.
struct Counts {
  std::int64_t sent = 0;          // Distinct message ids named by a send op.
  std::int64_t acknowledged = 0;  // Send outcome ok.
  std::int64_t failed = 0;        // Send outcome fail.
  std::int64_t unknown = 0;       // Send outcome info (an info completion or an open invoke).
  std::int64_t processed = 0;     // Records of ok process ops: a message processed twice is 2.
  std::int64_t lost = 0;          // Anomalies of each kind: one per (message, group) for
  std::int64_t duplicated = 0;    // lost, unseen and duplicated, one per ok process op for
  std::int64_t recovered = 0;     // unexpected. Recovered counts messages (not an anomaly).
  std::int64_t unexpected = 0;
  std::int64_t unseen = 0;
  bool operator==(Counts const&) const = default;
};

/// The delivery verdicts of one history.
struct DeliveryReport {
  Counts counts;
  std::vector<Verdict> verdicts{};  // In the order of guarantee_names() (all_guarantee_names()
                                    // once composed by check_history).
  std::vector<Anomaly> permitted{};     // Anomalies the configuration allows: not violations.
  std::vector<std::string> unpromised{};  // Guarantees judged that the configuration does not
                                          // promise: information, not failures.
  bool operator==(DeliveryReport const&) const = default;
};

/// Returns the guarantees check_delivery judges, in report order: "at-most-once",
/// "at-least-once", "exactly-once", "no-unexpected".
std::vector<std::string_view> guarantee_names();

/// Judges the at-most-once, at-least-once, exactly-once and no-unexpected guarantees of
/// `history`. Pure and deterministic: the same history gives the same report, anomalies
/// sorted by first witness. Exactly-once is the worst of the other three, with the union of
/// their anomalies. Runs the streaming checker (checker/delivery_stream.hpp) over the ops.
[[nodiscard]] DeliveryReport check_delivery(history::History const& history);

/// The same judgement from the whole history held at once: every message's table built first,
/// then judged. The streaming checker must always agree with it (tests compare them on random
/// histories); it is the definition in its most direct form.
[[nodiscard]] DeliveryReport check_delivery_whole(history::History const& history);

}  // namespace mqcheck::checker
