// SPDX-License-Identifier: Apache-2.0
// File: explore/search_delay.hpp (layer: explore)
// The delay-bounded search (`--search delay --max-delays K`): M. Emmi, S. Qadeer and
// Z. Rakamarić, "Delay-bounded scheduling", POPL 2011, over the explorer's steps. A fixed
// schedule, the settle's own (the oldest message in flight, else the timer due soonest:
// Engine::default_choice), runs each path to the horizon; a step other than the one it would
// take is a *delay*, and every schedule with at most K delays is enumerated, with every fault
// of the budget at every moment (faults and restarts cost no delay). The breadth-first search
// bounds the number of choices, so it sees the first few steps of every interleaving; this one
// bounds how far a schedule strays, so it sees whole runs to the horizon, and a model whose
// periodic timers make the breadth-first space endless (Kafka's heartbeats and fetches) has a
// finite one here. Most concurrency bugs need few delays (the paper's and CHESS's finding);
// the known answers of docs/explorer.md need at most one.
//
// Only end states are judged: a state with no default step (the horizon reached, or nothing
// left to run). That loses nothing: judging a state settles it (restart what is down, then the
// fixed schedule for the drain), and the state's own fixed-schedule continuation, restarts
// first, is a path of this search with no further delay, judged at its end after the same
// schedule ran longer. So "holds within bounds" means: for every run with at most K delays
// and the fault budget up to the horizon, the drain that follows gives a history in which the
// guarantee holds, as `mqcheck run` judges a run after quiesce and drain.
//
// Levels by delays spent: every state reachable with k delays is found (a depth-first closure
// of free steps from each state a k-th delay reached) before any that needs k + 1, so a state
// is first met with the fewest delays that reach it, and a counterexample has the fewest
// delays of any (not the fewest steps). Held in memory: the states of the current level that
// have steps which cost a delay (the next level starts there), and one closure's stack. Only
// states where something can branch or end are stored: a stretch where the fixed schedule's
// step is the only one left is walked through unstored (walk_tail).
// Included by search.hpp only.
#pragma once

#include <algorithm>
#include <optional>
#include <vector>

namespace mqcheck::explore {

// The levels, then what a batch of end states still has to judge (--threads:
// explore/search_delay_parallel.hpp), then the memory figure with the verdict cache's last
// entries.
template <class Model>
void Search<Model>::run_delay() {
  run_delay_levels();
  if (judge_batch_ == nullptr || judge_batch_->finish()) update_memory();
}

template <class Model>
void Search<Model>::run_delay_levels() {
  std::vector<Held> deviators;  // This level's states with steps that cost a delay.
  W first = engine_.initial();
  add(key_of(first), no_parent, 0);
  std::uint64_t const first_bytes = approximate_bytes(first);
  frontier_bytes_ = first_bytes;
  if (!delay_closure({std::move(first), 0, 0, first_bytes}, 0, deviators)) return;
  std::vector<Choice> choices;
  for (std::uint32_t delays = 1; delays <= bounds_.delays_max && !deviators.empty(); ++delays) {
    stats_.delays_reached = delays;
    std::vector<Held> next;
    for (Held& h : deviators) {
      choices.clear();
      engine_.choices(h.world, choices);
      std::optional<std::uint32_t> const def = engine_.default_choice(h.world, choices);
      for (std::uint32_t i = 0; i < choices.size(); ++i) {
        if (free_step(choices[i], i, def)) continue;
        Held child{h.world, 0, h.depth + 1, 0};
        apply_step(engine_, child.world, choices[i]);
        ++stats_.transitions;
        auto const [to, fresh] = add(key_of(child.world), h.entry, i);
        if (graph_.recording()) graph_.edge(h.entry, to, engine_.describe(h.world, choices[i]));
        if (!stats_.stopped.empty()) return;
        if (!fresh) continue;
        child.entry = to;
        child.bytes = bytes_beyond(child.world, h.world);
        frontier_bytes_ += child.bytes;
        if (!delay_closure(std::move(child), delays, next)) return;
      }
      frontier_bytes_ -= h.bytes;
      h.world = W{};  // Its delays are taken: let its nodes go.
    }
    deviators = std::move(next);
  }
  stats_.delays_cut = stats_.delays_cut || !deviators.empty();
}

// Judges end state `w` (table entry `entry`: an end state, or one the depth bound ends), or hands
// it to the batch that judges on threads; returns false when the search must stop.
template <class Model>
bool Search<Model>::judge_end(W const& w, std::uint32_t entry) {
  if (judge_batch_ != nullptr) return judge_batch_->add(w, entry);
  if (judge(w, entry)) record_witnesses(resolve_defaults(path_to(entry)), entries_to(entry));
  return !done();
}

// Whether step i of a state whose fixed-schedule step is `def` costs no delay: the fixed
// schedule's own step, or a fault of the budget (the budget bounds them). A restart or a heal
// costs one: the fixed schedule leaves a node down, and a cut on, until the settle.
template <class Model>
bool Search<Model>::free_step(Choice const& c, std::uint32_t i, std::optional<std::uint32_t> def) {
  return (def && *def == i) || is_fault(c.kind);
}

// Every state reachable from `seed` (reached with `delays` delays) by free steps, depth-first:
// each is judged if it is an end state, and kept in `deviators` if it has steps that cost a
// delay and the bound allows one more. Returns false when the search must stop.
template <class Model>
bool Search<Model>::delay_closure(Held seed, std::uint32_t delays, std::vector<Held>& deviators) {
  std::vector<Held> stack;
  stack.push_back(std::move(seed));
  std::vector<Choice> choices;
  while (!stack.empty()) {
    Held h = std::move(stack.back());
    stack.pop_back();
    stats_.depth_reached = std::max(stats_.depth_reached, h.depth);
    choices.clear();
    engine_.choices(h.world, choices);
    std::optional<std::uint32_t> const def = engine_.default_choice(h.world, choices);
    bool const cut = h.depth == bounds_.depth_max;
    if ((!def || cut) && !judge_end(h.world, h.entry)) return false;
    if (cut) {
      stats_.depth_cut = stats_.depth_cut || !choices.empty();
      frontier_bytes_ -= h.bytes;
      continue;
    }
    if (!choices.empty()) ++stats_.explored;
    if (def && chain(choices, *def, delays) && !bounds_.store_every_state && !graph_.recording()) {
      frontier_bytes_ -= h.bytes;
      if (!walk_tail(h, std::move(choices), *def, delays, stack)) return false;
      choices = {};
      continue;
    }
    bool delayable = false;
    // Pushed last to first, so the fixed schedule's step is taken first.
    for (std::uint32_t i = static_cast<std::uint32_t>(choices.size()); i-- > 0;) {
      if (!free_step(choices[i], i, def)) {
        delayable = true;
        continue;
      }
      Held child{h.world, 0, h.depth + 1, 0};
      apply_step(engine_, child.world, choices[i]);
      ++stats_.transitions;
      auto const [to, fresh] = add(key_of(child.world), h.entry, i);
      if (graph_.recording()) graph_.edge(h.entry, to, engine_.describe(h.world, choices[i]));
      if (!stats_.stopped.empty()) return false;
      if (!fresh) continue;
      child.entry = to;
      child.bytes = bytes_beyond(child.world, h.world);
      frontier_bytes_ += child.bytes;
      stack.push_back(std::move(child));
    }
    if (delayable && delays < bounds_.delays_max) {
      deviators.push_back(std::move(h));  // Its bytes stay counted until its delays are taken.
    } else {
      stats_.delays_cut = stats_.delays_cut || delayable;
      frontier_bytes_ -= h.bytes;
    }
  }
  return true;
}

// Whether a state with these choices, fixed-schedule step `def` and `delays` spent has one
// step to take: no fault of the budget, and no delay (none other, or none left).
template <class Model>
bool Search<Model>::chain(std::vector<Choice> const& choices, std::uint32_t def,
                          std::uint32_t delays) const {
  for (std::uint32_t i = 0; i < choices.size(); ++i) {
    if (i == def) continue;
    if (free_step(choices[i], i, def) || delays < bounds_.delays_max) return false;
  }
  return true;
}

// From `h`, whose one step is `def` (chain()), walks the fixed schedule without storing the
// states it passes: each has one successor, so a path that meets one of them goes on to meet
// the next stored state too, and merges there (stored states are only what merging needs;
// termination is the horizon's: with it the space has no cycle). The walk ends at a state
// stored already (merged), or at one that branches or ends, which is stored and pushed on
// `stack`; its entry records the steps since `h` (tail_mark), which path_to expands and
// resolve_defaults turns back into choice indices. Returns false when the search must stop.
//
// `h` is dropped after the walk, so the walk takes its World rather than a copy: a node only
// `h` held is then stepped on in place instead of copied (World::edit). The stored state's
// bytes are what bytes_beyond(w, h.world) gave with a copy: its own, and the nodes a step
// touched (each step touches its choice's node alone: Engine::call), which the copy held
// alone.
template <class Model>
bool Search<Model>::walk_tail(Held& h, std::vector<Choice> choices, std::uint32_t def,
                              std::uint32_t delays, std::vector<Held>& stack) {
  W w = std::move(h.world);
  std::vector<bool> touched(w.nodes.size(), false);
  std::uint32_t depth = h.depth;
  Choice step = choices[def];
  // With no delay left, chain() asks only whether a fault is offered: Engine::fixed_step and
  // offers_fault answer that without listing the choices (the same answers).
  bool const last_level = delays >= bounds_.delays_max;
  for (std::uint32_t steps = 1;; ++steps) {
    apply_step(engine_, w, step);
    touched[step.node.value] = true;
    ++stats_.transitions;
    ++depth;
    std::uint64_t const fp = key_of(w);
    if (visited_.find(fp) != FingerprintTable::absent) return true;  // Merged.
    std::optional<Choice> next;
    if (last_level) {
      next = engine_.fixed_step(w);
      if (next && (depth >= bounds_.depth_max || engine_.offers_fault(w))) next.reset();
    } else {
      choices.clear();
      engine_.choices(w, choices);
      std::optional<std::uint32_t> const i = engine_.default_choice(w, choices);
      if (i && depth < bounds_.depth_max && chain(choices, *i, delays)) next = choices[*i];
    }
    if (next) {
      ++stats_.passed;
      ++stats_.explored;
      stats_.depth_reached = std::max(stats_.depth_reached, depth);
      step = *next;
      continue;
    }
    auto const [to, fresh] = add(fp, h.entry, tail_mark | steps);  // Fresh: find() said so.
    if (!stats_.stopped.empty()) return false;
    std::uint64_t bytes = own_bytes(w);  // As bytes_beyond(w, the World h had).
    for (std::size_t n = 0; n < w.nodes.size(); ++n) {
      if (touched[n]) bytes += node_bytes(*w.nodes[n]);
    }
    frontier_bytes_ += bytes;
    if (fresh) stack.push_back({std::move(w), to, depth, bytes});
    return true;
  }
}

// Returns `path` (path_to's, with default_mark for the steps walk_tail did not store) as
// choice indices, by re-running it from the initial state.
template <class Model>
std::vector<std::uint32_t> Search<Model>::resolve_defaults(std::vector<std::uint32_t> path) {
  if (std::find(path.begin(), path.end(), default_mark) == path.end()) return path;
  W w = engine_.initial();
  std::vector<Choice> options;
  for (std::uint32_t& c : path) {
    options.clear();
    engine_.choices(w, options);
    if (c == default_mark) c = engine_.default_choice(w, options).value();
    engine_.apply(w, options[c]);
  }
  return path;
}

}  // namespace mqcheck::explore
