// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/settle_quiet_test.cpp (tests, layer: explore)
// A judging settle stops where the model says it is quiet (Model::quiet, model/kafka/quiet.cpp;
// explore/engine.hpp quiet_now). For every state judged in small Kafka spaces (the bench's
// scenario as bench/explore_spin.cpp writes it, and the Kafka scenarios of scenarios/explore/,
// by the delay-bounded search and by breadth-first search), the search's settle audit settles
// each state both ways and counts those whose drained flag, delivery verdicts or client ops
// (empty polls aside: they name no message) differ from the whole settle's. None may; and the
// bench's settles must actually stop early, or the test would prove nothing. Every scenario of
// scenarios/kafka is audited too, at depth 1 (the features those spaces lack).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench/kafka_acks_scenario.hpp"
#include "explore/explore_model.hpp"
#include "model/kafka/model.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using K = model::kafka::Model;
using Audit = explore::Search<K>::SettleAudit;

// Runs the search of `bounds` on `s` with the settle audit on; returns what it found.
Audit audited(sim::Scenario const& s, explore::Bounds const& bounds) {
  Audit audit;
  explore::detail::with_kernel<K>(s, [&](sim::Kernel<K>& kernel) {
    explore::Engine<K> engine(kernel, bounds.crashes, bounds.latency_max);
    engine.set_network_faults(bounds.drops, bounds.duplicates);
    engine.set_horizon(bounds.horizon);
    explore::Search<K> search(engine, bounds);
    search.set_drain(s.drain);
    search.set_settle_audit(&audit);
    search.run();
  });
  return audit;
}

explore::Bounds quiet_delay_bounds(sim::Scenario const& s) {
  explore::Bounds b = explore::testing::delay_bounds(s, 1);
  b.latency_max.reset();  // As the bench: no latency bound.
  return b;
}

}  // namespace

TEST_CASE("quiet settle: the bench's settles stop early with the whole settle's answers",
          "[explore]") {
  for (bool acks_all : {false, true}) {
    sim::Scenario const s = sim::parse_scenario(kafka_acks_scenario(acks_all, 2, 1), "bench.yaml");
    Audit const audit = audited(s, quiet_delay_bounds(s));
    INFO("acks=" << (acks_all ? "all" : "1"));
    CHECK(audit.settles > 100);
    CHECK(audit.mismatches == 0);
    CHECK(audit.stopped_early * 10 > audit.settles * 9);  // Nearly all of them stop early.
  }
}

TEST_CASE("quiet settle: a step limit the whole settle reaches is never stopped short of",
          "[explore]") {
  // A 300 ms Kafka settle takes about 570 steps: with a limit of 400 the whole settle is cut
  // short (not drained), so the early end, which may not know that, must not be taken.
  sim::Scenario const s = sim::parse_scenario(kafka_acks_scenario(false, 1, 1), "bench.yaml");
  explore::Bounds b = quiet_delay_bounds(s);
  b.settle_steps_max = 400;
  Audit const audit = audited(s, b);
  CHECK(audit.settles > 10);
  CHECK(audit.mismatches == 0);
  CHECK(audit.stopped_early == 0);
}

TEST_CASE("quiet settle: the Kafka explore scenarios judge every state as the whole settle does",
          "[explore]") {
  for (char const* file :
       {"kafka-acks1-leader-crash.yaml", "kafka-acks-all-leader-crash.yaml",
        "kafka-acks1-leader-isolated.yaml", "kafka-acks-all-leader-isolated.yaml",
        "kafka-commit-after-processing.yaml", "kafka-commit-before-processing.yaml",
        "kafka-min-isr-1-shrink-power-loss.yaml", "kafka-min-isr-2-shrink-power-loss.yaml",
        "kafka-retries-lost-response.yaml", "kafka-retries-lost-response-idempotent.yaml",
        "kafka-two-producers-acks1-leader-crash.yaml"}) {
    INFO(file);
    sim::Scenario const s = explore::testing::scenario(file);
    Audit const delay = audited(s, quiet_delay_bounds(s));
    CHECK(delay.settles > 0);
    CHECK(delay.mismatches == 0);
    Audit const bfs = audited(s, explore::testing::tiny(4));
    CHECK(bfs.settles > 0);
    CHECK(bfs.mismatches == 0);
  }
}

// The predicate reads the Kafka actors' state field by field (model/kafka/quiet.cpp), so a
// model change that adds state an idle cluster can act on must update it. The spaces above
// exercise few features; here every scenario of scenarios/kafka (transactions, quotas, ACLs,
// retention, patterns, old versions...) judges its first choices both ways. Where a feature
// keeps the cluster from ever being quiet the audit still runs, and finds nothing to differ.
// (Dropping the consumer's auto-commit checks from the predicate fails this case alone: 5
// mismatches in auto-commit-duplicates.yaml.)
TEST_CASE("quiet settle: every Kafka scenario judges its first choices as the whole settle does",
          "[explore]") {
  std::vector<std::filesystem::path> files;
  for (auto const& entry :
       std::filesystem::directory_iterator(std::string(MQCHECK_SOURCE_DIR) + "/scenarios/kafka"))
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 40);
  std::uint64_t settles = 0;
  std::uint64_t stopped_early = 0;
  for (auto const& file : files) {
    INFO(file.filename().string());
    sim::Scenario const s = sim::load_scenario(file.string());
    explore::Bounds b = explore::testing::tiny(1);
    b.states_max = 16;
    Audit const audit = audited(s, b);
    CHECK(audit.settles > 0);
    CHECK(audit.mismatches == 0);
    settles += audit.settles;
    stopped_early += audit.stopped_early;
  }
  CHECK(stopped_early * 4 > settles);  // Else the test would prove little.
}
