// SPDX-License-Identifier: Apache-2.0
// File: sim/run.hpp (layer: sim)
// The one entry point from a scenario to a finished run: builds the broker's world, resolves
// the plan and runs the kernel, keeping the history in memory or streaming its ops.
#pragma once

#include <cstdint>

#include "sim/kernel_sink.hpp"
#include "sim/plan.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim {

/// Runs `scenario` with `seed`. Deterministic: the same scenario and seed give the same
/// history, byte for byte. Throws InputError when the broker model rejects the scenario
/// (an unknown broker key, an unsupported shape, an unknown fault target).
RunResult simulate(Scenario const& scenario, std::uint64_t seed);

/// Runs `scenario` as simulate() does, but hands every op to `sink` as the kernel records it
/// and keeps none: the result's history holds the header alone (`drained` included). The ops
/// are those simulate() keeps, in order, byte for byte, so a streaming checker fed from this
/// (once per pass: the same seed replays the same run) judges what check_history judges on
/// simulate()'s history, in memory bounded by the model's own state instead of the history's
/// (about 4 KB per message for the Kafka benchmark). Not for concurrent use.
RunResult simulate_streaming(Scenario const& scenario, std::uint64_t seed, OpSink const& sink);

/// Runs the reference queue (model/reference). Called by simulate.
RunResult simulate_reference(Scenario const& scenario, std::uint64_t seed);
/// Runs the Kafka model (model/kafka). Called by simulate.
RunResult simulate_kafka(Scenario const& scenario, std::uint64_t seed);

}  // namespace mqcheck::sim
