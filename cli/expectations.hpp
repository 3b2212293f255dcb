// SPDX-License-Identifier: Apache-2.0
// File: cli/expectations.hpp (layer: cli)
// Expected verdicts (from a scenario's `expect:` block or `check --expect`) and how a report
// is compared with them.
#pragma once

#include <string>
#include <vector>

#include "checker/delivery.hpp"
#include "sim/scenario.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::cli {

/// Returns the scenario's expectations; InputError for an unknown guarantee or verdict.
std::vector<viz::ExpectedVerdict> expected_verdicts(sim::Scenario const& scenario);
/// Parses "guarantee=verdict" options; InputError (key --expect) when malformed.
std::vector<viz::ExpectedVerdict> parse_expect_options(std::vector<std::string> const& options);
/// Checks `--guarantee` names against the checker's; InputError with the nearest name.
void validate_guarantee_options(std::vector<std::string> const& names);
/// Returns one line per expectation the report does not meet.
std::vector<std::string> mismatches(checker::DeliveryReport const& report,
                                    std::vector<viz::ExpectedVerdict> const& expected);

}  // namespace mqcheck::cli
