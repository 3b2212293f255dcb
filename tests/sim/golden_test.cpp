// SPDX-License-Identifier: Apache-2.0
// Determinism: every reference scenario, run with its own seed, gives a history whose JSONL
// bytes equal tests/golden/<scenario>.jsonl. The Release and the sanitizer (Debug) builds
// both compare against the same files, so they are held to byte-identical output. After an
// intended change, regenerate with MQCHECK_UPDATE_GOLDEN=1 and review the diff.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "history/history_io.hpp"
#include "sim/run.hpp"

namespace mqcheck::sim {
namespace {

namespace fs = std::filesystem;

std::string read_all(fs::path const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<fs::path> reference_scenarios() {
  std::vector<fs::path> out;
  for (auto const& e :
       fs::directory_iterator(fs::path(MQCHECK_SOURCE_DIR) / "scenarios/reference")) {
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST_CASE("each reference scenario's history matches its golden file", "[determinism][golden]") {
  bool const update = std::getenv("MQCHECK_UPDATE_GOLDEN") != nullptr;
  for (fs::path const& path : reference_scenarios()) {
    CAPTURE(path.string());
    Scenario const scenario = load_scenario(path.string());
    std::string const text = history::to_jsonl(simulate(scenario, scenario.seed).history);
    CHECK(text == history::to_jsonl(simulate(scenario, scenario.seed).history));  // Twice.
    fs::path const golden =
        fs::path(MQCHECK_SOURCE_DIR) / "tests/golden" / (path.stem().string() + ".jsonl");
    if (update) std::ofstream(golden, std::ios::binary) << text;
    REQUIRE(fs::exists(golden));
    CHECK(read_all(golden) == text);
  }
}

TEST_CASE("another seed gives another history", "[determinism]") {
  Scenario const s = load_scenario(std::string(MQCHECK_SOURCE_DIR) +
                                   "/scenarios/reference/lost-confirms-duplicate.yaml");
  CHECK(history::to_jsonl(simulate(s, 1).history) != history::to_jsonl(simulate(s, 2).history));
}

}  // namespace
}  // namespace mqcheck::sim
