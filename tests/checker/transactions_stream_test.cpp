// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/transactions_stream_test.cpp (tests, layer: checker)
// Transactional visibility streaming (checker/transactions_stream.hpp) through
// check_streaming: the same report as check_history on random transactional histories and
// their mutants, streamed without loading when the history is clean; each visibility anomaly
// (aborted-read, precommitted-read, torn-transaction) and a read of an unknown commit is a
// doubt that loads the history, while its near miss streams; and the transactions held stay
// bounded while a long transactional history goes by.
#include "checker/transactions_stream.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_ended.hpp"
#include "history/history_io.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;
using testing::TxnHistoryBuilder;

// check_streaming's report and how many times it loaded the history.
std::pair<DeliveryReport, int> streamed(History const& h) {
  testing::Streamed s = testing::stream(h);
  return {std::move(s.report), s.loaded ? 1 : 0};
}

// A random edit a visibility checker notices: a dropped op (a lost commit, a read that never
// was), a repeated op (a second commit, a duplicate read) or an outcome changed.
History mutate(History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  if (ops.empty()) return h;
  std::size_t const at = rng.below(ops.size());
  switch (rng.below(3)) {
    case 0:
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    case 1:
      ops.push_back(ops[at]);
      ops.back().time = ops[ops.size() - 2].time;
      break;
    default:
      if (history::is_client_op(ops[at]) && ops[at].type != OpType::invoke)
        ops[at].type = rng.chance(0.5) ? OpType::fail : OpType::info;
      break;
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("streamed transactional visibility equals check_history on random histories",
          "[txn][stream]") {
  int transactional = 0, without_load = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(400); ++seed) {
    SplitMix64 rng(seed * 977);
    testing::Shape shape = testing::random_shape(rng);
    shape.transactions = true;
    shape.features = false;
    History const valid = testing::random_valid_history(seed, shape);
    for (History const& h : {valid, mutate(valid, rng)}) {
      auto const [report, loads] = streamed(h);
      INFO("seed " << seed << "\n" << history::to_jsonl(h));
      REQUIRE(report == check_history(h));
      bool const txn = std::any_of(h.ops().begin(), h.ops().end(),
                                   [](Op const& op) { return !op.txn.empty(); });
      transactional += txn ? 1 : 0;
      without_load += txn && loads == 0 ? 1 : 0;
    }
  }
  // Most transactional histories were judged in one streaming pass, not loaded.
  CHECK(without_load > transactional / 2);
}

// p1 sends messages 1 and 2 in transaction t1 to "orders", read by read_committed group rc.
TxnHistoryBuilder two_message_txn() {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc"});
  b.txn(OpType::invoke, OpKind::txn_begin, "p1", "t1");
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
  b.send(OpType::invoke, "p1", {1, 2}, "t1");
  b.send(OpType::ok, "p1", {1, 2}, "t1");
  return b;
}

TEST_CASE("a clean transactional history streams; each visibility anomaly loads it",
          "[txn][stream]") {
  auto const judge = [](TxnHistoryBuilder const& b) {
    History const& h = b.history();
    auto [report, loads] = streamed(h);
    CHECK(report == check_history(h));
    return std::pair{report, loads};
  };
  auto const visibility = [](DeliveryReport const& report) {
    for (Verdict const& v : report.verdicts)
      if (v.guarantee == "transactional-visibility") return v;
    FAIL("no transactional-visibility verdict");
    return Verdict{};
  };

  TxnHistoryBuilder clean = two_message_txn();
  clean.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  clean.read(OpType::ok, OpKind::process, "rc", {1});  // Between the request and the ok: legal.
  clean.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  clean.read(OpType::ok, OpKind::process, "rc", {2});
  auto const [ok_report, ok_loads] = judge(clean);
  CHECK(ok_loads == 0);
  CHECK(visibility(ok_report).validity == Validity::valid);

  TxnHistoryBuilder early = two_message_txn();  // Read before the commit request.
  early.read(OpType::ok, OpKind::process, "rc", {1});
  early.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  early.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  early.read(OpType::ok, OpKind::process, "rc", {2});
  auto const [early_report, early_loads] = judge(early);
  CHECK(early_loads == 1);
  CHECK(visibility(early_report).anomalies.at(0).kind == "precommitted-read");

  TxnHistoryBuilder aborted = two_message_txn();  // Read after the commit request, then abort.
  aborted.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  aborted.read(OpType::ok, OpKind::process, "rc", {1});
  aborted.txn(OpType::fail, OpKind::txn_commit, "p1", "t1");
  auto const [aborted_report, aborted_loads] = judge(aborted);
  CHECK(aborted_loads == 1);
  CHECK(visibility(aborted_report).anomalies.at(0).kind == "aborted-read");

  TxnHistoryBuilder torn = two_message_txn();  // Committed, only half of it processed.
  torn.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  torn.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  torn.read(OpType::ok, OpKind::process, "rc", {2});
  auto const [torn_report, torn_loads] = judge(torn);
  CHECK(torn_loads == 1);
  CHECK(visibility(torn_report).anomalies.at(0).kind == "torn-transaction");

  TxnHistoryBuilder unread = two_message_txn();  // Near miss of torn: none of it processed.
  unread.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  unread.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  unread.read(OpType::ok, OpKind::process, "other", {1, 2});  // Not read_committed: owes none.
  CHECK(judge(unread).second == 0);

  TxnHistoryBuilder bare = two_message_txn();  // A send invoke naming no message, in t1...
  bare.send(OpType::invoke, "p1", {}, "t1");
  bare.send(OpType::ok, "p1", {3}, "");  // ...whose completion's message is t1's then.
  CHECK(judge(bare).second == 1);
  TxnHistoryBuilder plain;  // Near miss: no transaction at all, nothing to judge.
  plain.send(OpType::invoke, "p1", {});
  plain.send(OpType::ok, "p1", {3});
  CHECK(judge(plain).second == 0);

  TxnHistoryBuilder assigned;  // An assign (id 0) and a plain id 61 before the transaction...
  assigned.read_committed("rc").subscribe("orders", {"rc"});
  assigned.send(OpType::invoke, "p2", {61});
  assigned.read_by(OpType::ok, OpKind::assign, "rc-0", "rc", {0});
  assigned.send(OpType::ok, "p2", {61});
  assigned.txn(OpType::invoke, OpKind::txn_begin, "p1", "t1");
  assigned.send(OpType::invoke, "p1", {1}, "t1");  // ...leave id 1 a transaction's alone.
  assigned.send(OpType::ok, "p1", {1}, "t1");
  assigned.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  assigned.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  assigned.read(OpType::ok, OpKind::process, "rc", {61, 1});
  CHECK(judge(assigned).second == 0);
  TxnHistoryBuilder between;  // Near miss: plain sends 2 and 61 before, so 5 may be plain.
  between.read_committed("rc").subscribe("orders", {"rc"});
  between.send(OpType::ok, "p2", {2, 61});
  between.txn(OpType::invoke, OpKind::txn_begin, "p1", "t1");
  between.send(OpType::invoke, "p1", {5}, "t1");
  between.send(OpType::ok, "p1", {5}, "t1");
  CHECK(judge(between).second == 1);

  TxnHistoryBuilder unknown = two_message_txn();  // The commit's outcome is unknown.
  unknown.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  unknown.read(OpType::ok, OpKind::process, "rc", {1, 2});
  unknown.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
  auto const [unknown_report, unknown_loads] = judge(unknown);
  // Its reads read `maybe`, counted per (group, message) (transactions_stream_reads.cpp,
  // count_maybe_reads): streamed.
  CHECK(unknown_loads == 0);
  CHECK(visibility(unknown_report).validity == Validity::unknown);
  TxnHistoryBuilder left_open = two_message_txn();  // Near miss: no info, the request open.
  left_open.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  left_open.read(OpType::ok, OpKind::process, "rc", {1, 2});
  CHECK(judge(left_open).second == 1);

  // A commit ended info (its producer crashed) that nobody read, or read by a group that is
  // not read_committed (not counted: a read of an unknown commit is `maybe`): unknown status,
  // nothing to judge, streamed.
  TxnHistoryBuilder crashed = two_message_txn();
  crashed.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  crashed.read(OpType::ok, OpKind::process, "other", {1});
  crashed.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
  crashed.read(OpType::ok, OpKind::process, "other", {2});
  auto const [crashed_report, crashed_loads] = judge(crashed);
  CHECK(crashed_loads == 0);
  CHECK(visibility(crashed_report).reason.find("read_uncommitted") == std::string::npos);
  TxnHistoryBuilder retried = crashed;  // A commit ok after it wins: committed, read whole.
  retried.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  retried.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  retried.read(OpType::ok, OpKind::process, "rc", {1, 2});
  auto const [retried_report, retried_loads] = judge(retried);
  CHECK(retried_loads == 0);
  CHECK(visibility(retried_report).validity == Validity::valid);
  TxnHistoryBuilder failed = crashed;  // A failure after it: unknown still, not aborted.
  failed.txn(OpType::fail, OpKind::txn_commit, "p1", "t1");
  failed.read(OpType::ok, OpKind::process, "other", {1});
  CHECK(judge(failed).second == 1);
  TxnHistoryBuilder maybe = crashed;  // A read_committed read of it: maybe, counted.
  maybe.read(OpType::ok, OpKind::process, "rc", {1});
  auto const [maybe_report, maybe_loads] = judge(maybe);
  CHECK(maybe_loads == 0);
  CHECK(visibility(maybe_report).validity == Validity::unknown);
  TxnHistoryBuilder bare_info = two_message_txn();  // An info with no invoke: the request.
  bare_info.read(OpType::ok, OpKind::process, "other", {1});  // Before it: counted, allowed.
  bare_info.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
  auto const [bare_report, bare_loads] = judge(bare_info);
  CHECK(bare_loads == 0);
  CHECK(visibility(bare_report).reason.find("read_uncommitted group other read 1") !=
        std::string::npos);
}

// Each message in a transaction of its own, committed, then processed by the read_committed
// group; every fifth transaction aborts and nobody reads it. What the stream holds is the
// transactions and messages not yet done with, whatever the length.
TEST_CASE("the transactions stream holds open state only on a long history", "[txn][stream]") {
  auto const peak = [](std::uint64_t messages) {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    for (std::uint64_t id = 1; id <= messages; ++id) {
      std::string const txn = "p1/" + std::to_string(id);
      b.send(OpType::invoke, "p1", {id}, txn);
      b.send(OpType::ok, "p1", {id}, txn);
      bool const abort = id % 5 == 0;
      b.txn(OpType::invoke, abort ? OpKind::txn_abort : OpKind::txn_commit, "p1", txn);
      b.txn(OpType::ok, abort ? OpKind::txn_abort : OpKind::txn_commit, "p1", txn);
      if (!abort) b.read(OpType::ok, OpKind::process, "rc", {id});
    }
    History const& h = b.history();
    TransactionsStream stream(h.header());
    std::size_t most = 0;
    for (Op const& op : h.ops()) {
      stream.observe(op);
      most = std::max(most, stream.open_count());
    }
    REQUIRE(stream.decided());
    CHECK(streamed(h).second == 0);
    return most;
  };
  std::uint64_t const length = mqcheck::testing::soak(5'000);
  std::size_t const small = peak(length / 10);
  std::size_t const large = peak(length);
  CHECK(large == small);
  CHECK(large <= 2);  // One transaction and its message at a time.
}

// The byte estimates say what is held. Every ended transaction's status is kept, so that a
// later op naming it is judged as the whole-history table would; names that count up per
// producer ("p1/3", docs/history-format.md) compress to intervals and memory stays flat, while
// names without a counter are kept whole, and cost bytes per transaction.
// check_streaming's peak counts the transactions stream and the delivery pass's table.
TEST_CASE("the transaction streams' bytes: flat for counted names and growing for others",
          "[txn][stream]") {
  auto const bytes = [](std::uint64_t messages, bool counted, std::size_t& stream_bytes) {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    for (std::uint64_t id = 1; id <= messages; ++id) {
      // Not inline; the other spells the counter in letters ("...-bcd" for 123).
      std::string txn = "producer-1/transaction-";
      std::string const digits = std::to_string(id);
      for (char const c : digits) txn += counted ? c : static_cast<char>('a' + (c - '0'));
      b.send(OpType::invoke, "p1", {id}, txn);
      b.send(OpType::ok, "p1", {id}, txn);
      b.txn(OpType::invoke, OpKind::txn_commit, "p1", txn);
      b.txn(OpType::ok, OpKind::txn_commit, "p1", txn);
      b.read(OpType::ok, OpKind::process, "rc", {id});
    }
    History const& h = b.history();
    TransactionsStream stream(h.header());
    for (Op const& op : h.ops()) stream.observe(op);
    REQUIRE(stream.decided());
    stream_bytes = stream.memory_bytes();
    StreamStats stats;
    (void)check_streaming(
        h.header(), ops_of(h), [&] { return h; }, {}, {}, &stats);
    CHECK(stats.passes == 1);
    return stats.memory_peak_bytes;
  };
  std::size_t none = 0, few = 0, many = 0;
  (void)bytes(0, true, none);
  CHECK(none == 0);  // Before a transactional op the stream holds nothing.
  SECTION("counted names") {
    (void)bytes(200, true, few);
    (void)bytes(2'000, true, many);
    CHECK(many == few);
  }
  SECTION("names without a counter") {
    std::size_t const small = bytes(200, false, few);
    std::size_t const large = bytes(2'000, false, many);
    // At least a name's bytes per ended transaction (above a table's first chunk).
    REQUIRE(many > few);
    CHECK(many - few >= 1'800 * 40);
    CHECK(large >= small + (many - few));  // The check's peak includes them, and the traces.
  }
}

TEST_CASE("ended transaction names are found exactly whether counted or not", "[txn][stream]") {
  EndedTxns ended;
  ended.add("p1/3", true);
  ended.add("p1/4", false);
  ended.add("p1/03", false);  // A leading zero: kept whole, not the same name as p1/3.
  ended.add("t-x", true);
  ended.add("p1/3", false);  // Already ended: keeps its first outcome.
  CHECK(ended.find("p1/3") == std::optional<bool>(true));
  CHECK(ended.find("p1/4") == std::optional<bool>(false));
  CHECK(ended.find("p1/03") == std::optional<bool>(false));
  CHECK(ended.find("t-x") == std::optional<bool>(true));
  CHECK_FALSE(ended.contains("p1/5"));
  CHECK_FALSE(ended.contains("p2/3"));  // Same number, other producer.
  CHECK_FALSE(ended.contains("p1/"));
  CHECK_FALSE(ended.contains("1/3"));
  CHECK_FALSE(ended.contains("p1/30"));
  ended.add("0", true);
  CHECK(ended.find("0") == std::optional<bool>(true));
  CHECK_FALSE(ended.contains("00"));
}

TEST_CASE("ended transaction names forget old numbers, and say so", "[txn][stream]") {
  EndedTxns ended(1);  // One interval per generation: every run of aborts rotates.
  for (std::uint64_t n = 1; n <= 12; ++n) ended.add("p1/" + std::to_string(n), n % 2 == 1);
  ended.add("t-x", false);  // Without a counter: kept whole, never forgotten.
  // The newest numbers are known exactly; the oldest are forgotten, never misreported.
  CHECK(ended.find("p1/12") == std::optional<bool>(false));
  CHECK(ended.find("p1/11") == std::optional<bool>(true));
  CHECK(ended.forgotten("p1/1"));
  CHECK_FALSE(ended.contains("p1/1"));
  for (std::uint64_t n = 1; n <= 12; ++n) {
    std::string const name = "p1/" + std::to_string(n);
    std::optional<bool> const found = ended.find(name);
    CHECK(found.has_value() != ended.forgotten(name));
    if (found) CHECK(*found == (n % 2 == 1));
  }
  CHECK_FALSE(ended.forgotten("p1/13"));  // Above every number: not ended yet.
  CHECK_FALSE(ended.forgotten("p2/1"));
  CHECK(ended.find("t-x") == std::optional<bool>(false));
}

// Transactions p1/1.. alternately committed and aborted, each message beside a plain one, so
// both the ids and the names take turns. With the recent record bounded to one interval of
// names and 8 ids (one page: ids 0-7 are forgotten), a late op naming an old id or transaction
// must doubt; unbounded (2^40 intervals, and 2^16 ids: more than the history has), it is
// judged exactly.
TEST_CASE("a late op on a forgotten id or transaction is a doubt", "[txn][stream]") {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc"});
  for (std::uint64_t n = 1; n <= 20; ++n) {
    std::string const txn = "p1/" + std::to_string(n);
    std::uint64_t const id = 2 * n;
    b.send(OpType::invoke, "p1", {id}, txn);
    b.send(OpType::ok, "p1", {id}, txn);
    OpKind const end = n % 2 == 1 ? OpKind::txn_commit : OpKind::txn_abort;
    b.txn(OpType::invoke, end, "p1", txn);
    b.txn(OpType::ok, end, "p1", txn);
    if (n % 2 == 1) b.read(OpType::ok, OpKind::process, "rc", {id});
    b.send(OpType::invoke, "p2", {id + 1});
    b.send(OpType::ok, "p2", {id + 1});
    b.read(OpType::ok, OpKind::process, "rc", {id + 1});
  }
  auto const decides = [](History const& h, std::size_t recent) {
    TransactionsStream stream(h.header(), recent, recent == 1 ? 8 : std::uint64_t{1} << 16);
    for (Op const& op : h.ops()) stream.observe(op);
    bool const decided = stream.decided();
    if (decided) REQUIRE(stream.finish() == check_transactions(h));
    return decided;
  };
  REQUIRE(decides(b.history(), 1));
  SECTION("a late read of a plain message") {
    b.read(OpType::ok, OpKind::poll, "rc", {3});  // Fine, but forgotten.
    CHECK(decides(b.history(), std::size_t{1} << 40));
    CHECK_FALSE(decides(b.history(), 1));
  }
  SECTION("a late read of an aborted message") {
    b.read(OpType::ok, OpKind::poll, "rc", {4});  // aborted-read.
    CHECK_FALSE(decides(b.history(), std::size_t{1} << 40));
    CHECK_FALSE(decides(b.history(), 1));
  }
  SECTION("a late commit of an aborted transaction") {
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "p1/2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "p1/2");
    CHECK_FALSE(decides(b.history(), std::size_t{1} << 40));
    CHECK_FALSE(decides(b.history(), 1));
  }
  SECTION("a late plain retry of a committed message") {
    b.send(OpType::invoke, "p2", {2});
    CHECK_FALSE(decides(b.history(), std::size_t{1} << 40));
    CHECK_FALSE(decides(b.history(), 1));
  }
}

}  // namespace
}  // namespace mqcheck::checker
