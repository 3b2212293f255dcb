// SPDX-License-Identifier: Apache-2.0
// The Kafka scenarios under many seeds: each one's `expect:` (ordering included, so the whole
// checker judges) must hold on every seed, its faults must fire, and the run must end drained.
// On a failure the replay command is in the captured message.
#include <catch2/catch.hpp>
#include <filesystem>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/sim/library_scenarios.hpp"

namespace mqcheck::sim {
namespace {

namespace fs = std::filesystem;

// The optimised suite sweeps 24 seeds. The sanitizer build hunts memory and undefined-behaviour
// errors, which a sixth of the seeds of every scenario exercise at a sixth of the cost (the
// sweep is most of that suite's time on two cores).
#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t seeds = 4;
#else
constexpr std::uint64_t seeds = 24;
#endif

std::string verdict_of(checker::DeliveryReport const& report, std::string const& guarantee) {
  for (checker::Verdict const& v : report.verdicts) {
    if (v.guarantee == guarantee) return std::string(checker::to_string(v.validity));
  }
  return "(no such guarantee)";
}

TEST_CASE("kafka scenarios meet their expectations on every seed", "[sim][property][kafka]") {
  std::vector<fs::path> const paths = testing::library_scenarios({"scenarios/kafka"});
  REQUIRE(paths.size() >= 15);
  for (fs::path const& path : paths) {
    Scenario const scenario = load_scenario(path.string());
    REQUIRE_FALSE(scenario.expect.empty());
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      std::string const replay = "mqcheck run " + path.string() + " --seed " + std::to_string(seed);
      CAPTURE(replay);
      RunResult const run = simulate(scenario, seed);
      CHECK(run.drained);
      CHECK_FALSE(run.step_limit_hit);
      if (!scenario.faults.empty() || !scenario.fault_rates.empty()) CHECK(!run.faults.empty());
      checker::DeliveryReport const report = checker::check_history(run.history);
      for (Expectation const& e : scenario.expect) {
        CAPTURE(e.guarantee);
        CHECK(verdict_of(report, e.guarantee) == e.verdict);
      }
    }
  }
}

TEST_CASE("a kafka run is deterministic: same seed, same history", "[sim][determinism][kafka]") {
  fs::path const path =
      fs::path(MQCHECK_SOURCE_DIR) / "scenarios/kafka/acks1-leader-crash-loss.yaml";
  Scenario const scenario = load_scenario(path.string());
  RunResult const a = simulate(scenario, 7);
  RunResult const b = simulate(scenario, 7);
  CHECK(a.history == b.history);
  CHECK(a.history.size() > 100);
}

}  // namespace
}  // namespace mqcheck::sim
