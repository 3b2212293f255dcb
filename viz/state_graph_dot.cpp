// SPDX-License-Identifier: Apache-2.0
// File: viz/state_graph_dot.cpp (layer: viz)
// The state graph as DOT: node attributes by role, the counterexample highlighted.
#include "viz/state_graph_dot.hpp"

#include <set>

#include "viz/escape.hpp"

namespace mqcheck::viz {
namespace {

std::string node_name(std::uint64_t id) { return "s" + std::to_string(id); }

std::string state_attributes(StateGraph::State const& s) {
  std::string a = "label=" + dot_quote(s.label);
  if (s.initial) a += ", style=\"bold,rounded\"";
  if (s.violating) a += ", color=\"#cf222e\", fontcolor=\"#cf222e\"";
  if (s.end) a += ", peripheries=2";
  if (s.on_trace) a += ", penwidth=2.5";
  return a;
}

}  // namespace

std::string render_state_graph_dot(StateGraph const& graph, std::size_t states_max) {
  std::string out = "digraph states {\n  label=" + dot_quote(graph.title) +
                    ";\n  labelloc=t;\n  node [shape=box, style=rounded, "
                    "fontname=\"monospace\", fontsize=10];\n  edge [fontname=\"monospace\", "
                    "fontsize=9];\n";
  std::set<std::uint64_t> drawn;
  std::size_t left = 0;  // States beyond the cap.
  for (StateGraph::State const& s : graph.states) {
    if (drawn.contains(s.id)) continue;  // A repeated id is drawn once.
    if (drawn.size() == states_max) {
      ++left;
      continue;
    }
    drawn.insert(s.id);
    out += "  " + node_name(s.id) + " [" + state_attributes(s) + "];\n";
  }
  for (StateGraph::Step const& e : graph.steps) {
    if (!drawn.contains(e.from) || !drawn.contains(e.to)) continue;
    out += "  " + node_name(e.from) + " -> " + node_name(e.to) + " [label=" + dot_quote(e.label);
    if (e.on_trace) out += ", color=\"#cf222e\", penwidth=2.5";
    out += "];\n";
  }
  if (left > 0) {
    out += "  more [shape=plaintext, label=" +
           dot_quote(std::to_string(left) + " more states not drawn") + "];\n";
  }
  return out + "}\n";
}

}  // namespace mqcheck::viz
