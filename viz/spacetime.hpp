// SPDX-License-Identifier: Apache-2.0
// File: viz/spacetime.hpp (layer: viz)
// Space-time (Lamport) diagrams of a history as SVG: one vertical lane per producer, broker
// node and consumer, time flowing down one row per op, a mark per op and arrows that follow
// each message from its send to the broker's append, back as the confirm, and on to each
// consumer that receives it. The messages of the report's anomalies are highlighted along
// their whole path. Reads the history and the checker's report only; same input, same bytes.
#pragma once

#include <cstddef>
#include <map>
#include <cstdint>
#include <string>
#include <vector>

#include "checker/delivery.hpp"
#include "history/history.hpp"
#include "viz/event_filter.hpp"

namespace mqcheck::viz {

struct SpacetimeOptions {
  EventFilter filter;            // Which ops to draw; faults survive message filters.
  std::size_t events_max = 400;  // Rows drawn at most (legible up to a few hundred).
};

/// One arrow of the diagram: message `message` travels from op `from` to op `to`.
struct Arrow {
  std::uint64_t from = 0;
  std::uint64_t to = 0;
  MessageId message;
  std::string kind;  // "send" (to the broker), "confirm" (back), "replicate", "deliver".
  std::size_t bundled = 1;  // Messages this arrow stands for (see bundle_arrows).
  bool operator==(Arrow const&) const = default;
};

/// Returns the arrows between the ops `shown` (ascending history indices): a send invoke to
/// the next append of its message; the latest broker event of a message (append, redeliver,
/// dispatch) to the send completions after it and to each consumer's first receipt (deliver,
/// poll or, with neither, process) of it; an append to each replicate of the message. A
/// history without broker events gets arrows from the confirmed send straight to receipts.
std::vector<Arrow> spacetime_arrows(history::History const& history,
                                    std::vector<std::uint64_t> const& shown);

/// Returns `arrows` with those into the same op of the same kind (a poll that returned twenty
/// messages, a fetch that copied twenty) drawn as one: the arrow that starts latest stands for
/// every message of the group not in `highlighted`, and `bundled` counts them; highlighted
/// messages keep their own arrows, so an anomaly's path is never folded away. Order kept.
std::vector<Arrow> bundle_arrows(std::vector<Arrow> arrows,
                                 std::map<MessageId, std::string> const& highlighted);

/// A rendered diagram and what it holds.
struct Spacetime {
  std::string svg;                   // A complete <svg> element (no XML prolog), self-styled.
  std::vector<std::uint64_t> shown;  // The ops drawn, ascending; each is the element "op-N".
  std::size_t omitted = 0;           // Ops the filter selected beyond events_max.
};

/// Renders the diagram of the ops of `history` that pass options.filter (the first
/// options.events_max of them). `report` (may be null) supplies the anomalies: their messages'
/// marks and arrows get the classes "hl" and "hl-KIND", their witness ops "witness". Every
/// mark is a <g id="op-N"> with a <title> tooltip, so "#op-N" links and scripts can find it.
/// Every user string is escaped; no external resource is referenced.
Spacetime render_spacetime(history::History const& history, checker::DeliveryReport const* report,
                           SpacetimeOptions const& options);

}  // namespace mqcheck::viz
