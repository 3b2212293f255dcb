// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/kernel_timers_test.cpp
// The kernel's timer bookkeeping: TimerTable (sim/kernel_timers.hpp) agrees with a std::map
// under random sets, re-arms and cancels, and the kernel's purge of stale timer events
// (cancelled or re-armed timers) changes neither the history nor whether a run drained.
#include <catch2/catch.hpp>

#include <map>

#include "sim/kernel_timers.hpp"
#include "tests/common/splitmix64.hpp"
#include "tests/sim/test_model.hpp"

namespace mqcheck::testing {
namespace {

TEST_CASE("TimerTable agrees with a std::map under random sets and cancels", "[kernel]") {
  SplitMix64 rng(7);
  sim::TimerTable table;
  std::map<std::uint64_t, std::uint64_t> model;
  std::uint64_t generation = 0;
  for (int i = 0; i < 200'000; ++i) {
    // Few distinct ids (collisions, re-arms), including 0, and some far apart (kind << 48).
    std::uint64_t id = rng.below(300);
    if (rng.chance(0.2)) id |= (rng.below(3) + 1) << 48;
    switch (rng.below(4)) {
      case 0:
      case 1: {
        bool const was = model.contains(id);
        model[id] = ++generation;
        REQUIRE(table.set(id, generation) == was);
        break;
      }
      case 2:
        REQUIRE(table.erase(id) == model.erase(id));
        break;
      default: {
        auto const it = model.find(id);
        REQUIRE(table.find(id) == (it == model.end() ? 0 : it->second));
      }
    }
    REQUIRE(table.size() == model.size());
    if (rng.chance(0.0005)) {
      table.clear();
      model.clear();
    }
  }
  for (auto const& [id, g] : model) CHECK(table.find(id) == g);
}

// Every tick re-arms a long timeout and cancels another: thousands of stale events, which the
// kernel purges. Their timeouts lie beyond quiesce + drain, so, purged or not, they keep the
// run from counting as drained, exactly as they did before purging existed.
struct Canceller {
  std::uint64_t ticks = 20'000;
  std::uint64_t done = 0;
  void on_start(TestOut& out) { out.set_timer(0, microseconds(10)); }
  void on_recover(model::Disk<Tick> const&, TestOut&) {}
  void on_message(NodeId, Ping const&, TestOut&) {}
  void on_timer(model::TimerId id, TestOut& out) {
    if (id != 0) return;  // The timeouts do nothing when they fire.
    ++done;
    out.set_timer(1, seconds(100));         // Re-armed: the previous setting goes stale.
    out.set_timer(2 + done, seconds(100));  // Set, then cancelled next tick.
    if (done > 1) out.cancel_timer(1 + done);
    out.invoke(history::OpKind::send, {rec(done)});
    if (done < ticks) out.set_timer(0, microseconds(10));
  }
};

struct CancelModel {
  using Message = Ping;
  using Entry = Tick;
  using Actor = std::variant<Canceller, Reader>;
};

TEST_CASE("purging stale timer events keeps the history and the drained flag", "[kernel]") {
  auto plan = two_node_plan();
  plan.drain = seconds(1);
  sim::Kernel<CancelModel> kernel(plan, {Canceller{}, Reader{}}, 3);
  sim::RunResult const r = kernel.run();
  REQUIRE(r.history.size() == 20'000);
  CHECK(r.history.ops().back().time.us == 200'000);
  CHECK_FALSE(r.drained);  // Timers 1 and 20'002 are live beyond the end; stale ones too.
  CHECK(r.steps == 20'001);  // The ticks and quiesce: stale events are no steps.
  CHECK(r.end.us == 200'000);
}

TEST_CASE("a run whose only leftovers were stale timers inside the run drains", "[kernel]") {
  auto plan = two_node_plan();
  plan.drain = seconds(1000);  // Every timeout fires or goes stale inside the run.
  Canceller c;
  c.ticks = 10'000;
  sim::Kernel<CancelModel> kernel(plan, {c, Reader{}}, 3);
  sim::RunResult const r = kernel.run();
  CHECK(r.drained);
  // The last live timers (1 and 10'002) fire 100 s after the last tick.
  CHECK(r.end.us == 100'000 + 100'000'000);
}

}  // namespace
}  // namespace mqcheck::testing
