// SPDX-License-Identifier: Apache-2.0
// File: explore/search_orders.hpp (layer: explore)
// The orders in which Search visits states, over the table and judging of explore/search.hpp:
// breadth-first (layer by layer: the first violation found has the fewest choices), depth-first
// (one path of Worlds in memory instead of two layers; counterexamples are not shortest), and
// the swarm (seeded random walks to the depth bound, for models too large to exhaust).
// Included by search.hpp only.
#pragma once

#include <string>

#include "sim/rng.hpp"

namespace mqcheck::explore {

// Level by level; only the current and next layers hold Worlds. A layer's states are judged
// and expanded in table order, so counts and counterexamples do not depend on anything else.
// With Bounds::por each state of a layer carries a sleep set (explore/sleep_sets.hpp): the
// deliveries an earlier sibling's interleaving covers. Its fresh children are entries
// next_base, next_base + 1, ... in order, so a child met again in the same layer is found at
// next[to - next_base] and its set is intersected there before it is expanded.
template <class Model>
void Search<Model>::run_bfs() {
  Layer layer;
  W first = engine_.initial();
  add(key_of(first), no_parent, 0);
  std::uint64_t layer_bytes = approximate_bytes(first);
  layer.push_back({std::move(first), 0, {}});
  std::vector<Choice> choices;
  for (std::uint32_t depth = 0; !layer.empty(); ++depth) {
    stats_.depth_reached = depth;
    Layer next;
    auto const next_base = static_cast<std::uint32_t>(table_.size());
    std::uint64_t next_bytes = 0;
    for (Frontier& f : layer) {
      if (judge(f.world, f.entry)) record_witnesses(path_to(f.entry), entries_to(f.entry));
      if (done()) return;
      choices.clear();
      engine_.choices(f.world, choices);
      if (depth == bounds_.depth_max) {
        stats_.depth_cut = stats_.depth_cut || !choices.empty();
        if (bounds_.liveness && !choices.empty()) cut_.push_back(f.entry);
        continue;
      }
      ++stats_.explored;
      if (!expand(f, choices, next, next_base, layer_bytes, next_bytes)) return;
    }
    layer = std::move(next);
    layer_bytes = frontier_distinct_bytes(layer);
  }
}

// Takes every choice of `f` that is not asleep; fresh children join `next`. Returns false when
// the search must stop (a bound was hit).
template <class Model>
bool Search<Model>::expand(Frontier& f, std::vector<Choice> const& choices, Layer& next,
                           std::uint32_t next_base, std::uint64_t layer_bytes,
                           std::uint64_t& next_bytes) {
  SleepSet done;  // Deliveries of f taken so far (por only).
  for (std::uint32_t i = 0; i < choices.size(); ++i) {
    if (bounds_.por && asleep(f.world, choices[i], f.sleep)) {
      ++stats_.slept;
      continue;
    }
    W child = f.world;
    apply_step(engine_, child, choices[i]);
    ++stats_.transitions;
    // The nodes the child shares with f are counted in layer_bytes (f is in the layer).
    std::uint64_t const bytes = bytes_beyond(child, f.world);
    frontier_bytes_ = layer_bytes + next_bytes + bytes;
    auto const [to, fresh] = add(key_of(child), f.entry, i);
    if (graph_.recording()) graph_.edge(f.entry, to, engine_.describe(f.world, choices[i]));
    if (bounds_.liveness) edges_.push_back({f.entry, to, i, is_fault(choices[i].kind)});
    SleepSet sleep;
    if (bounds_.por) sleep = child_sleep(choices[i], f.sleep, done);
    if (fresh) {
      next_bytes += bytes;
      next.push_back({std::move(child), to, std::move(sleep)});
    } else if (bounds_.por && to >= next_base) {
      Frontier& met = next[to - next_base];
      MQCHECK_ASSERT(met.entry == to);
      // A symmetric image of `met` (merged by symmetry) names its messages differently, so its
      // sleep set says nothing about met's: wake everything (a smaller set only explores more).
      bool const image = symmetry_ != nullptr && fingerprint(met.world, FingerprintMode::inputs) !=
                                                     fingerprint(child, FingerprintMode::inputs);
      if (image) {
        met.sleep.clear();
      } else {
        intersect(met.sleep, sleep);
      }
    }
    if (bounds_.por && choices[i].kind == ChoiceKind::deliver) {
      done.push_back(sleep_item(f.world, choices[i]));
    }
    if (!stats_.stopped.empty()) return false;
  }
  return true;
}

// Iterative, with an explicit stack of (World, its choices, the next to try). A state is
// judged when first reached; reached again by a shorter path it is expanded again, so every
// state within the depth bound is covered as breadth-first covers it (same distinct states,
// same verdicts), though counterexamples are the first path found, not the shortest.
template <class Model>
void Search<Model>::run_dfs() {
  struct Frame {
    W world;
    std::uint32_t entry;
    std::uint32_t via;  // The choice index that led here from the frame below.
    std::vector<Choice> choices;
    std::uint32_t next = 0;
    std::uint64_t bytes = 0;
  };
  std::vector<Frame> stack;
  auto push = [&](W&& w, std::uint32_t entry, std::uint32_t via) {
    auto const depth = static_cast<std::uint32_t>(stack.size());
    stats_.depth_reached = std::max(stats_.depth_reached, depth);
    Frame f{std::move(w), entry, via, {}, 0, 0};
    engine_.choices(f.world, f.choices);
    if (depth == bounds_.depth_max) {
      stats_.depth_cut = stats_.depth_cut || !f.choices.empty();
      return;
    }
    ++stats_.explored;
    // A frame shares the nodes its step left alone with the frame below, which outlives it.
    std::size_t const world_bytes = stack.empty() ? approximate_bytes(f.world)
                                                  : bytes_beyond(f.world, stack.back().world);
    f.bytes = world_bytes + f.choices.capacity() * sizeof(Choice);
    frontier_bytes_ += f.bytes;
    stack.push_back(std::move(f));
  };
  auto path_with = [&](std::uint32_t last_choice, std::uint32_t last_entry) {
    std::vector<std::uint32_t> path;
    std::vector<std::uint32_t> entries;
    for (std::size_t k = 0; k < stack.size(); ++k) {
      if (k > 0) path.push_back(stack[k].via);
      entries.push_back(stack[k].entry);
    }
    path.push_back(last_choice);
    entries.push_back(last_entry);
    return std::make_pair(std::move(path), std::move(entries));
  };
  std::vector<std::uint32_t> depth_of;  // By entry: the shortest path that reached it so far.
  W first = engine_.initial();
  add(key_of(first), no_parent, 0);
  depth_of.push_back(0);
  if (judge(first, 0)) record_witnesses({}, {0});
  if (done() || !stats_.stopped.empty()) return;
  push(std::move(first), 0, 0);
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next == f.choices.size()) {
      frontier_bytes_ -= f.bytes;
      stack.pop_back();
      continue;
    }
    std::uint32_t const i = f.next++;
    W child = f.world;
    apply_step(engine_, child, f.choices[i]);
    ++stats_.transitions;
    auto const [to, fresh] = add(key_of(child), f.entry, i);
    if (graph_.recording()) graph_.edge(f.entry, to, engine_.describe(f.world, f.choices[i]));
    if (!stats_.stopped.empty()) return;
    auto const depth = static_cast<std::uint32_t>(stack.size());
    if (fresh) {
      depth_of.push_back(depth);
      if (judge(child, to)) {
        auto const [path, entries] = path_with(i, to);
        record_witnesses(path, entries);
      }
      if (done()) return;
      push(std::move(child), to, i);
    } else if (depth < depth_of[to]) {
      depth_of[to] = depth;  // Deeper descendants may now fit in the bound: expand it again.
      push(std::move(child), to, i);
    }
  }
}

// Walk k draws its choices from the seed's fork "walk k" (sim/rng.hpp), so a walk does not
// depend on the others and the same seed gives the same walks, counts and counterexamples.
// States are counted and judged once, through the same table and verdict cache as a search.
template <class Model>
void Search<Model>::run_swarm() {
  sim::Rng const root(bounds_.seed);
  W const first = engine_.initial();
  std::vector<Choice> options;
  for (std::uint64_t walk = 0; walk < bounds_.swarm_walks; ++walk) {
    sim::Rng rng = root.fork("walk " + std::to_string(walk));
    W w = first;
    frontier_bytes_ = 2 * approximate_bytes(first);
    std::vector<std::uint32_t> path;
    std::vector<std::uint32_t> entries;
    stats_.walks = walk + 1;
    for (std::uint32_t depth = 0;; ++depth) {
      std::uint32_t const parent = entries.empty() ? no_parent : entries.back();
      auto const [entry, fresh] =
          add(key_of(w), parent, path.empty() ? 0 : path.back());
      entries.push_back(entry);
      stats_.depth_reached = std::max(stats_.depth_reached, depth);
      if (fresh && judge(w, entry)) record_witnesses(path, entries);
      if (done() || !stats_.stopped.empty()) return;
      options.clear();
      engine_.choices(w, options);
      if (options.empty()) break;
      if (depth == bounds_.depth_max) {
        stats_.depth_cut = true;
        break;
      }
      ++stats_.explored;
      auto const i = static_cast<std::uint32_t>(rng.below(options.size()));
      apply_step(engine_, w, options[i]);
      ++stats_.transitions;
      path.push_back(i);
    }
  }
}

}  // namespace mqcheck::explore
