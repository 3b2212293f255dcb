// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_sections.hpp (layer: sim, internal to the scenario loader)
// Readers of the scenario file's sections, split across scenario*.cpp by what they read.
// Each takes the section's YAML node and returns typed values or throws InputError; none
// looks at any other section (cross-references are checked in scenario.cpp).
#pragma once

#include <vector>

#include "core/config_map.hpp"
#include "sim/scenario.hpp"
#include "sim/yaml_reader.hpp"

namespace mqcheck::sim {

/// Reads a map of a broker's or client's own keys; values must be scalars and keep their text
/// and position. The keys are not checked here: the broker's model validates them.
ConfigMap read_config_map(YamlField const& field);

/// Reads `network:` (default latency, drop, duplicate, reorder, and per-link overrides).
NetworkSpec read_network(YamlField const& field);

/// Reads `faults:`, the timed schedule, in file order (ties at one `at` apply in that order).
std::vector<TimedFault> read_faults(YamlField const& field);

/// Reads `fault_rates:`, the random (Poisson) faults.
std::vector<RandomFault> read_fault_rates(YamlField const& field);

}  // namespace mqcheck::sim
