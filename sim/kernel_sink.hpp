// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel_sink.hpp (layer: sim)
// Where a kernel's ops go when a run streams them (sim::simulate_streaming) instead of keeping
// its history in memory. Small on purpose: sim/run.hpp includes it without the kernel.
#pragma once

#include <cstdint>
#include <functional>

#include "history/op.hpp"

namespace mqcheck::sim {

/// Receives every op of a run as the kernel records it, in order, with index and time set.
using OpSink = std::function<void(history::Op const&)>;

/// While `sink` is set, a kernel constructed then hands each op to it instead of keeping it
/// in the run's history, which then holds the header alone: how simulate_streaming
/// (sim/run.hpp) streams a world builder's kernel without the builder knowing. Not for
/// concurrent use; null otherwise.
struct RunSink {
  static inline OpSink const* sink = nullptr;
};

}  // namespace mqcheck::sim
