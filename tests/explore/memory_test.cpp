// SPDX-License-Identifier: Apache-2.0
// --max-memory's estimate of the Worlds a search holds (explore/world.hpp): copies of a World
// share the nodes a step did not change, and a shared node is counted once, not once per
// World (the over-count made the search stop at about half the memory it was given).
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <variant>
#include <vector>

#include "explore/world.hpp"

namespace {

using namespace mqcheck;

// A model reduced to what the estimate reads: actors, disk entries and messages as values.
struct Toy {
  using Actor = std::variant<std::int64_t>;
  using Entry = std::int64_t;
  using Message = std::int64_t;
};

using W = explore::World<Toy>;
using Node = explore::NodeState<Toy>;
// A node's own bytes: the node and its actor, boxed at the actor's size (explore/actor_box.hpp).
constexpr std::size_t node_size = sizeof(Node) + sizeof(std::int64_t);

W three_nodes() {
  W w;
  for (int n = 0; n < 3; ++n) w.nodes.push_back(std::make_shared<Node>());
  w.edit(2).disk.edit().append(0, 7);  // One entry on node 2's disk.
  w.edit(2).timers[1] = {5, 5};
  return w;
}

}  // namespace

TEST_CASE("memory: a node's bytes, by hand") {
  W const w = three_nodes();
  CHECK(explore::node_bytes(w.node(0)) == node_size);
  CHECK(explore::node_bytes(w.node(2)) == node_size + 48 + sizeof(std::int64_t));
  CHECK(explore::approximate_bytes(w) == sizeof(W) + 3 * node_size + 48 + 8);
}

TEST_CASE("memory: a child counts only the nodes its step copied") {
  W const parent = three_nodes();
  W child = parent;
  child.edit(0).up = false;  // Copies node 0; nodes 1 and 2 stay shared with the parent.
  std::size_t const one_node = node_size;
  CHECK(explore::bytes_beyond(child, parent) == sizeof(W) + one_node);
  W const same = parent;  // A copy that changed nothing holds no node of its own.
  CHECK(explore::bytes_beyond(same, parent) == sizeof(W));
}

TEST_CASE("memory: Worlds sharing nodes count each node once") {
  W const parent = three_nodes();
  W a = parent;
  W b = parent;
  a.edit(1).up = false;
  b.edit(1).up = false;
  b.edit(2).up = false;
  // Distinct nodes: the parent's three, a's node 1, b's nodes 1 and 2: six, of which two are
  // the big node 2 (disk entry and timer). Counted once per World it would be nine.
  std::size_t const big = node_size + 48 + 8;
  std::size_t const expected = 3 * sizeof(W) + 4 * node_size + 2 * big;
  CHECK(explore::distinct_bytes<Toy>({&parent, &a, &b}) == expected);
  CHECK(explore::distinct_bytes<Toy>({&b, &parent, &a}) == expected);  // Order free.
  std::size_t const per_world = explore::approximate_bytes(parent) +
                                explore::approximate_bytes(a) + explore::approximate_bytes(b);
  CHECK(per_world == 3 * sizeof(W) + 6 * node_size + 3 * big);  // The old over-count.
  CHECK(explore::distinct_bytes<Toy>({&parent, &a, &b}) < per_world);
}
