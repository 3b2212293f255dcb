// SPDX-License-Identifier: Apache-2.0
// Network tests: drop, duplicate, FIFO and reorder, partitions (symmetric, one-way, heal).
#include "sim/network.hpp"

#include <catch2/catch.hpp>

namespace mqcheck::sim {
namespace {

Network network_of(LinkParams p, std::size_t nodes = 2) {
  return Network(nodes, std::vector<LinkParams>(nodes * nodes, p), Rng(7));
}

LinkParams exponential_link() {
  LinkParams p;
  p.latency = Distribution{Distribution::Kind::exponential, milliseconds(1), {}, {}, {}};
  return p;
}

TEST_CASE("drop 1/1 drops everything and 0 drops nothing", "[network]") {
  LinkParams p;
  p.drop = Ratio{1, 1};
  Network all = network_of(p);
  for (int i = 0; i < 100; ++i) {
    CHECK(all.route(NodeId{0}, NodeId{1}, SimTimeUs{i}).fate == Route::Fate::dropped);
  }
  Network none = network_of(LinkParams{});
  for (int i = 0; i < 100; ++i) {
    CHECK(none.route(NodeId{0}, NodeId{1}, SimTimeUs{i}).fate == Route::Fate::delivered);
  }
}

TEST_CASE("drop 1/4 drops about a quarter", "[network]") {
  LinkParams p;
  p.drop = Ratio{1, 4};
  Network n = network_of(p);
  int dropped = 0;
  for (int i = 0; i < 20'000; ++i) {
    dropped += n.route(NodeId{0}, NodeId{1}, SimTimeUs{i}).fate == Route::Fate::dropped;
  }
  CHECK(dropped > 4'700);
  CHECK(dropped < 5'300);
}

TEST_CASE("duplicate 1/1 sends two copies", "[network]") {
  LinkParams p;
  p.duplicate = Ratio{1, 1};
  Network n = network_of(p);
  Route const r = n.route(NodeId{0}, NodeId{1}, SimTimeUs{0});
  CHECK(r.fate == Route::Fate::duplicated);
  CHECK(r.copies() == 2);
  CHECK(r.arrival[0].us == 100);
  CHECK(r.arrival[1].us == 100);
}

TEST_CASE("a link is FIFO under random latency unless reorder is set", "[network]") {
  SECTION("FIFO") {
    Network n = network_of(exponential_link());
    SimTimeUs last{};
    for (int i = 0; i < 1'000; ++i) {
      SimTimeUs const at = n.route(NodeId{0}, NodeId{1}, SimTimeUs{i * 10}).arrival[0];
      CHECK(at >= last);
      last = at;
    }
  }
  SECTION("reorder") {
    LinkParams p = exponential_link();
    p.reorder = Ratio{1, 2};
    Network n = network_of(p);
    SimTimeUs last{};
    int overtaken = 0;
    for (int i = 0; i < 1'000; ++i) {
      SimTimeUs const at = n.route(NodeId{0}, NodeId{1}, SimTimeUs{i * 10}).arrival[0];
      overtaken += at < last;
      last = std::max(last, at);
    }
    CHECK(overtaken > 100);
  }
}

TEST_CASE("a partition blocks links between groups until heal", "[network]") {
  Network n = network_of(LinkParams{}, 3);
  n.partition({{NodeId{0}}, {NodeId{1}}}, false);  // Node 2 is alone in a group of its own.
  CHECK(n.blocked(NodeId{0}, NodeId{1}));
  CHECK(n.blocked(NodeId{1}, NodeId{0}));
  CHECK(n.blocked(NodeId{0}, NodeId{2}));
  CHECK(n.blocked(NodeId{2}, NodeId{1}));
  CHECK_FALSE(n.blocked(NodeId{0}, NodeId{0}));
  CHECK(n.route(NodeId{0}, NodeId{1}, SimTimeUs{0}).fate == Route::Fate::partitioned);
  n.heal();
  CHECK_FALSE(n.blocked(NodeId{0}, NodeId{1}));
  CHECK_FALSE(n.partitioned());
}

TEST_CASE("a one-way partition blocks only traffic leaving the first group", "[network]") {
  Network n = network_of(LinkParams{}, 3);
  n.partition({{NodeId{0}}, {NodeId{1}, NodeId{2}}}, true);
  CHECK(n.blocked(NodeId{0}, NodeId{1}));
  CHECK(n.blocked(NodeId{0}, NodeId{2}));
  CHECK_FALSE(n.blocked(NodeId{1}, NodeId{0}));
  CHECK_FALSE(n.blocked(NodeId{1}, NodeId{2}));
}

}  // namespace
}  // namespace mqcheck::sim
