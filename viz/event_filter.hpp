// SPDX-License-Identifier: Apache-2.0
// File: viz/event_filter.hpp (layer: viz)
// Which ops a diagram or a stepper shows. A space-time diagram stays legible up to a few
// hundred events; beyond that a person narrows it to some messages, one partition or a time
// window. Faults are always kept inside the window: they are why messages go astray. So are
// the broker events that carry no message but name a selected message's partition (a leader
// election, an ISR change, a log truncation: "leader orders-0 1 epoch 1"), which explain
// what happened to it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "history/history.hpp"

namespace mqcheck::viz {

/// A selection of ops. Every empty field selects everything.
struct EventFilter {
  std::vector<MessageId> messages;        // Ops naming one of these (plus faults).
  std::optional<std::int32_t> partition;  // Ops naming a record of this partition (plus faults).
  std::optional<SimTimeUs> from;          // Ops at or after this time.
  std::optional<SimTimeUs> to;            // Ops at or before this time.
  /// Partitions as "topic-N": events without records whose detail names one of them as a
  /// word pass the message and partition filters too. Filled by with_partition_scopes.
  std::vector<std::string> scopes;
  bool scoped = false;  // with_partition_scopes has filled `scopes` (it then returns at once).
  /// Returns true when the filter selects every op.
  bool selects_all() const { return messages.empty() && !partition && !from && !to; }
};

/// Returns true for the events that explain a run and survive every message or partition
/// filter: crash, power-loss, restart, pause, resume, partition, heal.
bool is_fault_event(history::Op const& op);

/// Returns `filter` with `scopes` holding the partitions ("topic-N") of the selected messages'
/// records, or every "topic-N" of the history for a partition filter. Deterministic. A filter
/// it returned comes back unchanged, so a report computes the scopes once for the diagram and
/// the stepper.
EventFilter with_partition_scopes(history::History const& history, EventFilter filter);

/// Returns true when `detail` holds `word` delimited by the text's ends, spaces or
/// punctuation other than '-', '_' and '.', which names carry ("orders-0" is not in
/// "orders-01").
bool names_word(std::string_view detail, std::string_view word);

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
