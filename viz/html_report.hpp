// SPDX-License-Identifier: Apache-2.0
// File: viz/html_report.hpp (layer: viz)
// The HTML report: one self-contained file (inline CSS, inline script, no network access)
// with the scenario and its configuration, the verdict table, each anomaly with its
// witnesses linked into the space-time diagram, the trace stepper, the fault timeline,
// counts and latency distributions. Every user-supplied string is escaped (viz/escape.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/delivery.hpp"
#include "history/history.hpp"
#include "viz/spacetime.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::viz {

struct ReportInput {
  std::string source;         // The file the report is about (scenario or history path).
  std::string scenario_text;  // The scenario's YAML, when the report comes from a scenario.
  std::optional<std::uint64_t> seed;
  std::vector<ExpectedVerdict> expected;  // The scenario's `expect:` block, if any.
  SpacetimeOptions diagram;   // Filter and cap for the diagram; the stepper shows the same ops.
  bool filter_given = false;  // False: a large history gets default_filter().
};

/// Returns the filter a large history gets when the user gave none: everything when the
/// history has at most `events_max` ops; else the messages of the first three anomalous
/// messages (plus faults) when the report has anomalies; else the time window of the first
/// `events_max` ops.
EventFilter default_filter(history::History const& history, checker::DeliveryReport const& report,
                           std::size_t events_max);

/// Returns a words version of `filter` for the page ("messages 5, 7; partition 0; 10ms to
/// 20ms"), or "everything".
std::string describe_filter(EventFilter const& filter);

/// Renders the whole report page. Deterministic: the same inputs give the same bytes (no
/// clock, no host name in it).
std::string render_html_report(history::History const& history,
                               checker::DeliveryReport const& report, ReportInput const& input);

}  // namespace mqcheck::viz
