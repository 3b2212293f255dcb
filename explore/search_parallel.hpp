// SPDX-License-Identifier: Apache-2.0
// File: explore/search_parallel.hpp (layer: explore)
// `--threads N`: the breadth-first search with its costly work done by N threads and every
// decision taken in the serial order, so verdicts, counts (distinct, expanded, settled,
// transitions) and counterexamples equal the single-threaded search's exactly. A layer is
// cut into chunks; for each chunk:
//   1. in parallel, per state: its settle stretch (fingerprints along the timeless drain,
//      looked up in the verdict cache as the chunk began), and its children with their
//      fingerprints;
//   2. serially, in table order: which states the serial search would settle (a dry run of
//      the cache lookups, with the stretches of earlier states in the chunk added as it would
//      add them);
//   3. in parallel: those settles;
//   4. serially, in table order: exactly the serial search's judging and table insertions.
// Step 1's stretch stops at a cache hit in a subset of the cache the serial search would see,
// so it is never shorter than the serial one: step 2 and 4 decide on it as the serial search
// does. Each thread has its own Engine (an Engine reuses one output buffer); they share the
// kernel only for fault selectors, under a lock.
#pragma once

#include <atomic>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

#include "explore/search.hpp"

namespace mqcheck::explore {

template <class Model>
class ParallelBfs {
  using W = World<Model>;
  using Verdicts = typename Search<Model>::Verdicts;
  using Judged = typename Search<Model>::Judged;
  using Layer = std::deque<std::pair<W, std::uint32_t>>;  // A deque, as Search::Layer.

 public:
  ParallelBfs(Search<Model>& search, sim::Kernel<Model>& kernel, Bounds const& bounds)
      : s_(search), threads_(std::max<std::uint32_t>(bounds.threads, 1)) {
    for (std::uint32_t t = 0; t < threads_; ++t) {
      engines_.emplace_back(std::make_unique<Engine<Model>>(kernel, bounds.crashes,
                                                            bounds.latency_max));
      engines_.back()->share_kernel(resolve_lock_);
      engines_.back()->set_network_faults(bounds.drops, bounds.duplicates);
      engines_.back()->set_horizon(bounds.horizon);
    }
    s_.engine_.share_kernel(resolve_lock_);
  }

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
      std::size_t const chunk = 32 * threads_;
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
    std::vector<std::uint64_t> stretch;  // Fingerprints along the settle's timeless start.
    bool hit = false;                    // The stretch ended at a cached verdict.
    W terminal;                          // Where the settle starts when it did not.
    bool settle = false;                 // The serial search would settle here (step 2).
    Judged judged;
    std::size_t choices = 0;
    std::vector<std::pair<W, std::uint64_t>> children;  // With their fingerprints.
  };

  // Runs `body(i, engine)` for i in [0, n) on the threads; rethrows a worker's exception.
  template <class F>
  void parallel(std::size_t n, F const& body) {
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors(threads_);
    std::vector<std::thread> pool;
    for (std::uint32_t t = 0; t < threads_; ++t) {
      pool.emplace_back([&, t] {
        try {
          for (std::size_t i = next++; i < n; i = next++) body(i, *engines_[t]);
        } catch (...) {
          errors[t] = std::current_exception();
        }
      });
    }
    for (std::thread& thread : pool) thread.join();
    for (std::exception_ptr const& e : errors) {
      if (e) std::rethrow_exception(e);
    }
  }

  void prepare(W const& w, std::uint32_t depth, Work& work, Engine<Model>& engine) {
    W t = w;
    engine.restart_all(t);
    for (std::uint64_t k = 0;; ++k) {
      std::uint64_t const fp = s_.key_of(t);
      work.stretch.push_back(fp);
      if (s_.judged_.find(fp) != FingerprintTable::absent) {
        work.hit = true;
        break;
      }
      if (t.in_flight.empty() || k == s_.bounds_.settle_steps_max) break;
      s_.deliver_oldest_step(engine, t);
    }
    if (!work.hit) work.terminal = std::move(t);
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

  // Step 2: which states of the chunk the serial search would settle.
  void plan_settles(std::vector<Work>& works) const {
    FingerprintTable pending;  // What the chunk's earlier states add to the verdict cache.
    for (Work& work : works) {
      std::size_t k = 0;
      for (; k < work.stretch.size(); ++k) {
        std::uint64_t const fp = work.stretch[k];
        if (s_.judged_.find(fp) != FingerprintTable::absent ||
            pending.find(fp) != FingerprintTable::absent) {
          break;
        }
      }
      work.settle = k == work.stretch.size();
      for (std::size_t i = 0; i < k; ++i) pending.insert(work.stretch[i], 0);
    }
  }

  // Step 4 for one state: its verdicts as verdicts_of would give them.
  Verdicts verdicts(Work const& work) {
    for (std::size_t k = 0; k < work.stretch.size(); ++k) {
      std::uint32_t const known = s_.judged_.find(work.stretch[k]);
      if (known == FingerprintTable::absent) continue;
      for (std::size_t i = 0; i < k; ++i) s_.judged_.insert(work.stretch[i], known);
      return known;
    }
    MQCHECK_ASSERT(work.settle);
    s_.note_settled(work.judged);
    for (std::uint64_t fp : work.stretch) s_.judged_.insert(fp, work.judged.verdicts);
    return work.judged.verdicts;
  }

  // Returns false when the search stops.
  bool run_chunk(Layer& layer, std::size_t from, std::size_t to, std::uint32_t depth, Layer& next) {
    std::vector<Work> works(to - from);
    parallel(works.size(), [&](std::size_t i, Engine<Model>& engine) {
      prepare(layer[from + i].first, depth, works[i], engine);
    });
    plan_settles(works);
    parallel(works.size(), [&](std::size_t i, Engine<Model>& engine) {
      if (works[i].settle) works[i].judged = s_.settle_and_check(engine, works[i].terminal);
    });
    for (std::size_t i = 0; i < works.size(); ++i) {
      auto& [w, entry] = layer[from + i];
      Work& work = works[i];
      if (s_.judge_verdicts(verdicts(work), entry)) {
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
  std::uint32_t threads_;
  std::vector<std::unique_ptr<Engine<Model>>> engines_;
  std::mutex resolve_lock_;
  std::uint64_t layer_bytes_ = 0;
  std::uint64_t next_bytes_ = 0;
};

}  // namespace mqcheck::explore
