// SPDX-License-Identifier: Apache-2.0
// File: cli/replay.cpp (layer: cli)
// `mqcheck replay TRACE`: re-runs a counterexample saved by `mqcheck explore --trace` through
// the same step semantics and settle, prints its steps and the verdicts, and can write the
// history and a report: F.html the HTML page (the counterexample as a space-time diagram and
// a stepper), any other name text. Deterministic: the same trace gives the same history.
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "explore/trace_file.hpp"
#include "history/history_io.hpp"
#include "viz/html_report.hpp"
#include "viz/message_story.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::cli {
namespace {

constexpr char const* replay_footer = R"(Examples:
  mqcheck explore scenarios/explore/kafka-acks1-leader-crash.yaml --trace cx.json
  mqcheck replay cx.json
  mqcheck replay cx.json --history cx.jsonl --report cx.html
  mqcheck check cx.jsonl

Exit status: 1 when the replayed history breaks the trace's guarantee (the counterexample
reproduces), 0 when it does not, 2 on bad input.)";

void write_file(std::string const& path, char const* option, std::string const& text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError({path, 0, 0}, option, "cannot open the file for writing");
  out << text;
  if (!out.flush()) throw InputError({path, 0, 0}, option, "writing failed");
}

// The counterexample as the HTML report, every op drawn (a counterexample is short), its steps
// in words above the diagram's stepper as the scenario's text says them.
std::string html_report(explore::Trace const& trace, explore::Counterexample const& cx) {
  viz::ReportInput input;
  input.source = trace.scenario + " (counterexample for " + trace.guarantee + ")";
  std::ifstream yaml(trace.scenario, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(yaml), std::istreambuf_iterator<char>()};
  text += "\n# The counterexample's choices:\n";
  for (std::size_t i = 0; i < cx.steps.size(); ++i) {
    text += "#   " + std::to_string(i + 1) + ". " + cx.steps[i] + "\n";
  }
  input.scenario_text = std::move(text);
  input.diagram.events_max = cx.history.size();
  input.filter_given = true;
  return viz::render_html_report(cx.history, cx.report, input);
}

bool ends_with_html(std::string const& path) {
  return path.size() >= 5 && path.compare(path.size() - 5, 5, ".html") == 0;
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
      write_file(o.report_path, "--report",
                 ends_with_html(o.report_path)
                     ? html_report(trace, cx)
                     : viz::render_text_report(cx.history, cx.report, table));
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
  cmd->add_option("--report", o.report_path,
                  "Write a report: F.html the HTML page (diagram, stepper), else text");
  cmd->callback([&o, &status] { status = replay_command(o); });
}

}  // namespace mqcheck::cli
