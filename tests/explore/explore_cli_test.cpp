// SPDX-License-Identifier: Apache-2.0
// `mqcheck explore` and `mqcheck replay` end to end: the exit statuses (0 nothing violated or
// every --expect holds, 1 otherwise, 2 bad input), the numbered trace, and a saved trace that
// replays to the same verdict and the same history, twice.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/common/run_mqcheck.hpp"
#include "tests/common/scratch_dir.hpp"

namespace {

namespace fs = std::filesystem;

mqcheck::testing::CommandResult run(std::string const& args) {
  return mqcheck::testing::run_mqcheck(args);
}

std::string scenario(std::string const& name) {
  return std::string(MQCHECK_SOURCE_DIR) + "/scenarios/explore/" + name;
}

fs::path temp_path(std::string const& name) {
  return mqcheck::testing::scratch_dir("explore") / name;
}

std::string read(fs::path const& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("explore prints a numbered counterexample and saves a trace that replays") {
  fs::path const trace = temp_path("cx.json");
  auto const found = run("explore " + scenario("reference-ack-before-processing.yaml") +
                             " --max-depth 8 --max-latency 1ms --trace " + trace.string());
  INFO(found.output);
  CHECK(found.status == 1);
  CHECK(found.output.find("at-least-once: VIOLATED") != std::string::npos);
  CHECK(found.output.find("  4. billing-0 crashes (crash billing-0)") != std::string::npos);
  CHECK(found.output.find("no-unexpected: holds within bounds: depth <= 8") != std::string::npos);
  CHECK(found.output.find("was explored") != std::string::npos);  // A search says its coverage.
  fs::path const h1 = temp_path("h1.jsonl");
  fs::path const h2 = temp_path("h2.jsonl");
  auto const first = run("replay " + trace.string() + " --history " + h1.string());
  auto const second = run("replay " + trace.string() + " --history " + h2.string());
  INFO(first.output);
  CHECK(first.status == 1);  // The counterexample reproduces.
  CHECK(first.output.find("  4. billing-0 crashes (crash billing-0)") != std::string::npos);
  CHECK(first.output == second.output);
  CHECK(read(h1) == read(h2));
  auto const checked = run("check " + h1.string() + " --expect at-least-once=invalid");
  INFO(checked.output);
  CHECK(checked.status == 0);
  fs::path const page = temp_path("cx.html");  // The counterexample drawn.
  CHECK(run("replay " + trace.string() + " --report " + page.string()).status == 1);
  std::string const html = read(page);
  CHECK(html.find("<svg") != std::string::npos);
  CHECK(html.find("hl-lost") != std::string::npos);
  CHECK(html.find("#   4. billing-0 crashes (crash billing-0)") != std::string::npos);
}

TEST_CASE("explore --expect decides the exit status") {
  std::string const s = scenario("reference-ack-after-processing.yaml");
  CHECK(run("explore " + s + " --max-depth 8 --max-latency 1ms --expect at-least-once=holds")
            .status == 0);
  CHECK(run("explore " + s + " --max-depth 8 --max-latency 1ms --expect at-most-once=holds")
            .status == 1);
}

TEST_CASE("explore and replay refuse bad input with status 2") {
  std::string const s = scenario("reference-ack-after-processing.yaml");
  auto const mode = run("explore " + s + " --fingerprint exact");
  CHECK(mode.status == 2);
  CHECK(mode.output.find("--fingerprint") != std::string::npos);
  CHECK(run("explore " + s + " --settle soon").status == 2);
  auto const horizon = run("explore " + s + " --horizon later");
  CHECK(horizon.status == 2);
  CHECK(horizon.output.find("--horizon") != std::string::npos);
  CHECK(run("explore " + s + " --expect at-least-once=maybe").status == 2);
  CHECK(run("explore /nonexistent.yaml").status == 2);
  fs::path const bad = temp_path("bad.json");
  std::ofstream(bad) << R"({"mqcheck-trace":1,"scenario":")" << s << R"(","choises":[]})";
  auto const replay = run("replay " + bad.string());
  CHECK(replay.status == 2);
  CHECK(replay.output.find("did you mean 'choices'") != std::string::npos);
}

TEST_CASE("explore --dot draws the state graph with the counterexample's path in red") {
  fs::path const dot = temp_path("graph.dot");
  auto const r = run("explore " + scenario("reference-ack-before-processing.yaml") +
                     " --max-depth 4 --max-latency 1ms --dot " + dot.string());
  INFO(r.output);
  CHECK(r.status == 1);
  std::string const text = read(dot);
  CHECK(text.rfind("digraph states {", 0) == 0);
  CHECK(text.find("s0 [label=\"initial\", style=\"bold,rounded\", penwidth=2.5];") !=
        std::string::npos);
  CHECK(text.find("fontcolor=\"#cf222e\"") != std::string::npos);  // The violating state.
  CHECK(text.find("label=\"p1's timer 0 fires\", color=\"#cf222e\", penwidth=2.5") !=
        std::string::npos);  // The first step of the counterexample.
}

TEST_CASE("explore --search dfs says its counterexample is not the shortest; --minimise shortens") {
  std::string const s = scenario("reference-ack-before-processing.yaml");
  auto const dfs = run("explore " + s + " --max-depth 8 --max-latency 1ms --search dfs");
  INFO(dfs.output);
  CHECK(dfs.status == 1);
  CHECK(dfs.output.find("search: depth-first") != std::string::npos);
  CHECK(dfs.output.find("not necessarily the shortest") != std::string::npos);
  CHECK(dfs.output.find("bytes/state") != std::string::npos);
  CHECK(dfs.output.find("\r") == std::string::npos);  // No progress line: stderr is a pipe.
  fs::path const trace = temp_path("min.json");
  auto const min = run("explore " + s + " --max-depth 8 --max-latency 1ms --search dfs " +
                       "--minimise --trace " + trace.string());
  INFO(min.output);
  CHECK(min.output.find("at-least-once: VIOLATED; minimised counterexample (8 choices as "
                        "found) (4 choices") != std::string::npos);
  auto const replayed = run("replay " + trace.string());
  INFO(replayed.output);
  CHECK(replayed.status == 1);
  CHECK(replayed.output.find("  4. billing-0 crashes (crash billing-0)") != std::string::npos);
}

TEST_CASE("explore --swarm prints the same run for the same seed") {
  std::string const args = "explore " + scenario("reference-ack-before-processing.yaml") +
                           " --max-depth 8 --max-latency 1ms --swarm 40 --seed 3";
  auto const one = run(args);
  auto const two = run(args);
  INFO(one.output);
  CHECK(one.output.find("search: swarm, 40 random walks from seed 3") != std::string::npos);
  // A sample never claims to have covered the state space or the depth bound.
  CHECK(one.output.find("sampled: only the states the walks reached are covered") !=
        std::string::npos);
  CHECK(one.output.find("was explored") == std::string::npos);
  auto const cut = [](std::string const& out) {  // Without the time line.
    std::size_t const at = out.find("time: ");
    return out.substr(0, at) + out.substr(out.find('\n', at));
  };
  CHECK(cut(one.output) == cut(two.output));
}

TEST_CASE("explore refuses a bad search order or thread count with status 2") {
  std::string const s = scenario("reference-ack-before-processing.yaml");
  auto const order = run("explore " + s + " --search bestfirst");
  CHECK(order.status == 2);
  CHECK(order.output.find("--search") != std::string::npos);
  CHECK(run("explore " + s + " --threads 0").status == 2);
  auto const dfs = run("explore " + s + " --search dfs --threads 2");
  CHECK(dfs.status == 2);
  CHECK(dfs.output.find("only the breadth-first and delay searches run on several threads") !=
        std::string::npos);
  auto const threads = run("explore " + s + " --max-depth 8 --max-latency 1ms --threads 2");
  INFO(threads.output);
  CHECK(threads.status == 1);
  CHECK(threads.output.find("breadth-first (counterexamples are the shortest), 2 threads") !=
        std::string::npos);
}

TEST_CASE("explore --reduce por says so and reaches the same states; bad reductions are refused") {
  std::string const base = "explore " + scenario("reference-ack-before-processing.yaml") +
                           " --max-depth 8 --max-latency 1ms";
  auto const reduced = run(base + " --reduce por");
  INFO(reduced.output);
  CHECK(reduced.status == 1);
  CHECK(reduced.output.find("states: 49 distinct") != std::string::npos);
  CHECK(reduced.output.find("transitions: 67;") != std::string::npos);
  CHECK(reduced.output.find("reductions: partial-order (sleep sets): ") != std::string::npos);
  auto const full = run(base + " --reduce por --no-reduce");
  CHECK(full.output.find("transitions: 71;") != std::string::npos);
  CHECK(full.output.find("reductions: none") != std::string::npos);
  auto const typo = run(base + " --reduce pro");
  CHECK(typo.status == 2);
  CHECK(typo.output.find("did you mean 'por'?") != std::string::npos);
  auto const clash = run(base + " --reduce por --search dfs");
  CHECK(clash.status == 2);
  CHECK(clash.output.find("--reduce") != std::string::npos);
}

TEST_CASE("explore --reduce symmetry,por names the group and merges the swapped producers") {
  std::string const base = "explore " +
                           scenario("reference-two-producers-ack-before-processing.yaml") +
                           " --max-depth 8 --max-latency 1ms";
  auto const reduced = run(base + " --reduce symmetry,por");
  INFO(reduced.output);
  CHECK(reduced.status == 1);
  CHECK(reduced.output.find("states: 116 distinct") != std::string::npos);  // 226 in full.
  CHECK(reduced.output.find("; symmetry: 2 renamings of the alike producers p1, p2") !=
        std::string::npos);
  auto const typo = run(base + " --reduce symetry");
  CHECK(typo.status == 2);
  CHECK(typo.output.find("did you mean 'symmetry'?") != std::string::npos);
  auto const clash = run(base + " --reduce symmetry --fingerprint state");
  CHECK(clash.status == 2);
  CHECK(clash.output.find("symmetry reduction works with input fingerprints") !=
        std::string::npos);
}

TEST_CASE("explore --liveness prints the path to a terminal component") {
  auto const r = run("explore " + scenario("reference-ack-before-processing.yaml") +
                     " --max-depth 16 --max-latency 1ms --liveness");
  INFO(r.output);
  CHECK(r.output.find("liveness (every acknowledged message is eventually processed once faults "
                      "stop): VIOLATED") != std::string::npos);
  CHECK(r.output.find("then nothing more happens, forever") != std::string::npos);
}

TEST_CASE("explore --search delay folds the fixed schedule's steps and marks the delays") {
  std::string const s = scenario("reference-ack-before-processing.yaml");
  auto const r = run("explore " + s + " --search delay --max-delays 1 --all");
  INFO(r.output);
  CHECK(r.status == 1);
  CHECK(r.output.find("delay-bounded: the settle's fixed schedule runs every path to the "
                      "horizon, with at most 1 delays") != std::string::npos);
  CHECK(r.output.find("every schedule within the delay bound was explored") != std::string::npos);
  CHECK(r.output.find("counterexample with the fewest delays (1)") != std::string::npos);
  CHECK(r.output.find("  9. [delay] p1's timer 3 fires") != std::string::npos);
  CHECK(r.output.find("holds within bounds: delays <= 1 from the fixed schedule") !=
        std::string::npos);
  CHECK(r.output.find("time <= 20ms") != std::string::npos);  // The horizon: quiesce.
  auto const kafka = run("explore " + scenario("kafka-commit-before-processing.yaml") +
                         " --search delay --max-delays 0");
  INFO(kafka.output);
  CHECK(kafka.output.find("steps of the fixed schedule: deliveries and timers, no client op)") !=
        std::string::npos);

  auto const typo = run("explore " + s + " --search dely");
  CHECK(typo.status == 2);
  CHECK(typo.output.find("did you mean 'delay'?") != std::string::npos);
  auto const por = run("explore " + s + " --search delay --reduce por");
  CHECK(por.status == 2);
  CHECK(por.output.find("drop --search delay") != std::string::npos);
  CHECK(run("explore " + s + " --search delay --swarm 3").status == 2);
  auto const liveness = run("explore " + s + " --search delay --liveness");
  CHECK(liveness.status == 2);
  CHECK(liveness.output.find("drop --reduce por, --search dfs or delay") != std::string::npos);
  // On threads it prints what one thread prints, but for the time and memory lines.
  auto const alone = run("explore " + s + " --search delay --max-delays 1 --all");
  auto const threads = run("explore " + s + " --search delay --max-delays 1 --all --threads 2");
  CHECK(threads.status == alone.status);
  auto const without_time = [](std::string text) {
    std::size_t const at = text.find("\ntime: ");
    REQUIRE(at != std::string::npos);
    return text.erase(at, text.find('\n', at + 1) - at);
  };
  CHECK(without_time(threads.output) == without_time(alone.output));
}

TEST_CASE("explore --guarantee judges only the guarantees named; bad names are refused") {
  std::string const s = scenario("reference-ack-after-processing.yaml");
  auto const one =
      run("explore " + s + " --max-depth 8 --max-latency 1ms --guarantee at-most-once");
  INFO(one.output);
  CHECK(one.status == 1);
  CHECK(one.output.find("at-most-once: VIOLATED") != std::string::npos);
  CHECK(one.output.find("at-least-once") == std::string::npos);
  auto const typo = run("explore " + s + " --guarantee at-least-onse");
  CHECK(typo.status == 2);
  CHECK(typo.output.find("did you mean 'at-least-once'?") != std::string::npos);
  // The names offered are the checker's own list, every one of them.
  CHECK(typo.output.find("use 'at-most-once', 'at-least-once', 'exactly-once' or "
                         "'no-unexpected'") != std::string::npos);
  auto const left_out =
      run("explore " + s + " --guarantee at-most-once --expect at-least-once=holds");
  CHECK(left_out.status == 2);
  CHECK(left_out.output.find("add --guarantee at-least-once") != std::string::npos);
}

TEST_CASE("explore refuses a bad --search or --fingerprint with the valid words and the nearest") {
  std::string const s = "explore " + scenario("reference-ack-after-processing.yaml");
  auto const order = run(s + " --search dfx");
  CHECK(order.status == 2);
  CHECK(order.output.find("'dfx' is not a search order; use 'bfs', 'dfs' or 'delay'; did you "
                          "mean 'dfs'?") != std::string::npos);
  auto const mode = run(s + " --fingerprint stat");
  CHECK(mode.status == 2);
  CHECK(mode.output.find("'stat' is not a mode; use 'inputs' or 'state'; did you mean 'state'?") !=
        std::string::npos);
}
