// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/run_streaming_test.cpp
// simulate_streaming (sim/run.hpp) hands a sink exactly the ops simulate() keeps, in order,
// with the same header, for every library scenario (crashes and power losses included, whose
// open ops the kernel then completes from its own copies), and leaves no sink behind.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "sim/run.hpp"
#include "tests/sim/library_scenarios.hpp"

namespace mqcheck::testing {
namespace {

namespace fs = std::filesystem;

TEST_CASE("a streamed run yields the ops and header a kept history holds", "[kernel][stream]") {
  std::vector<fs::path> const paths = library_scenarios({"scenarios/kafka", "scenarios/reference"});
  REQUIRE(paths.size() >= 20);
  for (fs::path const& path : paths) {
    INFO(path.string());
    sim::Scenario const scenario = sim::load_scenario(path.string());
    sim::RunResult const kept = sim::simulate(scenario, scenario.seed);
    std::vector<history::Op> streamed;
    sim::RunResult const run = sim::simulate_streaming(
        scenario, scenario.seed, [&](history::Op const& op) { streamed.push_back(op); });
    CHECK(sim::RunSink::sink == nullptr);
    CHECK(run.history.size() == 0);
    CHECK(run.history.header() == kept.history.header());
    CHECK(run.drained == kept.drained);
    CHECK(run.steps == kept.steps);
    REQUIRE(streamed.size() == kept.history.size());
    for (std::size_t i = 0; i < streamed.size(); ++i) {
      INFO("op " << i);
      REQUIRE(streamed[i] == kept.history.ops()[i]);
    }
  }
}

TEST_CASE("a run that fails to build leaves no sink behind", "[kernel][stream]") {
  sim::Scenario scenario = sim::load_scenario(std::string(MQCHECK_SOURCE_DIR) +
                                              "/scenarios/kafka/acks1-leader-crash-loss.yaml");
  scenario.broker = sim::BrokerKind::rabbitmq;  // No model yet: simulate throws InputError.
  CHECK_THROWS_AS(sim::simulate_streaming(scenario, 1, [](history::Op const&) {}), InputError);
  CHECK(sim::RunSink::sink == nullptr);
}

}  // namespace
}  // namespace mqcheck::testing
