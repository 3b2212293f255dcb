// SPDX-License-Identifier: Apache-2.0
// File: cli/check.cpp (layer: cli)
// `mqcheck check HISTORY`: judge a history file, from mqcheck or from a real system.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>

#include "checker/check.hpp"
#include "cli/commands.hpp"
#include "cli/expectations.hpp"
#include "core/input_error.hpp"
#include "history/history_io.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::cli {
namespace {

constexpr char const* check_footer = R"(Examples:
  mqcheck check run.jsonl
      Exit 1 if a guarantee the configuration promises is invalid.
  mqcheck check run.jsonl --guarantee ordering --guarantee at-least-once
      Judge only these two.
  mqcheck check big.jsonl --guarantee at-least-once --guarantee at-most-once
      Delivery guarantees alone are judged streaming, in memory bounded by the messages in
      flight: a history of any length fits.
  mqcheck check run.jsonl --expect at-least-once=invalid --expect at-most-once=valid
      Exit 1 unless the verdicts are exactly these.

The format is documented in docs/history-format.md, so a harness around a real broker can
write one.)";

// A guarantee the configuration does not promise is reported but cannot fail the check.
bool promise_broken(checker::DeliveryReport const& report) {
  for (checker::Verdict const& v : report.verdicts) {
    bool const unpromised = std::find(report.unpromised.begin(), report.unpromised.end(),
                                      v.guarantee) != report.unpromised.end();
    if (v.validity == checker::Validity::invalid && !unpromised) return true;
  }
  return false;
}

// Judged streaming, in memory bounded by the messages in flight, whenever only the delivery,
// ordering, transactional-visibility and streamed feature checkers have work
// (checker::check_streaming); the pipeline checker holds the history in memory, and a stream
// that cannot match the whole-history report loads it (checker/check.hpp).
checker::DeliveryReport judge_history(std::string const& path,
                                      std::vector<std::string> const& only) {
  history::Header header;
  auto const open = [&path](std::ifstream& in) {  // As load_history words its errors.
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
      throw InputError(SourceMark{path}, "", "is a directory, not a history file");
    in.open(path, std::ios::binary);
    if (!in) {
      throw InputError(SourceMark{path}, "",
                       std::filesystem::exists(path, error)
                           ? "cannot open the history file (check its permissions)"
                           : "no such history file");
    }
  };
  {
    std::ifstream in;
    open(in);
    header = history::HistoryReader(in, path).header();
  }
  checker::OpSource const source = [&](std::function<void(history::Op const&)> const& visit) {
    std::ifstream in;
    open(in);
    history::HistoryReader reader(in, path);
    history::Op op;
    while (reader.next(op)) visit(op);
  };
  return checker::check_streaming(
      header, source, [&path] { return history::load_history(path); }, only);
}

}  // namespace

int check_command(CheckOptions const& o) {
  try {
    std::vector<viz::ExpectedVerdict> const expected = parse_expect_options(o.expect);
    validate_guarantee_options(o.guarantees);
    checker::DeliveryReport const report = judge_history(o.history_path, o.guarantees);
    if (o.json) {
      std::cout << viz::render_verdict_json(report, expected) << "\n";
    } else {
      std::cout << viz::render_verdict_table(report, expected) << "\n";
    }
    bool const failed =
        expected.empty() ? promise_broken(report) : !mismatches(report, expected).empty();
    return failed ? exit_violated : exit_ok;
  } catch (InputError const& e) {
    std::cerr << "mqcheck: " << e.what() << "\n";
    return exit_bad_input;
  }
}

void add_check_command(CLI::App& app, CheckOptions& o, int& status) {
  CLI::App* check = app.add_subcommand("check", "Judge a history file (JSON Lines).");
  check->footer(check_footer);
  check->add_option("HISTORY", o.history_path, "History file")->required();
  check->add_option("--expect", o.expect, "GUARANTEE=VERDICT the history must get (repeatable)");
  check->add_option("--guarantee", o.guarantees, "Judge only this guarantee (repeatable)");
  check->add_flag("--json", o.json, "Print the verdicts as JSON");
  check->callback([&o, &status] { status = check_command(o); });
}

}  // namespace mqcheck::cli
