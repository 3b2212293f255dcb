// SPDX-License-Identifier: Apache-2.0
// File: checker/precedence_graph.hpp (layer: checker)
// Two orders over the same items (the order a broker assigned, the order a consumer processed)
// as one precedence graph (Boost.Graph); a cycle means the orders disagree, as in Elle's cycle
// detection (Kingsbury & Alvaro, "Elle", VLDB 2020). Each order is an interval order: x precedes
// y when x's span ends before y's begins, so unknown placements never invent an order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace mqcheck::checker {

/// Where an item sits in one order. An offset o is the point [o, o]; a message stored at two
/// offsets spans both; a send seen in real time is [its invoke, its ok completion] (the
/// real-time order of Herlihy & Wing's linearizability). Invariant: lo <= hi.
struct Span {
  std::int64_t lo = 0;
  std::int64_t hi = 0;
  std::uint64_t lo_op = 0;  // The history index that establishes lo (a witness).
  std::uint64_t hi_op = 0;  // The history index that establishes hi.
  bool operator==(Span const&) const = default;
};

/// Returns true when `x` precedes `y` in their order: x ends before y begins.
inline bool precedes(Span const& x, Span const& y) { return x.hi < y.lo; }

/// Two items that the orders put the other way round.
struct Inversion {
  std::size_t earlier = 0;  // Precedes `later` in the reference order...
  std::size_t later = 0;    // ...and `later` precedes it in the observed order.
  bool operator==(Inversion const&) const = default;
};

/// Returns one inversion per strongly connected component of the precedence graph whose
/// vertices are the items (index i has spans reference[i] and observed[i]) and whose edges are
/// each order's precedences. Each order adds a chain of "slot" vertices, one per distinct span
/// end, so an order costs O(n) edges, not O(n^2): item -> its own end's slot -> next slot ->
/// ... -> the last slot before another item's start -> that item. A component with two or more
/// items holds a cycle; its inversion pairs the item that ends first in the reference order
/// with the one that ends first in the observed order, which the two orders provably put the
/// other way round. Precondition: reference.size() == observed.size(), and at least one order
/// is strict (every span a point, no two equal). Deterministic; O(n log n); sorted by
/// (earlier, later).
[[nodiscard]] std::vector<Inversion> find_inversions(std::vector<Span> const& reference,
                                                     std::vector<Span> const& observed);

/// Returns the spans [r, r] of the items ranked r = 0, 1, ... by `keys` (ascending, ties by
/// index), each established by ops[i]: a strict order for find_inversions.
/// Precondition: keys.size() == ops.size().
template <class Key>
std::vector<Span> rank_spans(std::vector<Key> const& keys, std::vector<std::uint64_t> const& ops) {
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  std::vector<Span> spans(keys.size());
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    auto const r = static_cast<std::int64_t>(rank);
    spans[order[rank]] = Span{r, r, ops[order[rank]], ops[order[rank]]};
  }
  return spans;
}

}  // namespace mqcheck::checker
