// SPDX-License-Identifier: Apache-2.0
// File: viz/latency.hpp (layer: viz)
// Latency distributions read from a history: send→confirm (invoke to the ok of the same
// message by the same producer) and send→process (first send invoke to each ok processing),
// with percentiles and a small inline SVG histogram. Integer microseconds throughout, so the
// figures are the same on every machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history/history.hpp"

namespace mqcheck::viz {

struct Latencies {
  std::vector<std::int64_t> send_to_confirm_us;  // Sorted ascending.
  std::vector<std::int64_t> send_to_process_us;  // Sorted ascending.
};

/// Returns both distributions of `history`. Linear in its ops.
Latencies latencies_of(history::History const& history);

/// Returns the p-th percentile (0..100) of sorted `values` by the nearest-rank method, or 0
/// for an empty vector.
std::int64_t percentile(std::vector<std::int64_t> const& sorted, int p);

/// Returns an inline <svg> histogram of sorted `values` in `bins` equal-width bins, titled
/// `title`, with the count above each bar. An empty input draws "no samples".
std::string histogram_svg(std::vector<std::int64_t> const& sorted, std::string const& title,
                          int bins = 20);

}  // namespace mqcheck::viz
