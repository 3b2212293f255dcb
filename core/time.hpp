// SPDX-License-Identifier: Apache-2.0
// File: core/time.hpp (layer: core)
// Simulated time, in integer microseconds since the scenario started. It is the only time:
// nothing in core/, model/, sim/ or checker/ reads a host clock.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

namespace mqcheck {

/// A span of simulated time in microseconds. Never negative when it comes from a scenario.
struct DurationUs {
  std::int64_t us = 0;
  constexpr auto operator<=>(DurationUs const&) const = default;
  constexpr DurationUs operator+(DurationUs o) const { return {us + o.us}; }
  constexpr DurationUs operator-(DurationUs o) const { return {us - o.us}; }
};

/// A point of simulated time: microseconds since the scenario started.
struct SimTimeUs {
  std::int64_t us = 0;
  constexpr auto operator<=>(SimTimeUs const&) const = default;
  constexpr SimTimeUs operator+(DurationUs d) const { return {us + d.us}; }
  constexpr DurationUs operator-(SimTimeUs o) const { return {us - o.us}; }
  static constexpr SimTimeUs max() { return {std::numeric_limits<std::int64_t>::max()}; }
};

constexpr DurationUs microseconds(std::int64_t n) { return {n}; }
constexpr DurationUs milliseconds(std::int64_t n) { return {n * 1'000}; }
constexpr DurationUs seconds(std::int64_t n) { return {n * 1'000'000}; }

/// Returns the shortest exact text for `d` with a unit suffix: "250us", "15ms", "2s".
std::string format_duration(DurationUs d);

}  // namespace mqcheck
