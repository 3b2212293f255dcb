// SPDX-License-Identifier: Apache-2.0
// File: viz/state_graph_dot.hpp (layer: viz)
// Graphviz DOT of an explorer's state graph, for small models: a student sees every schedule
// the explorer tried, where they merge (the same state reached two ways) and the shortest
// path to the state where a guarantee broke. The graph is plain data: the explorer (which viz
// may not include) fills it, the cli hands it over, so viz stays a reader of outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mqcheck::viz {

/// A state graph as the explorer saw it.
struct StateGraph {
  struct State {
    std::uint64_t id = 0;  // Unique within the graph (a fingerprint or a discovery number).
    std::string label;     // A few short lines; '\n' separates them.
    bool initial = false;
    bool violating = false;  // A guarantee is broken in this state.
    bool end = false;        // No step is enabled (or the depth bound stopped here).
    bool on_trace = false;   // On the counterexample path.
  };
  struct Step {
    std::uint64_t from = 0;
    std::uint64_t to = 0;
    std::string label;  // The choice taken, in words ("broker-0 crashes").
    bool on_trace = false;
  };
  std::string title;
  std::vector<State> states;
  std::vector<Step> steps;
};

/// Returns a DOT digraph of `graph`, at most `states_max` states (in the order given, with
/// the steps between them; a note says how many were left out). The initial state is bold,
/// violating states are red, end states double-bordered, and the counterexample's states and
/// steps drawn thick red. Every label is quoted with dot_quote. Deterministic.
std::string render_state_graph_dot(StateGraph const& graph, std::size_t states_max = 500);

}  // namespace mqcheck::viz
