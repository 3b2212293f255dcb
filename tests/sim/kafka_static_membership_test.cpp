// SPDX-License-Identifier: Apache-2.0
// The two consumer-restart scenarios, run whole: without group.instance.id the restart
// rebalances the group (billing-1 is assigned again), with it nobody is reassigned, billing-0
// gets back the partition it had, and only billing-0 processes anything twice (KIP-345).
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "sim/run.hpp"

namespace mqcheck::sim {
namespace {

namespace fs = std::filesystem;
using history::OpKind;
using history::OpType;

struct Outcome {
  std::map<std::string, std::vector<std::vector<std::int32_t>>> assigns;  // Per process.
  std::map<std::string, int> duplicates;  // Per process: process ops of an id seen before.
};

Outcome run(char const* name, std::uint64_t seed) {
  Scenario const s =
      load_scenario((fs::path(MQCHECK_SOURCE_DIR) / "scenarios/kafka" / name).string());
  RunResult const r = simulate(s, seed);
  Outcome o;
  std::map<std::uint64_t, int> seen;
  for (history::Op const& op : r.history.ops()) {
    if (op.type != OpType::ok) continue;
    if (op.f == OpKind::assign) {
      std::vector<std::int32_t> parts;
      for (history::Record const& rec : op.value) parts.push_back(rec.partition.value_or(-1));
      o.assigns[op.process].push_back(parts);
    }
    if (op.f == OpKind::process && ++seen[op.value.at(0).id.value] > 1) ++o.duplicates[op.process];
  }
  return o;
}

TEST_CASE("a consumer restart: a rebalance without group.instance.id, none with it",
          "[sim][kafka][static]") {
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    CAPTURE(seed);
    Outcome const dynamic = run("consumer-restart-dynamic-rebalance.yaml", seed);
    CHECK(dynamic.assigns.at("billing-1").size() >= 2);  // The restart rebalanced it too.
    Outcome const statics = run("consumer-restart-static-no-rebalance.yaml", seed);
    CHECK(statics.assigns.at("billing-1").size() == 1);  // Never told of a rebalance.
    auto const& b0 = statics.assigns.at("billing-0");
    REQUIRE(b0.size() == 2);  // Before the crash and after the restart:
    CHECK(b0[0] == b0[1]);    // the same partition, handed back.
    CHECK(statics.duplicates.count("billing-1") == 0);
    CHECK(statics.duplicates.count("billing-0") == 1);  // It redoes its uncommitted work.
  }
}

}  // namespace
}  // namespace mqcheck::sim
