// SPDX-License-Identifier: Apache-2.0
// File: cli/replay.cpp (layer: cli)
// `mqcheck replay TRACE`: re-runs a counterexample saved by `mqcheck explore --trace` through
// the same step semantics and settle, prints its steps and the verdicts, and can write the
// history and a text report. Deterministic: the same trace gives the same history.
#include <fstream>
#include <iostream>

#include "cli/commands.hpp"
#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "explore/trace_file.hpp"
#include "history/history_io.hpp"
#include "viz/message_story.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::cli {
namespace {

constexpr char const* replay_footer = R"(Examples:
  mqcheck explore scenarios/explore/kafka-acks1-leader-crash.yaml --trace cx.json
  mqcheck replay cx.json
  mqcheck replay cx.json --history cx.jsonl --report cx.txt
  mqcheck check cx.jsonl

Exit status: 1 when the replayed history breaks the trace's guarantee (the counterexample
reproduces), 0 when it does not, 2 on bad input.)";

void write_file(std::string const& path, char const* option, std::string const& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError({path, 0, 0}, option, "cannot open the file for writing");
  out << text;
  if (!out.flush()) throw InputError({path, 0, 0}, option, "writing failed");
}

}  // namespace

int replay_command(ReplayOptions const& o) {
  try {
    explore::Trace const trace = explore::load_trace(o.trace);
    sim::Scenario const scenario = sim::load_scenario(trace.scenario);
    explore::Counterexample const cx = explore::replay(scenario, trace);
    std::cout << scenario.name << " (replay of " << o.trace << ")\n\n";
    for (std::size_t i = 0; i < cx.steps.size(); ++i) {
      std::cout << "  " << (i + 1) << ". " << cx.steps[i] << "\n";
    }
    std::cout << "  then faults stop and the system settles (" << cx.history.size()
              << " ops in the history)\n\n";
    std::string const table = viz::render_verdict_table(cx.report, {});
    std::cout << table;
    if (!o.history_path.empty()) {
      std::ofstream out(o.history_path, std::ios::binary);
      if (!out) throw InputError({o.history_path, 0, 0}, "--history", "cannot open the file");
      history::write_history(out, cx.history);
    }
    if (!o.report_path.empty()) {
      write_file(o.report_path, "--report", viz::render_text_report(cx.history, cx.report, table));
    }
    for (checker::Verdict const& v : cx.report.verdicts) {
      if (v.guarantee == trace.guarantee && v.validity == checker::Validity::invalid) {
        return exit_violated;
      }
    }
    return exit_ok;
  } catch (InputError const& e) {
    std::cerr << "mqcheck: " << e.what() << "\n";
    return exit_bad_input;
  }
}

void add_replay_command(CLI::App& app, ReplayOptions& o, int& status) {
  CLI::App* cmd = app.add_subcommand("replay", "Re-run a counterexample saved by explore.");
  cmd->footer(replay_footer);
  cmd->add_option("TRACE", o.trace, "Trace file (JSON) from mqcheck explore --trace")->required();
  cmd->add_option("--history", o.history_path, "Write the replayed history here (JSON Lines)");
  cmd->add_option("--report", o.report_path, "Write a text report (verdicts, message stories)");
  cmd->callback([&o, &status] { status = replay_command(o); });
}

}  // namespace mqcheck::cli
