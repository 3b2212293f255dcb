// SPDX-License-Identifier: Apache-2.0
// File: checker/features.hpp (layer: checker)
// The feature properties of DESIGN.md §1 (last paragraph): delay, priority, dead letters,
// broadcast, filters, tenants and authorization. Each is a pure function from a history to at
// most one verdict: a property the history does not exercise gets no verdict at all, so a
// report never shows a vacuous "valid" row. docs/anomalies.md ("Features") defines each one.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Returns the guarantees check_features can judge, in report order: "delay", "priority",
/// "dead-letter", "broadcast", "filtering", "tenancy", "authorization".
std::vector<std::string_view> feature_names();

/// Judges every feature property that `history` exercises and returns their verdicts in the
/// order of feature_names(), leaving out the ones it does not exercise (a history with no
/// feature at all gives an empty vector). Pure and deterministic; anomalies are sorted by first
/// witness. Validity: invalid when an anomaly proves a violation; unknown when only `info` ops,
/// a missing drain, or the absence of anything to judge stand in the way; valid otherwise.
[[nodiscard]] std::vector<Verdict> check_features(history::History const& history);

/// "delay" / `early-delivery`. Exercised when a send record has `deliver_after`. An ok
/// deliver, poll or process of a delayed message at a time before its `deliver_after` is an
/// anomaly (one per message and group; witnesses: the first send op and the first early op).
/// In a group whose header says `"delay":"consumer"` only process ops are judged.
[[nodiscard]] std::optional<Verdict> check_delay(history::History const& history);

/// "priority" / `priority-inversion`. Exercised when a record has a priority and the history
/// has `dispatch` events. A dispatch of a message to a group while a higher-priority message
/// of the same topic was ready (appended, or acknowledged to its producer) and not yet
/// dispatched to that group is an anomaly (one per overtaken message and group).
[[nodiscard]] std::optional<Verdict> check_priority(history::History const& history);

/// "dead-letter" / `dlq-missing`, `dlq-duplicate`. Exercised when a header group has a
/// `dead_letter_topic`. A message with `dead_letter_after` ok nacks in the group must arrive
/// in that topic once: never (after a drain) is `dlq-missing`, twice is `dlq-duplicate`.
[[nodiscard]] std::optional<Verdict> check_dead_letter(history::History const& history);

/// "broadcast" / `broadcast-miss`. Exercised when a header group is in broadcast mode. After
/// a drain, every instance (process) of the group must have an ok process of every
/// acknowledged message of the topics the group reads; a missing pair is an anomaly.
[[nodiscard]] std::optional<Verdict> check_broadcast(history::History const& history);

/// "filtering" / `filter-leak`. Exercised when a header group has a non-empty filter. An ok
/// deliver, poll or process by that group of a message whose tag is not in the filter is an
/// anomaly (one per message and group).
[[nodiscard]] std::optional<Verdict> check_filtering(history::History const& history);

/// "tenancy" / `tenant-leak`. Exercised when an op or a header group names a tenant. An ok
/// deliver, poll or process in tenant A of a message sent in tenant B != A is an anomaly.
[[nodiscard]] std::optional<Verdict> check_tenancy(history::History const& history);

/// "authorization" / `unauthorized-access`. Exercised when the header has ACLs. An ok send by
/// a principal to a topic outside its `produce` list, or an ok deliver, poll or process of a
/// topic outside its `consume` list, is an anomaly (one per op and topic).
[[nodiscard]] std::optional<Verdict> check_authorization(history::History const& history);

}  // namespace mqcheck::checker
