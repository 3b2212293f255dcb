// SPDX-License-Identifier: Apache-2.0
// Kernel tests on the tiny test model: time and tie order, crash versus power loss, pause,
// faults reported only when they fire, open ops completed by a crash, determinism.
#include <catch2/catch.hpp>

#include "tests/sim/test_model.hpp"

namespace mqcheck::testing {
namespace {

using history::OpKind;
using history::OpType;
using sim::FaultAction;
using sim::Kernel;
using sim::PlannedFault;

sim::RunResult run(sim::RunPlan plan, Writer w = {}, std::uint64_t seed = 1) {
  Kernel<TestModel> kernel(std::move(plan), {w, Reader{}}, seed);
  return kernel.run();
}

PlannedFault at(double ms, FaultAction action, std::uint32_t node = 0) {
  return PlannedFault{SimTimeUs{static_cast<std::int64_t>(ms * 1000)}, action, {NodeId{node}},
                      {}, false};
}

TEST_CASE("messages arrive after their latency, in send order", "[kernel]") {
  sim::LinkParams link;
  link.latency = Distribution::constant(microseconds(250));
  auto const r = run(two_node_plan(link));
  auto const delivered = ops_of(r.history, OpKind::deliver, OpType::ok);
  REQUIRE(delivered.size() == 5);
  for (std::size_t i = 0; i < delivered.size(); ++i) {
    CHECK(delivered[i].value[0].id == MessageId{i + 1});
    CHECK(delivered[i].time.us == static_cast<std::int64_t>(i + 1) * 1000 + 250);
  }
  CHECK(r.drained);
  CHECK(r.faults.empty());
}

TEST_CASE("a crash keeps unsynced writes; a power loss loses them", "[kernel][faults]") {
  Writer w;
  w.sync_every = 2;  // Ticks 2 and 4 fsync: after tick 5, 4 entries are durable, 1 is not.
  auto plan = two_node_plan();
  plan.quiesce = SimTimeUs{20'000};
  SECTION("crash") {
    plan.faults = {at(6, FaultAction::crash), at(8, FaultAction::restart)};
    auto const r = run(plan, w);
    auto const restarts = ops_of(r.history, OpKind::restart, OpType::event);
    REQUIRE(restarts.size() == 2);  // The kernel's, then the writer's own.
    CHECK(restarts[1].detail == "disk holds 5");
  }
  SECTION("power loss") {
    plan.faults = {at(6, FaultAction::power_loss), at(8, FaultAction::restart)};
    auto const r = run(plan, w);
    auto const restarts = ops_of(r.history, OpKind::restart, OpType::event);
    REQUIRE(restarts.size() == 2);
    CHECK(restarts[1].detail == "disk holds 4");
    auto const losses = ops_of(r.history, OpKind::power_loss, OpType::event);
    REQUIRE(losses.size() == 1);
    CHECK(losses[0].detail == "1 unsynced writes lost");
  }
}

TEST_CASE("a crash completes open invokes as info and stops the node", "[kernel][faults]") {
  auto plan = two_node_plan();
  plan.quiesce = SimTimeUs{4'000};
  plan.faults = {at(3.5, FaultAction::crash)};
  auto const r = run(plan);
  CHECK(ops_of(r.history, OpKind::send, OpType::invoke).size() == 3);  // Ticks at 1, 2, 3 ms.
  auto const infos = ops_of(r.history, OpKind::send, OpType::info);
  REQUIRE(infos.size() == 3);  // The writer never completes its sends.
  CHECK(infos[0].detail == "crashed");
  CHECK(infos[0].time.us == 3'500);
  // Quiesce restarted the writer; it recovers without re-arming its timer.
  REQUIRE(r.faults.size() == 2);
  CHECK(r.faults[0].what == "crash w");
  CHECK(r.faults[1].what == "restart w");
}

TEST_CASE("a fault that changes nothing is not reported as fired", "[kernel][faults]") {
  auto plan = two_node_plan();
  plan.quiesce = SimTimeUs{10'000};
  plan.faults = {at(2, FaultAction::restart),
                 at(3, FaultAction::resume),
                 {SimTimeUs{4'000}, FaultAction::heal, {}, {}, false}};
  auto const r = run(plan);
  CHECK(r.faults.empty());
}

TEST_CASE("a paused node takes its deliveries late, in order", "[kernel][faults]") {
  sim::LinkParams link;
  link.latency = Distribution::constant(microseconds(100));
  auto plan = two_node_plan(link);
  plan.quiesce = SimTimeUs{10'000};
  plan.faults = {at(1.5, FaultAction::pause, 1), at(3.5, FaultAction::resume, 1)};
  auto const r = run(plan);
  auto const delivered = ops_of(r.history, OpKind::deliver, OpType::ok);
  REQUIRE(delivered.size() == 5);
  CHECK(delivered[0].time.us == 1'100);  // Before the pause.
  CHECK(delivered[1].time.us == 3'500);  // Arrived at 2.1ms, during the pause.
  CHECK(delivered[1].value[0].id == MessageId{2});
  CHECK(delivered[2].time.us == 3'500);  // Arrived at 3.1ms; taken in arrival order.
  CHECK(delivered[2].value[0].id == MessageId{3});
  CHECK(delivered[3].time.us == 4'100);  // After the resume: on time again.
}

TEST_CASE("messages to a crashed node are dropped, not queued", "[kernel][faults]") {
  auto plan = two_node_plan();
  plan.quiesce = SimTimeUs{10'000};
  plan.faults = {at(2, FaultAction::crash, 1), at(4, FaultAction::restart, 1)};
  auto const r = run(plan);
  auto const delivered = ops_of(r.history, OpKind::deliver, OpType::ok);
  REQUIRE(delivered.size() == 3);  // Messages 2 and 3 arrived while the reader was down.
  CHECK(delivered[0].value[0].id == MessageId{1});
  CHECK(delivered[1].value[0].id == MessageId{4});
  CHECK(ops_of(r.history, OpKind::drop, OpType::event).size() == 2);
}

TEST_CASE("events due at the same time run in the order they were scheduled", "[kernel]") {
  // Latency equals the tick period, so ping n arrives exactly when tick n+1 is due. Within a
  // step the kernel schedules timers before sends, so the tick has the lower sequence number
  // and runs first: at 2ms the history shows "invoke send 2" before "deliver 1".
  sim::LinkParams link;
  link.latency = Distribution::constant(milliseconds(1));
  auto const r = run(two_node_plan(link));
  std::vector<std::pair<OpKind, std::uint64_t>> at_2ms;
  for (history::Op const& op : r.history.ops()) {
    if (op.time.us == 2'000) at_2ms.emplace_back(op.f, op.value[0].id.value);
  }
  REQUIRE(at_2ms.size() == 2);
  CHECK(at_2ms[0] == std::pair{OpKind::send, std::uint64_t{2}});
  CHECK(at_2ms[1] == std::pair{OpKind::deliver, std::uint64_t{1}});
}

TEST_CASE("the same plan and seed give the same history", "[kernel][determinism]") {
  sim::LinkParams link;
  link.latency = Distribution{Distribution::Kind::exponential, milliseconds(2), {}, {}, {}};
  link.reorder = Ratio{1, 3};
  link.duplicate = Ratio{1, 5};
  Writer w;
  w.ticks = 200;
  auto const a = run(two_node_plan(link), w, 99);
  auto const b = run(two_node_plan(link), w, 99);
  auto const c = run(two_node_plan(link), w, 100);
  CHECK(a.history == b.history);
  CHECK_FALSE(a.history == c.history);
}

TEST_CASE("the run ends at quiesce plus drain even if events remain", "[kernel]") {
  Writer w;
  w.ticks = 1'000'000;
  auto plan = two_node_plan();
  plan.drain = milliseconds(10);
  auto const r = run(plan, w);
  CHECK_FALSE(r.drained);
  CHECK_FALSE(r.history.header().drained);
  CHECK(r.end.us <= 10'000);
}

TEST_CASE("the step limit stops a run that would go on", "[kernel]") {
  Writer w;
  w.ticks = 1'000'000;
  auto plan = two_node_plan();
  plan.steps_max = 50;
  auto const r = run(plan, w);
  CHECK(r.step_limit_hit);
  CHECK(r.steps == 50);
}

}  // namespace
}  // namespace mqcheck::testing
