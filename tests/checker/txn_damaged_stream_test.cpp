// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/txn_damaged_stream_test.cpp (tests, layer: checker)
// Damaged transactional histories in the transactions stream (checker/transactions_stream.cpp):
// a retried commit request (Kafka's producer retries EndTxn, KIP-98 / KIP-360; or a duplicated
// line), and a send invoke logged after its transaction aborted (a line re-appended late).
// Each case is held to check_history's report and says whether it streamed.
#include <catch2/catch.hpp>
#include <string>

#include "checker/check.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/streamed_check.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::TxnHistoryBuilder;

bool t10_loaded(TxnHistoryBuilder const& b) { return testing::stream_agreeing(b.history()).loaded; }

Verdict t10_visibility(TxnHistoryBuilder const& b) {
  return testing::verdict_required(check_history(b.history()), "transactional-visibility");
}

// p1 sends 1 and 2 in T, acknowledged at offsets 0 and 1, and requests T's commit twice; rc
// reads 1 between the requests and the ok (legal: the markers come after the request).
TxnHistoryBuilder t10_retried_commit() {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "ru"});
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "T");
  b.send(OpType::invoke, "p1", {1}, "T");
  b.sent_at(OpType::ok, "p1", 1, "T", 0, 0);
  b.send(OpType::invoke, "p1", {2}, "T");
  b.sent_at(OpType::ok, "p1", 2, "T", 0, 1);
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "T");
  b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 0);
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "T");
  return b;
}

TEST_CASE("a retried commit request streams when the commit succeeds",
          "[txn][stream][damaged][commit]") {
  SECTION("request, retry, ok: committed, the early read fine") {
    TxnHistoryBuilder b = t10_retried_commit();
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "T");
    b.read_at(OpType::ok, OpKind::process, "rc", 2, 0, 1);
    CHECK_FALSE(t10_loaded(b));
    CHECK(t10_visibility(b).validity == Validity::valid);
  }
  SECTION("the retry's own failure after the ok: still committed") {
    TxnHistoryBuilder b = t10_retried_commit();
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "T");
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "T");
    b.read_at(OpType::ok, OpKind::process, "rc", 2, 0, 1);
    CHECK_FALSE(t10_loaded(b));
    CHECK(t10_visibility(b).validity == Validity::valid);
  }
  SECTION("torn: rc never processes 2, as the definition finds") {
    TxnHistoryBuilder b = t10_retried_commit();
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "T");
    CHECK(t10_loaded(b));  // A torn transaction is the definition's to report.
  }
  SECTION("a failure with the retry still open: unknown, loaded") {
    TxnHistoryBuilder b = t10_retried_commit();
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "T");
    CHECK(t10_loaded(b));
  }
  SECTION("a failure with the retry open, A's invoke taken by B's ack: unknown, loaded") {
    // Were the failure an abort, a read at B's place would be an aborted-read of A (a dead
    // place); with A unknown (resolve) the definition finds none.
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "A");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "A");
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    CHECK(t10_loaded(b));
    CHECK(t10_visibility(b).anomalies.empty());
  }
  SECTION("a failure, then the retry's ok: committed, loaded (the stream ended it)") {
    TxnHistoryBuilder b = t10_retried_commit();
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "T");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "T");
    b.read_at(OpType::ok, OpKind::process, "rc", 2, 0, 1);
    CHECK(t10_loaded(b));
  }
  SECTION("no ok: unknown at the end, loaded") {
    TxnHistoryBuilder b = t10_retried_commit();
    CHECK(t10_loaded(b));
  }
  SECTION("no read before the ok, no ok: the stream agrees whichever way") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "T");
    b.send(OpType::invoke, "p1", {1}, "T");
    b.sent_at(OpType::ok, "p1", 1, "T", 0, 0);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "T");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "T");
    (void)t10_loaded(b);
  }
}

// p1 sends 1 in A (acknowledged at 0) and aborts A; p2 sends 2 in C, committed; ru (read
// uncommitted) reads 1; then lines logged late follow.
TxnHistoryBuilder t10_aborted() {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "ru"});
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
  b.send(OpType::invoke, "p1", {1}, "A");
  b.sent_at(OpType::ok, "p1", 1, "A", 0, 0);
  b.txn(OpType::invoke, OpKind::txn_abort, "p1", "A");
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
  b.read_at(OpType::ok, OpKind::process, "ru", 1, 0, 0);
  b.txn(OpType::ok, OpKind::txn_begin, "p2", "C");
  b.send(OpType::invoke, "p2", {2}, "C");
  b.sent_at(OpType::ok, "p2", 2, "C", 0, 1);
  b.txn(OpType::invoke, OpKind::txn_commit, "p2", "C");
  b.txn(OpType::ok, OpKind::txn_commit, "p2", "C");
  b.read_at(OpType::ok, OpKind::process, "rc", 2, 0, 1);
  b.read_at(OpType::ok, OpKind::process, "ru", 2, 0, 1);
  return b;
}

TEST_CASE("a send invoke logged after its transaction aborted streams",
          "[txn][stream][damaged][aborted]") {
  SECTION("a re-appended invoke of A's own message") {
    TxnHistoryBuilder b = t10_aborted();
    b.send(OpType::invoke, "p1", {1}, "A");
    CHECK_FALSE(t10_loaded(b));
    Verdict const visibility = t10_visibility(b);
    CHECK(visibility.validity == Validity::valid);
    CHECK(visibility.reason.find("read_uncommitted group ru read 1") != std::string::npos);
  }
  SECTION("twice, and completed late by its own process: one copy still") {
    TxnHistoryBuilder b = t10_aborted();
    b.send(OpType::invoke, "p1", {1}, "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.sent_at(OpType::ok, "p1", 1, "A", 0, 0);
    CHECK_FALSE(t10_loaded(b));
  }
  SECTION("an aborted message A never sent: a copy of its own, aborted") {
    TxnHistoryBuilder b = t10_aborted();
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A2");
    b.send(OpType::invoke, "p1", {3}, "A2");
    b.sent_at(OpType::ok, "p1", 3, "A2", 0, 2);
    b.txn(OpType::invoke, OpKind::txn_abort, "p1", "A2");
    b.send(OpType::invoke, "p1", {3}, "A");
    b.read_at(OpType::ok, OpKind::process, "ru", 3, 0, 2);
    CHECK_FALSE(t10_loaded(b));
  }
  SECTION("its invoke taken by another transaction's ack: joins A's copy, as the definition") {
    TxnHistoryBuilder b = t10_aborted();
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 0);
    (void)t10_loaded(b);  // Streamed or not, the answer is the definition's.
  }
  SECTION("its invoke taken by the retry's ack in B: no dead place for A, streamed") {
    // The ack joins A's copy, acknowledged at 0 already (add_attempt keeps the earliest), so
    // nothing is at 5 and the read there takes the least severe copy, B's committed one.
    TxnHistoryBuilder b = t10_aborted();
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 5);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 5);
    // A read at a place no copy holds reads as B's copy, the least severe
    // (transactions_stream_aborted.cpp, read_as_live).
    CHECK_FALSE(t10_loaded(b));
    CHECK(t10_visibility(b).anomalies.empty());
  }
  SECTION("an rc read of A's message: an aborted-read, loaded") {
    TxnHistoryBuilder b = t10_aborted();
    b.send(OpType::invoke, "p1", {1}, "A");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 0);
    CHECK(t10_loaded(b));
  }
  SECTION("of a message held by an open transaction: loaded") {
    TxnHistoryBuilder b = t10_aborted();
    b.txn(OpType::ok, OpKind::txn_begin, "p3", "D");
    b.send(OpType::invoke, "p3", {4}, "D");
    b.send(OpType::invoke, "p1", {4}, "A");
    CHECK(t10_loaded(b));
  }
  SECTION("a late invoke in a committed transaction: still loaded") {
    TxnHistoryBuilder b = t10_aborted();
    b.send(OpType::invoke, "p2", {2}, "C");
    CHECK(t10_loaded(b));
  }
  SECTION("one naming a source: loaded") {
    TxnHistoryBuilder b = t10_aborted();
    b.output(OpType::invoke, "p1", 1, 9, "A", "orders");
    CHECK(t10_loaded(b));
  }
}

}  // namespace
}  // namespace mqcheck::checker
