// SPDX-License-Identifier: Apache-2.0
// File: cli/report.cpp (layer: cli)
// `mqcheck report SCENARIO|HISTORY -o FILE`: a report people look at. A .yaml scenario is run
// first (with --seed); a .jsonl history is read as it is. The output's extension picks the
// form: .html (the self-contained report), .svg (the space-time diagram alone), .dot (the
// precedence-graph cycles of ordering anomalies).
#include <fstream>
#include <iostream>
#include <sstream>

#include "checker/check.hpp"
#include "cli/commands.hpp"
#include "cli/expectations.hpp"
#include "cli/files.hpp"
#include "core/input_error.hpp"
#include "core/parse.hpp"
#include "history/history_io.hpp"
#include "sim/run.hpp"
#include "viz/dot.hpp"
#include "viz/html_report.hpp"
#include "viz/spacetime.hpp"

namespace mqcheck::cli {
namespace {

constexpr char const* report_footer = R"(Examples:
  mqcheck report scenarios/reference/power-loss-without-fsync.yaml -o report.html
      Runs the scenario and writes one self-contained HTML page: verdicts, anomalies linked
      into a space-time diagram, a stepper (arrow keys), faults, counts, latency.
  mqcheck report run.jsonl -o report.html --message 42
      Reports on a recorded history, the diagram narrowed to message 42 (and the faults).
  mqcheck report run.jsonl -o diagram.svg --from 50ms --to 80ms
  mqcheck report run.jsonl -o cycles.dot      (then: dot -Tsvg cycles.dot > cycles.svg)

A history of more than --max-events ops is narrowed by default to its first anomalous
messages (or its first ops); docs/reports.md explains every part of the page.)";

std::string read_text(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, 0}, "SCENARIO", "cannot open the file");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<SimTimeUs> parse_time_option(std::string const& text, char const* key) {
  if (text.empty()) return std::nullopt;
  std::optional<DurationUs> const d = parse_duration(text);
  if (!d) {
    throw InputError({"command line", 0, 0}, key,
                     "'" + text + "' is not a duration (examples: 0, 250us, 15ms, 2s)");
  }
  return SimTimeUs{} + *d;
}

viz::EventFilter filter_of(ReportOptions const& o, bool& given) {
  viz::EventFilter f;
  for (std::uint64_t m : o.messages) f.messages.push_back(MessageId{m});
  f.partition = o.partition;
  f.from = parse_time_option(o.from, "--from");
  f.to = parse_time_option(o.to, "--to");
  given = !f.selects_all();
  return f;
}

}  // namespace

int report_command(ReportOptions const& o) {
  try {
    if (!has_suffix(o.output, ".html") && !has_suffix(o.output, ".svg") &&
        !has_suffix(o.output, ".dot")) {
      throw InputError({"command line", 0, 0}, "-o",
                       "'" + o.output + "' must end in .html, .svg or .dot (the form to write)");
    }
    viz::ReportInput input;
    input.source = o.input;
    input.diagram.events_max = o.events_max;
    input.diagram.filter = filter_of(o, input.filter_given);
    history::History history;
    if (has_suffix(o.input, ".yaml") || has_suffix(o.input, ".yml")) {
      sim::Scenario const scenario = sim::load_scenario(o.input);
      std::uint64_t const seed = o.seed.value_or(scenario.seed);
      history = sim::simulate(scenario, seed).history;
      input.scenario_text = read_text(o.input);
      input.seed = seed;
      input.expected = expected_verdicts(scenario);
    } else if (has_suffix(o.input, ".jsonl") || has_suffix(o.input, ".json")) {
      if (o.seed) throw InputError({"command line", 0, 0}, "--seed", "a history is not run");
      history = history::load_history(o.input);
    } else {
      throw InputError({o.input, 0, 0}, "INPUT",
                       "expected a scenario (.yaml) or a history (.jsonl)");
    }
    checker::DeliveryReport const report = checker::check_history(history);
    if (has_suffix(o.output, ".svg")) {
      viz::SpacetimeOptions diagram = input.diagram;
      if (!input.filter_given) {
        diagram.filter = viz::default_filter(history, report, diagram.events_max);
      }
      write_text(o.output, "-o", viz::render_spacetime(history, &report, diagram).svg);
    } else if (has_suffix(o.output, ".dot")) {
      write_text(o.output, "-o", viz::render_precedence_dot(history, report));
    } else {
      write_text(o.output, "-o", viz::render_html_report(history, report, input));
    }
    return exit_ok;
  } catch (InputError const& e) {
    std::cerr << "mqcheck: " << e.what() << "\n";
    return exit_bad_input;
  }
}

void add_report_command(CLI::App& app, ReportOptions& o, int& status) {
  CLI::App* report = app.add_subcommand(
      "report", "Write a report people look at: HTML page, space-time SVG or DOT.");
  report->footer(report_footer);
  report->add_option("INPUT", o.input, "Scenario (.yaml, run first) or history (.jsonl)")
      ->required();
  report->add_option("-o,--output", o.output, "Output file: .html, .svg or .dot")->required();
  report->add_option("--seed", o.seed, "Seed of the scenario run (default: the scenario's)");
  report->add_option("--message", o.messages, "Draw only this message id (repeatable)");
  report->add_option("--partition", o.partition, "Draw only this partition");
  report->add_option("--from", o.from, "Draw ops from this time (e.g. 50ms)");
  report->add_option("--to", o.to, "Draw ops up to this time (e.g. 80ms)");
  report->add_option("--max-events", o.events_max, "Draw at most this many ops (default 400)")
      ->check(CLI::Range(1, 100000));
  report->callback([&o, &status] { status = report_command(o); });
}

}  // namespace mqcheck::cli
