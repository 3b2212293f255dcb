// SPDX-License-Identifier: Apache-2.0
// File: cli/main.cpp (layer: cli)
// The `mqcheck` command: subcommands, --help that teaches by example, --version, and the
// exit-status contract (0 as expected, 1 a verdict differs, 2 bad input).
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/commands.hpp"

namespace {

constexpr char const* footer = R"(Examples:
  mqcheck run scenarios/reference/power-loss-without-fsync.yaml
      Simulates the scenario and prints one verdict per guarantee.
  mqcheck run scenarios/reference/power-loss-without-fsync.yaml --seed 7 --history h.jsonl
      Replays seed 7 and writes the history it recorded.
  mqcheck check h.jsonl
      Judges a history, from mqcheck or from a harness around a real broker.
  mqcheck report scenarios/reference/power-loss-without-fsync.yaml -o report.html
      Writes a self-contained HTML report with a space-time diagram and a stepper.
  mqcheck explore scenarios/explore/kafka-acks1-leader-crash.yaml --max-depth 6 \
      --max-latency 1ms --trace cx.json
      Tries every schedule within bounds; saves the shortest counterexample.
  mqcheck replay cx.json --history cx.jsonl
      Re-runs a saved counterexample to the same history and verdict.

Exit status: 0 when every expectation holds, 1 when one does not, 2 on bad input.
Docs: docs/scenario-format.md, docs/history-format.md, docs/anomalies.md, docs/reports.md.)";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mqcheck: simulate message brokers under faults and check what they deliver."};
  app.footer(footer);
  app.set_version_flag("--version", std::string("mqcheck ") + MQCHECK_VERSION);
  app.require_subcommand(1);
  int status = mqcheck::cli::exit_ok;
  mqcheck::cli::RunOptions run;
  mqcheck::cli::CheckOptions check;
  mqcheck::cli::add_run_command(app, run, status);
  mqcheck::cli::add_check_command(app, check, status);
  mqcheck::cli::ReportOptions report;
  mqcheck::cli::add_report_command(app, report, status);
  mqcheck::cli::ExploreOptions explore;
  mqcheck::cli::add_explore_command(app, explore, status);
  mqcheck::cli::ReplayOptions replay;
  mqcheck::cli::add_replay_command(app, replay, status);
  try {
    app.parse(argc, argv);
  } catch (CLI::ParseError const& e) {
    int const code = app.exit(e);
    return code == 0 ? 0 : mqcheck::cli::exit_bad_input;
  }
  return status;
}
