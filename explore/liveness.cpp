// SPDX-License-Identifier: Apache-2.0
// File: explore/liveness.cpp (layer: explore)
// Terminal strongly connected components of the fault-free state graph (Boost.Graph's
// strong_components), and a cycle inside one, for the liveness check of explore/liveness.hpp.
#include "explore/liveness.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <deque>
#include <limits>

namespace mqcheck::explore {

std::vector<std::vector<std::uint32_t>> terminal_components(std::uint32_t states,
                                                            std::vector<GraphEdge> const& edges) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(states);
  for (GraphEdge const& e : edges) {
    if (!e.fault) boost::add_edge(e.from, e.to, g);
  }
  std::vector<int> component(states, 0);
  int const count = states == 0 ? 0 : boost::strong_components(g, component.data());
  std::vector<bool> leaves(static_cast<std::size_t>(count), false);  // Has a step out.
  for (GraphEdge const& e : edges) {
    if (e.fault || component[e.from] == component[e.to]) continue;
    leaves[static_cast<std::size_t>(component[e.from])] = true;
  }
  // Components numbered by their smallest state, so the order does not depend on Tarjan's.
  std::vector<std::vector<std::uint32_t>> by_id(static_cast<std::size_t>(count));
  for (std::uint32_t s = 0; s < states; ++s) {
    by_id[static_cast<std::size_t>(component[s])].push_back(s);
  }
  std::vector<std::vector<std::uint32_t>> out;
  for (std::size_t c = 0; c < by_id.size(); ++c) {
    if (!leaves[c]) out.push_back(std::move(by_id[c]));
  }
  std::sort(out.begin(), out.end(), [](auto const& a, auto const& b) { return a[0] < b[0]; });
  return out;
}

std::vector<GraphEdge> cycle_in(std::vector<std::uint32_t> const& component,
                                std::vector<GraphEdge> const& edges) {
  auto const inside = [&](std::uint32_t s) {
    return std::binary_search(component.begin(), component.end(), s);
  };
  std::uint32_t const start = component.front();
  constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> via(component.size(), none);  // By position: the edge that reached it.
  auto const pos = [&](std::uint32_t s) {
    return static_cast<std::size_t>(std::lower_bound(component.begin(), component.end(), s) -
                                    component.begin());
  };
  std::vector<std::vector<std::size_t>> out_of(component.size());  // Edge indices, in order.
  for (std::size_t i = 0; i < edges.size(); ++i) {
    if (!edges[i].fault && inside(edges[i].from) && inside(edges[i].to)) {
      out_of[pos(edges[i].from)].push_back(i);
    }
  }
  std::deque<std::uint32_t> queue{start};
  std::size_t closing = none;
  while (!queue.empty() && closing == none) {
    std::uint32_t const s = queue.front();
    queue.pop_front();
    for (std::size_t const i : out_of[pos(s)]) {
      GraphEdge const& e = edges[i];
      if (e.to == start) {
        closing = i;
        break;
      }
      if (via[pos(e.to)] != none) continue;
      via[pos(e.to)] = i;
      queue.push_back(e.to);
    }
  }
  std::vector<GraphEdge> cycle;
  if (closing == none) return cycle;
  for (std::size_t i = closing;; i = via[pos(edges[i].from)]) {
    cycle.push_back(edges[i]);
    if (edges[i].from == start) break;
  }
  std::reverse(cycle.begin(), cycle.end());
  return cycle;
}

}  // namespace mqcheck::explore
