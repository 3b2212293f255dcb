// SPDX-License-Identifier: Apache-2.0
// File: checker/precedence_graph.cpp (layer: checker)
// Builds the two-order precedence graph with boost::adjacency_list and finds its cycles with
// boost::strong_components (Tarjan). Vertices 0..n-1 are the items; slot vertices follow. With
// vecS storage, vertex and edge order is insertion order, so the result never depends on
// addresses or hashing.
#include "checker/precedence_graph.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <tuple>

#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

// Adds one order's precedences: a chain of slots, one per distinct span end (ascending); item
// i enters the slot of its own end, and the last slot that ends before i begins enters i. So a
// path item x -> slot ... -> item y exists exactly when x.hi <= slot end < y.lo: x precedes y.
void add_order(Graph& graph, std::vector<Span> const& spans) {
  std::vector<std::int64_t> ends;
  ends.reserve(spans.size());
  for (Span const& span : spans) ends.push_back(span.hi);
  std::sort(ends.begin(), ends.end());
  ends.erase(std::unique(ends.begin(), ends.end()), ends.end());
  std::size_t const base = boost::num_vertices(graph);
  for (std::size_t k = 0; k < ends.size(); ++k) {
    boost::add_vertex(graph);
    if (k > 0) boost::add_edge(base + k - 1, base + k, graph);
  }
  for (std::size_t item = 0; item < spans.size(); ++item) {
    auto const own = std::lower_bound(ends.begin(), ends.end(), spans[item].hi) - ends.begin();
    boost::add_edge(item, base + static_cast<std::size_t>(own), graph);
    auto const after = std::lower_bound(ends.begin(), ends.end(), spans[item].lo) - ends.begin();
    if (after > 0) boost::add_edge(base + static_cast<std::size_t>(after) - 1, item, graph);
  }
}

bool is_strict(std::vector<Span> const& spans) {
  std::vector<std::int64_t> points;
  for (Span const& span : spans) {
    if (span.lo != span.hi) return false;
    points.push_back(span.lo);
  }
  std::sort(points.begin(), points.end());
  return std::adjacent_find(points.begin(), points.end()) == points.end();
}

// Returns the member whose span in `first` ends earliest, ties broken by `second`, then index.
std::size_t earliest(std::vector<std::size_t> const& members, std::vector<Span> const& first,
                     std::vector<Span> const& second) {
  return *std::min_element(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(first[a].hi, second[a].hi, a) < std::tie(first[b].hi, second[b].hi, b);
  });
}

}  // namespace

std::vector<Inversion> find_inversions(std::vector<Span> const& reference,
                                       std::vector<Span> const& observed) {
  MQCHECK_ASSERT(reference.size() == observed.size());
  for (std::size_t i = 0; i < reference.size(); ++i)
    MQCHECK_ASSERT(reference[i].lo <= reference[i].hi && observed[i].lo <= observed[i].hi);
  // With one order strict, the argument below yields a proven pair for every cycle.
  MQCHECK_ASSERT_MSG(is_strict(reference) || is_strict(observed), "one order must be strict");
  std::size_t const items = reference.size();
  Graph graph(items);
  add_order(graph, reference);
  add_order(graph, observed);
  std::vector<std::size_t> component(boost::num_vertices(graph));
  std::size_t const count = boost::strong_components(
      graph,
      boost::make_iterator_property_map(component.begin(), boost::get(boost::vertex_index, graph)));
  std::vector<std::vector<std::size_t>> members(count);
  for (std::size_t item = 0; item < items; ++item) members[component[item]].push_back(item);
  std::vector<Inversion> inversions;
  for (std::vector<std::size_t> const& cycle : members) {
    // One order alone is acyclic (span ends grow along it), so a cycle needs two items.
    if (cycle.size() < 2) continue;
    // In the strict order's terms: the cycle's first item there has its in-edge from the other
    // order, from an item of the cycle that precedes it; the earliest-ending item does too.
    std::size_t const earlier = earliest(cycle, reference, observed);
    std::size_t const later = earliest(cycle, observed, reference);
    MQCHECK_ASSERT(precedes(reference[earlier], reference[later]));
    MQCHECK_ASSERT(precedes(observed[later], observed[earlier]));
    inversions.push_back(Inversion{earlier, later});
  }
  std::sort(inversions.begin(), inversions.end(), [](Inversion const& a, Inversion const& b) {
    return std::tie(a.earlier, a.later) < std::tie(b.earlier, b.later);
  });
  return inversions;
}

}  // namespace mqcheck::checker
