// SPDX-License-Identifier: Apache-2.0
// File: tests/cli/tutorial_test.cpp (tests, layer: cli)
// docs/tutorial.md teaches with concrete claims ("one lost message, m21", "m7 appended at
// offsets 6 and 46", "truncate orders-0 ... from 150 to 142"). A model change that moves them
// would silently turn the tutorial into fiction, so this test runs every `mqcheck report`
// command of the tutorial as a reader would, and checks each claim against the run.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../common/run_mqcheck.hpp"
#include "../common/scratch_dir.hpp"
#include "../common/soak.hpp"
#include "checker/check.hpp"
#include "sim/run.hpp"

namespace mqcheck {
namespace {

namespace fs = std::filesystem;

fs::path const root = MQCHECK_SOURCE_DIR;

std::string read(fs::path const& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> words(std::string const& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The lines of the tutorial's ```sh blocks, as word lists.
std::vector<std::vector<std::string>> tutorial_sh_lines() {
  std::istringstream in(read(root / "docs/tutorial.md"));
  std::vector<std::vector<std::string>> lines;
  bool in_sh = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("```")) {
      in_sh = line == "```sh";
      continue;
    }
    if (in_sh) lines.push_back(words(line));
  }
  return lines;
}

// The `mqcheck report INPUT -o OUTPUT` lines of the tutorial's ```sh blocks, as word lists,
// whose input is in the library (not the placeholders of "Your own runs").
std::vector<std::vector<std::string>> tutorial_commands() {
  std::vector<std::vector<std::string>> commands;
  for (std::vector<std::string> const& w : tutorial_sh_lines()) {
    bool const report = w.size() >= 5 && w[0] == "mqcheck" && w[1] == "report" && w[3] == "-o";
    if (report && fs::exists(root / w[2])) commands.push_back(w);
  }
  return commands;
}

struct Run {
  history::History history;
  checker::DeliveryReport report;
  std::string verdict(std::string const& guarantee) const {
    for (checker::Verdict const& v : report.verdicts) {
      if (v.guarantee == guarantee) return std::string(checker::to_string(v.validity));
    }
    return "(not judged)";
  }
  std::vector<std::uint64_t> anomalous(std::string const& guarantee,
                                       std::string const& kind) const {
    std::vector<std::uint64_t> ids;
    for (checker::Verdict const& v : report.verdicts) {
      if (v.guarantee != guarantee) continue;
      for (checker::Anomaly const& a : v.anomalies) {
        if (a.kind == kind) ids.push_back(a.message.value);
      }
    }
    return ids;
  }
  bool has_event(std::string const& process, std::string const& detail_part) const {
    for (history::Op const& op : history.ops()) {
      if (op.process == process && op.detail.find(detail_part) != std::string::npos) return true;
    }
    return false;
  }
};

Run run(std::string const& scenario) {
  sim::Scenario const s = sim::load_scenario((root / "scenarios" / scenario).string());
  Run r{sim::simulate(s, s.seed).history, {}};
  r.report = checker::check_history(r.history);
  return r;
}

TEST_CASE("every report command of the tutorial runs as printed", "[cli][docs]") {
  std::vector<std::vector<std::string>> const commands = tutorial_commands();
  CHECK(commands.size() >= 11);
  fs::path const out = testing::scratch_dir("tutorial");
  for (std::vector<std::string> const& w : commands) {
    INFO("mqcheck report " << w[2] << " -o " << w[4]);
    testing::CommandResult const r = testing::run_mqcheck(
        "report " + (root / w[2]).string() + " -o " + (out / w[4]).string());
    CHECK(r.status == 0);
    CHECK(fs::file_size(out / w[4]) > 100);
  }
  fs::remove_all(out);
}

TEST_CASE("tutorial claims: at-most-once and at-least-once", "[cli][docs]") {
  Run const amo = run("reference/consumer-crash-ack-before-processing.yaml");
  CHECK(amo.verdict("at-most-once") == "valid");
  CHECK(amo.verdict("at-least-once") == "invalid");
  CHECK(amo.anomalous("at-least-once", "lost") == std::vector<std::uint64_t>{21});
  Run const alo = run("reference/consumer-crash-ack-after-processing.yaml");
  CHECK(alo.verdict("at-least-once") == "valid");
  CHECK(alo.verdict("at-most-once") == "invalid");
  Run const nofsync = run("reference/power-loss-without-fsync.yaml");
  CHECK(nofsync.verdict("at-least-once") == "invalid");
  CHECK(nofsync.anomalous("at-least-once", "lost").size() == 21);
  Run const fsync = run("reference/power-loss-with-fsync.yaml");
  CHECK(fsync.verdict("at-least-once") == "valid");
  CHECK(fsync.verdict("at-most-once") == "invalid");
}

TEST_CASE("tutorial claims: exactly-once and ordering", "[cli][docs]") {
  Run const dup = run("reference/lost-confirms-duplicate.yaml");
  CHECK(dup.verdict("exactly-once") == "invalid");
  std::vector<std::int64_t> m7_offsets;
  for (history::Op const& op : dup.history.ops()) {
    if (op.f != history::OpKind::append) continue;
    for (history::Record const& r : op.value) {
      if (r.id == MessageId{7} && r.offset) m7_offsets.push_back(r.offset->value);
    }
  }
  CHECK(m7_offsets == std::vector<std::int64_t>{6, 46});
  Run const dedup = run("reference/lost-confirms-dedup.yaml");
  for (checker::Verdict const& v : dedup.report.verdicts) {
    CHECK(v.validity == checker::Validity::valid);
  }
  Run const order = run("kafka/retries-without-idempotence-duplicate-reorder.yaml");
  CHECK(order.verdict("ordering") == "invalid");
  CHECK_FALSE(order.anomalous("ordering", "reordered").empty());
  CHECK(order.verdict("at-most-once") == "invalid");
  Run const ordered = run("kafka/idempotent-producer-exactly-once.yaml");
  CHECK(ordered.verdict("ordering") == "valid");
  CHECK(ordered.verdict("exactly-once") == "valid");
}

TEST_CASE("tutorial claims: replication with acks=1 and acks=all", "[cli][docs]") {
  Run const acks1 = run("kafka/acks1-leader-crash-loss.yaml");
  CHECK(acks1.anomalous("at-least-once", "lost") ==
        std::vector<std::uint64_t>{143, 144, 145, 146, 147, 148, 149, 150});
  CHECK(acks1.has_event("controller", "leader orders-0 1 epoch 1 isr [1,2]"));
  CHECK(acks1.has_event("broker-0", "truncate orders-0 replica 0 from 150 to 142"));
  CHECK_FALSE(acks1.anomalous("ordering", "inconsistent-offsets").empty());
  Run const all = run("kafka/acks-all-leader-crash-safe.yaml");
  for (checker::Verdict const& v : all.report.verdicts) {
    CHECK(v.validity == checker::Validity::valid);
  }
}

TEST_CASE("tutorial claims: retry topics against blocking retries", "[cli][docs]") {
  Run const retry = run("kafka/retry-topics-pattern-reorders.yaml");
  CHECK(retry.verdict("at-least-once") == "valid");
  CHECK(retry.verdict("dead-letter") == "valid");
  CHECK(retry.verdict("ordering") == "invalid");
  std::vector<std::uint64_t> const reordered = retry.anomalous("ordering", "reordered");
  CHECK(std::find(reordered.begin(), reordered.end(), 7) != reordered.end());
  bool retried_as_billing = false;  // m7's processing on the retry topic's consumer.
  for (history::Op const& op : retry.history.ops()) {
    retried_as_billing |= op.f == history::OpKind::process && op.type == history::OpType::ok &&
                          op.process == "billing-retry-100-0" && op.group == "billing" &&
                          op.value.front().id == MessageId{7};
  }
  CHECK(retried_as_billing);
  Run const blocking = run("kafka/dead-letter-pattern-sync-publish-safe.yaml");
  CHECK(blocking.verdict("ordering") == "valid");
  Run const lossy = run("kafka/retry-topics-pattern-async-forward-loses.yaml");
  CHECK_FALSE(lossy.anomalous("at-least-once", "lost").empty());
}

// The `mqcheck explore ...` lines of the tutorial's ```sh blocks, as printed (without
// "mqcheck"), by scenario file name.
std::map<std::string, std::string> tutorial_explores() {
  std::map<std::string, std::string> commands;
  for (std::vector<std::string> const& w : tutorial_sh_lines()) {
    if (w.size() < 3 || w[0] != "mqcheck" || w[1] != "explore") continue;
    std::string args = "explore " + (root / w[2]).string();
    for (std::size_t i = 3; i < w.size(); ++i) args += " " + w[i];
    commands[fs::path(w[2]).filename().string()] = args;
  }
  return commands;
}

// About a second each in Release; the sanitizer build leaves them to the optimised suite.
TEST_CASE("tutorial claims: the explorer's answers", "[cli][docs]" MQCHECK_NOT_SANITIZED) {
  std::map<std::string, std::string> const explores = tutorial_explores();
  REQUIRE(explores.size() == 3);
  testing::CommandResult const acks1 =
      testing::run_mqcheck(explores.at("kafka-acks1-leader-crash.yaml"));
  INFO(acks1.output);
  CHECK(acks1.status == 1);
  CHECK(acks1.output.find("at-least-once: VIOLATED; counterexample with the fewest delays (1) "
                          "(109 choices") != std::string::npos);
  CHECK(acks1.output.find("[delay] broker-0's timer 3 fires") != std::string::npos);
  CHECK(acks1.output.find("p1 receives ProduceResponse from broker-0 (p1: send ok [1])") !=
        std::string::npos);
  CHECK(acks1.output.find("broker-0 crashes") != std::string::npos);
  testing::CommandResult const all =
      testing::run_mqcheck(explores.at("kafka-acks-all-leader-crash.yaml"));
  CHECK(all.status == 0);
  CHECK(all.output.find("VIOLATED") == std::string::npos);
  CHECK(all.output.find("at-least-once: holds within bounds: delays <= 1") != std::string::npos);
  CHECK(all.output.find("every schedule within the delay bound was explored") != std::string::npos);
  testing::CommandResult const isr2 =
      testing::run_mqcheck(explores.at("kafka-min-isr-2-shrink-power-loss.yaml"));
  INFO(isr2.output);
  CHECK(isr2.output.find("at-least-once: VIOLATED; counterexample with the fewest delays (1) "
                         "(21 choices") != std::string::npos);
  CHECK(isr2.output.find("[delay] broker-1 restarts") != std::string::npos);
  CHECK(isr2.output.find("broker-0 loses power") != std::string::npos);
}

}  // namespace
}  // namespace mqcheck
