// SPDX-License-Identifier: Apache-2.0
// File: sim/run.hpp (layer: sim)
// The one entry point from a scenario to a finished run: builds the broker's world, resolves
// the plan and runs the kernel.
#pragma once

#include <cstdint>

#include "sim/plan.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim {

/// Runs `scenario` with `seed`. Deterministic: the same scenario and seed give the same
/// history, byte for byte. Throws InputError when the broker model rejects the scenario
/// (an unknown broker key, an unsupported shape, an unknown fault target).
RunResult simulate(Scenario const& scenario, std::uint64_t seed);

/// Runs the reference queue (model/reference). Called by simulate.
RunResult simulate_reference(Scenario const& scenario, std::uint64_t seed);
/// Runs the Kafka model (model/kafka). Called by simulate.
RunResult simulate_kafka(Scenario const& scenario, std::uint64_t seed);

}  // namespace mqcheck::sim
