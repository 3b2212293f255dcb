// SPDX-License-Identifier: Apache-2.0
// File: viz/dot.hpp (layer: viz)
// Graphviz DOT for precedence-graph cycles. An ordering anomaly ("reordered") is a cycle of
// two orders over two messages: the broker put u before v, a consumer processed v before u.
// Its witnesses are the ops that establish each edge; the graph draws the two messages and
// the two edges, each labelled with its witness ops, so `dot -Tsvg` shows the cycle.
#pragma once

#include <string>

#include "checker/delivery.hpp"
#include "history/history.hpp"

namespace mqcheck::viz {

/// Returns a DOT digraph with one cluster per `reordered` anomaly of `report` (in report
/// order): nodes for the anomaly's message and the other message its witnesses name, a
/// "broker order" edge and a "processed order" edge back, labelled with the witness ops and
/// their times. Other anomaly kinds are skipped. A report without ordering anomalies gives a
/// graph with a single note node. Every name is quoted with dot_quote. Deterministic.
std::string render_precedence_dot(history::History const& history,
                                  checker::DeliveryReport const& report);

}  // namespace mqcheck::viz
