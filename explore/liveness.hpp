// SPDX-License-Identifier: Apache-2.0
// File: explore/liveness.hpp (layer: explore)
// Liveness over the explored state graph: "every acknowledged message is eventually processed
// once faults stop". With faults stopped only the fault-free steps remain (deliveries, timers,
// restarts); where the system can end up for good is a terminal strongly connected component
// of that graph (one no fault-free step leaves: a quiet state, or a cycle it never leaves). A
// terminal component in which some acknowledged message is still unprocessed is a liveness
// counterexample: the path to it, then its cycle forever. The components come from
// Boost.Graph's strong_components (Tarjan's algorithm). A component with a state cut by the
// depth bound is not known to be terminal (that state has steps nobody followed); "holds"
// needs the whole graph explored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mqcheck::explore {

/// One explored transition: table entries `from` -> `to`, by choice index `choice` of `from`;
/// `fault` when the choice is a fault (crash, power loss, network drop or duplicate).
struct GraphEdge {
  std::uint32_t from = 0;
  std::uint32_t to = 0;
  std::uint32_t choice = 0;
  bool fault = false;
};

/// Returns the terminal strongly connected components of the graph of `states` states and the
/// fault-free `edges` (fault edges are ignored): each as its states in increasing order, the
/// components ordered by their smallest state. Deterministic.
[[nodiscard]] std::vector<std::vector<std::uint32_t>> terminal_components(
    std::uint32_t states, std::vector<GraphEdge> const& edges);

/// Returns a cycle of fault-free edges from `component`'s first state back to it, staying in
/// the component (shortest, by breadth-first search; ties by edge order), or an empty vector
/// when the component is one state without a step to itself (the system stops there).
[[nodiscard]] std::vector<GraphEdge> cycle_in(std::vector<std::uint32_t> const& component,
                                              std::vector<GraphEdge> const& edges);

/// The liveness verdict of a search.
struct LivenessResult {
  enum class Status : std::uint8_t { holds, violated, unknown };
  Status status = Status::unknown;
  std::string why;                  // unknown: what cut the search; violated: the checker's words.
  std::uint64_t components = 0;     // Terminal components checked.
  std::vector<std::string> path;    // Violated: the steps from the initial state to the component.
  std::vector<std::string> cycle;   // ...then these forever (empty: the system stops there).
  std::vector<std::uint32_t> choices;        // The path as choice indices (for a trace).
  std::vector<std::uint32_t> cycle_choices;  // The cycle as choice indices.
};

}  // namespace mqcheck::explore
