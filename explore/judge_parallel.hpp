// SPDX-License-Identifier: Apache-2.0
// File: explore/judge_parallel.hpp (layer: explore)
// What the parallel searches share (`--threads N`): N worker Engines, a way to run a body on
// them, and judging a batch of states as the serial search would judge them one by one
// (Search::verdicts_of), with the costly work on the threads and every decision serial:
//   1. in parallel, per state: its settle stretch (fingerprints along the timeless drain,
//      looked up in the verdict cache as the batch began);
//   2. serially, in batch order: which states the serial search would settle (a dry run of the
//      cache lookups, with the stretches of earlier states in the batch added as it would add
//      them);
//   3. in parallel: those settles;
//   4. serially, in batch order (commit): exactly the serial search's cache insertions.
// Step 1's stretch stops at a cache hit in a subset of the cache the serial search would see,
// so it is never shorter than the serial one: steps 2 and 4 decide on it as the serial search
// does, and the verdicts, the settles counted and the cache equal the serial search's. Each
// thread has its own Engine (an Engine reuses one output buffer), with the search's symmetry
// group if it has one; they share the kernel only for fault selectors, under a lock.
#pragma once

#include <atomic>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace mqcheck::explore {

template <class Model>
class ParallelJudge {
  using W = World<Model>;

 public:
  using Verdicts = typename Search<Model>::Verdicts;
  using Judged = typename Search<Model>::Judged;

  /// One state's judging, filled by stretch() (step 1), plan() (2) and settle() (3).
  struct Work {
    std::optional<Verdicts> known;       // Cached before the batch began: nothing to do.
    std::vector<std::uint64_t> stretch;  // Fingerprints along the settle's timeless start.
    bool hit = false;                    // The stretch ended at a cached verdict.
    W terminal;                          // Where the settle starts when it did not.
    bool settle = false;                 // The serial search would settle here (step 2).
    Judged judged;
  };

  /// `threads` worker Engines for `search`'s model, bounded as `bounds` says.
  ParallelJudge(Search<Model>& search, sim::Kernel<Model>& kernel, Bounds const& bounds,
                std::uint32_t threads)
      : s_(search), threads_(std::max<std::uint32_t>(threads, 1)) {
    for (std::uint32_t t = 0; t < threads_; ++t) {
      engines_.emplace_back(
          std::make_unique<Engine<Model>>(kernel, bounds.crashes, bounds.latency_max));
      engines_.back()->share_kernel(resolve_lock_);
      engines_.back()->set_network_faults(bounds.drops, bounds.duplicates);
      engines_.back()->set_horizon(bounds.horizon);
      // With symmetry reduction every step keeps the renamed digests key_of reads.
      engines_.back()->set_symmetry(search.symmetry_);
    }
    s_.engine_.share_kernel(resolve_lock_);
  }

  std::uint32_t threads() const { return threads_; }

  ~ParallelJudge() {
    {
      std::lock_guard<std::mutex> const hold(pool_lock_);
      closing_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : pool_) thread.join();
  }
  ParallelJudge(ParallelJudge const&) = delete;
  ParallelJudge& operator=(ParallelJudge const&) = delete;

  /// Runs `body(i, engine)` for i in [0, n) on the threads and returns when all are done;
  /// rethrows a worker's exception. The threads live as long as this object: each keeps its
  /// thread-local pools (explore/world.hpp NodePool) warm from one call to the next.
  void parallel(std::size_t n, std::function<void(std::size_t, Engine<Model>&)> const& body) {
    if (pool_.empty()) {
      for (std::uint32_t t = 0; t < threads_; ++t) pool_.emplace_back([this, t] { serve(t); });
    }
    std::unique_lock<std::mutex> hold(pool_lock_);
    body_ = &body;
    items_ = n;
    next_ = 0;
    busy_ = threads_;
    ++round_;
    wake_.notify_all();
    idle_.wait(hold, [this] { return busy_ == 0; });
    body_ = nullptr;
    for (std::exception_ptr& e : errors_) {
      if (e) std::rethrow_exception(std::exchange(e, nullptr));
    }
  }

  /// Step 1 for the state `w`, on a worker's `engine`.
  void stretch(W const& w, Work& work, Engine<Model>& engine) const {
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
  }

  /// Step 2: which states of the batch the serial search would settle.
  template <class Works>
  void plan(Works& works) const {
    FingerprintTable pending;  // What the batch's earlier states add to the verdict cache.
    for (auto& element : works) {
      Work& work = work_of(element);
      if (work.known) continue;
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

  /// Step 3: the settles step 2 asked for, on the threads.
  template <class Works>
  void settle(Works& works) {
    parallel(works.size(), [&](std::size_t i, Engine<Model>& engine) {
      Work& work = work_of(works[i]);
      if (work.settle) work.judged = s_.settle_and_check(engine, work.terminal);
    });
  }

  /// Step 4 for one state, in batch order: its verdicts as verdicts_of would give them, with
  /// the same cache insertions and settles counted.
  Verdicts commit(Work const& work) {
    if (work.known) return *work.known;
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

 private:
  static Work& work_of(Work& w) { return w; }
  template <class Element>
  static Work& work_of(Element& e) {
    return e.judging;
  }

  // Worker t: takes the items of each round parallel() opens, until the object closes.
  void serve(std::uint32_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      std::unique_lock<std::mutex> hold(pool_lock_);
      wake_.wait(hold, [&] { return closing_ || round_ != seen; });
      if (closing_) return;
      seen = round_;
      auto const& body = *body_;
      std::size_t const n = items_;
      hold.unlock();
      try {
        for (std::size_t i = next_++; i < n; i = next_++) body(i, *engines_[t]);
      } catch (...) {
        errors_[t] = std::current_exception();
      }
      hold.lock();
      if (--busy_ == 0) idle_.notify_one();
    }
  }

  Search<Model>& s_;
  std::uint32_t threads_;
  std::vector<std::unique_ptr<Engine<Model>>> engines_;
  std::mutex resolve_lock_;
  // The worker pool (parallel()): a round's body and items, handed over under pool_lock_.
  std::mutex pool_lock_;
  std::condition_variable wake_;  // A round opened, or the object closes.
  std::condition_variable idle_;  // The round's last worker finished.
  std::vector<std::thread> pool_;
  std::function<void(std::size_t, Engine<Model>&)> const* body_ = nullptr;
  std::size_t items_ = 0;
  std::atomic<std::size_t> next_{0};
  std::uint32_t busy_ = 0;
  std::uint64_t round_ = 0;
  bool closing_ = false;
  std::vector<std::exception_ptr> errors_ = std::vector<std::exception_ptr>(threads_);
};

}  // namespace mqcheck::explore
