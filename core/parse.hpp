// SPDX-License-Identifier: Apache-2.0
// File: core/parse.hpp (layer: core)
// Exact parsing of the scalar spellings users write in scenarios and broker configuration:
// durations ("250us", "1.5ms", "2s"), ratios ("1/1000", "0.1%", "0.001"), integers and
// booleans. No floating point is involved, so a value means the same on every machine.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/ratio.hpp"
#include "core/time.hpp"

namespace mqcheck {

/// Returns the duration spelled `text` ("0", "250us", "15ms", "1.5ms", "2s", "3m"), or
/// nothing when it is not a duration or is not a whole number of microseconds.
std::optional<DurationUs> parse_duration(std::string_view text);

/// Returns the probability spelled `text` ("0", "1", "1/1000", "0.1%", "0.001"), exact, or
/// nothing when it is not one or lies outside [0, 1].
std::optional<Ratio> parse_ratio(std::string_view text);

/// Returns the decimal integer spelled `text` (optional leading '-'), or nothing on any other
/// character or on overflow.
std::optional<std::int64_t> parse_int(std::string_view text);

/// Returns true for "true", false for "false" (YAML and Java .properties spellings), else nothing.
std::optional<bool> parse_bool(std::string_view text);

}  // namespace mqcheck
