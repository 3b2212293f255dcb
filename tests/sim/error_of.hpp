// SPDX-License-Identifier: Apache-2.0
// The InputError a scenario text raises when parsed and simulated once, or "(no error)": the
// sim tests' way of asserting that bad configuration is refused with a named key.
#pragma once

#include <string>

#include "core/input_error.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim::testing {

inline std::string error_of(std::string const& text) {
  try {
    simulate(parse_scenario(text, "s.yaml"), 1);
  } catch (InputError const& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace mqcheck::sim::testing
