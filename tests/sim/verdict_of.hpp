// SPDX-License-Identifier: Apache-2.0
// A scenario text simulated once (seed 1), and the verdict the whole-history checker gives a
// guarantee: the sim tests' way of asserting what a modelled behaviour teaches.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "checker/check.hpp"
#include "history/history.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim::testing {

inline history::History history_of(std::string const& text) {
  return simulate(parse_scenario(text, "s.yaml"), 1).history;
}

inline checker::Verdict verdict_of(history::History const& h, std::string const& guarantee) {
  for (checker::Verdict const& v : checker::check_history(h).verdicts) {
    if (v.guarantee == guarantee) return v;
  }
  FAIL("no verdict " << guarantee);
  return {};
}

}  // namespace mqcheck::sim::testing
