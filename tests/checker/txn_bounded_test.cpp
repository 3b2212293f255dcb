// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/txn_bounded_test.cpp (tests, layer: checker)
// Transactions in bounded memory (issue 3, item 6): the messages of aborted transactions
// settle in the streaming delivery pass (an abort is final for settling, checker/
// delivery_txn.hpp), and transaction names without a counter are kept for recent ones only
// once the history logs each transaction's txn-begin (checker/transactions_ended.hpp). Memory
// stays flat over long histories of both kinds; a late op that would change what was judged
// early (a commit after an abort, an op naming a forgotten name) still gives check_history's
// report; and on random transactional histories, with their names made uncounted and with or
// without their txn-begins, the streams agree with the whole-history checkers.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_ended.hpp"
#include "checker/transactions_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/checker/txn_names_fixture.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;
using testing::TxnHistoryBuilder;

// A transaction name without a trailing counter: the counter spelt in letters ("p1/tx-bcd"
// for 123), so that no two are one.
std::string uncounted_name(std::string const& producer, std::uint64_t n) {
  std::string name = producer + "/tx-";
  for (char const c : std::to_string(n)) name += static_cast<char>('a' + (c - '0'));
  return name;
}

struct LongRun {
  bool aborts = false;  // One transaction in five aborts (its message is never processed).
  bool counted = true;  // Names "p1/7", else uncounted_name().
  bool begins = true;   // Each transaction's first op is its txn-begin.
};

// Three producers take turns, each message in a transaction of its own; read_committed groups
// billing and audit process each committed one.
History long_run(std::uint64_t messages, LongRun shape) {
  TxnHistoryBuilder b;
  b.read_committed("billing").read_committed("audit").subscribe("orders", {"billing", "audit"});
  for (std::uint64_t id = 1; id <= messages; ++id) {
    std::string const producer = "p" + std::to_string(id % 3);
    std::string const txn =
        shape.counted ? producer + "/" + std::to_string(id) : uncounted_name(producer, id);
    bool const abort = shape.aborts && id % 5 == 0;
    if (shape.begins) {
      b.txn(OpType::invoke, OpKind::txn_begin, producer, txn);
      b.txn(OpType::ok, OpKind::txn_begin, producer, txn);
    }
    b.send(OpType::invoke, producer, {id}, txn);
    b.send(OpType::ok, producer, {id}, txn);
    OpKind const end = abort ? OpKind::txn_abort : OpKind::txn_commit;
    b.txn(OpType::invoke, end, producer, txn);
    b.txn(OpType::ok, end, producer, txn);
    if (abort) continue;
    b.read(OpType::ok, OpKind::process, "billing", {id});
    b.read(OpType::ok, OpKind::process, "audit", {id});
  }
  return b.history();
}

// The peak bytes of the delivery pass and of the transactions stream over `h`, each keeping
// `recent` intervals (or names) of what ended, checking their reports against the
// whole-history checkers; and check_streaming's report, which must not load the history.
struct Peaks {
  std::size_t delivery = 0;
  std::size_t transactions = 0;
};

Peaks peaks(History const& h, std::size_t recent) {
  Peaks out;
  StreamOptions options{64};
  options.txn_recent_intervals = recent;
  options.settled_recent_intervals = recent;
  DeliveryReport report;
  StreamStats const alone = testing::stream_delivery(h, options, &report);
  REQUIRE(report == check_delivery_whole(h));
  CHECK(alone.passes == 1);
  CHECK(alone.open_peak < 200);  // The settle delay bounds the messages held.
  out.delivery = alone.memory_peak_bytes;
  TransactionsStream stream(h.header(), recent);
  for (Op const& op : h.ops()) {
    stream.observe(op);
    if ((op.index & 63) == 0) out.transactions = std::max(out.transactions, stream.memory_bytes());
  }
  REQUIRE(stream.decided());
  testing::Streamed const all = testing::stream(h, 64);
  REQUIRE(all.report == check_history(h));
  CHECK_FALSE(all.loaded);
  return out;
}

// Long enough to reach the steady state (a few turns of each window of ended names) even at
// the sanitizer's sizes: 2,000 against 4,000 messages there, 2,000 against 20,000 otherwise.
void require_flat(LongRun shape) {
  std::uint64_t const length = mqcheck::testing::soak(20'000);
  std::uint64_t const shorter = std::max<std::uint64_t>(length / 10, 2'000);
  Peaks const small = peaks(long_run(shorter, shape), 8);
  Peaks const large = peaks(long_run(length, shape), 8);
  INFO("delivery bytes at " << shorter << " and " << length << " messages: " << small.delivery
                            << ", " << large.delivery << "; transactions stream: "
                            << small.transactions << ", " << large.transactions);
  CHECK(large.delivery <= small.delivery + small.delivery / 100);
  CHECK(large.transactions <= small.transactions + small.transactions / 100);
}

TEST_CASE("aborted transactions' messages settle: memory stays flat", "[txn][stream][bounded]") {
  // Before, each aborted message was held to the end (about 100 B each): at 20,000 messages
  // the delivery pass held 4,000 of them.
  require_flat({.aborts = true, .counted = true, .begins = true});
  require_flat({.aborts = true, .counted = true, .begins = false});
}

TEST_CASE("uncounted transaction names are kept for recent ones when txn-begins are logged",
          "[txn][stream][bounded]") {
  // Before, every uncounted name was kept whole (about 80 B each, in both streams).
  require_flat({.aborts = false, .counted = false, .begins = true});
  require_flat({.aborts = true, .counted = false, .begins = true});
}

TEST_CASE("without txn-begins uncounted names are all kept, and the history still streams",
          "[txn][stream][bounded]") {
  std::uint64_t const length = mqcheck::testing::soak(2'000);
  LongRun const shape{.aborts = true, .counted = false, .begins = false};
  Peaks const small = peaks(long_run(length / 2, shape), 8);
  Peaks const large = peaks(long_run(length, shape), 8);
  // A name's bytes per ended transaction, in each stream: nothing is forgotten, so nothing is
  // a doubt.
  CHECK(large.delivery >= small.delivery + length / 2 * 40);
  CHECK(large.transactions >= small.transactions + length / 2 * 40);
}

TEST_CASE("ended uncounted names: recent ones kept, then every unknown one is forgotten",
          "[txn][stream][bounded]") {
  EndedTxns ended(2);  // Two names per generation.
  for (std::uint64_t n = 1; n <= 3; ++n) ended.add(uncounted_name("p", n), n != 2);
  CHECK_FALSE(ended.forgotten(uncounted_name("p", 9)));  // Nothing dropped yet: a new one.
  for (std::uint64_t n = 4; n <= 6; ++n) ended.add(uncounted_name("p", n), true);
  CHECK(ended.find(uncounted_name("p", 6)) == std::optional<bool>(true));
  CHECK_FALSE(ended.contains(uncounted_name("p", 1)));
  CHECK(ended.forgotten(uncounted_name("p", 1)));
  CHECK(ended.forgotten(uncounted_name("p", 9)));  // New or forgotten: nobody can tell.
  CHECK(ended.fate(uncounted_name("p", 9)) == EndedTxns::Fate::forgotten);
  CHECK_FALSE(ended.forgotten("p/9"));  // Counted names keep their own windows.
  CHECK_FALSE(ended.keep_names());      // Too late: one was forgotten.
  EndedTxns kept(2);
  CHECK(kept.keep_names());
  for (std::uint64_t n = 1; n <= 20; ++n) kept.add(uncounted_name("p", n), n % 2 == 0);
  for (std::uint64_t n = 1; n <= 20; ++n)
    CHECK(kept.find(uncounted_name("p", n)) == std::optional<bool>(n % 2 == 0));
  CHECK_FALSE(kept.forgotten(uncounted_name("p", 99)));
}

std::string name_of(std::uint64_t n, bool counted) {
  return counted ? "p1/" + std::to_string(2 * n + 1) : uncounted_name("p1", n);
}

// Forty transactions of p1 (uncounted names unless `counted`; txn_names::forty).
TxnHistoryBuilder forty(std::uint64_t aborted, bool counted, bool begins = true) {
  return txn_names::forty(
      aborted, [&](std::uint64_t n) { return name_of(n, counted); }, begins);
}

TEST_CASE("a late commit of a transaction whose messages settled as aborted rebuilds the report",
          "[txn][stream][bounded]") {
  for (bool const counted : {true, false}) {
    INFO("counted names " << counted);
    SECTION("an abort settles its message: one pass") {
      History const h = forty(3, counted).history();
      CHECK(txn_names::delivery_passes(h, 1) == 1);
      CHECK(txn_names::delivery_passes(h, 64) == 1);
    }
    SECTION("a commit ok after the abort: the message was acknowledged, and is lost") {
      TxnHistoryBuilder b = forty(3, counted);
      b.txn(OpType::ok, OpKind::txn_commit, "p1", name_of(3, counted));
      History const& h = b.history();
      REQUIRE(check_delivery_whole(h).counts.lost == 1);
      CHECK(txn_names::delivery_passes(h, 1) >= 2);  // Its slot went, its name maybe forgotten.
      CHECK(txn_names::delivery_passes(h, 64) >= 2);
    }
    SECTION("a commit info after a failed commit: unknown, not aborted") {
      TxnHistoryBuilder b = forty(0, counted);
      std::string const txn = "late-" + name_of(50, counted);
      b.send(OpType::invoke, "p1", {50}, txn);
      b.send(OpType::ok, "p1", {50}, txn);
      b.txn(OpType::invoke, OpKind::txn_commit, "p1", txn);
      b.txn(OpType::fail, OpKind::txn_commit, "p1", txn);  // Aborted: it settles (delay 0).
      b.txn(OpType::invoke, OpKind::txn_commit, "p1", txn);
      b.txn(OpType::info, OpKind::txn_commit, "p1", txn);
      History const& h = b.history();
      CHECK(txn_names::delivery_passes(h, 1) >= 2);
      CHECK(txn_names::delivery_passes(h, 64) >= 2);
    }
    SECTION("a processing in an aborted transaction does not count, until a late commit") {
      TxnHistoryBuilder b = forty(0, counted);
      b.send(OpType::invoke, "p2", {60});
      b.send(OpType::ok, "p2", {60});
      b.read(OpType::ok, OpKind::process, "billing", {60}, "c-" + name_of(1, counted));
      b.txn(OpType::ok, OpKind::txn_abort, "billing-0", "c-" + name_of(1, counted));
      b.read(OpType::ok, OpKind::process, "billing", {60}, "c-" + name_of(2, counted));
      b.txn(OpType::ok, OpKind::txn_commit, "billing-0", "c-" + name_of(2, counted));
      CHECK(txn_names::delivery_passes(b.history(), 1) == 1);  // Processed once: it settles.
      b.txn(OpType::ok, OpKind::txn_commit, "billing-0", "c-" + name_of(1, counted));
      REQUIRE(check_delivery_whole(b.history()).counts.duplicated == 1);
      CHECK(txn_names::delivery_passes(b.history(), 1) >= 2);
    }
    SECTION("an abort after a late commit changes nothing") {
      TxnHistoryBuilder b = forty(0, counted);
      b.txn(OpType::ok, OpKind::txn_abort, "p1", name_of(5, counted));
      CHECK(txn_names::delivery_passes(b.history(), 1) == 1);
      CHECK(txn_names::delivery_passes(b.history(), 64) == 1);
    }
  }
}

TEST_CASE("an op naming a forgotten uncounted name is a doubt; a txn-begin opens a new one",
          "[txn][stream][bounded]") {
  TxnHistoryBuilder b = forty(7, false);
  REQUIRE(txn_names::visibility_decided(b.history(), 1));
  SECTION("a late commit of a long-aborted transaction") {
    b.txn(OpType::ok, OpKind::txn_commit, "p1", name_of(7, false));
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 1));
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 64));  // Known aborted: a doubt too.
    CHECK(txn_names::delivery_passes(b.history(), 1) >= 2);
  }
  SECTION("a late send in a long-committed transaction") {
    b.send(OpType::invoke, "p1", {100}, name_of(2, false));
    b.send(OpType::ok, "p1", {100}, name_of(2, false));
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 1));
    (void)txn_names::delivery_passes(b.history(), 1);
  }
  SECTION("a new transaction with a txn-begin streams") {
    std::string const txn = uncounted_name("p9", 1);
    b.txn(OpType::invoke, OpKind::txn_begin, "p9", txn);
    b.txn(OpType::ok, OpKind::txn_begin, "p9", txn);
    b.send(OpType::invoke, "p9", {100}, txn);
    b.send(OpType::ok, "p9", {100}, txn);
    b.txn(OpType::invoke, OpKind::txn_abort, "p9", txn);
    b.txn(OpType::ok, OpKind::txn_abort, "p9", txn);
    CHECK(txn_names::visibility_decided(b.history(), 1));
    CHECK(txn_names::delivery_passes(b.history(), 1) == 1);
  }
  SECTION("a new transaction without one, once a name was forgotten, is a doubt") {
    std::string const txn = uncounted_name("p9", 1);
    b.send(OpType::invoke, "p9", {100}, txn);
    b.send(OpType::ok, "p9", {100}, txn);
    b.txn(OpType::invoke, OpKind::txn_commit, "p9", txn);
    b.txn(OpType::ok, OpKind::txn_commit, "p9", txn);
    b.read(OpType::ok, OpKind::process, "billing", {100});
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 1));
    CHECK(txn_names::visibility_decided(b.history(), 64));  // Nothing forgotten yet.
    (void)txn_names::delivery_passes(b.history(), 1);
  }
  SECTION("no txn-begin at all: every name kept, no doubt") {
    TxnHistoryBuilder c = forty(7, false, false);
    CHECK(txn_names::visibility_decided(c.history(), 1));
    c.txn(OpType::ok, OpKind::txn_commit, "p1", name_of(7, false));
    CHECK_FALSE(txn_names::visibility_decided(c.history(), 1));  // Known aborted: a late commit.
    CHECK(txn_names::delivery_passes(c.history(), 1) >= 2);
  }
}

TEST_CASE("streams agree with the whole-history checkers on random histories with uncounted names",
          "[txn][stream][bounded]") {
  txn_names::check_agreement("-x", 7919, 200);  // "p1/3" -> "p1/3-x": no counter.
}

}  // namespace
}  // namespace mqcheck::checker
