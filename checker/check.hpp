// SPDX-License-Identifier: Apache-2.0
// File: checker/check.hpp (layer: checker)
// The whole checker: every guarantee judged over one history, then the configuration's word
// applied. Anomaly kinds the header allows (`allowed`, e.g. poll-skip across a rebalance under
// subscribe) are moved to `permitted` and stop counting as violations; guarantees the header
// does not promise (`promises`) are listed in `unpromised`, so a report can tell "broken
// promise" from "never promised".
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checker/delivery.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Returns every guarantee name the checker can judge, in report order.
std::vector<std::string_view> all_guarantee_names();

/// Judges `history`. With `only` non-empty, returns just those guarantees (names from
/// all_guarantee_names(); the caller validates them). Delivery guarantees are always present;
/// the others appear only when the history exercises them.
[[nodiscard]] DeliveryReport check_history(history::History const& history,
                                           std::span<std::string const> only = {});

/// Moves the anomalies whose kind the header allows into report.permitted (their explanation
/// gains the header's reason) and recomputes each verdict left without violations.
void apply_allowed(history::Header const& header, DeliveryReport& report);

/// Returns true when the header promises `guarantee` (an empty promise list promises all).
bool promised(history::Header const& header, std::string_view guarantee);

}  // namespace mqcheck::checker
