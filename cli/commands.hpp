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
  bool stats = false;  // --stats: say on stderr how the history was judged.
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

struct ExploreOptions {
  std::string scenario;
  std::uint32_t depth_max = 12;
  bool depth_given = false;      // --max-depth was given (a delay-bounded search has none else).
  std::uint32_t delays_max = 1;  // --max-delays, for --search delay.
  std::uint64_t states_max = 200'000;
  std::uint64_t memory_mb = 1024;
  std::uint32_t crashes = 0;
  std::string settle;       // A duration ("300ms"); empty: the scenario's drain.
  std::string latency_max;  // A duration; empty: a message may arrive any time.
  std::string horizon;      // A duration or "quiesce"; empty: no time horizon.
  std::string fingerprint = "inputs";
  std::string trace_path;   // Save the counterexample here.
  std::string dot_path;     // Write the state graph here (small models).
  std::string trace_guarantee;  // ...of this guarantee (default: the first violated).
  std::vector<std::string> expect;  // "guarantee=holds|violated"
  std::vector<std::string> guarantees;  // --guarantee: judge only these (empty: every one).
  bool all = false;         // Keep searching after every guarantee is violated.
  bool settle_full = false;   // Judging settles run the whole drain (Bounds::settle_full).
  std::string order = "bfs";  // --search: bfs, dfs or delay.
  std::uint32_t threads = 1;
  bool minimise = false;
  std::uint64_t swarm = 0;      // Random walks instead of a search (0: a search).
  std::uint64_t seed = 0;       // The swarm's seed.
  std::uint32_t drops = 0;      // Network fault budget: messages lost...
  std::uint32_t duplicates = 0;  // ...and delivered twice.
  std::string reduce = "none";  // --reduce: a comma list of reductions (por), or none.
  bool no_reduce = false;       // --no-reduce: the same as --reduce none.
  bool liveness = false;        // Check liveness through the state graph's terminal SCCs.
};

struct ReplayOptions {
  std::string trace;
  std::string history_path;
  std::string report_path;
};

/// Registers `run` on `app`; the callback stores its exit status in `status`.
void add_run_command(CLI::App& app, RunOptions& options, int& status);
/// Registers `check` on `app`.
void add_check_command(CLI::App& app, CheckOptions& options, int& status);

/// Registers `report` on `app`.
void add_report_command(CLI::App& app, ReportOptions& options, int& status);

/// Registers `explore` and `replay` on `app`.
void add_explore_command(CLI::App& app, ExploreOptions& options, int& status);
void add_replay_command(CLI::App& app, ReplayOptions& options, int& status);

int run_command(RunOptions const& options);
int explore_command(ExploreOptions const& options);
int replay_command(ReplayOptions const& options);
int report_command(ReportOptions const& options);
int check_command(CheckOptions const& options);

}  // namespace mqcheck::cli
