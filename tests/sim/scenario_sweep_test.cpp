// SPDX-License-Identifier: Apache-2.0
// The reference scenarios under many seeds: each one's `expect:` must hold on every seed, not
// only on its own, and its faults must fire (a run with no fault proves nothing). On a
// failure the replay command is in the captured message.
#include <catch2/catch.hpp>
#include <filesystem>

#include "checker/delivery.hpp"
#include "sim/run.hpp"
#include "tests/sim/library_scenarios.hpp"

namespace mqcheck::sim {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t seeds = 24;

std::string verdict_of(checker::DeliveryReport const& report, std::string const& guarantee) {
  for (checker::Verdict const& v : report.verdicts) {
    if (v.guarantee == guarantee) return std::string(checker::to_string(v.validity));
  }
  return "(no such guarantee)";
}

TEST_CASE("reference scenarios meet their expectations on every seed", "[sim][property]") {
  std::vector<fs::path> const paths = testing::library_scenarios({"scenarios/reference"});
  REQUIRE(paths.size() >= 8);
  for (fs::path const& path : paths) {
    Scenario const scenario = load_scenario(path.string());
    for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
      std::string const replay = "mqcheck run " + path.string() + " --seed " + std::to_string(seed);
      CAPTURE(replay);
      RunResult const run = simulate(scenario, seed);
      CHECK(run.drained);
      if (!scenario.faults.empty() || !scenario.fault_rates.empty()) CHECK(!run.faults.empty());
      checker::DeliveryReport const report = checker::check_delivery(run.history);
      for (Expectation const& e : scenario.expect) {
        CAPTURE(e.guarantee);
        CHECK(verdict_of(report, e.guarantee) == e.verdict);
      }
    }
  }
}

}  // namespace
}  // namespace mqcheck::sim
