// SPDX-License-Identifier: Apache-2.0
// File: viz/stepper.hpp (layer: viz)
// The trace stepper of the HTML report, computed here so it is unit-tested: for each op a
// person steps to, what it did in plain words, why it matters for the guarantee, and how
// each node's state changed. Node state is derived from the history only (the ops, and the
// `state:` clauses a model writes into event details; docs/reports.md, "Node state"), so a
// history recorded elsewhere steps too, showing whatever it carries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checker/delivery.hpp"
#include "history/history.hpp"
#include "viz/event_filter.hpp"

namespace mqcheck::viz {

/// Each node's state: node → row key → value. Row keys sort naturally ("(status)" and other
/// parenthesised summaries first); "" is never stored (it means "absent").
using NodeState = std::map<std::string, std::map<std::string, std::string>>;

/// One row that changed: `before` or `after` is "" when the row was or becomes absent.
struct StateChange {
  std::string node;
  std::string key;
  std::string before;
  std::string after;
  bool operator==(StateChange const&) const = default;
};

/// One step: an op, the words for it, and the state it leaves behind.
struct Step {
  std::uint64_t op = 0;
  std::string says;     // What happened: "broker-0 appends m5 to orders at offset 4."
  std::string why;      // Why it matters for the guarantee, in one or two sentences.
  std::string witness;  // "Witness of: lost m12 (billing)" when the op proves an anomaly.
  std::vector<StateChange> changes;  // Sorted by (node, key); includes skipped ops' changes.
};

struct Stepper {
  NodeState initial;        // The state before the first step (ops before it applied).
  std::vector<Step> steps;  // One per op that passes the filter, at most steps_max.
  std::size_t omitted = 0;  // Ops that passed the filter beyond steps_max.
};

/// Builds the stepper over the ops of `history` that pass `filter` widened by
/// with_partition_scopes, as the diagram is (the first `steps_max`).
/// State is computed over every op; changes made by ops the filter hides are folded into the
/// next shown step. `report` (may be null) names the anomalies whose witnesses a step marks.
/// Deterministic.
Stepper build_stepper(history::History const& history, checker::DeliveryReport const* report,
                      EventFilter const& filter, std::size_t steps_max);

/// Returns the state after the first `count` steps (count 0: the initial state), by applying
/// each step's changes: what the page's script does when a person steps forward.
NodeState state_after(Stepper const& stepper, std::size_t count);

/// Returns the stepper as compact JSON for the page: {"initial":{node:{key:value}},
/// "steps":[{"op":N,"says":..,"why":..,"witness":..,"ch":[[node,key,before,after],..]}],
/// "omitted":N}. Strings are valid UTF-8 (invalid bytes become U+FFFD).
std::string stepper_json(Stepper const& stepper);

}  // namespace mqcheck::viz
