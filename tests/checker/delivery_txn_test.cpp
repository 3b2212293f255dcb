// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/delivery_txn_test.cpp (tests, layer: checker)
// The streaming delivery checker's transactions (checker/delivery_txn.hpp): what it knows of
// them stays flat over a long transactional history; a late op naming a transaction whose
// fate it let go has that fate read again, never guessed; and on random transactional
// histories, their edits and late ops naming old transactions, the streamed report equals the
// whole-history one byte for byte, whatever the settle delay and however few ended names are
// kept.
#include <algorithm>
#include <catch2/catch.hpp>

#include "checker/delivery.hpp"
#include "checker/delivery_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;
using testing::TxnHistoryBuilder;

StreamStats streamed(History const& h, std::uint64_t delay, std::size_t recent,
                     DeliveryReport* report = nullptr) {
  StreamOptions options{delay};
  options.txn_recent_intervals = recent;
  return testing::stream_delivery(h, options, report);
}

// Three producers take turns (so a producer's counted names have gaps, and the ended names'
// windows turn over), each message in a transaction of its own that commits; two groups
// process each.
History committed_history(std::uint64_t messages) {
  TxnHistoryBuilder b;
  b.subscribe("orders", {"billing", "audit"});
  for (std::uint64_t id = 1; id <= messages; ++id) {
    std::string const producer = "p" + std::to_string(id % 3);
    std::string const txn = producer + "/" + std::to_string(id);
    b.send(OpType::invoke, producer, {id}, txn);
    b.send(OpType::ok, producer, {id}, txn);
    b.txn(OpType::invoke, OpKind::txn_commit, producer, txn);
    b.txn(OpType::ok, OpKind::txn_commit, producer, txn);
    b.read(OpType::ok, OpKind::process, "billing", {id});
    b.read(OpType::ok, OpKind::process, "audit", {id});
  }
  return b.history();
}

TEST_CASE("the delivery stream's state stays flat over a long transactional history",
          "[delivery][stream][txn]") {
  // The shorter history must reach the steady state (a few windows of ended names per
  // producer): at 400 messages it holds about 6% less than at 4,000.
  std::uint64_t const length = mqcheck::testing::soak(20'000);
  std::uint64_t const shorter = std::max<std::uint64_t>(length / 10, 2'000);
  std::array<std::size_t, 2> peak{};
  std::array<std::uint64_t, 2> open{};
  for (int i = 0; i < 2; ++i) {
    History const h = committed_history(i == 0 ? shorter : length);
    DeliveryReport report;
    StreamStats const stats = streamed(h, 64, 64, &report);
    REQUIRE(report == check_delivery_whole(h));
    CHECK(stats.passes == 1);
    CHECK(stats.txns_reread == 0);
    peak[i] = stats.memory_peak_bytes;
    open[i] = stats.open_peak;
  }
  INFO("state bytes at " << shorter << " and " << length << " messages: " << peak[0] << ", "
                         << peak[1]);
  CHECK(open[0] == open[1]);  // The settle delay bounds the messages held...
  // ...and so the transactions held; the ended names are a few windows per producer. Before,
  // every transaction ever named was kept (a trace, and its name interned): 0.64 MB at 2,000
  // messages, 5.9 MB at 20,000; now 89 KB at both.
  CHECK(peak[1] <= peak[0] + peak[0] / 100);
  CHECK(peak[1] < 128 * 1024);
}

// A producer's counted names with gaps (one interval each), so that a window of one interval
// lets them go at once.
std::string gapped(std::uint64_t n) { return "p1/" + std::to_string(2 * n + 1); }

// What a stream cost: its passes, and the transactions it read again.
struct Cost {
  std::uint64_t passes = 1;
  std::uint64_t reread = 0;
};

TEST_CASE("a late op naming a forgotten transaction has its fate read again",
          "[delivery][stream][txn]") {
  // Forty messages, each in a transaction of its own, committed and processed; but the
  // transaction `aborted` sends nothing (or, with `held`, a message, which settles once the
  // abort is final: checker/delivery_txn.hpp) and aborts.
  auto const prefix = [](std::string const& aborted, bool held) {
    TxnHistoryBuilder b;
    b.subscribe("orders", {"billing"});
    for (std::uint64_t id = 1; id <= 40; ++id) {
      std::string const txn = gapped(id);
      bool const abort = txn == aborted;
      if (!abort || held) {
        b.send(OpType::invoke, "p1", {id}, txn);
        b.send(OpType::ok, "p1", {id}, txn);
      }
      OpKind const end = abort ? OpKind::txn_abort : OpKind::txn_commit;
      b.txn(OpType::invoke, end, "p1", txn);
      b.txn(OpType::ok, end, "p1", txn);
      if (!abort) b.read(OpType::ok, OpKind::process, "billing", {id});
    }
    return b;
  };
  // Streams with one ended name kept per window (long forgotten) and with 64 (still known).
  auto const require_whole = [](History const& h, Cost forgotten, Cost known) {
    for (std::size_t const recent : {std::size_t{1}, std::size_t{64}}) {
      DeliveryReport report;
      StreamStats const stats = streamed(h, 0, recent, &report);
      INFO("recent " << recent << "\n" << history::to_jsonl(h));
      REQUIRE(report == check_delivery_whole(h));
      Cost const want = recent == 1 ? forgotten : known;
      CHECK(stats.passes == want.passes);
      CHECK(stats.txns_reread == want.reread);
    }
  };

  SECTION("a new message sent in a long-aborted transaction: its ok send turns unknown") {
    TxnHistoryBuilder b = prefix(gapped(3), false);
    b.send(OpType::invoke, "p1", {100}, gapped(3));
    b.send(OpType::ok, "p1", {100}, gapped(3));
    b.read(OpType::ok, OpKind::process, "billing", {100});
    // Only a commit is kept as a fate: an abort may yet be overridden, so it is read again.
    require_whole(b.history(), {2, 1}, {2, 1});
  }
  SECTION("a new message processed in a long-committed transaction: it counts") {
    TxnHistoryBuilder b = prefix("", false);
    b.send(OpType::invoke, "p2", {100});
    b.send(OpType::ok, "p2", {100});
    b.read(OpType::ok, OpKind::process, "billing", {100}, gapped(5));
    require_whole(b.history(), {2, 1}, {1, 0});  // A kept commit is final: no re-read.
  }
  SECTION("a settled message named again in its committed transaction is rebuilt") {
    TxnHistoryBuilder b = prefix("", false);
    b.send(OpType::ok, "p1", {2}, gapped(2));
    // Rebuilt by a second pass; its transaction read again when forgotten.
    require_whole(b.history(), {3, 1}, {2, 0});
  }
  SECTION("a late commit ok of an aborted transaction whose message settled") {
    TxnHistoryBuilder b = prefix(gapped(4), true);
    b.txn(OpType::ok, OpKind::txn_commit, "p1", gapped(4));  // A commit ok wins (resolve).
    // Its message settled as aborted: the report is rebuilt by a pass that settles nothing.
    require_whole(b.history(), {2, 0}, {2, 0});
  }
  SECTION("a late abort ok of a transaction let go as committed changes nothing") {
    TxnHistoryBuilder b = prefix("", false);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", gapped(6));
    b.send(OpType::invoke, "p1", {100}, gapped(6));
    b.send(OpType::ok, "p1", {100}, gapped(6));
    b.read(OpType::ok, OpKind::process, "billing", {100});
    require_whole(b.history(), {2, 1}, {1, 0});
  }
}

TEST_CASE("a processing whose transaction ends while it is open names that transaction still",
          "[delivery][stream][txn]") {
  // The invoke holds the transaction; it commits; the completion then lets the invoke's hold
  // go while it files itself under the same transaction. Then another transaction, aborted,
  // comes: had the first one's slot gone meanwhile, the second would take it over.
  TxnHistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.read(OpType::invoke, OpKind::process, "billing", {1}, "c/1");
  b.txn(OpType::invoke, OpKind::txn_commit, "billing-0", "c/1");
  b.txn(OpType::ok, OpKind::txn_commit, "billing-0", "c/1");
  b.read(OpType::ok, OpKind::process, "billing", {1}, "c/1");
  b.send(OpType::invoke, "p1", {2}, "p1/2");
  b.send(OpType::ok, "p1", {2}, "p1/2");
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "p1/2");
  History const& h = b.history();
  for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{1} << 16}) {
    DeliveryReport report;
    streamed(h, delay, 64, &report);
    REQUIRE(report == check_delivery_whole(h));
  }
}

// Late ops naming old transactions: repeats of ops that name one, a late commit or abort of
// one, and a new message sent or processed in one, all at the end.
History delivery_txn_late(History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  std::vector<std::size_t> named;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (!ops[i].txn.empty()) named.push_back(i);
  if (named.empty()) return h;
  std::uint64_t next_id = 1'000'000;
  for (int e = rng.between(1, 4); e > 0; --e) {
    Op const old = ops[named[rng.below(named.size())]];
    switch (rng.below(4)) {
      case 0:
        ops.push_back(old);
        break;
      case 1: {  // A late end: either may change the table's word (resolve's precedence).
        Op end = old;
        end.f = rng.chance(0.5) ? OpKind::txn_commit : OpKind::txn_abort;
        end.type = std::array{OpType::ok, OpType::fail, OpType::info}[rng.below(3)];
        end.value.clear();
        end.group.clear();
        ops.push_back(std::move(end));
        break;
      }
      case 2: {  // A new message sent in it.
        Op send = old;
        send.f = OpKind::send;
        send.group.clear();
        send.value = {history::Record::of(MessageId{next_id}, "tx")};
        send.type = OpType::invoke;
        ops.push_back(send);
        send.type = OpType::ok;
        ops.push_back(send);
        ++next_id;
        break;
      }
      default: {  // An old message processed again in it.
        if (old.value.empty()) break;
        Op process = old;
        process.f = OpKind::process;
        process.type = OpType::ok;
        process.group = "rc";
        process.process = "rc-0";
        ops.push_back(std::move(process));
        break;
      }
    }
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("the streamed delivery verdicts equal the whole-history ones on transactional histories",
          "[delivery][stream][txn]") {
  std::uint64_t reread = 0, runs = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    SplitMix64 rng(seed * 104729);
    testing::Shape shape = testing::random_shape(rng);
    shape.transactions = true;
    shape.pipeline = rng.chance(0.3);
    shape.messages = rng.between(10, 60);
    History const valid = testing::random_valid_history(seed, shape);
    for (History const& h : {valid, testing::damage(valid, rng), delivery_txn_late(valid, rng),
                             delivery_txn_late(testing::damage(valid, rng), rng)}) {
      DeliveryReport const whole = check_delivery_whole(h);
      for (std::uint64_t const delay :
           {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5}, std::uint64_t{1} << 16}) {
        for (std::size_t const recent : {std::size_t{1}, std::size_t{2}, std::size_t{64}}) {
          DeliveryReport report;
          StreamStats const stats = streamed(h, delay, recent, &report);
          INFO("seed " << seed << ", settle delay " << delay << ", recent " << recent << ", passes "
                       << stats.passes << "\n"
                       << history::to_jsonl(h));
          REQUIRE(report == whole);
          reread += stats.txns_reread > 0 ? 1 : 0;
          ++runs;
        }
      }
    }
  }
  // The re-reading path ran, not only the easy one; and it stays the exception.
  CHECK(reread > runs / 200);
  CHECK(reread < runs / 2);
}

}  // namespace
}  // namespace mqcheck::checker
