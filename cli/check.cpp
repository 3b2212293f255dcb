// SPDX-License-Identifier: Apache-2.0
// File: cli/check.cpp (layer: cli)
// `mqcheck check HISTORY`: judge a history file, from mqcheck or from a real system.
#include "checker/check.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>

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
  mqcheck check big.jsonl --stats
      Histories are judged streaming, in memory bounded by the messages in flight, unless a
      stream cannot decide (docs/anomalies.md); --stats says which it was, the passes and the
      memory at the peak.
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

// Judged streaming, in memory bounded by the messages in flight (checker::check_streaming);
// a stream that cannot match the whole-history report loads the history (checker/check.hpp),
// and `stats` says so.
checker::DeliveryReport judge_history(std::string const& path, std::vector<std::string> const& only,
                                      checker::StreamStats& stats) {
  history::Header header;
  auto const open = [&path](std::ifstream& in) {  // As load_history words its errors.
    std::error_code error;
    if (std::filesystem::is_directory(path, error))
      throw InputError(SourceMark{path}, "", "is a directory, not a history file");
    // A pipe (`<(zcat h.jsonl.gz)`, /dev/stdin) reads once: the header is read apart, and a
    // stream that cannot decide reads the ops again (checker/check.hpp), so the second read
    // would see the rest of the stream or nothing. Said here rather than as malformed JSON.
    std::filesystem::file_status const status = std::filesystem::status(path, error);
    if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
      throw InputError(SourceMark{path}, "",
                       "is not a regular file (a pipe or a device): the checker may read a "
                       "history more than once; write it to a file first");
    }
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
      header, source, [&path] { return history::load_history(path); }, only, {}, &stats);
}

std::string with_commas(std::uint64_t n) {
  std::string digits = std::to_string(n);
  for (std::size_t at = digits.size(); at > 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

// --stats: how the history was judged, for a user deciding whether a history of this shape
// and size fits in memory.
std::string describe_stats(checker::StreamStats const& s) {
  std::string text =
      with_commas(s.ops) + " ops read in " +
      (s.passes == 1 ? std::string("one pass") : std::to_string(s.passes) + " passes");
  bool const whole = !s.loaded_for.empty() && s.loaded_for != "ordering";
  if (whole) {  // The streams stopped before their state was measured; the history's is all.
    return text + ": the whole history was loaded and judged in memory: the " + s.loaded_for +
           " stream could not decide (docs/anomalies.md)";
  }
  text += (s.loaded_for.empty() ? ", streaming" : "") + std::string(": at most ") +
          with_commas(s.open_peak) + (s.open_peak == 1 ? " message" : " messages") + " held, " +
          with_commas(s.memory_peak_bytes) + " bytes of state at the peak";
  if (s.open_peak > 0)
    text += " (" + with_commas(s.memory_peak_bytes / s.open_peak) + " per message held)";
  if (s.loaded_for == "ordering") {
    text +=
        "; ordering was judged from the history loaded into memory: its stream could not "
        "decide (docs/anomalies.md)";
  }
  return text;
}

}  // namespace

int check_command(CheckOptions const& o) {
  try {
    std::vector<viz::ExpectedVerdict> const expected = parse_expect_options(o.expect);
    validate_guarantee_options(o.guarantees);
    checker::StreamStats stats;
    checker::DeliveryReport const report = judge_history(o.history_path, o.guarantees, stats);
    if (o.stats) std::cerr << "mqcheck: " << describe_stats(stats) << "\n";
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
  check->add_flag("--stats", o.stats,
                  "Say on stderr how the history was judged: streaming or loaded, passes, "
                  "messages held and bytes of state at the peak");
  check->callback([&o, &status] { status = check_command(o); });
}

}  // namespace mqcheck::cli
