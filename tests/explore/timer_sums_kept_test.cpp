// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/timer_sums_kept_test.cpp (tests, layer: explore)
// The Engine keeps each node's TimerSums one timer at a time (explore/engine_steps.hpp retime,
// fire): along paths that take every kind of step (deliveries, timers, crashes, power losses,
// restarts, partitions and heals, drops), every node's kept sums must equal timer_sums_of over
// its timers, the sums the fingerprint reads. A wrong `earliest` would not change a
// fingerprint while no window starts before now, so each field is compared, not a digest.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "explore/engine.hpp"
#include "explore/explore_model.hpp"
#include "model/kafka/model.hpp"
#include "model/reference/model.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;

// Walks up to `steps` steps of `file` from the initial state, taking choice k * stride mod the
// count at step k, and checks every node's sums at every state. Returns the states checked.
template <class Model>
std::size_t walk_checking_sums(std::string const& file, std::uint32_t crashes, std::uint32_t drops,
                               std::size_t steps, std::size_t stride) {
  sim::Scenario const s = explore::testing::scenario(file);
  std::size_t checked = 0;
  explore::detail::with_kernel<Model>(s, [&](sim::Kernel<Model>& kernel) {
    explore::Engine<Model> engine(kernel, crashes, milliseconds(1));
    engine.set_network_faults(drops, 0);
    explore::World<Model> w = engine.initial();
    std::vector<explore::Choice> choices;
    for (std::size_t k = 0; k < steps; ++k) {
      for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
        explore::TimerSums const kept = w.node(n).timer_sums;
        explore::TimerSums const fresh = explore::timer_sums_of(w.node(n).timers);
        CHECK(kept.at_zero == fresh.at_zero);
        CHECK(kept.slope == fresh.slope);
        CHECK(kept.earliest == fresh.earliest);
      }
      ++checked;
      choices.clear();
      engine.choices(w, choices);
      if (choices.empty()) break;
      engine.apply(w, choices[(k * stride) % choices.size()]);
    }
  });
  return checked;
}

}  // namespace

TEST_CASE("timer sums: kept step by step, they equal the sums over the timers", "[explore]") {
  using K = model::kafka::Model;
  for (std::size_t stride : {1u, 3u, 7u}) {
    CHECK(walk_checking_sums<K>("kafka-acks1-leader-crash.yaml", 1, 1, 120, stride) > 20);
    CHECK(walk_checking_sums<K>("kafka-min-isr-2-shrink-power-loss.yaml", 0, 0, 120, stride) > 20);
    CHECK(walk_checking_sums<K>("kafka-acks1-leader-isolated.yaml", 0, 0, 120, stride) > 20);
  }
  using R = model::reference::Model;
  CHECK(walk_checking_sums<R>("reference-ack-before-processing.yaml", 1, 1, 80, 7) > 10);
  CHECK(walk_checking_sums<R>("reference-liveness-power-loss.yaml", 0, 0, 80, 5) > 10);
}
