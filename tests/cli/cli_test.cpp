// SPDX-License-Identifier: Apache-2.0
// The mqcheck command end to end: exit statuses (0 as expected, 1 a verdict differs or no
// fault fired, 2 bad input), error messages naming file, line and key, the replay command.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/common/run_mqcheck.hpp"
#include "tests/common/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;

using Result = mqcheck::testing::CommandResult;

Result mqcheck(std::string const& args) { return mqcheck::testing::run_mqcheck(args); }

fs::path temp_file(std::string const& name, std::string const& text) {
  fs::path const path = mqcheck::testing::scratch_dir("cli") / name;
  std::ofstream(path) << text;
  return path;
}

std::string scenario(std::string const& name) {
  return std::string(MQCHECK_SOURCE_DIR) + "/scenarios/reference/" + name;
}

bool contains(std::string const& text, std::string const& part) {
  return text.find(part) != std::string::npos;
}

constexpr char const* small_scenario = R"(name: small
broker: reference
queues: [{name: q}]
producers: [{id: p1, topic: q, messages: 5, rate_per_s: 1000}]
consumers: [{group: g, topic: q}]
)";

TEST_CASE("--version and --help exit 0", "[cli]") {
  Result const v = mqcheck("--version");
  CHECK(v.status == 0);
  CHECK(contains(v.output, "mqcheck 0."));
  Result const h = mqcheck("run --help");
  CHECK(h.status == 0);
  CHECK(contains(h.output, "Examples:"));
}

TEST_CASE("no subcommand or an unknown option exits 2", "[cli]") {
  CHECK(mqcheck("").status == 2);
  CHECK(mqcheck("run --sed 3 x.yaml").status == 2);
  CHECK(mqcheck("frobnicate").status == 2);
}

TEST_CASE("a scenario whose expectations hold exits 0", "[cli]") {
  Result const r = mqcheck("run " + scenario("lost-confirms-dedup.yaml"));
  CHECK(r.status == 0);
  CHECK(contains(r.output, "exactly-once"));
}

TEST_CASE("a differing verdict exits 1 and prints the replay command", "[cli]") {
  std::string const text = std::string(small_scenario) + "expect: {at-least-once: invalid}\n";
  fs::path const file = temp_file("wrong-expect.yaml", text);
  Result const r = mqcheck("run " + file.string() + " --seed 5");
  CHECK(r.status == 1);
  CHECK(contains(r.output, "at-least-once is valid, expected invalid"));
  CHECK(contains(r.output, "replay: mqcheck run " + file.string() + " --seed 5"));
}

TEST_CASE("a scenario whose faults never fire exits 1", "[cli]") {
  std::string const text =
      std::string(small_scenario) + "faults: [{at: 1ms, restart: broker-0}]\nquiesce: 2ms\n";
  Result const r = mqcheck("run " + temp_file("no-fault.yaml", text).string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "none fired"));
}

TEST_CASE("bad scenarios exit 2 naming file, line and key", "[cli]") {
  SECTION("missing file") {
    Result const r = mqcheck("run /nonexistent/s.yaml");
    CHECK(r.status == 2);
    CHECK(contains(r.output, "/nonexistent/s.yaml"));
  }
  SECTION("unknown broker key") {
    std::string const text = std::string(small_scenario) + "broker_config: {fsinc: never}\n";
    fs::path const file = temp_file("bad-key.yaml", text);
    Result const r = mqcheck("run " + file.string());
    CHECK(r.status == 2);
    CHECK(contains(r.output, file.string() + ":6:"));
    CHECK(contains(r.output, "broker_config.fsinc"));
    CHECK(contains(r.output, "did you mean 'fsync'?"));
  }
  SECTION("unknown fault target") {
    std::string const text =
        std::string(small_scenario) + "faults: [{at: 1ms, crash: broker-1}]\nquiesce: 2ms\n";
    Result const r = mqcheck("run " + temp_file("bad-target.yaml", text).string());
    CHECK(r.status == 2);
    CHECK(contains(r.output, "no node or group named 'broker-1' (did you mean 'broker-0'?)"));
  }
  SECTION("unknown guarantee in expect") {
    std::string const text = std::string(small_scenario) + "expect: {at-least-onse: valid}\n";
    Result const r = mqcheck("run " + temp_file("bad-expect.yaml", text).string());
    CHECK(r.status == 2);
    CHECK(contains(r.output, "did you mean 'at-least-once'?"));
  }
  SECTION("a model not built yet") {
    std::string text = small_scenario;
    text.replace(text.find("reference"), 9, "rabbitmq");
    Result const r = mqcheck("run " + temp_file("rabbitmq.yaml", text).string());
    CHECK(r.status == 2);
    CHECK(contains(r.output, "no model for this broker yet"));
  }
}

TEST_CASE("run --history writes a history that check judges the same way", "[cli]") {
  fs::path const history = temp_file("h.jsonl", "");
  Result const run = mqcheck("run " + scenario("power-loss-without-fsync.yaml") + " --history " +
                             history.string());
  CHECK(run.status == 0);
  Result const check = mqcheck("check " + history.string());
  CHECK(check.status == 1);  // at-least-once is invalid: an acknowledged message was lost.
  CHECK(contains(check.output, "lost"));
  Result const expected = mqcheck("check " + history.string() +
                                  " --expect at-least-once=invalid --expect at-most-once=valid");
  CHECK(expected.status == 0);
}

TEST_CASE("check rejects a malformed history with file and line, exit 2", "[cli]") {
  fs::path const file = temp_file("bad.jsonl", "{\"mqcheck-history\":1}\n{\"index\":0,\n");
  Result const r = mqcheck("check " + file.string());
  CHECK(r.status == 2);
  CHECK(contains(r.output, file.string() + ":2"));
}

TEST_CASE("run --report tells the story of each anomaly", "[cli]") {
  fs::path const report = temp_file("report.txt", "");
  Result const r =
      mqcheck("run " + scenario("power-loss-without-fsync.yaml") + " --report " + report.string());
  CHECK(r.status == 0);
  std::ifstream in(report);
  std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto const story = text.find("== lost: message");
  REQUIRE(story != std::string::npos);
  auto const next = text.find("\n\n", story);
  // The story of a lost message ends with the fault that took it.
  CHECK(contains(text.substr(story, next - story), "event power-loss"));
}

}  // namespace

namespace {

TEST_CASE("check --guarantee judges only the named guarantees; a typo exits 2", "[cli]") {
  fs::path const history = temp_file("g.jsonl", "");
  CHECK(
      mqcheck("run " + scenario("power-loss-without-fsync.yaml") + " --history " + history.string())
          .status == 0);
  Result const only = mqcheck("check " + history.string() + " --guarantee at-most-once");
  CHECK(only.status == 0);  // The lost messages are at-least-once's business, not judged here.
  CHECK(contains(only.output, "at-most-once"));
  CHECK_FALSE(contains(only.output, "at-least-once"));
  Result const typo = mqcheck("check " + history.string() + " --guarantee orderin");
  CHECK(typo.status == 2);
  CHECK(contains(typo.output,
                 "command line: key '--guarantee': unknown guarantee 'orderin' "
                 "(did you mean 'ordering'?)"));
}

}  // namespace

namespace {

TEST_CASE("an expectation for a guarantee nothing judged fails instead of passing", "[cli]") {
  std::string const text = std::string(small_scenario) + "expect: {ordering: valid}\n";
  Result const r = mqcheck("run " + temp_file("unjudged.yaml", text).string());
  CHECK(r.status == 1);
  CHECK(contains(r.output, "ordering was not judged"));
}

}  // namespace

namespace {

TEST_CASE("check streams delivery-only judgements and words its errors the same", "[cli]") {
  fs::path const history = temp_file("s.jsonl", "");
  CHECK(
      mqcheck("run " + scenario("power-loss-without-fsync.yaml") + " --history " + history.string())
          .status == 0);
  std::string const delivery = " --guarantee at-least-once --guarantee at-most-once --json";
  Result const streamed = mqcheck("check " + history.string() + delivery);
  Result const whole = mqcheck("check " + history.string() + delivery + " --guarantee ordering");
  CHECK(streamed.status == 1);
  CHECK(contains(streamed.output, "\"lost\""));
  // The in-memory path judged ordering too; the delivery rows must be the same text.
  std::string const first_row = streamed.output.substr(0, streamed.output.find("ordering"));
  CHECK(contains(whole.output, first_row.substr(0, first_row.find("\"at-most-once\""))));
  Result const missing = mqcheck("check /nonexistent/h.jsonl" + delivery);
  CHECK(missing.status == 2);
  CHECK(contains(missing.output, "no such history file"));
  fs::path const bad = temp_file("sbad.jsonl", "{\"mqcheck-history\":1}\n{\"index\":0,\n");
  Result const malformed = mqcheck("check " + bad.string() + delivery);
  CHECK(malformed.status == 2);
  CHECK(contains(malformed.output, bad.string() + ":2"));
  // A pipe is refused before it is opened (the check may read the history twice; opening a
  // FIFO with no writer would block): a clear word, exit 2, not a JSON error at 1:1.
  fs::path const fifo = mqcheck::testing::scratch_dir("cli") / "pipe.jsonl";
  fs::remove(fifo);
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  Result const piped = mqcheck("check " + fifo.string() + delivery);
  CHECK(piped.status == 2);
  CHECK(contains(piped.output, fifo.string() + ": is not a regular file"));
  fs::remove(fifo);
}

}  // namespace

namespace {

TEST_CASE("an output file that cannot be written exits 2 naming the option and path", "[cli]") {
  std::string const run = "run " + scenario("power-loss-without-fsync.yaml");
  for (char const* option : {" --report ", " --history "}) {
    Result const r = mqcheck(run + option + "/nonexistent/dir/out.html");
    CHECK(r.status == 2);
    CHECK(contains(r.output, "/nonexistent/dir/out.html"));
    CHECK(contains(r.output, std::string(option).substr(1, std::string(option).size() - 2)));
  }
  Result const report =
      mqcheck("report " + scenario("power-loss-without-fsync.yaml") + " -o /nonexistent/dir/r.svg");
  CHECK(report.status == 2);
  CHECK(contains(report.output, "key '-o': cannot open the file for writing"));
}

}  // namespace

namespace {

// A scenario of scenarios/kafka, for histories the streams cannot all decide.
std::string kafka_scenario(std::string const& name) {
  return std::string(MQCHECK_SOURCE_DIR) + "/scenarios/kafka/" + name;
}

Result check_stats(std::string const& scenario_path, std::string const& name) {
  fs::path const history = temp_file(name, "");
  REQUIRE(mqcheck("run " + scenario_path + " --history " + history.string()).status <= 1);
  return mqcheck("check " + history.string() + " --stats --json");
}

// Histories the streams cannot decide (docs/anomalies.md lists why).
constexpr char const* untopical_poll =
    R"({"mqcheck-history":1,"time-unit":"us","drained":true,)"
    R"("subscriptions":{"orders":["billing"]},"ordering":{"orders":"partition"}})"
    "\n"
    R"({"index":0,"time":1,"process":"p1","type":"invoke","f":"send","value":[{"id":1,)"
    R"("topic":"orders"}]})"
    "\n"
    R"({"index":1,"time":2,"process":"p1","type":"ok","f":"send","value":[{"id":1,)"
    R"("topic":"orders","partition":0,"offset":0}]})"
    "\n"
    R"({"index":2,"time":3,"process":"c1","type":"ok","f":"poll","group":"billing",)"
    R"("value":[{"id":1,"offset":0}]})"
    "\n"
    R"({"index":3,"time":4,"process":"c1","type":"invoke","f":"process","group":"billing",)"
    R"("value":[{"id":1,"topic":"orders"}]})"
    "\n"
    R"({"index":4,"time":5,"process":"c1","type":"ok","f":"process","group":"billing",)"
    R"("value":[{"id":1,"topic":"orders"}]})"
    "\n";
constexpr char const* unsubscribed_txn =
    R"({"mqcheck-history":1,"time-unit":"us","drained":true,)"
    R"("subscriptions":{"orders":["billing"]}})"
    "\n"
    R"({"index":0,"time":1,"process":"p1","type":"invoke","f":"txn-begin","txn":"t1",)"
    R"("value":[]})"
    "\n"
    R"({"index":1,"time":2,"process":"p1","type":"ok","f":"txn-begin","txn":"t1",)"
    R"("value":[]})"
    "\n"
    R"({"index":2,"time":3,"process":"p1","type":"invoke","f":"send","txn":"t1",)"
    R"("value":[{"id":1,"topic":"audit"}]})"
    "\n"
    R"({"index":3,"time":4,"process":"p1","type":"ok","f":"send","txn":"t1",)"
    R"("value":[{"id":1,"topic":"audit","partition":0,"offset":0}]})"
    "\n"
    R"({"index":4,"time":5,"process":"p1","type":"invoke","f":"txn-commit","txn":"t1",)"
    R"("value":[]})"
    "\n"
    R"({"index":5,"time":6,"process":"p1","type":"ok","f":"txn-commit","txn":"t1",)"
    R"("value":[]})"
    "\n";

TEST_CASE("check --stats says whether the history streamed, and which stream loaded it", "[cli]") {
  Result const streamed = check_stats(scenario("power-loss-without-fsync.yaml"), "st1.jsonl");
  CHECK(contains(streamed.output,
                 "mqcheck: 651 ops read in one pass, streaming: at most 100 "
                 "messages held, "));
  CHECK_FALSE(contains(streamed.output, "loaded"));
  CHECK(contains(streamed.output, "\"verdicts\""));  // --json still prints its document.
  // A poll's record without its topic: placements take it from elsewhere, which the ordering
  // stream does not follow, so ordering is judged loaded, in a second pass.
  Result const ordering =
      mqcheck("check " + temp_file("st2.jsonl", untopical_poll).string() + " --stats");
  CHECK(contains(ordering.output, "ops read in 2 passes: at most 1 message held, "));
  CHECK(contains(ordering.output,
                 "; ordering was judged from the history loaded into memory: "
                 "its stream could not decide"));
  // A transaction writes to a topic without a subscriptions entry: its readers are inferred
  // only at the end, so the transactions stream doubts and the whole history is loaded.
  Result const txn =
      mqcheck("check " + temp_file("st3.jsonl", unsubscribed_txn).string() + " --stats");
  CHECK(contains(txn.output,
                 "ops read in 2 passes: the whole history was loaded and judged in "
                 "memory: the transactions stream could not decide"));
  // The transformer of sees-aborted sends its aborted outputs again under the same ids: the
  // transactions stream follows both copies, so that history is not loaded for it.
  Result const copies =
      check_stats(kafka_scenario("transactions-read-uncommitted-sees-aborted.yaml"), "st4.jsonl");
  CHECK(contains(copies.output, " messages held, "));
  CHECK_FALSE(contains(copies.output, "loaded"));
}

}  // namespace
