// SPDX-License-Identifier: Apache-2.0
// File: cli/run.cpp (layer: cli)
// `mqcheck run SCENARIO`: simulate, check, print the verdict table, compare with `expect`.
// Without --history or --report nothing needs the run's history after the check, so the run
// streams its ops (sim::simulate_streaming): up to --keep-ops of them are kept and checked in
// memory as before; a longer run is checked by checker::check_streaming, which runs the same
// seed again for each pass it needs, in memory bounded by the open state (same verdicts).
#include "sim/run.hpp"

#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include "checker/check.hpp"
#include "cli/commands.hpp"
#include "cli/expectations.hpp"
#include "cli/files.hpp"
#include "core/input_error.hpp"
#include "history/history_io.hpp"
#include "sim/properties_file.hpp"
#include "viz/html_report.hpp"
#include "viz/message_story.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::cli {
namespace {

constexpr char const* run_footer = R"(Examples:
  mqcheck run scenarios/reference/power-loss-without-fsync.yaml
  mqcheck run scenarios/reference/power-loss-without-fsync.yaml --seed 42 --history run.jsonl
  mqcheck run my-scenario.yaml --json

The scenario's `expect:` block names the verdict each guarantee must get; the exit status is 1
when one differs, and the replay command is printed. A scenario with faults must see at least
one fire: a run in which no fault happened proves nothing, and also exits 1.)";

std::string faults_text(sim::RunResult const& result) {
  std::string out = "faults fired: " + std::to_string(result.faults.size()) + "\n";
  for (sim::FiredFault const& f : result.faults) {
    out += "  " + format_duration(f.at - SimTimeUs{}) + "  " + f.what + "\n";
  }
  return out;
}

// The keys of the scenario's .properties files that the broker model does not read: shown so
// that a user checking the settings they run knows which had no effect here.
std::string ignored_text(sim::Scenario const& scenario) {
  std::vector<sim::IgnoredKey> const ignored = sim::ignored_keys(scenario);
  if (ignored.empty()) return "";
  std::string out = "ignored keys (in a config file, not modelled): " +
                    std::to_string(ignored.size()) + "\n";
  for (sim::IgnoredKey const& k : ignored) {
    out += "  " + k.mark.file + ":" + std::to_string(k.mark.line) + "  " + k.scope + "." + k.key +
           "\n";
  }
  return out;
}

// A path ending in .html gets the HTML report (viz/html_report.hpp); any other the text one.
std::string report_text(RunOptions const& o, sim::RunResult const& result,
                        checker::DeliveryReport const& report, std::string const& table,
                        std::vector<viz::ExpectedVerdict> const& expected, std::uint64_t seed) {
  std::string const& path = o.report_path;
  if (!has_suffix(path, ".html")) {
    return viz::render_text_report(result.history, report, table + "\n" + faults_text(result));
  }
  viz::ReportInput input;
  input.source = o.scenario;
  input.seed = seed;
  input.expected = expected;
  std::ifstream yaml(o.scenario, std::ios::binary);
  std::ostringstream text;
  text << yaml.rdbuf();
  input.scenario_text = text.str();
  return viz::render_html_report(result.history, report, input);
}

// --keep-ops: how many ops a run without --history or --report keeps before it switches to
// streaming. Set by the command line only (add_run_command).
std::size_t keep_ops_max = 1'000'000;

struct Checked {
  sim::RunResult result;  // Its history holds the header alone when the check streamed.
  checker::DeliveryReport report;
};

Checked simulate_and_check(RunOptions const& o, sim::Scenario const& scenario,
                           std::uint64_t seed) {
  if (!o.history_path.empty() || !o.report_path.empty()) {
    sim::RunResult result = sim::simulate(scenario, seed);
    checker::DeliveryReport report = checker::check_history(result.history, o.guarantees);
    return {std::move(result), std::move(report)};
  }
  std::vector<history::Op> kept;
  bool overflow = false;
  sim::RunResult result = sim::simulate_streaming(scenario, seed, [&](history::Op const& op) {
    if (overflow) return;
    if (kept.size() < keep_ops_max) return kept.push_back(op);
    overflow = true;
    std::vector<history::Op>().swap(kept);
  });
  if (!overflow) {
    for (history::Op& op : kept) result.history.append(std::move(op));
    checker::DeliveryReport report = checker::check_history(result.history, o.guarantees);
    return {std::move(result), std::move(report)};
  }
  checker::OpSource const source = [&](std::function<void(history::Op const&)> const& visit) {
    (void)sim::simulate_streaming(scenario, seed, visit);
  };
  auto const load = [&] { return sim::simulate(scenario, seed).history; };
  checker::DeliveryReport report =
      checker::check_streaming(result.history.header(), source, load, o.guarantees);
  return {std::move(result), std::move(report)};
}

int judge(RunOptions const& o, sim::Scenario const& scenario, sim::RunResult const& result,
          checker::DeliveryReport const& report, std::uint64_t seed) {
  std::vector<viz::ExpectedVerdict> const expected = expected_verdicts(scenario);
  std::vector<std::string> problems = mismatches(report, expected);
  bool const has_faults = !scenario.faults.empty() || !scenario.fault_rates.empty();
  if (has_faults && result.faults.empty()) {
    problems.push_back("the scenario has faults but none fired: the run proves nothing");
  }
  if (result.step_limit_hit) problems.push_back("the run hit its step limit (livelock?)");
  std::string const table = viz::render_verdict_table(report, expected);
  if (!o.report_path.empty()) {
    write_text(o.report_path, "--report",
               report_text(o, result, report, table, expected, seed));
  }
  if (o.json) {
    std::cout << viz::render_verdict_json(report, expected) << "\n";
    std::cerr << ignored_text(scenario);  // Stdout stays one JSON document.
  } else if (!o.quiet || !problems.empty()) {
    std::cout << scenario.name << " (seed " << seed << ")\n\n"
              << table << "\n"
              << faults_text(result) << ignored_text(scenario);
  }
  if (problems.empty()) return exit_ok;
  for (std::string const& p : problems) std::cerr << "mqcheck: " << p << "\n";
  std::cerr << "replay: mqcheck run " << o.scenario << " --seed " << seed << "\n";
  return exit_violated;
}

}  // namespace

int run_command(RunOptions const& o) {
  try {
    validate_guarantee_options(o.guarantees);
    sim::Scenario const scenario = sim::load_scenario(o.scenario);
    std::uint64_t const seed = o.seed.value_or(scenario.seed);
    Checked const checked = simulate_and_check(o, scenario, seed);
    if (!o.history_path.empty()) {
      write_with(o.history_path, "--history",
                 [&](std::ostream& out) { history::write_history(out, checked.result.history); });
    }
    return judge(o, scenario, checked.result, checked.report, seed);
  } catch (InputError const& e) {
    std::cerr << "mqcheck: " << e.what() << "\n";
    return exit_bad_input;
  }
}

void add_run_command(CLI::App& app, RunOptions& o, int& status) {
  CLI::App* run = app.add_subcommand("run", "Simulate a scenario and check its guarantees.");
  run->footer(run_footer);
  run->add_option("SCENARIO", o.scenario, "Scenario file (YAML)")->required();
  run->add_option("--seed", o.seed, "Seed of the run (default: the scenario's `seed`, else 1)");
  run->add_option("--history", o.history_path, "Write the recorded history here (JSON Lines)");
  run->add_option("--report", o.report_path,
                  "Write a report: F.html the HTML report (diagram, stepper), else text (verdicts, "
                  "faults, the story of each anomalous message)");
  run->add_option("--guarantee", o.guarantees, "Judge only this guarantee (repeatable)");
  run->add_flag("--json", o.json, "Print the verdicts as JSON");
  run->add_flag("--quiet", o.quiet, "Print nothing unless an expectation fails");
  run->add_option("--keep-ops", keep_ops_max,
                  "Without --history or --report: keep at most N ops in memory (default "
                  "1000000); a longer run is checked streaming, in memory bounded by open state");
  run->callback([&o, &status] { status = run_command(o); });
}

}  // namespace mqcheck::cli
