// SPDX-License-Identifier: Apache-2.0
// File: viz/dot.cpp (layer: viz)
// Precedence-cycle DOT. The reordered anomaly's witnesses (checker/ordering.cpp) are the ops
// that place each message in the broker's order (its send or offset) and in the group's
// processing order; the graph splits them into the two edges of the cycle.
#include "viz/dot.hpp"

#include "viz/escape.hpp"
#include "viz/spacetime_marks.hpp"

namespace mqcheck::viz {
namespace {

// For a producer-order cycle (no group) the observed order is the send invokes' order.
bool is_broker_placement(history::Op const& op, bool producer_cycle) {
  if (producer_cycle) return op.type != history::OpType::invoke;
  return op.f == history::OpKind::send || op.f == history::OpKind::append ||
         op.f == history::OpKind::replicate;
}

// The other message of the cycle: the first message id, other than `u`, that a witness names.
MessageId other_message(history::History const& history, checker::Anomaly const& a) {
  for (std::uint64_t w : a.witnesses) {
    if (w >= history.size()) continue;
    for (history::Record const& r : history.ops()[w].value) {
      if (r.id != a.message) return r.id;
    }
  }
  return a.message;
}

std::string edge_label(history::History const& history, checker::Anomaly const& a, bool broker) {
  bool const producer_cycle = a.group.empty();
  std::string label = broker ? "broker order" : producer_cycle ? "send order" : "processed order";
  for (std::uint64_t w : a.witnesses) {
    if (w >= history.size()) continue;
    history::Op const& op = history.ops()[w];
    if (is_broker_placement(op, producer_cycle) != broker) continue;
    label += "\n#" + std::to_string(w) + " " + op.process + " " + op_label(op, 40);
  }
  return label;
}

}  // namespace

std::string render_precedence_dot(history::History const& history,
                                  checker::DeliveryReport const& report) {
  std::string out =
      "digraph precedence {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
      "  edge [fontname=\"monospace\", fontsize=10];\n";
  int cycles = 0;
  for (checker::Verdict const& v : report.verdicts) {
    for (checker::Anomaly const& a : v.anomalies) {
      if (a.kind != "reordered") continue;
      std::string const c = "c" + std::to_string(cycles++) + "_";
      MessageId const other = other_message(history, a);
      std::string const u = c + "m" + std::to_string(a.message.value);
      std::string const w = c + "m" + std::to_string(other.value);
      out += "  subgraph cluster_" + std::to_string(cycles) + " {\n    label=" +
             dot_quote("reordered: " +
                       (a.group.empty() ? std::string("producer order") : "group " + a.group)) +
             ";\n";
      out += "    " + dot_quote(u) + " [label=" + dot_quote("m" + std::to_string(a.message.value)) +
             "];\n    " + dot_quote(w) + " [label=" + dot_quote("m" + std::to_string(other.value)) +
             "];\n";
      out += "    " + dot_quote(u) + " -> " + dot_quote(w) +
             " [label=" + dot_quote(edge_label(history, a, true)) + "];\n";
      out += "    " + dot_quote(w) + " -> " + dot_quote(u) +
             " [color=red, label=" + dot_quote(edge_label(history, a, false)) + "];\n  }\n";
    }
  }
  if (cycles == 0) out += "  note [shape=plaintext, label=\"no ordering cycle\"];\n";
  return out + "}\n";
}

}  // namespace mqcheck::viz
