// SPDX-License-Identifier: Apache-2.0
// File: cli/commands.hpp (layer: cli)
// The mqcheck subcommands. Thin: each parses its options, calls the layers below and prints.
// Exit status: 0 when every expectation holds, 1 when one does not, 2 on bad input.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mqcheck::cli {

inline constexpr int exit_ok = 0;
inline constexpr int exit_violated = 1;
inline constexpr int exit_bad_input = 2;

struct RunOptions {
  std::string scenario;
  std::optional<std::uint64_t> seed;
  std::string history_path;
  std::string report_path;
  std::vector<std::string> guarantees;  // --guarantee: judge only these.
  bool json = false;
  bool quiet = false;
};

struct CheckOptions {
  std::string history_path;
  std::vector<std::string> expect;  // "guarantee=verdict"
  std::vector<std::string> guarantees;  // --guarantee: judge only these.
  bool json = false;
};

struct ReportOptions {
  std::string input;   // A scenario (.yaml) or a history (.jsonl).
  std::string output;  // .html, .svg or .dot.
  std::optional<std::uint64_t> seed;
  std::vector<std::uint64_t> messages;   // --message: draw only these.
  std::optional<std::int32_t> partition;
  std::string from;                      // Durations, parsed by parse_duration.
  std::string to;
  std::size_t events_max = 400;
};

/// Registers `run` on `app`; the callback stores its exit status in `status`.
void add_run_command(CLI::App& app, RunOptions& options, int& status);
/// Registers `check` on `app`.
void add_check_command(CLI::App& app, CheckOptions& options, int& status);

/// Registers `report` on `app`.
void add_report_command(CLI::App& app, ReportOptions& options, int& status);

int run_command(RunOptions const& options);
int report_command(ReportOptions const& options);
int check_command(CheckOptions const& options);

}  // namespace mqcheck::cli
