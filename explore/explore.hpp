// SPDX-License-Identifier: Apache-2.0
// File: explore/explore.hpp (layer: explore)
// `mqcheck explore` as a library: stored-state breadth-first search over every schedule of a
// scenario's broker model within bounds (depth, states, memory, a fault budget), judging the
// delivery guarantees of every state reached by letting it settle (faults stop, crashed nodes
// restart, the system drains) and running the checker on the path's history. Breadth-first,
// so the first violation of each guarantee found is one with the fewest choices. And the
// replay of a saved counterexample, through the same step semantics, to the same verdict.
// docs/explorer.md has the design and the argument for why state merging is sound.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checker/delivery.hpp"
#include "core/time.hpp"
#include "explore/liveness.hpp"
#include "explore/state_graph.hpp"
#include "explore/world.hpp"
#include "history/history.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::explore {

/// The order states are visited in. Breadth-first finds the shortest counterexamples and holds
/// two layers of Worlds; depth-first holds one path (the depth bound) and finds longer ones.
/// Delay-bounded follows the settle's fixed schedule to the horizon and enumerates every
/// schedule that departs from it at most Bounds::delays_max times (explore/search_delay.hpp).
enum class SearchOrder : std::uint8_t { bfs, dfs, delay };

struct ExploreStats;

/// What limits a search. Every limit stops the search gracefully, with what was covered.
struct Bounds {
  std::uint32_t depth_max = 12;           // Choices along a path.
  std::uint64_t states_max = 200'000;     // Distinct states.
  std::uint64_t memory_max = 1ull << 30;  // Bytes (an estimate: visited set + frontier).
  std::uint32_t crashes = 0;              // Extra crashes of any broker, beyond `faults:`.
  std::uint32_t drops = 0;       // Messages the network may lose, any one in flight each time.
  std::uint32_t duplicates = 0;  // Messages the network may deliver twice.
  std::optional<DurationUs> latency_max;  // A message arrives within this; unset: any time.
  std::optional<DurationUs> settle;       // How long a state settles (default: the drain).
  /// A time horizon: a state whose clock has reached it offers no choices, so it is an end
  /// state, settled and judged like any other (Engine::choices). Set to the scenario's quiesce
  /// it bounds time as the depth bounds choices: no fault strikes after quiesce anyway, and
  /// the periodic timers (heartbeats, fetches, polls) no longer branch forever, so a model
  /// whose clock only moves by timers has a finite state space. Unset: no horizon.
  std::optional<DurationUs> horizon;
  std::uint64_t settle_steps_max = 100'000;
  /// Judging settles run the whole drain even once the model says nothing more can be
  /// recorded (Model::quiet, model/common/quiet.hpp); false: they stop there, with the same
  /// verdicts (tests/explore/settle_quiet_test.cpp). Counterexamples always settle in full.
  bool settle_full = false;
  FingerprintMode fingerprint = FingerprintMode::inputs;
  bool stop_when_all_violated = true;  // Stop once every guarantee has a counterexample.
  /// The delivery guarantees judged (checker::guarantee_names order; empty: every one): the
  /// settles check only these, and the search stops once each of them is violated.
  std::vector<std::string> guarantees;
  std::uint64_t dot_states_max = 0;    // Keep the state graph up to this many states (0: no).
  SearchOrder order = SearchOrder::bfs;
  /// SearchOrder::delay: how many steps along a path may differ from the fixed schedule's.
  std::uint32_t delays_max = 1;
  /// SearchOrder::delay: store every state, also those on a stretch where the fixed schedule's
  /// step is the only one left (which the search otherwise walks through unstored).
  bool store_every_state = false;
  std::uint32_t threads = 1;     // Worker threads (breadth-first); results equal threads = 1.
  bool minimise = false;         // Shorten each counterexample by delta debugging.
  std::uint64_t swarm_walks = 0;  // > 0: that many seeded random walks instead of a search.
  std::uint64_t seed = 0;         // The swarm's seed.
  /// Partial-order reduction by sleep sets (explore/sleep_sets.hpp): the same distinct states
  /// and verdicts, fewer transitions. Breadth-first, one thread, `inputs` fingerprints only.
  bool por = false;
  /// Symmetry reduction (explore/symmetry.hpp): Worlds that differ by a renaming of
  /// interchangeable nodes share one fingerprint. `inputs` fingerprints, no liveness;
  /// combines with por and with threads.
  bool symmetry = false;
  /// Inert steps (explore/inert_steps.hpp): a delivery or timer firing that leaves its node's
  /// actor equal, its disk untouched and no client op recorded adds no input to the node's
  /// digest, so interleavings of such steps merge: fewer states, the same verdicts. `inputs`
  /// fingerprints, no por, no liveness; combines with symmetry, --threads and every order.
  bool inert = false;
  /// Check liveness through the terminal strongly connected components of the state graph
  /// (explore/liveness.hpp); keeps every transition. Breadth-first, one thread, no por.
  bool liveness = false;
  /// Called every few hundred states with the numbers so far (for a progress line). It must
  /// not affect the search: the host clock lives on the caller's side of this call.
  std::function<void(ExploreStats const&)> progress;
};

/// A counterexample: the choices from the initial state, in words and as indices into the
/// choice list of each state along the way, then the settle that exposes the violation.
struct Counterexample {
  std::vector<std::uint32_t> choices;
  bool shortest = true;           // Found breadth-first (no shorter one within the bounds).
  std::size_t found_choices = 0;  // Its length as found, before --minimise shortened it.
  std::vector<std::string> steps;  // One sentence per choice, with the client ops it recorded.
  /// Per step: it was the fixed schedule's own step (Engine::default_choice) and recorded no
  /// client op; a delay-bounded counterexample's output folds runs of them.
  std::vector<bool> routine;
  std::vector<bool> delayed;       // Per step: neither the fixed schedule's step nor a fault.
  std::uint32_t delays = 0;        // How many steps are delayed.
  history::History history;        // The prefix and the settle.
  checker::DeliveryReport report;
};

struct GuaranteeResult {
  std::string guarantee;
  bool violated = false;
  std::uint64_t unknown_states = 0;  // States whose settled history left it unknown.
  bool promised = true;              // False when the configuration does not promise it.
  std::optional<Counterexample> counterexample;
};

struct ExploreStats {
  std::uint64_t explored = 0;     // States expanded (their choices enumerated).
  std::uint64_t distinct = 0;     // Distinct fingerprints seen.
  std::uint64_t transitions = 0;  // Choices applied.
  std::uint64_t settled = 0;      // Settles run (states judged without the verdict cache).
  std::uint32_t depth_reached = 0;
  std::uint64_t memory_bytes = 0;  // Tables (by capacity) and the Worlds held, at the end.
  std::uint64_t table_bytes = 0;   // The visited set and verdict cache alone.
  std::uint64_t walks = 0;         // Swarm mode: random walks run.
  std::uint64_t slept = 0;         // Transitions not taken: asleep (partial-order reduction).
  bool depth_cut = false;          // Some state at depth_max still had choices.
  std::uint32_t delays_reached = 0;  // SearchOrder::delay: the most delays along a path taken.
  bool delays_cut = false;         // SearchOrder::delay: some state at delays_max had other steps.
  /// SearchOrder::delay: states walked through unstored, each with one step left (a state
  /// met again this way is counted again).
  std::uint64_t passed = 0;
  std::string stopped;             // Empty when the bounds were covered; else the limit hit.
};

struct ExploreResult {
  ExploreStats stats;
  std::vector<GuaranteeResult> guarantees;  // In checker::guarantee_names() order.
  std::string bounds;                       // The bounds in words, for "holds within ...".
  std::vector<std::string> unsupported;     // Scenario faults the explorer does not enumerate.
  std::optional<StateGraph> graph;          // When Bounds::dot_states_max > 0.
  std::vector<std::uint32_t> graph_trace;   // The first counterexample's states in the graph.
  bool por = false;                         // Partial-order reduction was used.
  bool symmetry = false;                    // Symmetry reduction was asked for.
  bool inert = false;                       // Inert steps add no input (Bounds::inert).
  std::string symmetry_group;  // What it permutes, in words; empty when nothing is symmetric.
  std::optional<LivenessResult> liveness;   // When Bounds::liveness.
};

/// Explores `scenario` within `bounds`. Deterministic: the same scenario and bounds give the
/// same counts and counterexamples. Throws InputError for a scenario the models reject.
[[nodiscard]] ExploreResult explore(sim::Scenario const& scenario, Bounds const& bounds);

/// A counterexample saved to a file: enough to re-run it.
struct Trace {
  std::string scenario;  // The scenario path, as given to explore.
  Bounds bounds;         // crashes and settle matter for replay; the rest is for the record.
  std::string guarantee;
  std::vector<std::uint32_t> choices;
  std::vector<std::string> steps;  // The words explore printed; replay checks they match.
};

/// Re-runs `trace` on `scenario` through the explorer's step semantics and the settle, and
/// judges the history. Throws InputError when a choice index does not exist in the state it
/// names, or its words differ (the trace is from another scenario or model version).
[[nodiscard]] Counterexample replay(sim::Scenario const& scenario, Trace const& trace);

}  // namespace mqcheck::explore
