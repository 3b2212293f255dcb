// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/run_check_paths_test.cpp
// `mqcheck run` checks a run in memory (with --history, or while it has at most --keep-ops
// ops) or streaming (checker::check_streaming over sim::simulate_streaming, rerunning the seed
// for each pass): both must give the same verdicts, byte for byte in the JSON, and the same
// exit status. Scenarios without groups really stream; Kafka ones (groups declared) make the
// streaming check load the history, which must also agree.
#include <catch2/catch.hpp>

#include <string>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/common/run_mqcheck.hpp"

namespace mqcheck::testing {
namespace {

std::string scenario_path(char const* name) {
  return std::string(MQCHECK_SOURCE_DIR) + "/scenarios/" + name;
}

constexpr char const* compared[] = {
    "reference/power-loss-without-fsync.yaml",
    "reference/lost-confirms-duplicate.yaml",
    "reference/random-crashes.yaml",
    "kafka/acks0-leader-crash-loss.yaml",
    "kafka/batch-lost-together-acks0.yaml",
};

TEST_CASE("mqcheck run: streamed and kept checks print the same verdicts", "[stream][cli]") {
  for (char const* name : compared) {
    INFO(name);
    std::string const path = scenario_path(name);
    CommandResult const streamed = run_mqcheck("run " + path + " --json --keep-ops 0");
    CommandResult const kept = run_mqcheck("run " + path + " --json --history /dev/null");
    CHECK(streamed.status == kept.status);
    CHECK(streamed.output == kept.output);
    CHECK(streamed.output.find("\"verdicts\"") != std::string::npos);
  }
}

TEST_CASE("check_streaming over simulate_streaming judges as check_history", "[stream]") {
  for (char const* name : compared) {
    INFO(name);
    sim::Scenario const scenario = sim::load_scenario(scenario_path(name));
    sim::RunResult const kept = sim::simulate(scenario, 7);
    checker::DeliveryReport const expected = checker::check_history(kept.history);
    checker::OpSource const source = [&](std::function<void(history::Op const&)> const& visit) {
      (void)sim::simulate_streaming(scenario, 7, visit);
    };
    checker::DeliveryReport const streamed = checker::check_streaming(
        kept.history.header(), source, [&] { return sim::simulate(scenario, 7).history; });
    CHECK(streamed == expected);
  }
}

}  // namespace
}  // namespace mqcheck::testing
