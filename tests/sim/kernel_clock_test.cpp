// SPDX-License-Identifier: Apache-2.0
// The model clock (issue 4): the kernel hands each step's simulated time to the model through
// Out::now, so a model stamps time without reading any clock of its own. A model that records
// Out::now in an event sees exactly the time the kernel gives the event.
#include <catch2/catch.hpp>

#include <string>

#include "tests/sim/test_model.hpp"

namespace mqcheck::testing {
namespace {

// A Reader that writes the clock it was handed into each delivery's detail.
struct ClockReader {
  void on_start(TestOut&) {}
  void on_recover(model::Disk<Tick> const&, TestOut&) {}
  void on_message(NodeId, Ping const& p, TestOut& out) {
    out.complete(history::OpType::ok, history::OpKind::deliver, {rec(p.n)}, {},
                 std::to_string(out.now().us));
  }
  void on_timer(model::TimerId, TestOut&) {}
};

struct ClockModel {
  using Message = Ping;
  using Entry = Tick;
  using Actor = std::variant<Writer, ClockReader>;
};

TEST_CASE("each step's Out carries the simulated time of that step", "[kernel]") {
  sim::LinkParams link;
  link.latency = Distribution::constant(microseconds(250));
  sim::Kernel<ClockModel> kernel(two_node_plan(link), {Writer{}, ClockReader{}}, 1);
  auto const r = kernel.run();
  auto const delivered = ops_of(r.history, history::OpKind::deliver, history::OpType::ok);
  REQUIRE(delivered.size() == 5);
  for (history::Op const& op : delivered) {
    CHECK(op.detail == std::to_string(op.time.us));
    CHECK(op.time.us > 0);  // Not the default: the kernel did set it.
  }
}

TEST_CASE("an Out nobody sets keeps time 0 (the explorer's abstract time)", "[kernel]") {
  TestOut out;
  CHECK(out.now().us == 0);
  out.set_now(SimTimeUs{42});
  out.clear();  // Clearing effects keeps the clock: it is an input, not an effect.
  CHECK(out.now().us == 42);
}

}  // namespace
}  // namespace mqcheck::testing
