// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/report_command_test.cpp (tests, layer: viz)
// `mqcheck report` end to end: each output form from a history and from a scenario, the
// filters, `run --report F.html`, and bad input (exit 2, naming the key) instead of a crash.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/run_mqcheck.hpp"
#include "tests/common/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;

using Result = mqcheck::testing::CommandResult;

Result mqcheck(std::string const& args) { return mqcheck::testing::run_mqcheck(args); }

fs::path out_path(std::string const& name) { return mqcheck::testing::scratch_dir("viz") / name; }

std::string read(fs::path const& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string const golden =
    std::string(MQCHECK_SOURCE_DIR) + "/tests/golden/power-loss-without-fsync.jsonl";
std::string const scenario =
    std::string(MQCHECK_SOURCE_DIR) + "/scenarios/reference/power-loss-without-fsync.yaml";

TEST_CASE("report writes HTML, SVG and DOT from a history", "[viz][cli]") {
  fs::path const html = out_path("r.html");
  Result const r = mqcheck("report " + golden + " -o " + html.string());
  REQUIRE(r.status == 0);
  std::string const page = read(html);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(page.find("Showing: messages m40, m41, m42 (and faults and partition events)") !=
        std::string::npos);
  fs::path const svg = out_path("r.svg");
  REQUIRE(mqcheck("report " + golden + " -o " + svg.string() + " --message 41").status == 0);
  std::string const drawing = read(svg);
  CHECK(drawing.rfind("<svg", 0) == 0);
  CHECK(drawing.find("id=\"op-208\"") != std::string::npos);  // m41's send invoke.
  CHECK(drawing.find("id=\"op-205\"") == std::string::npos);  // m40's: filtered out.
  fs::path const dot = out_path("r.dot");
  REQUIRE(mqcheck("report " + golden + " -o " + dot.string()).status == 0);
  CHECK(read(dot).find("no ordering cycle") != std::string::npos);
}

TEST_CASE("report runs a scenario, and run --report F.html writes the same page", "[viz][cli]") {
  fs::path const a = out_path("a.html");
  fs::path const b = out_path("b.html");
  REQUIRE(mqcheck("report " + scenario + " -o " + a.string()).status == 0);
  REQUIRE(mqcheck("run " + scenario + " --quiet --report " + b.string()).status == 0);
  CHECK(read(a) == read(b));
  CHECK(read(a).find("broker_config: {fsync: never}") != std::string::npos);  // The YAML.
}

TEST_CASE("report rejects bad input with exit 2 and the key", "[viz][cli]") {
  Result const form = mqcheck("report " + golden + " -o " + out_path("x.pdf").string());
  CHECK(form.status == 2);
  CHECK(form.output.find("key '-o'") != std::string::npos);
  Result const from =
      mqcheck("report " + golden + " -o " + out_path("x.html").string() + " --from soon");
  CHECK(from.status == 2);
  CHECK(from.output.find("key '--from'") != std::string::npos);
  Result const input = mqcheck("report notes.txt -o " + out_path("x.html").string());
  CHECK(input.status == 2);
  CHECK(input.output.find("expected a scenario (.yaml) or a history (.jsonl)") !=
        std::string::npos);
  CHECK(mqcheck("report missing.jsonl -o " + out_path("x.html").string()).status == 2);
  CHECK(mqcheck("report " + golden + " -o " + out_path("x.html").string() + " --seed 3").status ==
        2);
}

}  // namespace
