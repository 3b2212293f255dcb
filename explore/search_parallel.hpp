// SPDX-License-Identifier: Apache-2.0
// File: explore/search_parallel.hpp (layer: explore)
// `--threads N`: the breadth-first search with its costly work done by N threads and every
// decision taken in the serial order, so verdicts, counts (distinct, expanded, settled,
// transitions) and counterexamples equal the single-threaded search's exactly. A layer is
// cut into chunks; for each chunk, in parallel per state, its children with their
// fingerprints and its settle stretch; then the chunk's states are judged as
// explore/judge_parallel.hpp says, and, serially in table order, exactly the serial search's
// judging and table insertions are made.
#pragma once

#include <deque>

#include "explore/judge_parallel.hpp"
#include "explore/search.hpp"

namespace mqcheck::explore {

template <class Model>
class ParallelBfs {
  using W = World<Model>;
  using Layer = std::deque<std::pair<W, std::uint32_t>>;  // A deque, as Search::Layer.

 public:
  ParallelBfs(Search<Model>& search, sim::Kernel<Model>& kernel, Bounds const& bounds)
      : s_(search), judge_(search, kernel, bounds, bounds.threads) {}

  void run() {
    Layer layer;
    W first = s_.engine_.initial();
    s_.add(s_.key_of(first), Search<Model>::no_parent, 0);
    layer_bytes_ = approximate_bytes(first);
    layer.emplace_back(std::move(first), 0);
    for (std::uint32_t depth = 0; !layer.empty(); ++depth) {
      s_.stats_.depth_reached = depth;
      Layer next;
      next_bytes_ = 0;
      std::size_t const chunk = 32 * judge_.threads();
      for (std::size_t from = 0; from < layer.size(); from += chunk) {
        std::size_t const to = std::min(layer.size(), from + chunk);
        if (!run_chunk(layer, from, to, depth, next)) return;
      }
      layer = std::move(next);
      layer_bytes_ = s_.frontier_distinct_bytes(layer);
    }
  }

 private:
  struct Work {
    typename ParallelJudge<Model>::Work judging;
    std::size_t choices = 0;
    std::vector<std::pair<W, std::uint64_t>> children;  // With their fingerprints.
  };

  void prepare(W const& w, std::uint32_t depth, Work& work, Engine<Model>& engine) {
    judge_.stretch(w, work.judging, engine);
    std::vector<Choice> choices;
    engine.choices(w, choices);
    work.choices = choices.size();
    if (depth == s_.bounds_.depth_max) return;
    for (Choice const& c : choices) {
      W child = w;
      s_.apply_step(engine, child, c);
      std::uint64_t const fp = s_.key_of(child);
      work.children.emplace_back(std::move(child), fp);
    }
  }

  // Returns false when the search stops.
  bool run_chunk(Layer& layer, std::size_t from, std::size_t to, std::uint32_t depth, Layer& next) {
    std::vector<Work> works(to - from);
    judge_.parallel(works.size(), [&](std::size_t i, Engine<Model>& engine) {
      prepare(layer[from + i].first, depth, works[i], engine);
    });
    judge_.plan(works);
    judge_.settle(works);
    for (std::size_t i = 0; i < works.size(); ++i) {
      auto& [w, entry] = layer[from + i];
      Work& work = works[i];
      if (s_.judge_verdicts(judge_.commit(work.judging), entry)) {
        s_.record_witnesses(s_.path_to(entry), s_.entries_to(entry));
      }
      if (s_.done()) return false;
      if (depth == s_.bounds_.depth_max) {
        s_.stats_.depth_cut = s_.stats_.depth_cut || work.choices > 0;
        continue;
      }
      ++s_.stats_.explored;
      std::vector<Choice> choices;
      if (s_.graph_.recording()) s_.engine_.choices(w, choices);
      for (std::uint32_t c = 0; c < work.children.size(); ++c) {
        auto& [child, fp] = work.children[c];
        ++s_.stats_.transitions;
        std::uint64_t const bytes = bytes_beyond(child, w);  // As Search::expand counts.
        s_.frontier_bytes_ = layer_bytes_ + next_bytes_ + bytes;
        auto const [added, fresh] = s_.add(fp, entry, c);
        if (s_.graph_.recording()) s_.graph_.edge(entry, added, s_.engine_.describe(w, choices[c]));
        if (fresh) {
          next_bytes_ += bytes;
          next.emplace_back(std::move(child), added);
        }
        if (!s_.stats_.stopped.empty()) return false;
      }
    }
    return true;
  }

  Search<Model>& s_;
  ParallelJudge<Model> judge_;
  std::uint64_t layer_bytes_ = 0;
  std::uint64_t next_bytes_ = 0;
};

}  // namespace mqcheck::explore
