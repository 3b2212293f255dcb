// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/stepper_test.cpp (tests, layer: viz)
// The stepper's node state and words: durability through append, fsync and power loss; a
// duplicate processing named as one; hidden ops folded into the next shown step; the
// `state:` clause a model writes; stepping forward reproduces the tracker's state.
#include "viz/stepper.hpp"

#include <catch2/catch.hpp>

#include "checker/check.hpp"
#include "viz/node_state.hpp"
#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using namespace test;

TEST_CASE("stepper: fsync makes a message durable, a power loss drops the unsynced one", "[viz]") {
  History const h = power_loss_history();
  checker::DeliveryReport const report = checker::check_history(h);
  Stepper const s = build_stepper(h, &report, {}, 1000);
  REQUIRE(s.steps.size() == h.size());
  CHECK(state_after(s, 2).at("broker-0").at("orders @0") == "m1 unsynced");
  CHECK(state_after(s, 3).at("broker-0").at("orders @0") == "m1 durable");
  CHECK(state_after(s, 6).at("broker-0").at("orders @1") == "m2 unsynced");
  CHECK(state_after(s, 7).at("p1").at("m2") == "confirmed @1");
  CHECK(s.steps[6].why.find("power loss would still erase it") != std::string::npos);
  NodeState const after = state_after(s, 11);
  CHECK(after.at("broker-0").count("orders @1") == 0);
  CHECK(after.at("broker-0").at("orders @0").rfind("m1 durable", 0) == 0);
  CHECK(after.at("broker-0").at("(status)") == "down: power loss");
  CHECK(s.steps[10].why.find("m2") != std::string::npos);
  CHECK(s.steps[10].why.find("at-least-once breaks") != std::string::npos);
  CHECK(state_after(s, 12).at("broker-0").count("(status)") == 0);
  CHECK(s.steps[6].witness.find("lost m2") != std::string::npos);  // The ok send witnesses it.
}

TEST_CASE("stepper: a consumer sees the delivery, processing and the duplicate", "[viz]") {
  History const h = duplicate_history();
  Stepper const s = build_stepper(h, nullptr, {}, 1000);
  CHECK(state_after(s, 4).at("billing-0").at("m1") == "received");
  CHECK(state_after(s, 4).at("broker-0").at("orders @0") ==
        "m1 unsynced \xC2\xB7 delivered to billing-0");
  CHECK(state_after(s, 6).at("billing-0").at("m1") == "processed");
  CHECK(state_after(s, 10).at("billing-0").at("m1") == "received again");
  CHECK(state_after(s, 12).at("billing-0").at("m1") == "processed x2");
  CHECK(state_after(s, 12).at("billing-0").at("(processed)") == "2");
  CHECK(s.steps[11].says == "billing-0 (billing) processes m1 again.");
  CHECK(s.steps[11].why.find("duplicate") != std::string::npos);
  CHECK(s.steps[5].says == "billing-0 (billing) processes m1 @0.");
}

TEST_CASE("stepper: stepping back and forth through changes reproduces each state", "[viz]") {
  History const h = duplicate_history();
  Stepper const s = build_stepper(h, nullptr, {}, 1000);
  StateTracker tracker;
  for (std::size_t i = 0; i < h.size(); ++i) {
    tracker.apply(h.ops()[i]);
    NodeState want = tracker.state();
    NodeState got = state_after(s, i + 1);
    for (auto const& [node, rows] : want) CHECK(got[node] == rows);
  }
  // Applying `before` undoes a step: state_after(k) from state_after(k+1).
  NodeState back = state_after(s, 12);
  for (StateChange const& c : s.steps[11].changes) {
    if (c.before.empty())
      back[c.node].erase(c.key);
    else
      back[c.node][c.key] = c.before;
  }
  NodeState prior = state_after(s, 11);
  for (auto const& [node, rows] : prior) CHECK(back[node] == rows);
}

TEST_CASE("stepper: a filter folds hidden ops into the next shown step", "[viz]") {
  History const h = power_loss_history();
  EventFilter filter;
  filter.messages = {MessageId{2}};
  Stepper const s = build_stepper(h, nullptr, filter, 1000);
  REQUIRE(s.steps.size() == 5);  // Ops 4, 5, 6 (m2) and the power loss and restart.
  CHECK(s.initial.at("broker-0").at("orders @0") == "m1 durable");  // Ops 0..3 applied.
  // Step 3 (the power loss, op 10) carries op 7..9's changes to billing-0 as well.
  bool billing = false;
  for (StateChange const& c : s.steps[3].changes) billing = billing || c.node == "billing-0";
  CHECK(billing);
  CHECK(s.steps[3].op == 10);
  Stepper const capped = build_stepper(h, nullptr, {}, 4);
  CHECK(capped.steps.size() == 4);
  CHECK(capped.omitted == h.size() - 4);
}

TEST_CASE("stepper: a model's state clause sets rows, and a broken one is reported", "[viz]") {
  History h(drained_header());
  add(h, 0, "broker-1", OpType::event, OpKind::replicate, {}, {},
      "leader elected state: orders-0.leader=1 orders-0.isr=[1,2] note=\"two words\"");
  add(h, 10, "broker-1", OpType::event, OpKind::replicate, {}, {}, "shrink state: orders-0.isr=");
  add(h, 20, "broker-1", OpType::event, OpKind::replicate, {}, {}, "state: =oops");
  add(h, 30, "p1", OpType::event, OpKind::fsync, {}, {}, "state: (in flight)=many");
  add(h, 40, "p1", OpType::invoke, OpKind::send, {rec(9)});
  Stepper const s = build_stepper(h, nullptr, {}, 100);
  NodeState const one = state_after(s, 1);
  CHECK(one.at("broker-1").at("orders-0.leader") == "1");
  CHECK(one.at("broker-1").at("orders-0.isr") == "[1,2]");
  CHECK(one.at("broker-1").at("note") == "two words");
  CHECK(s.steps[0].says == "broker-1: leader elected.");
  CHECK(state_after(s, 2).at("broker-1").count("orders-0.isr") == 0);
  CHECK(s.steps[2].why.find("could not be read") != std::string::npos);
  CHECK(state_after(s, 5).at("p1").at("(in flight)") == "1");  // "many" counts as 0.
}

TEST_CASE("stepper JSON is compact, valid UTF-8 and deterministic", "[viz]") {
  History h = power_loss_history("p\xFF<1>");
  Stepper const s = build_stepper(h, nullptr, {}, 100);
  std::string const json = stepper_json(s);
  CHECK(json.rfind("{\"initial\":{},\"steps\":[{\"op\":0,", 0) == 0);
  CHECK(json.find("p\xEF\xBF\xBD<1>") != std::string::npos);  // Invalid byte → U+FFFD.
  CHECK(stepper_json(build_stepper(h, nullptr, {}, 100)) == json);
}

}  // namespace
}  // namespace mqcheck::viz
