// SPDX-License-Identifier: Apache-2.0
// File: explore/search.hpp (layer: explore)
// Breadth-first stored-state search over an Engine, layer by layer. Each distinct state
// (by fingerprint) is kept once in a table of (parent, choice index); only the current and
// next layers hold Worlds. Every state is judged: a copy settles (Engine::settle) and the
// checker reads its history (cached along the settle's first, timeless steps: verdicts_of).
// The first state of the breadth-first order that breaks a guarantee gives that guarantee's
// counterexample, rebuilt by re-running the choices from the initial state. Deterministic:
// choices are enumerated in a fixed order, the tables are only looked up, never iterated.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "explore/engine.hpp"
#include "explore/explore.hpp"
#include "explore/state_graph.hpp"

namespace mqcheck::explore {

template <class Model>
class Search {
  using W = World<Model>;

 public:
  Search(Engine<Model>& engine, Bounds const& bounds) : engine_(engine), bounds_(bounds) {
    for (std::string_view g : checker::guarantee_names()) {
      names_.emplace_back(g);
      results_.push_back({std::string(g), false, 0, true, {}});
    }
    drain_ = bounds.settle.value_or(DurationUs{0});
  }

  /// Sets how long states settle (the scenario's drain unless --settle says otherwise).
  void set_drain(DurationUs drain) { drain_ = bounds_.settle.value_or(drain); }

  /// Runs the search; fills stats and results.
  void run() {
    std::vector<std::pair<W, std::uint32_t>> layer;  // (World, its table entry).
    W first = engine_.initial();
    add(first, no_parent, 0, layer);
    current_bytes_ = std::exchange(next_bytes_, 0);
    std::vector<Choice> choices;
    for (std::uint32_t depth = 0; !layer.empty(); ++depth) {
      stats_.depth_reached = depth;
      std::vector<std::pair<W, std::uint32_t>> next;
      for (auto& [w, entry] : layer) {
        judge(w, entry);
        if (done()) return;
        choices.clear();
        engine_.choices(w, choices);
        if (depth == bounds_.depth_max) {
          stats_.depth_cut = stats_.depth_cut || !choices.empty();
          continue;
        }
        ++stats_.explored;
        for (std::uint32_t i = 0; i < choices.size(); ++i) {
          W child = w;
          engine_.apply(child, choices[i]);
          ++stats_.transitions;
          std::uint32_t const to = add(std::move(child), entry, i, next);
          if (graph_.recording()) graph_.edge(entry, to, engine_.describe(w, choices[i]));
          if (!stats_.stopped.empty()) return;
        }
      }
      layer = std::move(next);
      current_bytes_ = std::exchange(next_bytes_, 0);
    }
  }

  ExploreStats const& stats() const { return stats_; }
  /// Returns the state graph (empty unless Bounds::dot_states_max > 0).
  StateGraph const& graph() const { return graph_; }
  std::vector<GuaranteeResult>& results() { return results_; }

  /// Re-runs `choices` from the initial state, settles and judges: a counterexample.
  Counterexample rebuild(std::vector<std::uint32_t> const& choices,
                         std::vector<std::string> const* expected_steps = nullptr) {
    Counterexample cx;
    W w = engine_.initial();
    std::vector<Choice> options;
    for (std::size_t k = 0; k < choices.size(); ++k) {
      options.clear();
      engine_.choices(w, options);
      if (choices[k] >= options.size()) throw_mismatch(k, "there are only " +
                                                              std::to_string(options.size()));
      std::string words = engine_.describe(w, options[choices[k]]);
      std::size_t const before = w.op_count;
      engine_.apply(w, options[choices[k]]);
      words += client_ops(engine_.history(w, false), before);
      if (expected_steps != nullptr && k < expected_steps->size() &&
          (*expected_steps)[k] != words) {
        throw_mismatch(k, "it now reads \"" + words + "\"");
      }
      cx.steps.push_back(std::move(words));
      cx.choices.push_back(choices[k]);
    }
    bool const drained = engine_.settle(w, drain_, bounds_.settle_steps_max);
    cx.history = engine_.history(w, drained);
    cx.report = checker::check_history(cx.history, names_);
    return cx;
  }

  /// Returns the choice indices from the initial state to table entry `entry`.
  std::vector<std::uint32_t> path_to(std::uint32_t entry) const {
    std::vector<std::uint32_t> path;
    for (std::uint32_t e = entry; table_[e].parent != no_parent; e = table_[e].parent) {
      path.push_back(table_[e].choice);
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  /// Returns the entries that first broke each guarantee (no_parent when none did).
  /// Returns the entries from the initial state to `entry`, in order (a path to draw).
  std::vector<std::uint32_t> entries_to(std::uint32_t entry) const {
    std::vector<std::uint32_t> path{entry};
    for (std::uint32_t e = entry; table_[e].parent != no_parent; e = table_[e].parent) {
      path.push_back(table_[e].parent);
    }
    std::reverse(path.begin(), path.end());
    return path;
  }

  std::vector<std::uint32_t> const& witnesses() const { return witness_; }
  static constexpr std::uint32_t no_parent = 0xffffffffu;

 private:
  struct Entry {
    std::uint32_t parent;
    std::uint32_t choice;
  };

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

  // Adds `w` unless its fingerprint was seen; returns its table entry either way.
  std::uint32_t add(W w, std::uint32_t parent, std::uint32_t choice,
                    std::vector<std::pair<W, std::uint32_t>>& into) {
    std::uint64_t const fp = fingerprint(w, bounds_.fingerprint);
    auto const [it, fresh] = visited_.emplace(fp, static_cast<std::uint32_t>(table_.size()));
    if (!fresh) return it->second;
    graph_.state(static_cast<std::uint32_t>(table_.size()));
    table_.push_back({parent, choice});
    ++stats_.distinct;
    next_bytes_ += approximate_bytes(w);
    into.emplace_back(std::move(w), static_cast<std::uint32_t>(table_.size() - 1));
    stats_.memory_bytes =
        table_.size() * (sizeof(Entry) + visited_entry_bytes) + current_bytes_ + next_bytes_;
    if (stats_.distinct >= bounds_.states_max) stats_.stopped = "max-states";
    if (stats_.memory_bytes >= bounds_.memory_max) stats_.stopped = "max-memory";
    return static_cast<std::uint32_t>(table_.size() - 1);
  }

  using Verdicts = std::vector<checker::Validity>;  // By guarantee, in names_ order.

  void judge(W const& w, std::uint32_t entry) {
    Verdicts const verdicts = verdicts_of(w);
    if (witness_.empty()) witness_.assign(results_.size(), no_parent);
    for (std::size_t g = 0; g < verdicts.size(); ++g) {
      if (verdicts[g] == checker::Validity::unknown) ++results_[g].unknown_states;
      if (verdicts[g] == checker::Validity::invalid) graph_.violating(entry);
      if (verdicts[g] != checker::Validity::invalid || witness_[g] != no_parent) continue;
      witness_[g] = entry;
      results_[g].violated = true;
    }
  }

  // A settle first restarts the nodes that are down and delivers what is in flight, oldest
  // first, without moving time; every state along that stretch settles the same way from
  // there, to the same end time, so it gets the same verdicts, and equal fingerprints mean
  // equal verdicts (docs/explorer.md). Verdicts are cached by fingerprint along the stretch,
  // so states whose messages drain into a state already judged are not settled again.
  Verdicts verdicts_of(W const& w) {
    W t = w;
    engine_.restart_all(t);
    std::vector<std::uint64_t> stretch;
    for (std::uint64_t k = 0;; ++k) {
      std::uint64_t const fp = fingerprint(t, bounds_.fingerprint);
      if (auto const it = judged_.find(fp); it != judged_.end()) {
        for (std::uint64_t s : stretch) judged_.emplace(s, it->second);
        return it->second;
      }
      stretch.push_back(fp);
      if (t.in_flight.empty() || k == bounds_.settle_steps_max) break;
      engine_.deliver_oldest(t);
    }
    bool const drained = engine_.settle(t, drain_, bounds_.settle_steps_max);
    checker::DeliveryReport const report =
        checker::check_history(engine_.history(t, drained), names_);
    ++stats_.settled;
    Verdicts verdicts(names_.size(), checker::Validity::valid);
    for (checker::Verdict const& v : report.verdicts) {
      auto const it = std::find(names_.begin(), names_.end(), v.guarantee);
      if (it == names_.end()) continue;
      std::size_t const g = static_cast<std::size_t>(it - names_.begin());
      verdicts[g] = v.validity;
      results_[g].promised = std::find(report.unpromised.begin(), report.unpromised.end(),
                                       v.guarantee) == report.unpromised.end();
    }
    for (std::uint64_t s : stretch) judged_.emplace(s, verdicts);
    return verdicts;
  }

  bool done() const {
    if (!bounds_.stop_when_all_violated) return false;
    return std::all_of(results_.begin(), results_.end(),
                       [](GuaranteeResult const& r) { return r.violated; });
  }

  // A node-based hash map entry: key, value, next pointer and the bucket slot, roughly.
  static constexpr std::size_t visited_entry_bytes = 40;

  Engine<Model>& engine_;
  Bounds bounds_;
  DurationUs drain_{};
  std::vector<std::string> names_;
  std::vector<GuaranteeResult> results_;
  std::vector<std::uint32_t> witness_;
  std::vector<Entry> table_;
  std::unordered_map<std::uint64_t, std::uint32_t> visited_;  // lookup only
  std::unordered_map<std::uint64_t, Verdicts> judged_;        // lookup only
  std::uint64_t current_bytes_ = 0;  // The Worlds of the layer being expanded, roughly.
  std::uint64_t next_bytes_ = 0;     // And of the layer being filled.
  ExploreStats stats_;
  StateGraph graph_{bounds_.dot_states_max};
};

}  // namespace mqcheck::explore
