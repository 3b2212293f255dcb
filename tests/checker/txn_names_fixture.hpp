// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/txn_names_fixture.hpp (tests, layer: checker)
// What the tests of bounded transaction names share (txn_bounded_test.cpp: names without a
// counter; txn_window_test.cpp: names that end in digits without counting): the transactions
// stream run over a history with a given window, the delivery pass streamed against the
// whole-history report, and random histories with every name given a suffix, on which the
// streams must agree with the whole-history checkers.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker::txn_names {

struct WindowRun {
  bool decided = false;
  std::size_t peak_bytes = 0;
};

// The transactions stream over `h` with a window of `ids` ids and `recent` names per
// generation; when it decides, its verdicts must be check_transactions'.
inline WindowRun visibility(history::History const& h, std::uint64_t ids, std::size_t recent = 64) {
  TransactionsStream stream(h.header(), recent, ids);
  WindowRun run;
  for (history::Op const& op : h.ops()) {
    stream.observe(op);
    if ((op.index & 255) == 0) run.peak_bytes = std::max(run.peak_bytes, stream.memory_bytes());
  }
  run.decided = stream.decided();
  INFO(h.ops().size() << " ops\n" << history::to_jsonl(h));
  if (run.decided) REQUIRE(stream.finish() == check_transactions(h));
  return run;
}

inline bool visibility_decided(history::History const& h, std::size_t recent) {
  return visibility(h, std::uint64_t{1} << 16, recent).decided;
}

// The delivery pass's report for `h`, streamed with settle delay 0 and `recent` names kept
// (and, when `settled_too`, `recent` intervals of settled ids), must equal the whole-history
// one; returns its passes.
inline std::uint64_t delivery_passes(history::History const& h, std::size_t recent,
                                     bool settled_too = false) {
  StreamOptions options{0};
  options.txn_recent_intervals = recent;
  if (settled_too) options.settled_recent_intervals = recent;
  DeliveryReport report;
  StreamStats const stats = testing::stream_delivery(h, options, &report);
  INFO("recent " << recent << "\n" << history::to_jsonl(h));
  REQUIRE(report == check_delivery_whole(h));
  return stats.passes;
}

// Forty transactions of p1 named `name(n)`, with txn-begins unless not `begins`, each with a
// message of its own, committed and processed; transaction number `aborted` aborts instead.
inline testing::TxnHistoryBuilder forty(std::uint64_t aborted,
                                        std::function<std::string(std::uint64_t)> const& name,
                                        bool begins = true) {
  using history::OpKind;
  using history::OpType;
  testing::TxnHistoryBuilder b;
  b.read_committed("billing").subscribe("orders", {"billing"});
  for (std::uint64_t n = 1; n <= 40; ++n) {
    std::string const txn = name(n);
    if (begins) {
      b.txn(OpType::invoke, OpKind::txn_begin, "p1", txn);
      b.txn(OpType::ok, OpKind::txn_begin, "p1", txn);
    }
    b.send(OpType::invoke, "p1", {n}, txn);
    b.send(OpType::ok, "p1", {n}, txn);
    OpKind const end = n == aborted ? OpKind::txn_abort : OpKind::txn_commit;
    b.txn(OpType::invoke, end, "p1", txn);
    b.txn(OpType::ok, end, "p1", txn);
    if (n != aborted) b.read(OpType::ok, OpKind::process, "billing", {n});
  }
  return b;
}

// `h` with `suffix` appended to every transaction name, and without its txn-begins unless
// `begins`.
inline history::History suffixed(history::History const& h, std::string const& suffix,
                                 bool begins) {
  std::vector<history::Op> ops;
  for (history::Op op : h.ops()) {
    if (!begins && op.f == history::OpKind::txn_begin) continue;
    if (!op.txn.empty()) op.txn += suffix;
    ops.push_back(std::move(op));
  }
  return testing::rebuild(h.header(), std::move(ops));
}

// On `runs` random transactional histories (and a damaged copy of each), every name given
// `suffix`, with and without txn-begins: the streamed delivery report equals the whole-history
// one for every settle delay and window, the transactions stream's verdicts do whenever it
// decides, and it decides on a third of them at least (the streaming path ran).
inline void check_agreement(std::string const& suffix, std::uint64_t seed_factor,
                            std::uint64_t runs) {
  std::uint64_t decided = 0, tries = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(runs); ++seed) {
    testing::SplitMix64 rng(seed * seed_factor);
    testing::Shape shape = testing::random_shape(rng);
    shape.transactions = true;
    shape.features = false;
    shape.pipeline = rng.chance(0.3);
    shape.messages = rng.between(10, 60);
    history::History const valid = testing::random_valid_history(seed, shape);
    for (bool const begins : {true, false}) {
      for (history::History const& h : {suffixed(valid, suffix, begins),
                                        suffixed(testing::damage(valid, rng), suffix, begins)}) {
        DeliveryReport const whole = check_delivery_whole(h);
        for (std::uint64_t const delay :
             {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{1} << 16}) {
          for (std::size_t const recent : {std::size_t{1}, std::size_t{64}}) {
            StreamOptions options{delay};
            options.txn_recent_intervals = recent;
            options.settled_recent_intervals = recent;
            DeliveryReport report;
            StreamStats const stats = testing::stream_delivery(h, options, &report);
            INFO("seed " << seed << ", begins " << begins << ", delay " << delay << ", recent "
                         << recent << ", passes " << stats.passes << "\n"
                         << history::to_jsonl(h));
            REQUIRE(report == whole);
          }
        }
        for (std::size_t const recent : {std::size_t{1}, std::size_t{64}}) {
          for (std::uint64_t const ids : {std::uint64_t{8}, std::uint64_t{1} << 16}) {
            decided += visibility(h, ids, recent).decided ? 1 : 0;
            ++tries;
          }
        }
        testing::Streamed const all = testing::stream(h, 3);
        REQUIRE(all.report == check_history(h));
      }
    }
  }
  CHECK(decided > tries / 3);  // The streaming path ran, not only the loading one.
}

}  // namespace mqcheck::checker::txn_names
