// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/stepper_control_test.cpp (tests, layer: viz)
// Broker events without messages in the stepper: a truncation drops the replica's rows past
// the cut and says which acknowledged messages went with them; elections, ISR changes, fencing
// and transaction markers are worded by meaning, not as "copies nothing"; an unknown form
// keeps its detail.
#include <catch2/catch.hpp>

#include "viz/stepper.hpp"
#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using namespace test;

Record at(std::uint64_t id, std::int64_t offset) {
  Record r = rec(id, offset);
  r.partition = 0;
  return r;
}

History replicated_loss() {
  History h(drained_header());
  for (std::uint64_t m = 1; m <= 3; ++m) {
    add(h, 10 * m, "p1", OpType::invoke, OpKind::send, {rec(m)});
    add(h, 10 * m + 1, "broker-0", OpType::event, OpKind::append, {at(m, m - 1)},
        {}, "leader orders-0 epoch 0");
    add(h, 10 * m + 2, "p1", OpType::ok, OpKind::send, {at(m, m - 1)});
  }
  add(h, 100, "broker-1", OpType::event, OpKind::replicate, {at(1, 0)}, {}, "fetched orders-0");
  add(h, 200, "broker-0", OpType::event, OpKind::crash, {}, {}, "volatile state lost");
  add(h, 210, "controller", OpType::event, OpKind::replicate, {}, {},
      "leader orders-0 1 epoch 1 isr [1,2] state: orders-0.leader=1");
  add(h, 220, "controller", OpType::event, OpKind::replicate, {}, {}, "isr orders-0 epoch 1 [1]");
  add(h, 230, "broker-0", OpType::event, OpKind::restart, {}, {}, "recovering");
  add(h, 240, "broker-0", OpType::event, OpKind::replicate, {}, {},
      "truncate orders-0 replica 0 from 3 to 1 (leader epoch 1) state: orders-0.leo=1");
  add(h, 250, "controller", OpType::event, OpKind::replicate, {}, {}, "fenced broker 2");
  add(h, 260, "broker-1", OpType::event, OpKind::append, {}, {},
      "ABORT marker orders-0 producer 7 epoch 0 at 1");
  add(h, 270, "broker-1", OpType::event, OpKind::replicate, {}, {}, "something new");
  return h;
}

TEST_CASE("stepper: a truncation drops the rows past the cut and names the losses", "[viz]") {
  History const h = replicated_loss();
  Stepper const s = build_stepper(h, nullptr, {}, 1000);
  REQUIRE(s.steps.size() == h.size());
  NodeState const before = state_after(s, 14);
  CHECK(before.at("broker-0").count("orders-0 @2") == 1);
  NodeState const after = state_after(s, 15);
  CHECK(after.at("broker-0").count("orders-0 @0") == 1);
  CHECK(after.at("broker-0").count("orders-0 @1") == 0);
  CHECK(after.at("broker-0").count("orders-0 @2") == 0);
  CHECK(after.at("broker-0").at("orders-0.leo") == "1");
  Step const& cut = s.steps[14];
  CHECK(cut.says ==
        "broker-0 truncates its log of orders-0 to offset 1, dropping m2 m3 (truncate orders-0 "
        "replica 0 from 3 to 1 (leader epoch 1)).");
  CHECK(cut.why.find("KIP-101") != std::string::npos);
  CHECK(cut.why.find("acknowledged") != std::string::npos);
}

TEST_CASE("stepper: elections, ISR changes, fencing and markers are worded by meaning", "[viz]") {
  History const h = replicated_loss();
  Stepper const s = build_stepper(h, nullptr, {}, 1000);
  CHECK(s.steps[11].says.rfind("broker-1 becomes the leader of orders-0", 0) == 0);
  CHECK(s.steps[11].why.find("Only what the new leader holds survives") != std::string::npos);
  CHECK(s.steps[12].says.rfind("The in-sync replicas of orders-0 change", 0) == 0);
  CHECK(s.steps[15].says == "controller: fenced broker 2.");
  CHECK(s.steps[16].says.rfind("broker-1 writes a transaction marker", 0) == 0);
  CHECK(s.steps[16].why.find("read_committed consumers skip") != std::string::npos);
  CHECK(s.steps[17].says == "broker-1: something new.");
  for (Step const& step : s.steps) CHECK(step.says.find("copies nothing") == std::string::npos);
}

}  // namespace
}  // namespace mqcheck::viz
