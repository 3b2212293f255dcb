// SPDX-License-Identifier: Apache-2.0
// File: viz/verdict_table.hpp (layer: viz)
// The verdict table people read after a run, and the same report as JSON for machines.
// Both are pure functions of a DeliveryReport and the expected verdicts: the same input gives
// byte-identical text, so renderings can be golden files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/delivery.hpp"
#include "checker/verdict.hpp"

namespace mqcheck::viz {

/// The verdict a scenario's `expect:` block names for one guarantee.
struct ExpectedVerdict {
  std::string guarantee;
  checker::Validity validity = checker::Validity::valid;
};

/// Renders the verdict table people read after a run: one row per guarantee with its
/// verdict, the expected verdict if any (and a mark where they differ), and below it the
/// counts line (sent, acknowledged, processed, lost, duplicated, recovered, unexpected) and,
/// for each violated or unknown guarantee, its reason and up to `anomalies_max` anomalies
/// with witnesses and explanation. Plain text, aligned columns, no colours. The expected
/// column appears only when `expected` is not empty; an expectation for a guarantee that the
/// report does not hold is not shown (its checker is elsewhere). Ends with a newline.
std::string render_verdict_table(checker::DeliveryReport const& report,
                                 std::span<ExpectedVerdict const> expected,
                                 std::size_t anomalies_max = 5);

/// Returns every field of checker::Counts with its name, in report order: the one list the
/// JSON and HTML renderers share, so that a count added to Counts appears in both.
std::vector<std::pair<std::string_view, std::int64_t>> count_fields(checker::Counts const& c);

/// Renders the same as JSON, for machines (nlohmann::ordered_json, dump(2), no final
/// newline): {"verdicts":[{"guarantee":..., "verdict":..., "expected": ... or null,
/// "reason":..., "anomalies":[{"kind","message","group","witnesses","explanation"}]}],
/// "counts":{...}}. Every anomaly is included; counts has every field of checker::Counts.
std::string render_verdict_json(checker::DeliveryReport const& report,
                                std::span<ExpectedVerdict const> expected);

}  // namespace mqcheck::viz
