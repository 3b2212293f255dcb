// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/diagram_focus_test.cpp (tests, layer: viz)
// What keeps a busy diagram readable: batch arrows bundled (but never an anomaly's), the
// network drawn as its own lane, and a message filter that keeps the broker events naming its
// partition (elections, truncations), which explain a replicated broker's losses.
#include <catch2/catch.hpp>

#include "checker/check.hpp"
#include "viz/event_filter.hpp"
#include "viz/lanes.hpp"
#include "viz/spacetime.hpp"
#include "viz/stepper.hpp"
#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using namespace test;

Record at(std::uint64_t id, std::int64_t offset, std::int32_t partition) {
  Record r = rec(id, offset);
  r.partition = partition;
  return r;
}

// m1..m3 appended to orders-0, one poll returns all three.
History batch_history() {
  History h(drained_header());
  for (std::uint64_t m = 1; m <= 3; ++m) {
    add(h, 10 * m, "p1", OpType::invoke, OpKind::send, {rec(m)});
    add(h, 10 * m + 1, "broker-0", OpType::event, OpKind::append, {at(m, m - 1, 0)});
  }
  add(h, 100, "billing-0", OpType::ok, OpKind::poll, {at(1, 0, 0), at(2, 1, 0), at(3, 2, 0)},
      "billing");
  return h;
}

TEST_CASE("bundle_arrows folds a batch into the latest arrow and keeps anomalies", "[viz]") {
  History const h = batch_history();
  std::vector<std::uint64_t> all;
  for (std::uint64_t i = 0; i < h.size(); ++i) all.push_back(i);
  std::vector<Arrow> const arrows = spacetime_arrows(h, all);
  REQUIRE(arrows.size() == 6);  // Three sends, three deliveries into op 6.
  std::vector<Arrow> const plain = bundle_arrows(arrows, {});
  REQUIRE(plain.size() == 4);
  CHECK(plain.back() == Arrow{5, 6, MessageId{3}, "deliver", 3});
  CHECK(plain[0].bundled == 1);  // Sends go to different ops: never folded.

  std::vector<Arrow> const kept = bundle_arrows(arrows, {{MessageId{3}, "lost"}});
  REQUIRE(kept.size() == 5);
  CHECK(kept[3] == Arrow{3, 6, MessageId{2}, "deliver", 2});  // m1 and m2 together.
  CHECK(kept[4] == Arrow{5, 6, MessageId{3}, "deliver", 1});  // The anomaly alone.

  std::string const svg = render_spacetime(h, nullptr, {}).svg;
  CHECK(count_of(svg, "class=\"arrow a-deliver bundle\"") == 1);
  CHECK(svg.find("<title>3 messages, deliver</title>") != std::string::npos);
  CHECK(svg.find(">\xC3\x97" "3</text>") != std::string::npos);
}

TEST_CASE("a process with only network events is the network lane, drawn last", "[viz]") {
  History h = power_loss_history();
  add(h, 6000, "network", OpType::event, OpKind::drop, {}, {}, "p1 -> broker-0: lost");
  add(h, 6100, "controller", OpType::event, OpKind::fsync, {}, {}, "1 writes made durable");
  std::vector<Lane> const lanes = lanes_of(h);
  REQUIRE(lanes.size() == 5);
  CHECK(lanes[2].process == "controller");
  CHECK(lanes[2].role == LaneRole::broker);
  CHECK(lanes.back().process == "network");
  CHECK(lanes.back().role == LaneRole::network);
  CHECK(to_string(LaneRole::network) == "network");
}

TEST_CASE("names_word finds a partition name only as a whole word", "[viz]") {
  CHECK(names_word("leader orders-0 1 epoch 1", "orders-0"));
  CHECK(names_word("truncate orders-0", "orders-0"));
  CHECK(names_word("isr [orders-0,orders-1]", "orders-0"));
  CHECK_FALSE(names_word("leader orders-01 1", "orders-0"));
  CHECK_FALSE(names_word("leader my-orders-0 1", "orders-0"));
  CHECK_FALSE(names_word("leader orders-0.x", "orders-0"));
  CHECK_FALSE(names_word("anything", ""));
}

TEST_CASE("a message filter keeps the events that name the message's partition", "[viz]") {
  History h = batch_history();
  add(h, 200, "controller", OpType::event, OpKind::replicate, {}, {}, "leader orders-0 1 epoch 1");
  add(h, 210, "controller", OpType::event, OpKind::replicate, {}, {}, "leader orders-1 2 epoch 1");
  add(h, 220, "broker-0", OpType::event, OpKind::replicate, {}, {},
      "truncate orders-0 from 3 to 1");
  SpacetimeOptions options;
  options.filter.messages = {MessageId{2}};
  Spacetime const d = render_spacetime(h, nullptr, options);
  CHECK(d.shown == std::vector<std::uint64_t>{2, 3, 6, 7, 9});  // Not orders-1's election.
  Stepper const s = build_stepper(h, nullptr, options.filter, 100);
  REQUIRE(s.steps.size() == d.shown.size());
  CHECK(s.steps.back().op == 9);

  EventFilter const scoped = with_partition_scopes(h, options.filter);
  CHECK(scoped.scopes == std::vector<std::string>{"orders-0"});
  add(h, 230, "billing-0", OpType::ok, OpKind::poll, {at(2, 5, 1)}, "billing");
  CHECK(with_partition_scopes(h, options.filter).scopes.size() == 2);  // Now orders-1 too.
  // A scoped filter comes back as it is (a report scopes once for the diagram and stepper).
  CHECK(with_partition_scopes(h, scoped).scopes == scoped.scopes);

  options.filter = {};
  options.filter.partition = 0;
  CHECK(render_spacetime(h, nullptr, options).shown ==  // Sends name no partition.
        std::vector<std::uint64_t>{1, 3, 5, 6, 7, 9});
}

}  // namespace
}  // namespace mqcheck::viz
