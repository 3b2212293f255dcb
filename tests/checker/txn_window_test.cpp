// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/txn_window_test.cpp (tests, layer: checker)
// The transactions stream's windows, measured in ids and in names (issue 3, item 6). Which ids
// were of an aborted or a dropped committed transaction is kept for the latest ids (a bit each,
// checker/transactions_stream.cpp, RecentIds), however the aborts fall among commits: a read
// lagging less than the window is judged, one lagging more is a doubt. Names that merely end
// in digits (most UUIDs: "p1/9f3a-0d17") make a prefix each, and prefixes go by generation
// (checker/transactions_ended.hpp): a late op on a forgotten one is a doubt, a new transaction
// with its txn-begin streams, and a history without txn-begins keeps them all.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
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

// Messages first..first+count-1 of producer `producer`, each in a counted transaction of its
// own, one in five aborted; a read_uncommitted group polls and processes each committed one
// `lag` messages after its send (so the stream drops a committed transaction at its commit,
// and a read asks which ids aborted). `spaces` producers send at once, the k-th from id
// k * 2^40 + 1 (a pipeline's outputs at output_base + input are a second id space).
History lagging(std::uint64_t count, std::uint64_t lag, int spaces = 1) {
  TxnHistoryBuilder b;
  b.subscribe("orders", {"audit"});
  std::vector<std::uint64_t> due;  // Committed ids, not read yet, in send order.
  std::size_t next_read = 0;
  for (std::uint64_t n = 1; n <= count; ++n) {
    for (int k = 0; k < spaces; ++k) {
      std::uint64_t const id = (std::uint64_t{static_cast<std::uint64_t>(k)} << 40) + n;
      std::string const producer = "p" + std::to_string(k);
      std::string const txn = producer + "/" + std::to_string(n);
      b.send(OpType::invoke, producer, {id}, txn);
      b.send(OpType::ok, producer, {id}, txn);
      OpKind const end = n % 5 == 0 ? OpKind::txn_abort : OpKind::txn_commit;
      b.txn(OpType::invoke, end, producer, txn);
      b.txn(OpType::ok, end, producer, txn);
      if (n % 5 != 0) due.push_back(id);
    }
    // Read what was sent `lag` messages ago (of each space), and at the end all the rest.
    while (next_read < due.size() && (due[next_read] & ((std::uint64_t{1} << 40) - 1)) + lag <= n) {
      b.read(OpType::ok, OpKind::poll, "audit", {due[next_read]});
      b.read(OpType::ok, OpKind::process, "audit", {due[next_read]});
      ++next_read;
    }
  }
  for (; next_read < due.size(); ++next_read) {
    b.read(OpType::ok, OpKind::poll, "audit", {due[next_read]});
    b.read(OpType::ok, OpKind::process, "audit", {due[next_read]});
  }
  return b.history();
}

TEST_CASE("the ids' window is measured in ids, whatever the pattern of aborts",
          "[txn][stream][window]") {
  // 1,024 ids: 16 pages of 64, so at least 960 ids behind the newest page.
  SECTION("a read lagging less than the window is judged") {
    CHECK(txn_names::visibility(lagging(3'000, 500), 1'024).decided);
  }
  SECTION("a read lagging more than the window is a doubt (the id was forgotten)") {
    CHECK_FALSE(txn_names::visibility(lagging(3'000, 2'000), 1'024).decided);
  }
  SECTION("two id spaces share the pages") {
    CHECK(txn_names::visibility(lagging(3'000, 300, 2), 1'024).decided);
    CHECK_FALSE(txn_names::visibility(lagging(3'000, 700, 2), 1'024).decided);
  }
  SECTION("one page of a few ids: every older id is forgotten") {
    CHECK(txn_names::visibility(lagging(100, 0), 8)
              .decided);  // Each read at once, in the newest page.
    CHECK_FALSE(txn_names::visibility(lagging(100, 20), 8).decided);
  }
}

TEST_CASE("bench_check_stream's consumers, 20,000 messages behind, stream with aborts",
          "[txn][stream][window]") {
  // Before, the window was 64 intervals per generation, and one abort in five made each
  // interval four ids long: the first read was of an id forgotten long before, a doubt, and
  // check_streaming loaded the history.
  std::uint64_t const lag = 20'000;
  std::uint64_t const longer = std::max<std::uint64_t>(mqcheck::testing::soak(60'000), 30'000);
  History const h = lagging(30'000, lag);
  txn_names::WindowRun const run = txn_names::visibility(h, std::uint64_t{1} << 16);
  CHECK(run.decided);
  txn_names::WindowRun const run_longer =
      txn_names::visibility(lagging(longer, lag), std::uint64_t{1} << 16);
  CHECK(run_longer.decided);
  // Flat: the window's bits are taken whole at the first mark, and the dropped pages are one
  // interval.
  INFO("bytes at 30,000 and " << longer << " messages: " << run.peak_bytes << ", "
                              << run_longer.peak_bytes);
  CHECK(run_longer.peak_bytes <= run.peak_bytes + run.peak_bytes / 100);
  CHECK(run.peak_bytes < 64 * 1024);
  testing::Streamed const all = testing::stream(h, 64);
  REQUIRE(all.report == check_history(h));
  CHECK_FALSE(all.loaded);
}

// A transaction name that ends in digits without being a counter: a UUID-like one, its
// prefix ("p1/9e3779b9-0d") used by this name only.
std::string uuid_name(std::string const& producer, std::uint64_t n) {
  std::uint64_t const mixed = (n * 0x9E3779B97F4A7C15ULL) >> 32;
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08llx", static_cast<unsigned long long>(mixed));
  return producer + "/" + hex + "-0d" + std::to_string(10 + n % 80);
}

TEST_CASE("names that end in digits without counting: prefixes go by generation",
          "[txn][stream][window]") {
  EndedTxns ended(2);  // Two prefixes (and intervals, and names) per generation.
  SECTION("a few: nothing forgotten, each found exactly") {
    for (std::uint64_t n = 1; n <= 3; ++n) ended.add(uuid_name("p", n), n != 2);
    for (std::uint64_t n = 1; n <= 3; ++n)
      CHECK(ended.find(uuid_name("p", n)) == std::optional<bool>(n != 2));
    CHECK(ended.fate(uuid_name("p", 99)) == EndedTxns::Fate::none);  // New: never ended.
    CHECK(ended.fate("p/3") == EndedTxns::Fate::none);  // A new prefix, nothing dropped: new.
  }
  SECTION("many: the old ones forgotten, a producer's counter still exact") {
    for (std::uint64_t n = 1; n <= 40; ++n) {
      ended.add(uuid_name("p", n), n % 3 != 0);
      ended.add("q/" + std::to_string(n), n % 4 != 0);  // Renewed in every generation.
    }
    CHECK(ended.find(uuid_name("p", 40)) == std::optional<bool>(true));
    CHECK_FALSE(ended.contains(uuid_name("p", 1)));
    CHECK(ended.forgotten(uuid_name("p", 1)));
    CHECK(ended.forgotten(uuid_name("p", 99)));  // New or forgotten: nobody can tell.
    CHECK(ended.loose(uuid_name("p", 1)));
    CHECK_FALSE(ended.loose("q/41"));  // q/ is held, and was never dropped: exact.
    CHECK(ended.fate("q/41") == EndedTxns::Fate::none);
    CHECK(ended.find("q/40") == std::optional<bool>(false));
    CHECK(ended.forgotten("q/1"));    // Its own window of numbers (one interval a generation).
    CHECK_FALSE(ended.keep_names());  // Too late: some were forgotten.
  }
  SECTION("a prefix made again after prefixes were dropped: its misses are unknown") {
    for (std::uint64_t n = 1; n <= 10; ++n) ended.add(uuid_name("p", n), true);
    ended.add("r/7", true);
    CHECK(ended.find("r/7") == std::optional<bool>(true));
    CHECK(ended.loose("r/8"));
    CHECK(ended.fate("r/8") == EndedTxns::Fate::forgotten);
  }
  SECTION("kept, every one: memory grows") {
    CHECK(ended.keep_names());
    for (std::uint64_t n = 1; n <= 40; ++n) ended.add(uuid_name("p", n), n % 2 == 0);
    for (std::uint64_t n = 1; n <= 40; ++n)
      CHECK(ended.find(uuid_name("p", n)) == std::optional<bool>(n % 2 == 0));
    CHECK_FALSE(ended.forgotten(uuid_name("p", 99)));
  }
}

TEST_CASE("UUID-like names: memory is flat when each transaction begins with a txn-begin",
          "[txn][stream][window]") {
  auto const bytes = [](std::uint64_t names, bool keep) {
    EndedTxns ended;
    if (keep) ended.keep_names();
    std::size_t peak = 0;
    for (std::uint64_t n = 1; n <= names; ++n) {
      ended.add(uuid_name("p" + std::to_string(n % 3), n), n % 5 != 0);
      // Every add (a few hundred prefixes at most), but kept ones only at the end.
      if (!keep || n == names) peak = std::max(peak, ended.memory_bytes());
    }
    return peak;
  };
  std::uint64_t const names = std::max<std::uint64_t>(mqcheck::testing::soak(20'000), 4'000);
  std::size_t const few = bytes(2'000, false);
  std::size_t const many = bytes(names, false);
  INFO("bytes at 2,000 and " << names << " names: " << few << ", " << many);
  CHECK(many <= few + few / 100);
  // Before, every such name kept a prefix for ever (about 350 B each); so it does when kept.
  CHECK(bytes(names, true) >= few + (names - 2'000) * 100);
}

// Forty transactions of p1 named uuid_name() (txn_names::forty).
TxnHistoryBuilder forty_uuids(std::uint64_t aborted, bool begins = true) {
  return txn_names::forty(
      aborted, [](std::uint64_t n) { return uuid_name("p1", n); }, begins);
}

TEST_CASE("an op naming a forgotten UUID-like name is a doubt; a txn-begin opens a new one",
          "[txn][stream][window]") {
  TxnHistoryBuilder b = forty_uuids(7);
  REQUIRE(txn_names::visibility_decided(b.history(), 1));
  REQUIRE(txn_names::delivery_passes(b.history(), 1, true) == 1);
  SECTION("a late commit of a long-aborted transaction") {
    b.txn(OpType::ok, OpKind::txn_commit, "p1", uuid_name("p1", 7));
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 1));
    CHECK(txn_names::delivery_passes(b.history(), 1, true) >=
          2);  // Its message settled as aborted.
  }
  SECTION("a late send in a long-committed transaction") {
    b.send(OpType::invoke, "p1", {100}, uuid_name("p1", 2));
    b.send(OpType::ok, "p1", {100}, uuid_name("p1", 2));
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 1));
    (void)txn_names::delivery_passes(b.history(), 1, true);
  }
  SECTION("a new transaction with a txn-begin streams") {
    std::string const txn = uuid_name("p9", 1);
    b.txn(OpType::invoke, OpKind::txn_begin, "p9", txn);
    b.txn(OpType::ok, OpKind::txn_begin, "p9", txn);
    b.send(OpType::invoke, "p9", {100}, txn);
    b.send(OpType::ok, "p9", {100}, txn);
    b.txn(OpType::invoke, OpKind::txn_abort, "p9", txn);
    b.txn(OpType::ok, OpKind::txn_abort, "p9", txn);
    CHECK(txn_names::visibility_decided(b.history(), 1));
    CHECK(txn_names::delivery_passes(b.history(), 1, true) == 1);
  }
  SECTION("a new transaction without one, once a name was forgotten, is a doubt") {
    std::string const txn = uuid_name("p9", 1);
    b.send(OpType::invoke, "p9", {100}, txn);
    b.send(OpType::ok, "p9", {100}, txn);
    b.txn(OpType::invoke, OpKind::txn_commit, "p9", txn);
    b.txn(OpType::ok, OpKind::txn_commit, "p9", txn);
    b.read(OpType::ok, OpKind::process, "billing", {100});
    CHECK_FALSE(txn_names::visibility_decided(b.history(), 1));
    CHECK(txn_names::visibility_decided(b.history(), 64));   // Nothing forgotten yet.
    (void)txn_names::delivery_passes(b.history(), 1, true);  // Made partial, and read again: exact.
  }
  SECTION("no txn-begin at all: every name kept, no doubt") {
    TxnHistoryBuilder c = forty_uuids(7, false);
    CHECK(txn_names::visibility_decided(c.history(), 1));
    CHECK(txn_names::delivery_passes(c.history(), 1, true) == 1);
    c.txn(OpType::ok, OpKind::txn_commit, "p1", uuid_name("p1", 7));
    CHECK_FALSE(txn_names::visibility_decided(c.history(), 1));  // Known aborted: a late commit.
    CHECK(txn_names::delivery_passes(c.history(), 1, true) >= 2);
  }
}

TEST_CASE("streams agree with the whole-history checkers on random histories with UUID-like names",
          "[txn][stream][window]") {
  txn_names::check_agreement("-0d17", 6007, 150);  // "p1/3" -> "p1/3-0d17": a prefix each.
}

}  // namespace
}  // namespace mqcheck::checker
