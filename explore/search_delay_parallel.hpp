// SPDX-License-Identifier: Apache-2.0
// File: explore/search_delay_parallel.hpp (layer: explore)
// `--search delay --threads N`: the delay search walks on the main thread exactly as it does
// alone, and hands each end state it would judge to a batch (Search::judge_end). Judging is
// most of its time (a settle per new end state), and a verdict changes nothing of the walk
// but whether it stops. So while the main thread fills one batch, N - 1 worker threads judge
// the one before (explore/judge_parallel.hpp: stretches, the serial search's plan of which
// states to settle, the settles), and the main thread takes its verdicts in the order the
// states came, as the serial search would have taken them one by one, before it hands over
// the next. The verdict cache is written only then, while no worker runs.
//
// The walk therefore runs up to two batches ahead of its verdicts. When a verdict is the one
// after which the serial search stops (every guarantee broken: Search::done), the counts go
// back to what they were when that state came (the walk ran on only in its own tables, which
// nothing reads after the search), so verdicts, counts and counterexamples equal the serial
// search's. The memory figure is rebuilt the same way. Only a --max-memory stop can come at
// another state: the verdict cache, whose size that limit counts, grows here in batches.
// With a state graph kept (--dot), each batch holds one state: the graph's marks then come
// in the serial order too.
#pragma once

#include <exception>
#include <thread>
#include <vector>

#include "explore/judge_parallel.hpp"
#include "explore/search.hpp"

namespace mqcheck::explore {

template <class Model>
class DelayJudgeBatch {
  using W = World<Model>;

 public:
  /// Judges for `search` on bounds.threads - 1 workers (one at least), beside the main thread.
  DelayJudgeBatch(Search<Model>& search, sim::Kernel<Model>& kernel, Bounds const& bounds)
      : s_(search),
        judge_(search, kernel, bounds, bounds.threads > 1 ? bounds.threads - 1 : 1),
        size_(bounds.dot_states_max > 0 ? 1 : 64 * judge_.threads()) {}
  ~DelayJudgeBatch() {
    if (runner_.joinable()) runner_.join();
  }
  DelayJudgeBatch(DelayJudgeBatch const&) = delete;
  DelayJudgeBatch& operator=(DelayJudgeBatch const&) = delete;

  /// Takes end state `w` (table entry `entry`) to judge, as the serial search judges it now.
  /// Returns false when a verdict stopped the search (the counts are then the serial ones).
  bool add(W const& w, std::uint32_t entry) {
    filling_.push_back({{}, {}, entry, s_.stats_, s_.frontier_bytes_, s_.search_table_bytes()});
    // Most end states drain into one judged before (Search::verdicts_of looks `w` up first
    // too): their verdict is known now, the cache only grows, and they need no World.
    if (Search<Model>::settles_from_itself(w)) {
      std::uint32_t const known = s_.judged_.find(s_.key_of(w));
      if (known != FingerprintTable::absent) filling_.back().judging.known = known;
    }
    if (!filling_.back().judging.known) filling_.back().world = w;
    if (filling_.size() < size_) return true;
    bool const going = collect();
    if (going) start();
    return going;
  }

  /// Judges what is left; returns false when a verdict stopped the search.
  bool finish() {
    if (halted_ || !collect()) return false;
    start();
    return collect();
  }

 private:
  struct Pending {
    typename ParallelJudge<Model>::Work judging;
    W world;
    std::uint32_t entry;
    ExploreStats stats;      // The search's counts when the state came...
    std::uint64_t frontier;  // ...the Worlds it held...
    std::uint64_t tables;    // ...and its tables but the verdict cache.
  };

  // Hands the batch just filled to the workers (the one before must be collected).
  void start() {
    running_ = std::move(filling_);
    filling_.clear();
    if (running_.empty()) return;
    runner_ = std::thread([this] {
      try {
        judge_.parallel(running_.size(), [&](std::size_t i, Engine<Model>& engine) {
          if (!running_[i].judging.known) {
            judge_.stretch(running_[i].world, running_[i].judging, engine);
          }
        });
        judge_.plan(running_);
        judge_.settle(running_);
      } catch (...) {
        error_ = std::current_exception();
      }
    });
  }

  // Waits for the batch being judged and takes its verdicts in order; false when one of them
  // stopped the search.
  bool collect() {
    if (!runner_.joinable()) return true;
    runner_.join();
    if (error_) std::rethrow_exception(error_);
    for (Pending const& p : running_) {
      if (s_.judge_verdicts(judge_.commit(p.judging), p.entry)) {
        s_.record_witnesses(s_.resolve_defaults(s_.path_to(p.entry)), s_.entries_to(p.entry));
      }
      if (s_.done()) {
        restore(p);
        halted_ = true;
        running_.clear();
        filling_.clear();
        return false;
      }
    }
    running_.clear();
    return true;
  }

  // The serial search stops right after judging `p`: its counts are p's but the settles,
  // and its memory is p's with the verdict cache as it is now.
  void restore(Pending const& p) {
    std::uint64_t const settled = s_.stats_.settled;
    s_.stats_ = p.stats;
    s_.stats_.settled = settled;
    s_.stats_.table_bytes = p.tables + s_.judged_.bytes();
    s_.stats_.memory_bytes = s_.stats_.table_bytes + p.frontier;
  }

  Search<Model>& s_;
  ParallelJudge<Model> judge_;
  std::size_t size_;
  std::vector<Pending> filling_;  // End states the walk handed over since the last start().
  std::vector<Pending> running_;  // The batch the workers judge.
  std::thread runner_;
  std::exception_ptr error_;
  bool halted_ = false;  // A verdict stopped the search, and restore() set its counts.
};

}  // namespace mqcheck::explore
