// SPDX-License-Identifier: Apache-2.0
// File: cli/explore.cpp (layer: cli)
// `mqcheck explore SCENARIO`: every schedule within bounds, breadth-first; prints the search's
// numbers and, per delivery guarantee, "holds within bounds: ..." or the shortest
// counterexample as a numbered trace; saves one as a trace file for `mqcheck replay`.
#include "explore/explore.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <set>
#include <span>
#include <string_view>

#include "checker/delivery.hpp"
#include "cli/commands.hpp"
#include "core/input_error.hpp"
#include "core/parse.hpp"
#include "explore/trace_file.hpp"
#include "viz/state_graph_dot.hpp"

namespace mqcheck::cli {
namespace {

constexpr char const* explore_footer = R"(Examples:
  mqcheck explore scenarios/explore/reference-ack-before-processing.yaml --max-latency 1ms
      Every schedule of at most 12 choices, the scenario's faults once each at any moment,
      every message delivered within 1ms.
  mqcheck explore scenarios/explore/kafka-acks1-leader-crash.yaml --max-depth 6 \
      --max-latency 1ms --trace cx.json
      Saves the shortest counterexample, which `mqcheck replay cx.json` re-runs.
  mqcheck explore scenarios/explore/kafka-acks1-leader-crash.yaml --max-depth 6 \
      --max-latency 1ms --search dfs --minimise
      Depth-first (memory: one path), the counterexample shortened by delta debugging.
  mqcheck explore scenarios/explore/kafka-acks1-leader-crash.yaml --search delay
      Whole runs to quiesce, at most one step off the settle's fixed schedule (--max-delays):
      exhausts the model and finds the loss.
  mqcheck explore big.yaml --swarm 1000 --seed 7 --max-depth 40
      1000 random walks drawn from seed 7: a sample for models too large to exhaust.
  mqcheck explore my.yaml --crashes 1 --settle 300ms --expect at-least-once=holds

Each state reached is judged by letting it settle (faults stop, crashed nodes restart, the
system runs for --settle) and checking the history. Without --max-latency a message may take
any time, so every timeout can fire before its answer arrives. Exit status: 0 when no
guarantee is violated (or every --expect holds), 1 otherwise, 2 on bad input. See
docs/explorer.md.)";

// The end of a "'x' is not a ..." message: "; use 'a', 'b' or 'c'" from the very list the word
// was checked against, and the nearest of them when one is near.
std::string valid_choices(std::string_view word, std::span<std::string_view const> names) {
  std::string text = "; use ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) text += i + 1 == names.size() ? " or " : ", ";
    text += "'" + std::string(names[i]) + "'";
  }
  std::string const near = nearest(word, names);
  return near.empty() ? text : text + "; did you mean '" + near + "'?";
}

// Returns the reductions --reduce names (a comma list; "none" for none); --no-reduce wins.
std::set<std::string> reductions_of(ExploreOptions const& o) {
  std::set<std::string> out;
  if (o.no_reduce) return out;
  std::array<std::string_view, 4> const known{"por", "symmetry", "inert", "none"};
  std::size_t from = 0;
  while (from <= o.reduce.size()) {
    std::size_t const comma = std::min(o.reduce.find(',', from), o.reduce.size());
    std::string const item = o.reduce.substr(from, comma - from);
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      throw InputError({"command line", 0, 0}, "--reduce",
                       "'" + item + "' is not a reduction" + valid_choices(item, known));
    }
    if (item != "none") out.insert(item);
    from = comma + 1;
  }
  return out;
}

// Returns the --guarantee list, each name checked against the delivery guarantees.
std::vector<std::string> guarantees_of(ExploreOptions const& o) {
  auto const names = checker::guarantee_names();
  for (std::string const& g : o.guarantees) {
    if (std::find(names.begin(), names.end(), g) != names.end()) continue;
    throw InputError({"command line", 0, 0}, "--guarantee",
                     "'" + g + "' is not a delivery guarantee" + valid_choices(g, names));
  }
  return o.guarantees;
}

explore::Bounds bounds_of(ExploreOptions const& o) {
  explore::Bounds b;
  b.depth_max = o.depth_max;
  b.states_max = o.states_max;
  b.memory_max = o.memory_mb << 20;
  b.crashes = o.crashes;
  b.stop_when_all_violated = !o.all;
  b.settle_full = o.settle_full;
  b.guarantees = guarantees_of(o);
  if (!o.dot_path.empty()) b.dot_states_max = 2'000;
  if (!o.settle.empty()) {
    b.settle = parse_duration(o.settle);
    if (!b.settle) {
      throw InputError({"command line", 0, 0}, "--settle", "not a duration: " + o.settle);
    }
  }
  if (!o.latency_max.empty()) {
    b.latency_max = parse_duration(o.latency_max);
    if (!b.latency_max) {
      throw InputError({"command line", 0, 0}, "--max-latency", "not a duration: " + o.latency_max);
    }
  }
  ExploreOptions const& so = o;
  if (so.order == "dfs") {
    b.order = explore::SearchOrder::dfs;
  } else if (so.order == "delay") {
    b.order = explore::SearchOrder::delay;
    // Its paths run to the horizon: hundreds of steps, bounded by delays, not by depth.
    if (!o.depth_given) b.depth_max = 1'000'000;
    if (so.swarm > 0) {
      throw InputError({"command line", 0, 0}, "--search",
                       "--swarm walks at random instead of searching; drop --search delay or "
                       "--swarm");
    }
  } else if (so.order != "bfs") {
    std::array<std::string_view, 3> const orders{"bfs", "dfs", "delay"};
    throw InputError({"command line", 0, 0}, "--search",
                     "'" + so.order + "' is not a search order" + valid_choices(so.order, orders));
  }
  b.delays_max = so.delays_max;
  if (so.threads == 0) {
    throw InputError({"command line", 0, 0}, "--threads", "needs at least 1 thread");
  }
  if (so.threads > 1 && (b.order == explore::SearchOrder::dfs || so.swarm > 0)) {
    throw InputError({"command line", 0, 0}, "--threads",
                     "only the breadth-first and delay searches run on several threads; drop "
                     "--threads, or use --search bfs or delay without --swarm");
  }
  b.threads = so.threads;
  b.minimise = so.minimise;
  b.swarm_walks = so.swarm;
  b.seed = so.seed;
  b.drops = so.drops;
  b.duplicates = so.duplicates;
  b.por = reductions_of(o).count("por") > 0;
  b.symmetry = reductions_of(o).count("symmetry") > 0;
  b.inert = reductions_of(o).count("inert") > 0;
  b.liveness = o.liveness;
  if (o.fingerprint == "state") {
    b.fingerprint = explore::FingerprintMode::state;
  } else if (o.fingerprint != "inputs") {
    std::array<std::string_view, 2> const modes{"inputs", "state"};
    throw InputError({"command line", 0, 0}, "--fingerprint",
                     "'" + o.fingerprint + "' is not a mode" + valid_choices(o.fingerprint, modes));
  }
  return b;
}

std::string order_text(explore::Bounds const& b, explore::ExploreStats const& s) {
  if (b.swarm_walks > 0) {
    return "swarm, " + std::to_string(s.walks) + " random walks from seed " +
           std::to_string(b.seed) + " (a sample: schedules not walked are not covered)";
  }
  if (b.order == explore::SearchOrder::delay) {
    return "delay-bounded: the settle's fixed schedule runs every path to the horizon, with at "
           "most " +
           std::to_string(b.delays_max) + " delays (steps other than the schedule's; " +
           std::to_string(s.delays_reached) +
           " reached); only end states are judged (counterexamples have the fewest delays)";
  }
  std::string out = b.order == explore::SearchOrder::dfs
                        ? "depth-first (counterexamples are the first found, not the shortest)"
                        : "breadth-first (counterexamples are the shortest)";
  if (b.threads > 1) out += ", " + std::to_string(b.threads) + " threads";
  return out;
}

std::string reductions_text(explore::ExploreResult const& r) {
  if (!r.por && !r.symmetry && !r.inert) {
    return "none (--reduce por: partial-order reduction by sleep sets; --reduce symmetry: "
           "interchangeable nodes; --reduce inert: steps that leave their node as it was)";
  }
  std::string out;
  if (r.por) {
    out = "partial-order (sleep sets): " + std::to_string(r.stats.slept) +
          " transitions not taken, every state still reached";
  }
  if (r.symmetry) {
    out += (out.empty() ? "" : "; ") + std::string("symmetry: ") + r.symmetry_group;
  }
  if (r.inert) out += (out.empty() ? "" : "; ") + std::string("inert steps add no input");
  return out;
}

// The process's peak resident memory, MiB: what the machine gave, beside the search's own
// estimate of what it holds (which --max-memory bounds; the actors' inner allocations, malloc's
// overhead and what the allocator keeps make the process about 2-3x larger: docs/explorer.md).
std::uint64_t peak_resident_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<std::uint64_t>(u.ru_maxrss) >> 10;  // Linux: KiB.
}

// What the states listed cover: a search says whether it stopped, reached the depth bound or
// ran out of states; random walks cover only the schedules they walked, whatever they met.
std::string coverage_text(explore::ExploreStats const& s, bool swarm) {
  if (!s.stopped.empty()) {
    return "stopped early at --" + s.stopped +
           ": the verdicts below cover only the states listed above";
  }
  if (swarm) return "sampled: only the states the walks reached are covered";
  if (s.delays_cut && !s.depth_cut) {
    return "every schedule within the delay bound was explored (more delays reach more)";
  }
  if (s.depth_cut) return "every state within the depth bound was explored (deeper ones exist)";
  return "the whole state space was explored";
}

void print_stats(explore::ExploreResult const& r, std::string const& order, bool swarm,
                 double seconds) {
  explore::ExploreStats const& s = r.stats;
  // States reached per second, stored or passed through.
  double const rate = seconds > 0 ? static_cast<double>(s.distinct + s.passed) / seconds : 0.0;
  std::cout << "states: " << s.distinct << " distinct, ";
  if (s.passed > 0) {  // The delay search's unstored stretches (explore/search_delay.hpp).
    std::cout << "stored; " << s.passed << " more passed unstored (one step left each), ";
  }
  std::cout << s.explored << " expanded, " << s.settled
            << " settled; transitions: " << s.transitions << "; depth reached: " << s.depth_reached
            << "\n"
            << "time: " << seconds << " s (" << static_cast<std::uint64_t>(rate)
            << " states/s); memory: " << (s.memory_bytes >> 10) << " KiB ("
            << (s.distinct > 0 ? s.memory_bytes / s.distinct : 0) << " bytes/state; tables "
            << (s.distinct > 0 ? s.table_bytes / s.distinct : 0) << " bytes/state; "
            << peak_resident_mib() << " MiB resident at the peak)\n"
            << "search: " << order << "\n"
            << "reductions: " << reductions_text(r) << "\n";
  std::cout << coverage_text(s, swarm) << "\n";
  for (std::string const& u : r.unsupported) {
    std::cout << "not explored: the scenario's '" << u << "' faults (not enumerated yet)\n";
  }
  std::cout << "\n";
}

// Prints a counterexample's steps; with `fold`, a run of three or more routine steps (the
// fixed schedule's own, recording no client op) as one line: a delay-bounded counterexample
// runs to the horizon, and its story is in the delays, faults and client ops.
void print_steps(explore::Counterexample const& cx, bool fold) {
  for (std::size_t i = 0; i < cx.steps.size();) {
    std::size_t run = 0;
    while (fold && i + run < cx.routine.size() && cx.routine[i + run]) ++run;
    if (run >= 3) {
      std::cout << "  " << (i + 1) << "-" << (i + run) << ". (" << run
                << " steps of the fixed schedule: deliveries and timers, no client op)\n";
      i += run;
      continue;
    }
    bool const delayed = fold && i < cx.delayed.size() && cx.delayed[i];
    std::cout << "  " << (i + 1) << ". " << (delayed ? "[delay] " : "") << cx.steps[i] << "\n";
    ++i;
  }
}

void print_guarantee(explore::GuaranteeResult const& g, std::string const& bounds, bool delay) {
  std::string const promise = g.promised ? "" : " (not promised by this configuration)";
  if (!g.violated) {
    std::cout << g.guarantee << promise << ": holds within bounds: " << bounds;
    if (g.unknown_states > 0) std::cout << " (" << g.unknown_states << " states unknown)";
    std::cout << "\n";
    return;
  }
  explore::Counterexample const& cx = *g.counterexample;
  std::string kind = cx.shortest ? "shortest counterexample" : "counterexample";
  if (cx.found_choices != cx.steps.size()) {
    kind = "minimised counterexample (" + std::to_string(cx.found_choices) + " choices as found)";
  } else if (delay) {
    kind += " with the fewest delays (" + std::to_string(cx.delays) + ")";
  } else if (!cx.shortest) {
    kind += " (not necessarily the shortest; --minimise shortens it)";
  }
  std::cout << g.guarantee << promise << ": VIOLATED; " << kind << " (" << cx.steps.size()
            << " choices, then faults stop and the system settles):\n";
  print_steps(cx, delay);
  for (checker::Verdict const& v : cx.report.verdicts) {
    if (v.guarantee != g.guarantee) continue;
    std::cout << "  then: " << v.reason << "\n";
    for (std::size_t a = 0; a < v.anomalies.size() && a < 3; ++a) {
      std::cout << "    " << v.anomalies[a].kind << ": " << v.anomalies[a].explanation << "\n";
    }
  }
}

void print_liveness(explore::LivenessResult const& l) {
  using Status = explore::LivenessResult::Status;
  std::cout << "liveness (every acknowledged message is eventually processed once faults stop): ";
  if (l.status == Status::unknown) {
    std::cout << "unknown: " << l.why << "\n";
    return;
  }
  if (l.status == Status::holds) {
    std::cout << "holds: in each of the " << l.components
              << " terminal strongly connected components of the fault-free state graph every "
                 "acknowledged message is processed\n";
    return;
  }
  std::cout << "VIOLATED; the system reaches a terminal component (" << l.path.size()
            << " choices) and never leaves it:\n";
  for (std::size_t i = 0; i < l.path.size(); ++i) {
    std::cout << "  " << (i + 1) << ". " << l.path[i] << "\n";
  }
  if (l.cycle.empty()) std::cout << "  then nothing more happens, forever\n";
  for (std::size_t i = 0; i < l.cycle.size(); ++i) {
    std::cout << "  " << (i == 0 ? "then forever: " : "              ") << l.cycle[i] << "\n";
  }
  std::cout << "  " << l.why << "\n";
}

// Returns the --expect list as (guarantee, violated?) pairs; bad entries are InputErrors,
// found before the search starts.
std::vector<std::pair<std::string, bool>> expectations(ExploreOptions const& o) {
  std::vector<std::pair<std::string, bool>> out;
  auto const names = checker::guarantee_names();
  for (std::string const& e : o.expect) {
    std::size_t const eq = e.find('=');
    std::string const name = e.substr(0, eq);
    std::string const want = eq == std::string::npos ? "" : e.substr(eq + 1);
    bool const known = std::find(names.begin(), names.end(), name) != names.end();
    if (!known || (want != "holds" && want != "violated")) {
      std::string const near = known ? "" : nearest(name, names);
      throw InputError({"command line", 0, 0}, "--expect",
                       "'" + e + "' is not GUARANTEE=holds or GUARANTEE=violated" +
                           (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    if (!o.guarantees.empty() &&
        std::find(o.guarantees.begin(), o.guarantees.end(), name) == o.guarantees.end()) {
      throw InputError(
          {"command line", 0, 0}, "--expect",
          "'" + e + "' names a guarantee --guarantee leaves out; add --guarantee " + name);
    }
    out.emplace_back(name, want == "violated");
  }
  return out;
}

int exit_for(std::vector<std::pair<std::string, bool>> const& expected,
             explore::ExploreResult const& r) {
  if (expected.empty()) {
    bool const any = std::any_of(r.guarantees.begin(), r.guarantees.end(),
                                 [](auto const& g) { return g.violated && g.promised; });
    return any ? exit_violated : exit_ok;
  }
  int status = exit_ok;
  for (auto const& [name, violated] : expected) {
    for (explore::GuaranteeResult const& g : r.guarantees) {
      if (g.guarantee != name || g.violated == violated) continue;
      std::cerr << "mqcheck: expected " << name << (violated ? " violated" : " to hold") << "\n";
      status = exit_violated;
    }
  }
  return status;
}

void save_trace(ExploreOptions const& o, explore::Bounds const& b,
                explore::ExploreResult const& r) {
  auto const it = std::find_if(r.guarantees.begin(), r.guarantees.end(), [&](auto const& g) {
    return g.violated && (o.trace_guarantee.empty() || g.guarantee == o.trace_guarantee);
  });
  if (it == r.guarantees.end()) {
    std::cout << "no counterexample to save in " << o.trace_path << "\n";
    return;
  }
  explore::Trace t{o.scenario, b, it->guarantee, it->counterexample->choices,
                   it->counterexample->steps};
  std::ofstream out(o.trace_path, std::ios::binary);
  if (!out) throw InputError({o.trace_path, 0, 0}, "--trace", "cannot open the file for writing");
  out << explore::format_trace(t);
  std::cout << "counterexample (" << it->guarantee << ") saved: mqcheck replay " << o.trace_path
            << "\n";
}

// The explorer's graph as the plain data viz draws: states numbered in discovery order, the
// first counterexample's states and steps marked.
viz::StateGraph graph_of(explore::ExploreResult const& r, std::string const& title) {
  viz::StateGraph g;
  g.title = title;
  explore::StateGraph const& found = *r.graph;
  std::set<std::uint32_t> const trace(r.graph_trace.begin(), r.graph_trace.end());
  for (std::uint32_t s = 0; s < found.size(); ++s) {
    viz::StateGraph::State state;
    state.id = s;
    state.label = s == 0 ? "initial" : "s" + std::to_string(s);
    state.initial = s == 0;
    state.violating = found.violating_at(s);
    state.on_trace = trace.contains(s);
    g.states.push_back(std::move(state));
  }
  std::set<std::pair<std::uint32_t, std::uint32_t>> trace_steps;
  for (std::size_t i = 1; i < r.graph_trace.size(); ++i) {
    trace_steps.emplace(r.graph_trace[i - 1], r.graph_trace[i]);
  }
  for (explore::StateGraph::Edge const& e : found.edges()) {
    g.steps.push_back({e.from, e.to, e.label, trace_steps.contains({e.from, e.to})});
  }
  return g;
}

void write_dot(ExploreOptions const& o, explore::ExploreResult const& r,
               std::string const& name) {
  std::ofstream out(o.dot_path, std::ios::binary);
  if (!out) throw InputError({o.dot_path, 0, 0}, "--dot", "cannot open the file for writing");
  if (!r.graph || !r.graph->recording()) {
    out << "// the state graph has more than " << (r.graph ? r.graph->states_max() : 0)
        << " states: not drawn\n";
    return;
  }
  out << viz::render_state_graph_dot(graph_of(r, name + " (" + r.bounds + ")"),
                                     r.graph->states_max());
}

// A one-line status on stderr about once a second, only when stderr is a terminal (tests and
// pipes see nothing). The host clock is read here only, for the display and the rate.
std::function<void(explore::ExploreStats const&)> progress_line() {
  if (isatty(STDERR_FILENO) == 0) return {};
  auto const start = std::chrono::steady_clock::now();
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(start);
  return [start, last](explore::ExploreStats const& s) {
    auto const now = std::chrono::steady_clock::now();
    if (now - *last < std::chrono::seconds(1)) return;
    *last = now;
    std::chrono::duration<double> const took = now - start;
    std::cerr << "\r\033[K" << s.distinct << " states, " << s.transitions << " transitions, "
              << s.settled << " settled, depth " << s.depth_reached << ", "
              << static_cast<std::uint64_t>(static_cast<double>(s.distinct) / took.count())
              << " states/s, " << (s.memory_bytes >> 20) << " MiB" << std::flush;
  };
}

}  // namespace

int explore_command(ExploreOptions const& o) {
  try {
    explore::Bounds bounds = bounds_of(o);
    auto const expected = expectations(o);
    sim::Scenario const scenario = sim::load_scenario(o.scenario);
    // A delay-bounded search runs every path to the horizon: quiesce unless --horizon says.
    bool const to_quiesce = o.horizon == "quiesce" ||
                            (o.horizon.empty() && bounds.order == explore::SearchOrder::delay);
    if (to_quiesce) bounds.horizon = scenario.quiesce;
    if (!o.horizon.empty() && o.horizon != "quiesce") {
      bounds.horizon = parse_duration(o.horizon);
      if (!bounds.horizon) {
        throw InputError({"command line", 0, 0}, "--horizon",
                         "not a duration or 'quiesce': " + o.horizon);
      }
    }
    bounds.progress = progress_line();
    auto const start = std::chrono::steady_clock::now();
    explore::ExploreResult const r = explore::explore(scenario, bounds);
    std::chrono::duration<double> const took = std::chrono::steady_clock::now() - start;
    if (bounds.progress) std::cerr << "\r\033[K" << std::flush;
    std::cout << scenario.name << " (explored)\n\n";
    print_stats(r, order_text(bounds, r.stats), bounds.swarm_walks > 0, took.count());
    bool const delay = bounds.order == explore::SearchOrder::delay;
    for (explore::GuaranteeResult const& g : r.guarantees) print_guarantee(g, r.bounds, delay);
    if (r.liveness) print_liveness(*r.liveness);
    if (!o.trace_path.empty()) save_trace(o, bounds, r);
    if (!o.dot_path.empty()) write_dot(o, r, scenario.name);
    return exit_for(expected, r);
  } catch (InputError const& e) {
    std::cerr << "mqcheck: " << e.what() << "\n";
    return exit_bad_input;
  }
}

void add_explore_command(CLI::App& app, ExploreOptions& o, int& status) {
  CLI::App* cmd = app.add_subcommand(
      "explore", "Check every schedule of a scenario within bounds (model checking).");
  cmd->footer(explore_footer);
  cmd->add_option("SCENARIO", o.scenario, "Scenario file (YAML)")->required();
  cmd->add_option("--max-depth", o.depth_max, "Choices along a path (default 12)");
  cmd->add_option("--max-states", o.states_max, "Distinct states (default 200000)");
  cmd->add_option("--max-memory", o.memory_mb,
                  "Memory for the search's states and tables as it estimates them, in MiB "
                  "(default 1024; the process takes about 2-3x that)");
  cmd->add_option("--crashes", o.crashes, "Extra crashes of any broker (default 0)");
  cmd->add_option("--settle", o.settle, "How long each state settles (default: the drain)");
  cmd->add_option("--max-latency", o.latency_max,
                  "Deliver every message within this (default: any time, timers may overtake)");
  cmd->add_option("--horizon", o.horizon,
                  "No choices once time reaches this: a duration or 'quiesce' (default: none)");
  cmd->add_option("--fingerprint", o.fingerprint, "inputs (default, always sound) or state");
  cmd->add_option("--trace", o.trace_path, "Save a counterexample here (for mqcheck replay)");
  cmd->add_option("--trace-guarantee", o.trace_guarantee, "Which guarantee's counterexample");
  cmd->add_option("--expect", o.expect, "GUARANTEE=holds|violated; exit 1 unless so");
  cmd->add_option("--guarantee", o.guarantees,
                  "Judge only this delivery guarantee (repeatable; default: every one)");
  cmd->add_option("--dot", o.dot_path, "Write the state graph (Graphviz DOT; up to 2000 states)");
  cmd->add_flag("--all", o.all, "Search on after every guarantee is violated");
  cmd->add_flag("--settle-full", o.settle_full,
                "Judging settles run the whole drain, even where the model says nothing more can "
                "be recorded (same verdicts, slower; for comparison)");
  ExploreOptions& so = o;
  cmd->add_option("--search", so.order,
                  "bfs (default: shortest counterexamples), dfs (memory) or delay (whole runs "
                  "to the horizon, at most --max-delays departures from the fixed schedule)");
  cmd->add_option("--max-delays", so.delays_max,
                  "For --search delay: steps that depart from the fixed schedule (default 1)");
  cmd->add_option("--threads", so.threads, "Threads for bfs and delay; same results (default 1)");
  cmd->add_flag("--minimise,--minimize", so.minimise,
                "Shorten counterexamples by delta debugging over their choices");
  cmd->add_option("--swarm", so.swarm, "N seeded random walks instead of a search");
  cmd->add_option("--seed", so.seed, "The swarm's seed (default 0)");
  cmd->add_option("--drops", so.drops, "Messages the network may lose (default 0)");
  cmd->add_option("--duplicates", so.duplicates, "Messages the network may duplicate (default 0)");
  cmd->add_option("--reduce", so.reduce,
                  "Reductions, a comma list: por (partial-order, sleep sets), symmetry "
                  "(interchangeable nodes), inert (steps that leave their node as it was add "
                  "no input; not with por) or none (default)");
  cmd->add_flag("--no-reduce", so.no_reduce, "No reductions (the full search)");
  cmd->add_flag("--liveness", so.liveness,
                "Check that every acknowledged message is eventually processed once faults stop "
                "(terminal strongly connected components; implies --all)");
  cmd->callback([&o, &status, cmd] {
    o.depth_given = cmd->get_option("--max-depth")->count() > 0;
    status = explore_command(o);
  });
}

}  // namespace mqcheck::cli
