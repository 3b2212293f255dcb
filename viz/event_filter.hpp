// SPDX-License-Identifier: Apache-2.0
// File: viz/event_filter.hpp (layer: viz)
// Which ops a diagram or a stepper shows. A space-time diagram stays legible up to a few
// hundred events; beyond that a person narrows it to some messages, one partition or a time
// window. Faults are always kept inside the window: they are why messages go astray.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "history/history.hpp"

namespace mqcheck::viz {

/// A selection of ops. Every empty field selects everything.
struct EventFilter {
  std::vector<MessageId> messages;        // Ops naming one of these (plus faults).
  std::optional<std::int32_t> partition;  // Ops naming a record of this partition (plus faults).
  std::optional<SimTimeUs> from;          // Ops at or after this time.
  std::optional<SimTimeUs> to;            // Ops at or before this time.
  /// Returns true when the filter selects every op.
  bool selects_all() const { return messages.empty() && !partition && !from && !to; }
};

/// Returns true for the events that explain a run and survive every message or partition
/// filter: crash, power-loss, restart, pause, resume, partition, heal.
bool is_fault_event(history::Op const& op);

/// Returns true when `op` passes `filter`.
bool passes(history::Op const& op, EventFilter const& filter);

/// The ops a filter selects, capped.
struct Selection {
  std::vector<std::uint64_t> ops;  // History indices, ascending, at most the cap.
  std::size_t omitted = 0;         // Ops that passed the filter but exceeded the cap.
};

/// Returns the indices of the ops of `history` that pass `filter`, at most `ops_max` of them
/// (the earliest). Deterministic.
Selection select_ops(history::History const& history, EventFilter const& filter,
                     std::size_t ops_max);

}  // namespace mqcheck::viz
