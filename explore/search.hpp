// SPDX-License-Identifier: Apache-2.0
// File: explore/search.hpp (layer: explore)
// Stored-state search over an Engine: what every search order shares. Each distinct state
// (by fingerprint) is kept once, as an entry (parent, choice index) in discovery order, found
// through a compact open-addressing table (explore/fingerprint_table.hpp). Every state is
// judged once: a copy settles (Engine::settle) and the checker reads its history (cached by
// fingerprint along the settle's first, timeless steps: verdicts_of). The first state of the
// search order that breaks a guarantee gives that guarantee's counterexample, rebuilt by
// re-running its choices from the initial state. The orders themselves (breadth-first,
// depth-first, swarm) are in explore/search_orders.hpp. Deterministic: choices come in a fixed
// order, the tables are only looked up, never iterated.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "explore/engine.hpp"
#include "explore/explore.hpp"
#include "explore/fingerprint_table.hpp"
#include "explore/inert_steps.hpp"
#include "explore/sleep_sets.hpp"
#include "explore/state_graph.hpp"
#include "explore/symmetry.hpp"

namespace mqcheck::explore {

template <class Model>
class DelayJudgeBatch;

template <class Model>
class Search {
  using W = World<Model>;

 public:
  Search(Engine<Model>& engine, Bounds const& bounds) : engine_(engine), bounds_(bounds) {
    for (std::string_view g : checker::guarantee_names()) {
      if (!bounds.guarantees.empty() &&
          std::find(bounds.guarantees.begin(), bounds.guarantees.end(), g) ==
              bounds.guarantees.end()) {
        continue;
      }
      names_.emplace_back(g);
      results_.push_back({std::string(g), false, 0, true, {}});
    }
    witness_.assign(results_.size(), {});
    drain_ = bounds.settle.value_or(DurationUs{0});
  }

  /// Sets how long states settle (the scenario's drain unless --settle says otherwise).
  void set_drain(DurationUs drain) { drain_ = bounds_.settle.value_or(drain); }

  /// What a settle audit found (set_settle_audit).
  struct SettleAudit {
    std::uint64_t settles = 0;        // Judging settles audited.
    std::uint64_t stopped_early = 0;  // Of them, those the quiet model stopped early.
    std::uint64_t mismatches = 0;     // Of them, those that differed from the whole settle,
                                      // or whose verdicts-only judgement (Engine::judge)
                                      // differed from its report's.
  };
  /// Tests: every judging settle also runs both ways, stopped where the model is quiet and in
  /// full, and `audit` counts those whose drained flag, delivery verdicts or client ops (but
  /// empty polls, which name no message) differ. One thread only.
  void set_settle_audit(SettleAudit* audit) { audit_ = audit; }

  /// Runs the search the bounds ask for; fills stats and results.
  void run() {
    if (bounds_.swarm_walks > 0) return run_swarm();
    if (bounds_.order == SearchOrder::dfs) return run_dfs();
    if (bounds_.order == SearchOrder::delay) return run_delay();
    run_bfs();
  }

  /// Has the delay search hand its end states to `batch` to judge (--threads; null: judge
  /// each itself).
  void set_judge_batch(DelayJudgeBatch<Model>* batch) { judge_batch_ = batch; }

  ExploreStats const& stats() const { return stats_; }
  /// Returns the state graph (empty unless Bounds::dot_states_max > 0).
  StateGraph const& graph() const { return graph_; }
  std::vector<GuaranteeResult>& results() { return results_; }
  Engine<Model>& engine() { return engine_; }

  /// Applies `c` to `w` with `engine` (the search's, or a worker's); with Bounds::inert a
  /// delivery or timer that left its node as it was adds no input (explore/inert_steps.hpp).
  void apply_step(Engine<Model>& engine, W& w, Choice const& c) const {
    if (!bounds_.inert || (c.kind != ChoiceKind::deliver && c.kind != ChoiceKind::timer)) {
      return engine.apply(w, c);
    }
    InertProbe<Model> const probe = probe_node(w, c.node.value);
    engine.apply(w, c);
    forget_if_inert(w, probe);
  }
  /// Delivers the oldest message in flight, as apply_step applies a choice: the settle's
  /// timeless stretch (verdicts_of) steps as the search does, so its fingerprints meet the
  /// search's states.
  void deliver_oldest_step(Engine<Model>& engine, W& w) const {
    if (!bounds_.inert) return engine.deliver_oldest(w);
    InertProbe<Model> const probe = probe_node(w, w.in_flight.front().to.value);
    engine.deliver_oldest(w);
    forget_if_inert(w, probe);
  }
  std::vector<std::string> const& names() const { return names_; }

  /// The path that first broke guarantee `g` (empty when none did): its choice indices and,
  /// for the state graph, the entries along it from the initial state.
  struct Witness {
    std::vector<std::uint32_t> choices;
    std::vector<std::uint32_t> entries;
  };
  Witness const& witness(std::size_t g) const { return witness_[g]; }

  /// Re-runs `choices` from the initial state, settles (unless `settle` is false: the history
  /// is then judged as it stands, marked drained) and judges: a counterexample.
  Counterexample rebuild(std::vector<std::uint32_t> const& choices,
                         std::vector<std::string> const* expected_steps = nullptr,
                         bool settle = true) {
    Counterexample cx;
    W w = engine_.initial();
    std::vector<Choice> options;
    for (std::size_t k = 0; k < choices.size(); ++k) {
      options.clear();
      engine_.choices(w, options);
      if (choices[k] >= options.size()) {
        throw_mismatch(k, "there are only " + std::to_string(options.size()));
      }
      std::string words = engine_.describe(w, options[choices[k]]);
      std::optional<std::uint32_t> const def = engine_.default_choice(w, options);
      bool const scheduled = def && *def == choices[k];
      cx.delayed.push_back(!scheduled && !is_fault(options[choices[k]].kind));
      cx.delays += cx.delayed.back() ? 1 : 0;
      std::size_t const before = w.op_count;
      engine_.apply(w, options[choices[k]]);
      std::string const ops = client_ops(engine_.history(w, false), before);
      cx.routine.push_back(scheduled && ops.empty());
      words += ops;
      if (expected_steps != nullptr && k < expected_steps->size() &&
          (*expected_steps)[k] != words) {
        throw_mismatch(k, "it now reads \"" + words + "\"");
      }
      cx.steps.push_back(std::move(words));
      cx.choices.push_back(choices[k]);
    }
    bool const drained = !settle || engine_.settle(w, drain_, bounds_.settle_steps_max);
    cx.history = engine_.history(w, drained);
    cx.report = checker::check_history(cx.history, names_);
    cx.found_choices = choices.size();
    return cx;
  }

  /// Settles `w` and returns whether guarantee `g` is violated there (for --minimise).
  bool violates(W w, std::size_t g) {
    bool const drained = engine_.settle(w, drain_, bounds_.settle_steps_max);
    checker::DeliveryReport const report = engine_.check(w, drained, names_);
    return std::any_of(report.verdicts.begin(), report.verdicts.end(), [&](auto const& v) {
      return v.guarantee == names_[g] && v.validity == checker::Validity::invalid;
    });
  }

  static constexpr std::uint32_t no_parent = 0xffffffffu;

  /// Every transition taken (with Bounds::liveness; empty otherwise).
  std::vector<GraphEdge> const& edges() const { return edges_; }
  /// The states left unexpanded at the depth bound though they had choices (with liveness).
  std::vector<std::uint32_t> const& cut() const { return cut_; }
  /// The distinct states so far (table entries 0..states()-1).
  std::uint32_t states() const { return static_cast<std::uint32_t>(table_.size()); }

  // Returns the choice indices from the initial state to table entry `entry`.
  /// Merges Worlds by their canonical fingerprint under `group` (symmetry reduction; the
  /// Engine must keep the renamed digests: Engine::set_symmetry).
  void set_symmetry(SymmetryGroup const* group) {
    symmetry_ = group != nullptr && !group->empty() ? group : nullptr;
  }

  std::vector<std::uint32_t> path_to(std::uint32_t entry) const {
    std::vector<std::uint32_t> path;
    for (std::uint32_t e = entry; table_[e].parent != no_parent; e = table_[e].parent) {
      if ((table_[e].choice & tail_mark) == 0) {
        path.push_back(table_[e].choice);
        continue;
      }
      // The delay search's unstored fixed-schedule steps (walk_tail): resolve_defaults.
      path.insert(path.end(), table_[e].choice & ~tail_mark, default_mark);
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

 private:
  struct Entry {
    std::uint32_t parent;
    std::uint32_t choice;
  };

  // A state of the breadth-first frontier: its World, table entry and sleep set (--reduce por).
  struct Frontier {
    W world;
    std::uint32_t entry;
    SleepSet sleep;
  };
  // A breadth-first layer. A deque, not a vector: a growing vector held its old buffer and a
  // new one twice as large at once, and kept up to half its capacity unused (9% of a Kafka
  // search's heap at its peak); a deque grows by blocks and never moves its Frontiers.
  using Layer = std::deque<Frontier>;

  void run_bfs();
  bool expand(Frontier& f, std::vector<Choice> const& choices, Layer& next, std::uint32_t next_base,
              std::uint64_t layer_bytes, std::uint64_t& next_bytes);
  void run_dfs();
  void run_swarm();
  // The delay-bounded search (explore/search_delay.hpp): a state held with its path's depth and
  // the bytes frontier_bytes_ counts for it.
  struct Held {
    W world;
    std::uint32_t entry;
    std::uint32_t depth;
    std::uint64_t bytes;
  };
  void run_delay();
  void run_delay_levels();
  bool judge_end(W const& w, std::uint32_t entry);
  bool delay_closure(Held seed, std::uint32_t delays, std::vector<Held>& deviators);
  static bool free_step(Choice const& c, std::uint32_t i, std::optional<std::uint32_t> def);
  bool chain(std::vector<Choice> const& choices, std::uint32_t def, std::uint32_t delays) const;
  bool walk_tail(Held& h, std::vector<Choice> choices, std::uint32_t def, std::uint32_t delays,
                 std::vector<Held>& stack);
  std::vector<std::uint32_t> resolve_defaults(std::vector<std::uint32_t> path);
  // An entry's choice with tail_mark set counts the fixed-schedule steps from its parent
  // (walk_tail); path_to gives each of them as default_mark.
  static constexpr std::uint32_t tail_mark = 0x80000000u;
  static constexpr std::uint32_t default_mark = 0xffffffffu;
  template <class>
  friend class ParallelBfs;
  template <class>
  friend class ParallelJudge;
  template <class>
  friend class DelayJudgeBatch;

  [[noreturn]] static void throw_mismatch(std::size_t k, std::string const& why) {
    throw InputError({"trace", 0, 0}, "choices[" + std::to_string(k) + "]",
                     "the trace does not match this scenario and model: " + why);
  }

  // Appends the client ops recorded since op `from`, in words: " (p1: send ok [1])".
  static std::string client_ops(history::History const& h, std::size_t from) {
    std::string out;
    for (std::size_t i = from; i < h.size(); ++i) {
      history::Op const& op = h.ops()[i];
      if (!history::is_client_op(op)) continue;
      out += out.empty() ? " (" : "; ";
      out += op.process + ": " + std::string(history::to_string(op.f)) + " " +
             std::string(history::to_string(op.type));
      for (std::size_t r = 0; r < op.value.size(); ++r) {
        out += (r == 0 ? " [" : " ") + std::to_string(op.value[r].id.value);
      }
      if (!op.value.empty()) out += "]";
    }
    return out.empty() ? out : out + ")";
  }

  // Returns the entries from the initial state to `entry`, in order (a path to draw).
  std::vector<std::uint32_t> entries_to(std::uint32_t entry) const {
    std::vector<std::uint32_t> path{entry};
    for (std::uint32_t e = entry; table_[e].parent != no_parent; e = table_[e].parent) {
      path.push_back(table_[e].parent);
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  // Records the state with fingerprint `fp` unless it was seen; returns its entry and whether
  // it is new. Stops the search (stats_.stopped) at --max-states or --max-memory.
  std::pair<std::uint32_t, bool> add(std::uint64_t fp, std::uint32_t parent,
                                     std::uint32_t choice) {
    auto const next = static_cast<std::uint32_t>(table_.size());
    auto const [entry, fresh] = visited_.insert(fp, next);
    if (!fresh) return {entry, false};
    graph_.state(entry);
    table_.push_back({parent, choice});
    ++stats_.distinct;
    update_memory();
    if (stats_.distinct >= bounds_.states_max) stats_.stopped = "max-states";
    if (stats_.memory_bytes >= bounds_.memory_max) stats_.stopped = "max-memory";
    if (bounds_.progress && stats_.distinct % 512 == 0) bounds_.progress(stats_);
    return {entry, true};
  }

  // The memory the search holds: the tables by their real capacity, and the Worlds it keeps
  // (the BFS layers, the DFS stack: frontier_bytes_, a lower bound of what actors allocate).
  void update_memory() {
    stats_.table_bytes = search_table_bytes() + judged_.bytes();
    stats_.memory_bytes = stats_.table_bytes + frontier_bytes_;
  }
  // The tables but the verdict cache, by their real capacity.
  std::uint64_t search_table_bytes() const {
    return visited_.bytes() + table_.capacity() * sizeof(Entry) +
           edges_.capacity() * sizeof(GraphEdge);
  }

  // The memory a layer of Worlds holds, each node its Worlds share counted once (a World's
  // children share its unchanged nodes, so counting every World's nodes in full counted a
  // Kafka layer 4-5 times over). Elements are Frontier or (World, entry) pairs.
  template <class Worlds>
  static std::uint64_t frontier_distinct_bytes(Worlds const& layer) {
    std::vector<W const*> worlds;
    worlds.reserve(layer.size());
    for (auto const& element : layer) worlds.push_back(&world_of(element));
    return distinct_bytes(worlds);
  }
  static W const& world_of(Frontier const& f) { return f.world; }
  static W const& world_of(std::pair<W, std::uint32_t> const& p) { return p.first; }

  // Verdicts by guarantee (names_ order), two bits each, in one word: the verdict cache's value.
  using Verdicts = std::uint32_t;
  static checker::Validity verdict(Verdicts v, std::size_t g) {
    return static_cast<checker::Validity>((v >> (2 * g)) & 3u);
  }

  // Judges `w` (table entry `entry`); returns true when it is the first state to break some
  // guarantee, whose witness the caller then records (record_witnesses).
  bool judge(W const& w, std::uint32_t entry) { return judge_verdicts(verdicts_of(w), entry); }

  bool judge_verdicts(Verdicts verdicts, std::uint32_t entry) {
    bool first = false;
    for (std::size_t g = 0; g < results_.size(); ++g) {
      checker::Validity const v = verdict(verdicts, g);
      if (v == checker::Validity::unknown) ++results_[g].unknown_states;
      if (v == checker::Validity::invalid) graph_.violating(entry);
      if (v != checker::Validity::invalid || results_[g].violated) continue;
      results_[g].violated = true;
      first = true;
    }
    return first;
  }

  // Gives every guarantee violated without a witness yet this path (the caller's order).
  void record_witnesses(std::vector<std::uint32_t> const& choices,
                        std::vector<std::uint32_t> const& entries) {
    for (std::size_t g = 0; g < results_.size(); ++g) {
      if (!results_[g].violated || !witness_[g].entries.empty()) continue;
      witness_[g] = {choices, entries};
    }
  }

  // A settle first restarts the nodes that are down and delivers what is in flight, oldest
  // first, without moving time; every state along that stretch settles the same way from
  // there, to the same end time, so it gets the same verdicts, and equal fingerprints mean
  // equal verdicts (docs/explorer.md). Verdicts are cached by fingerprint along the stretch,
  // so states whose messages drain into a state already judged are not settled again.
  // With every node up (and no partition), restarting changes nothing, so `w` itself is looked
  // up first: a state an earlier stretch passed through is then answered without copying it.
  Verdicts verdicts_of(W const& w) {
    std::vector<std::uint64_t> stretch;
    if (settles_from_itself(w)) {
      std::uint64_t const fp = key_of(w);
      if (std::uint32_t const known = judged_.find(fp); known != FingerprintTable::absent) {
        return known;
      }
      stretch.push_back(fp);
    }
    W t = w;
    engine_.restart_all(t);
    for (std::uint64_t k = 0;; ++k) {
      if (k > 0 || stretch.empty()) {  // Else step 0 was looked up above.
        std::uint64_t const fp = key_of(t);
        if (std::uint32_t const known = judged_.find(fp); known != FingerprintTable::absent) {
          for (std::uint64_t s : stretch) judged_.insert(s, known);
          return known;
        }
        stretch.push_back(fp);
      }
      if (t.in_flight.empty() || k == bounds_.settle_steps_max) break;
      deliver_oldest_step(engine_, t);
    }
    Judged const judged = settle_and_check(engine_, t);
    note_settled(judged);
    for (std::uint64_t s : stretch) judged_.insert(s, judged.verdicts);
    return judged.verdicts;
  }

  // Whether a settle's restarts and heal leave `w` as it is: every node up, no partition.
  static bool settles_from_itself(W const& w) {
    return w.partition == 0 &&
           std::all_of(w.nodes.begin(), w.nodes.end(), [](auto const& node) { return node->up; });
  }

  // A settle's verdicts, and which guarantees the report judged and which it called promised.
  struct Judged {
    Verdicts verdicts = 0;  // All valid.
    std::uint32_t present = 0;
    std::uint32_t promised = 0;
    bool operator==(Judged const&) const = default;
  };

  // Settles `t` (already restarted and drained of messages) with `engine` and packs the
  // delivery verdicts. Touches nothing of the search: worker threads call it too.
  Judged settle_and_check(Engine<Model>& engine, W& t) const {
    if (audit_ != nullptr) audit_settle(engine, t);
    bool const drained = engine.settle(t, drain_, bounds_.settle_steps_max, !bounds_.settle_full);
    // The validities alone: no report, anomaly or text is made (counterexamples are judged
    // in full by check_history).
    Judged const judged = judged_of(engine.judge(t, drained, names_));
    engine.recycle_tail(t);  // t is dropped after this; its buffer serves the next settle.
    return judged;
  }

  // The audit of set_settle_audit: `t` settled both ways, compared.
  void audit_settle(Engine<Model>& engine, W const& t) const {
    W early = t;
    W full = t;
    bool const early_drained = engine.settle(early, drain_, bounds_.settle_steps_max, true);
    bool const full_drained = engine.settle(full, drain_, bounds_.settle_steps_max, false);
    Judged const a = judged_of(engine.check(early, early_drained, names_));
    Judged const b = judged_of(engine.check(full, full_drained, names_));
    // And the verdicts-only judgement settle_and_check makes, of both, against the reports'.
    Judged const a_only = judged_of(engine.judge(early, early_drained, names_));
    Judged const b_only = judged_of(engine.judge(full, full_drained, names_));
    ++audit_->settles;
    if (early.tail.size() < full.tail.size()) ++audit_->stopped_early;
    bool const same = early_drained == full_drained && a == b && a_only == a && b_only == b &&
                      read_ops(early) == read_ops(full);
    if (!same) ++audit_->mismatches;
  }
  // A settle's client ops that a delivery verdict may read: all but empty polls.
  static std::vector<history::Op> read_ops(W const& w) {
    std::vector<history::Op> ops;
    for (history::Op const& op : w.tail) {
      if (!history::is_client_op(op)) continue;
      if (op.f == history::OpKind::poll && op.value.empty()) continue;
      ops.push_back(op);
    }
    return ops;
  }

  // judged_of(report) from a verdicts-only judgement: the same bits (its guarantees are the
  // report's verdicts, in report order).
  Judged judged_of(checker::DeliveryJudgement const& judgement) const {
    Judged out;
    auto const delivery = checker::guarantee_names();
    for (std::size_t i = 0; i < delivery.size(); ++i) {
      if (((judgement.present >> i) & 1u) == 0) continue;
      auto const it = std::find(names_.begin(), names_.end(), delivery[i]);
      if (it == names_.end()) continue;
      std::size_t const g = static_cast<std::size_t>(it - names_.begin());
      out.verdicts |= static_cast<Verdicts>(judgement.validity[i]) << (2 * g);
      out.present |= 1u << g;
      if ((judgement.promised >> i) & 1u) out.promised |= 1u << g;
    }
    return out;
  }

  Judged judged_of(checker::DeliveryReport const& report) const {
    Judged out;
    for (checker::Verdict const& v : report.verdicts) {
      auto const it = std::find(names_.begin(), names_.end(), v.guarantee);
      if (it == names_.end()) continue;
      std::size_t const g = static_cast<std::size_t>(it - names_.begin());
      out.verdicts |= static_cast<Verdicts>(v.validity) << (2 * g);
      out.present |= 1u << g;
      bool const promised = std::find(report.unpromised.begin(), report.unpromised.end(),
                                      v.guarantee) == report.unpromised.end();
      if (promised) out.promised |= 1u << g;
    }
    return out;
  }

  // Counts a settle and notes what its report says is promised (the configuration's, so every
  // settle says the same).
  void note_settled(Judged const& judged) {
    ++stats_.settled;
    for (std::size_t g = 0; g < results_.size(); ++g) {
      if ((judged.present >> g) & 1u) results_[g].promised = (judged.promised >> g) & 1u;
    }
  }

  bool done() const {
    if (!bounds_.stop_when_all_violated) return false;
    return std::all_of(results_.begin(), results_.end(),
                       [](GuaranteeResult const& r) { return r.violated; });
  }

  // The fingerprint states are merged by: canonical under the symmetry group, if any.
  std::uint64_t key_of(W const& w) const {
    return symmetry_ != nullptr ? canonical_fingerprint(w, *symmetry_)
                                : fingerprint(w, bounds_.fingerprint);
  }

  Engine<Model>& engine_;
  Bounds bounds_;
  SettleAudit* audit_ = nullptr;             // set_settle_audit(); null: none.
  SymmetryGroup const* symmetry_ = nullptr;  // set_symmetry(); null: none.
  DelayJudgeBatch<Model>* judge_batch_ = nullptr;  // set_judge_batch(); null: none.
  DurationUs drain_{};
  std::vector<std::string> names_;
  std::vector<GuaranteeResult> results_;
  std::vector<Witness> witness_;
  std::vector<Entry> table_;    // By entry: how it was first reached.
  FingerprintTable visited_;    // Fingerprint -> entry.
  FingerprintTable judged_;     // Fingerprint -> Verdicts.
  std::uint64_t frontier_bytes_ = 0;  // The Worlds the search order holds, roughly.
  std::vector<GraphEdge> edges_;      // Every transition, for liveness (Bounds::liveness).
  std::vector<std::uint32_t> cut_;    // States cut by the depth bound, in table order.
  ExploreStats stats_;
  StateGraph graph_{bounds_.dot_states_max};
};

}  // namespace mqcheck::explore

#include "explore/search_delay.hpp"
#include "explore/search_delay_parallel.hpp"
#include "explore/search_orders.hpp"
#include "explore/search_parallel.hpp"
