// SPDX-License-Identifier: Apache-2.0
// File: tests/cli/claims_test.cpp (tests, layer: cli)
// docs/claims.md answers the comparison table claim by claim, naming for each the scenarios
// that demonstrate it and the verdicts they get. A renamed scenario or a changed expectation
// would leave the page claiming evidence that no longer exists, so this test reads every row
// that names a scenario and checks the file loads and expects exactly the verdicts listed.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/scenario.hpp"

namespace mqcheck {
namespace {

namespace fs = std::filesystem;

fs::path const root = MQCHECK_SOURCE_DIR;

struct Row {
  std::string scenario;                                       // Relative to the repository.
  std::vector<std::pair<std::string, std::string>> verdicts;  // (guarantee, valid|invalid).
  std::size_t line = 0;
};

std::vector<std::string> cells(std::string const& line) {
  std::vector<std::string> out;
  std::istringstream in(line.substr(1));
  for (std::string cell; std::getline(in, cell, '|');) {
    std::size_t const b = cell.find_first_not_of(' ');
    std::size_t const e = cell.find_last_not_of(' ');
    out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  return out;
}

// "at-most-once: valid, ordering: invalid" -> pairs.
std::vector<std::pair<std::string, std::string>> verdicts_of(std::string const& cell) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(cell);
  for (std::string item; std::getline(in, item, ',');) {
    std::size_t const colon = item.find(':');
    REQUIRE(colon != std::string::npos);
    std::size_t const b = item.find_first_not_of(' ');
    out.emplace_back(item.substr(b, colon - b), item.substr(colon + 2));
  }
  return out;
}

std::vector<Row> claim_rows() {
  std::ifstream in(root / "docs/claims.md");
  std::vector<Row> rows;
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    ++n;
    std::size_t const link = line.find("](../scenarios/");
    if (line.rfind("| ", 0) != 0 || link == std::string::npos) continue;
    std::vector<std::string> const c = cells(line);
    REQUIRE(c.size() >= 4);
    Row row;
    row.line = n;
    row.scenario = line.substr(link + 5, line.find(')', link) - link - 5);
    row.verdicts = verdicts_of(c[2]);
    rows.push_back(row);
  }
  return rows;
}

TEST_CASE("every scenario docs/claims.md cites exists and expects the verdicts it lists",
          "[cli][docs]") {
  std::vector<Row> const rows = claim_rows();
  REQUIRE(rows.size() >= 20);
  for (Row const& row : rows) {
    INFO("docs/claims.md:" << row.line << " cites " << row.scenario);
    REQUIRE(fs::exists(root / row.scenario));
    sim::Scenario const s = sim::load_scenario((root / row.scenario).string());
    REQUIRE_FALSE(row.verdicts.empty());
    for (auto const& [guarantee, verdict] : row.verdicts) {
      INFO(guarantee << ": " << verdict);
      bool found = false;
      for (sim::Expectation const& e : s.expect) {
        found = found || (e.guarantee == guarantee && e.verdict == verdict);
      }
      CHECK(found);
    }
  }
}

}  // namespace
}  // namespace mqcheck
