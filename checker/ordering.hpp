// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering.hpp (layer: checker)
// The ordering checker (DESIGN.md §1). In each scope a topic's header().ordering promises, a
// group's first `ok` processings follow the broker's order and a producer's sends are stored
// in send order (else `reordered`); consumers read one consistent log without going back or
// skipping (`inconsistent-offsets`, `nonmonotonic-poll`, `poll-skip`: Jepsen's names). `info`
// ops order nothing (they may not have happened); an info send only widens a message's span.
#pragma once

#include <vector>

#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Judges the "ordering" guarantee of `history`. Returns one verdict when some topic whose
/// header().ordering scope is not `none` has a message that a group processed (`ok`), and no
/// verdict otherwise (the history does not exercise it). The verdict is invalid with every
/// anomaly found (sorted by sort_anomalies), unknown when no processed message of an ordered
/// topic has a known broker position (no offset, no acknowledged send), else valid. It never
/// reads header().allowed: the composition layer excuses allowed kinds. Pure and
/// deterministic; O(n log n) in the number of records. docs/anomalies.md, "Ordering", is the
/// full definition.
[[nodiscard]] std::vector<Verdict> check_ordering(history::History const& history);

/// Returns the ordering verdict of a history that exercises ordering (some processed message
/// of an ordered topic): invalid with `anomalies` (sorted here) when there are any, else
/// unknown when no such message is `positioned` (has a broker position to compare), else
/// valid. Shared by check_ordering and the streaming checker (checker/ordering_stream.hpp).
[[nodiscard]] Verdict ordering_verdict(std::vector<Anomaly> anomalies, bool positioned);

}  // namespace mqcheck::checker
