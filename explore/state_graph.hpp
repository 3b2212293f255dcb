// SPDX-License-Identifier: Apache-2.0
// File: explore/state_graph.hpp (layer: explore)
// The explored state graph of a small model, as data: one node per distinct state (marked
// when some guarantee is violated there), one edge per transition, labelled with the choice in
// words. Only kept up to a size limit: a graph of thousands of states is not read by anyone.
// viz/state_graph_dot.hpp draws it (the cli hands it over; explore/ does not render).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mqcheck::explore {

class StateGraph {
 public:
  explicit StateGraph(std::uint64_t states_max) : states_max_(states_max) {}

  /// Returns true while the graph is small enough to record.
  bool recording() const { return violating_.size() <= states_max_; }
  /// Records state `entry` (entries are numbered from 0 in discovery order).
  void state(std::uint32_t entry) {
    if (entry >= violating_.size()) violating_.resize(entry + 1, false);
  }
  void violating(std::uint32_t entry) {
    state(entry);
    violating_[entry] = true;
  }
  void edge(std::uint32_t from, std::uint32_t to, std::string label) {
    if (recording()) edges_.push_back({from, to, std::move(label)});
  }

  /// The states recorded (numbered 0..size()-1 in discovery order; 0 is the initial state).
  std::size_t size() const { return violating_.size(); }
  bool violating_at(std::uint32_t entry) const { return violating_[entry]; }
  std::uint64_t states_max() const { return states_max_; }

  struct Edge {
    std::uint32_t from;
    std::uint32_t to;
    std::string label;
  };
  std::vector<Edge> const& edges() const { return edges_; }

 private:
  std::uint64_t states_max_;
  std::vector<bool> violating_;
  std::vector<Edge> edges_;
};

}  // namespace mqcheck::explore
