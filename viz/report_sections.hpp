// SPDX-License-Identifier: Apache-2.0
// File: viz/report_sections.hpp (layer: viz)
// The sections of the HTML report, each a fragment of escaped HTML. Internal to viz; the page
// is assembled by render_html_report (viz/html_report_page.cpp). `shown` is the set of ops in
// the diagram: only those get links (#op-N), the others are named without one.
#pragma once

#include <cstdint>
#include <set>
#include <string>

#include "checker/delivery.hpp"
#include "history/history.hpp"
#include "viz/html_report.hpp"

namespace mqcheck::viz {

std::string verdicts_html(checker::DeliveryReport const& report, ReportInput const& input);
std::string anomalies_html(checker::DeliveryReport const& report,
                           std::set<std::uint64_t> const& shown);
std::string counts_html(history::History const& history, checker::Counts const& counts);
std::string faults_html(history::History const& history, std::set<std::uint64_t> const& shown);
std::string latency_html(history::History const& history);

}  // namespace mqcheck::viz
