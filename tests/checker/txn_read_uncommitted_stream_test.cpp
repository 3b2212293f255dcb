// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/txn_read_uncommitted_stream_test.cpp (tests, layer: checker)
// Reads by groups that are not read_committed (read_uncommitted, Kafka's default
// isolation.level, KIP-98) in the transactions stream (checker/transactions_stream.hpp): they
// are never a doubt for what they saw, and the stream counts them per group as check_history
// does ("read_uncommitted group G read N aborted or uncommitted messages (allowed)": a read
// before the commit request, or of a transaction that does not commit). Hand-written cases
// (among them reads of a message sent again, at an earlier aborted copy's place or at no
// copy's place, checker/transactions_stream_aborted.cpp), a bounded memory of what was
// counted, and random histories with such groups beside a read_committed one, all held to
// check_history's report.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/transactions_stream.hpp"
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

// check_streaming's report and how many times it loaded the history; the report must equal
// check_history's.
std::pair<DeliveryReport, int> ru_streamed(History const& h) {
  testing::Streamed s = testing::stream_agreeing(h);
  return {std::move(s.report), s.loaded ? 1 : 0};
}

Verdict ru_visibility(DeliveryReport const& report) {
  return testing::verdict_required(report, "transactional-visibility");
}

// p1 sends message 1 in transaction t1 to "orders", which read_committed group rc and
// read_uncommitted group audit (not declared: Kafka's default) subscribe to.
TxnHistoryBuilder ru_one_message_txn() {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "audit"});
  b.txn(OpType::invoke, OpKind::txn_begin, "p1", "t1");
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
  b.send(OpType::invoke, "p1", {1}, "t1");
  b.send(OpType::ok, "p1", {1}, "t1");
  return b;
}

std::string const one_allowed =
    "read_uncommitted group audit read 1 aborted or uncommitted "
    "message (allowed)";

TEST_CASE(
    "a read_uncommitted read of an open transaction streams and is counted as "
    "check_history counts it",
    "[txn][stream][read_uncommitted]") {
  SECTION("read before the commit request, then committed: counted (precommitted)") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::valid);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("read after the commit request, then committed: fine, no reason") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.read(OpType::ok, OpKind::process, "audit", {1});
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
    b.read(OpType::ok, OpKind::process, "audit", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::valid);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("read after the commit request, then the commit fails: counted at the abort") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "t1");
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("read after the commit request, which never completes: unknown, not counted") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("read, aborted, read again and again: one message") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.txn(OpType::invoke, OpKind::txn_abort, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.read(OpType::ok, OpKind::process, "audit", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::valid);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("read only after the abort: one message") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("a transaction still open at the end: counted") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.read(OpType::ok, OpKind::process, "audit", {1});
    b.read(OpType::ok, OpKind::process, "audit", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("groups in name order, each counting its own; a read_committed one still unexercised") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"zeta", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.send(OpType::ok, "p1", {1, 2}, "t1");
    b.read(OpType::ok, OpKind::poll, "zeta", {1, 2});
    b.read(OpType::ok, OpKind::poll, "audit", {2});
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::unknown);
    CHECK(ru_visibility(report).reason ==
          "no read_committed group read anything: visibility was not exercised; "
          "read_uncommitted group audit read 2 aborted or uncommitted messages (allowed); "
          "read_uncommitted group zeta read 2 aborted or uncommitted messages (allowed)");
  }
}

TEST_CASE("a read_committed group beside a read_uncommitted one is judged as before",
          "[txn][stream][read_uncommitted]") {
  SECTION("both read the open transaction, which then commits: precommitted-read, loaded") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.read(OpType::ok, OpKind::process, "rc", {1});
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).anomalies.at(0).kind == "precommitted-read");
  }
  SECTION("both read after the commit request, then it fails: aborted-read, loaded") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.read(OpType::ok, OpKind::poll, "rc", {1});
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "t1");
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).anomalies.at(0).kind == "aborted-read");
  }
  SECTION("rc reads the aborted message late: aborted-read, loaded") {
    TxnHistoryBuilder b = ru_one_message_txn();
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.read(OpType::ok, OpKind::poll, "audit", {1});
    b.read(OpType::ok, OpKind::poll, "rc", {1});
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).anomalies.at(0).kind == "aborted-read");
  }
}

// The ids a group counted are kept for recent ids only: counting one it forgot is a doubt.
TEST_CASE("a read_uncommitted group's counted ids are a bounded window; beyond it, a doubt",
          "[txn][stream][read_uncommitted]") {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "audit"});
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "a");
  b.send(OpType::ok, "p1", {1}, "a");
  b.read(OpType::ok, OpKind::poll, "audit", {1});  // Counted (read before any commit).
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "a");
  // Later transactions, committed, each read by audit before its commit: counted, and their
  // ids push message 1's out of audit's window (64 ids in one page here), not out of the
  // window of aborted ids (only aborts mark it).
  for (std::uint64_t id = 100; id < 300; ++id) {
    std::string const txn = "c" + std::to_string(id);
    b.txn(OpType::ok, OpKind::txn_begin, "p1", txn);
    b.send(OpType::ok, "p1", {id}, txn);
    b.read(OpType::ok, OpKind::poll, "audit", {id});
    b.txn(OpType::ok, OpKind::txn_commit, "p1", txn);
  }
  History const& before = b.history();
  auto const judge = [](History const& h) {
    TransactionsStream stream(h.header(), 64, 64);
    for (Op const& op : h.ops()) stream.observe(op);
    return stream.decided();
  };
  CHECK(judge(before));
  b.read(OpType::ok, OpKind::poll, "audit", {1});  // Counted already? Forgotten: a doubt.
  CHECK_FALSE(judge(b.history()));
  // The default window remembers, and the report is check_history's.
  auto const [report, loads] = ru_streamed(b.history());
  CHECK(loads == 0);
  CHECK(ru_visibility(report).reason ==
        "read_uncommitted group audit read 201 aborted or uncommitted messages (allowed)");
}

// p1 sends 1 in t1 (acknowledged at offset 5), aborts, and sends it again in t2 (offset 7);
// t2's commit is requested (`commit` adds its ok, and rc processing 1 there). audit (not
// declared: read_uncommitted) reads 1 at offset 5 in t1, before its abort.
TxnHistoryBuilder ru_resent(bool commit) {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "audit"});
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
  b.send(OpType::invoke, "p1", {1}, "t1");
  b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
  b.send(OpType::invoke, "p1", {1}, "t2");
  b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
  if (!commit) return b;
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
  b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
  return b;
}

// A read by a group not read_committed at the place an earlier, aborted copy was acknowledged
// is pinned to that copy (transactions.cpp, candidates) and counted as aborted; the stream keeps
// those places (checker/transactions_stream_aborted.cpp) instead of doubting.
TEST_CASE("a read_uncommitted read of a message's earlier aborted copy streams and is counted",
          "[txn][stream][read_uncommitted][ru_aborted]") {
  SECTION("after the new copy committed and was let go") {
    TxnHistoryBuilder b = ru_resent(true);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    b.read_at(OpType::ok, OpKind::process, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::valid);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("while the new copy's commit is requested, then it commits") {
    TxnHistoryBuilder b = ru_resent(false);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("the new copy's place is read too: that read is fine") {
    TxnHistoryBuilder b = ru_resent(true);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "zz", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "zz", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason ==
          "read_uncommitted group zz read 1 aborted or uncommitted message (allowed)");
  }
  SECTION("aborted twice, then committed: either earlier place is counted") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    for (std::string const txn : {"t1", "t2", "t3"}) {
      b.txn(OpType::ok, OpKind::txn_begin, "p1", txn);
      b.send(OpType::invoke, "p1", {1}, txn);
      b.sent_at(OpType::ok, "p1", 1, txn, 0, txn == "t1" ? 1 : txn == "t2" ? 2 : 3);
      if (txn != "t3") b.txn(OpType::ok, OpKind::txn_abort, "p1", txn);
    }
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t3");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t3");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 1);
    b.read_at(OpType::ok, OpKind::poll, "zz", 1, 0, 2);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason ==
          "read_uncommitted group audit read 1 aborted or uncommitted message (allowed); "
          "read_uncommitted group zz read 1 aborted or uncommitted message (allowed)");
  }
  SECTION("the earlier copy acknowledged twice: its first place is its own") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.send(OpType::invoke, "p1", {1}, "t1");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 6);  // A second attempt: not its acknowledgement.
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    b.read_at(OpType::ok, OpKind::poll, "zz", 1, 0, 6);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("the new copy's place read before its acknowledgement (commit requested)") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p0", "t1");
    b.send(OpType::invoke, "p0", {1}, "t1");
    b.txn(OpType::ok, OpKind::txn_abort, "p0", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "rc", 1, 0, 7);
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.sent_at(OpType::ok, "p0", 1, "t1", 0, 7);  // t1's, late: pinned to both, t2 explains.
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::valid);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("the first copy left open by a crash (doomed), sent again and committed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "e0/1");
    b.send(OpType::invoke, "p1", {1}, "e0/1");
    b.sent_at(OpType::ok, "p1", 1, "e0/1", 0, 5);
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "e1/1");
    b.send(OpType::invoke, "p1", {1}, "e1/1");
    b.sent_at(OpType::ok, "p1", 1, "e1/1", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "e1/1");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "e1/1");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
}

TEST_CASE("reads near an earlier aborted copy's place stream or doubt as the definition needs",
          "[txn][stream][read_uncommitted][ru_aborted]") {
  SECTION("an offset no copy had: the committed copy explains it, streamed, not counted") {
    TxnHistoryBuilder b = ru_resent(true);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 6);
    b.read_at(OpType::ok, OpKind::poll, "rc", 1, 0, 6);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).validity == Validity::valid);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("the earlier place in another partition: the committed copy's, not counted") {
    TxnHistoryBuilder b = ru_resent(true);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 1, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("the earlier place in another topic: the committed copy's, not counted") {
    TxnHistoryBuilder b = ru_resent(true);
    b.subscribe("invoices", {"audit"});
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5, "invoices");
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("read at no copy's place, then an earlier copy is acknowledged there late: loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p0", "t1");
    b.send(OpType::invoke, "p0", {1}, "t1");
    b.txn(OpType::ok, OpKind::txn_abort, "p0", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 6);  // The committed copy's, so far.
    b.sent_at(OpType::ok, "p0", 1, "t1", 0, 6);             // Pinned to t1 from here.
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("the new copy's first op acknowledges it at the doomed copy's place: not counted") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "e0/1");
    b.sent_at(OpType::ok, "p1", 1, "e0/1", 0, 5);
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "e1/1");
    b.sent_at(OpType::ok, "p1", 1, "e1/1", 0, 5);  // Pinned to both: the least severe wins.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "e1/1");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "e1/1");
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("an aborted copy acknowledged late at an earlier copy's place: loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t0");
    b.sent_at(OpType::ok, "p1", 1, "t0", 0, 5);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t0");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.send(OpType::invoke, "p1", {1}, "t1");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);  // t1's copy is acknowledged at t0's place.
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("an older copy acknowledged late, after a newer one aborted: places unknown") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p0", "t0");
    b.send(OpType::invoke, "p0", {1}, "t0");
    b.txn(OpType::ok, OpKind::txn_abort, "p0", "t0");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.send(OpType::invoke, "p1", {1}, "t1");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 3);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.sent_at(OpType::ok, "p0", 1, "t0", 0, 5);  // t0's copy is at 5 now.
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("an older copy first acknowledged late at a counted place: pinned to two, loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p0", "t0");
    b.send(OpType::invoke, "p0", {1}, "t0");
    b.txn(OpType::ok, OpKind::txn_abort, "p0", "t0");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.send(OpType::invoke, "p1", {1}, "t1");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);  // Pinned to t1 so far: counted.
    b.sent_at(OpType::ok, "p0", 1, "t0", 0, 5);             // t0's copy is at 5 too.
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("rc reads the earlier place: an aborted-read, loaded") {
    TxnHistoryBuilder b = ru_resent(true);
    b.read_at(OpType::ok, OpKind::poll, "rc", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).anomalies.at(0).kind == "aborted-read");
  }
  SECTION("two earlier copies at one place: pinned to neither, not counted, loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    for (std::string const txn : {"t1", "t2", "t3"}) {
      b.txn(OpType::ok, OpKind::txn_begin, "p1", txn);
      b.send(OpType::invoke, "p1", {1}, txn);
      b.sent_at(OpType::ok, "p1", 1, txn, 0, txn == "t3" ? 3 : 1);
      if (txn != "t3") b.txn(OpType::ok, OpKind::txn_abort, "p1", txn);
    }
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t3");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t3");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 1);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("the earlier copy's acknowledgement repeated after the new copy: loaded") {
    TxnHistoryBuilder b = ru_resent(true);
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);  // A re-appended line.
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("the new copy acknowledged at the earlier place: loaded, not counted") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 5);
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason.empty());
  }
  SECTION("the earlier copy acknowledged only after its abort: followed, streamed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.send(OpType::invoke, "p1", {1}, "t1");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);  // Late: completes t1's invoke, its place.
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 0);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
  SECTION("copies begun in two topics in one transaction: places unknown, loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"}).subscribe("invoices", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 2, "t1", 0, 4, "invoices");
    b.sent_at(OpType::ok, "p1", 1, "t1", 0, 5);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.send(OpType::invoke, "p1", {1}, "t2");
    b.sent_at(OpType::ok, "p1", 1, "t2", 0, 7);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 7);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 5);
    auto const [report, loads] = ru_streamed(b.history());
    CHECK(loads == 1);
    CHECK(ru_visibility(report).reason == one_allowed);
  }
}

// Message 1 aborts in t1 and commits in t2; then 300 committed ids push t2's commit out of a
// 64-id window, while t1's abort stays in its own; t3 sends 1 again and audit reads it while t3
// is open. check_history judges the read by t2's copy (committed, read after its commit: fine,
// not counted); the stream once took 1 for a message whose every copy aborted (NamedIds::
// aborted did not ask whether a commit was forgotten) and counted it, decided.
TEST_CASE("a message whose commit the window forgot is not taken for aborted",
          "[txn][stream][read_uncommitted][ru_aborted]") {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "audit"});
  for (std::string const txn : {"t1", "t2"}) {
    b.txn(OpType::ok, OpKind::txn_begin, "p1", txn);
    b.send(OpType::invoke, "p1", {1}, txn);
    b.send(OpType::ok, "p1", {1}, txn);
    if (txn == "t1") b.txn(OpType::ok, OpKind::txn_abort, "p1", txn);
  }
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
  b.read(OpType::ok, OpKind::process, "rc", {1});
  for (std::uint64_t id = 100; id < 400; ++id) {
    std::string const txn = "c" + std::to_string(id);
    b.txn(OpType::ok, OpKind::txn_begin, "p2", txn);
    b.send(OpType::ok, "p2", {id}, txn);
    b.txn(OpType::invoke, OpKind::txn_commit, "p2", txn);
    b.txn(OpType::ok, OpKind::txn_commit, "p2", txn);
    b.read(OpType::ok, OpKind::process, "rc", {id});
  }
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t3");
  b.send(OpType::invoke, "p1", {1}, "t3");
  b.send(OpType::ok, "p1", {1}, "t3");
  b.read(OpType::ok, OpKind::poll, "audit", {1});
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t3");
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t3");
  b.read(OpType::ok, OpKind::process, "rc", {1});
  History const& h = b.history();
  TransactionsStream stream(h.header(), 64, 64);
  for (Op const& op : h.ops()) stream.observe(op);
  CHECK_FALSE(stream.decided());                // A doubt: t3's send may be of a committed message.
  auto const [report, loads] = ru_streamed(h);  // The default window remembers t2's commit.
  CHECK(ru_visibility(report).reason.empty());
}

// Random transactional histories: producers p0..p2 interleave transactions (committed, failed
// commits, aborted, left requested or open at the end) and plain sends on "orders";
// read_committed group rc reads each committed transaction whole after its commit, and in some
// histories also between a commit request and its outcome (an aborted-read if the commit
// fails, unknown if it never completes: loaded); read_uncommitted groups audit and zz (this one not
// in the header) read any message sent so far, at any time, again and again.
History ru_random_history(std::uint64_t seed) {
  SplitMix64 rng(seed);
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "audit", "zz"});
  b.drained(rng.chance(0.7));
  struct Open {
    std::string name;
    std::string process;
    std::vector<std::uint64_t> ids;
    bool requested = false;
  };
  std::vector<Open> open;
  std::vector<std::uint64_t> sent;
  std::uint64_t next_id = 1;
  int txns = 0;
  bool const rc_early = rng.chance(0.1);
  auto const ru_read = [&](std::string const& group) {
    if (sent.empty()) return;
    std::vector<std::uint64_t> ids;
    for (int n = rng.between(1, 3); n > 0; --n) ids.push_back(sent[rng.below(sent.size())]);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    b.read(OpType::ok, rng.chance(0.5) ? OpKind::poll : OpKind::process, group, ids);
  };
  for (int step = rng.between(5, 60); step > 0; --step) {
    std::uint64_t const what = rng.below(10);
    std::string const process = "p" + std::to_string(rng.below(3));
    if (what <= 1) {  // A new transaction with 1-3 messages.
      Open t{process + "/" + std::to_string(++txns), process, {}, false};
      b.txn(OpType::ok, OpKind::txn_begin, process, t.name);
      for (int n = rng.between(1, 3); n > 0; --n) {
        t.ids.push_back(next_id);
        sent.push_back(next_id);
        b.send(OpType::invoke, process, {next_id}, t.name);
        b.send(OpType::ok, process, {next_id}, t.name);
        ++next_id;
      }
      open.push_back(std::move(t));
    } else if (what == 2) {  // A plain message.
      sent.push_back(next_id);
      b.send(OpType::ok, process, {next_id++});
    } else if (what <= 4 && !open.empty()) {  // An end (or a commit request) of a transaction.
      std::size_t const at = rng.below(open.size());
      Open& t = open[at];
      if (!t.requested && rng.chance(0.6)) {
        b.txn(OpType::invoke, OpKind::txn_commit, t.process, t.name);
        t.requested = true;
        if (rc_early && rng.chance(0.3)) b.read(OpType::ok, OpKind::poll, "rc", t.ids);
        continue;
      }
      std::uint64_t const end = rng.below(3);
      if (end == 0 && t.requested) {
        b.txn(OpType::ok, OpKind::txn_commit, t.process, t.name);
        for (std::uint64_t const id : t.ids) b.read(OpType::ok, OpKind::process, "rc", {id});
      } else if (end == 1 && t.requested) {
        b.txn(OpType::fail, OpKind::txn_commit, t.process, t.name);
      } else if (!t.requested) {
        b.txn(OpType::invoke, OpKind::txn_abort, t.process, t.name);
        b.txn(OpType::ok, OpKind::txn_abort, t.process, t.name);
      } else {
        continue;  // Requested: left so, maybe to the end.
      }
      open.erase(open.begin() + static_cast<std::ptrdiff_t>(at));
    } else {
      ru_read(rng.chance(0.6) ? "audit" : "zz");
    }
  }
  return b.history();
}

TEST_CASE("random histories with read_uncommitted groups stream and equal check_history",
          "[txn][stream][read_uncommitted]") {
  std::uint64_t const seeds = mqcheck::testing::soak(300);
  std::uint64_t transactional = 0, streamed = 0, allowed = 0;
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    History const h = ru_random_history(seed * 7919);
    bool const txn =
        std::any_of(h.ops().begin(), h.ops().end(), [](Op const& op) { return !op.txn.empty(); });
    auto const [report, loads] = ru_streamed(h);
    if (!txn) continue;
    ++transactional;
    streamed += loads == 0 ? 1 : 0;
    allowed += ru_visibility(report).reason.find("(allowed)") != std::string::npos ? 1 : 0;
  }
  // Most stream (the loaded ones are those where rc read early), and the reads counted matter.
  CHECK(transactional * 10 > seeds * 8);
  CHECK(streamed * 10 > transactional * 8);
  CHECK(allowed * 2 > transactional);
}

}  // namespace
}  // namespace mqcheck::checker
