// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/txn_copies_pairing_test.cpp (tests, layer: checker)
// A dead transaction's send invoke taking the retry's acknowledgement in the transactions
// stream (checker/transactions_stream_copies.cpp, dead_ack): producer p1 aborts (or abandons)
// transaction A with its send of 1 in flight and retries it as B; B's acknowledgement pairs
// with A's invoke (send_outcomes.cpp: the earliest open invoke of the process with the same
// ids), so check_transactions files it under A's copy (transactions_table.cpp, add_attempt),
// and a read_committed read at that place is an aborted-read of A. Each case is held to
// check_history's report and says whether it streamed.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <utility>

#include "checker/check.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/streamed_check.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::OpKind;
using history::OpType;
using testing::TxnHistoryBuilder;

std::pair<DeliveryReport, bool> p10_streamed(History const& h) {
  testing::Streamed s = testing::stream_agreeing(h);
  return {std::move(s.report), s.loaded};
}

Verdict p10_visibility(DeliveryReport const& report) {
  return testing::verdict_required(report, "transactional-visibility");
}

// How transaction A ends before B sends 1 again.
enum class P10End { abort, abort_invoked, commit_failed, open };

// A (p1) invokes a send of 1 that never completes and ends as `end`; B (p1) sends 1 again,
// acknowledged at offset 3 (taking A's invoke), and commits.
TxnHistoryBuilder p10_retry(P10End end) {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"rc", "audit"});
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
  b.send(OpType::invoke, "p1", {1}, "A");
  switch (end) {
    case P10End::abort:
      b.txn(OpType::invoke, OpKind::txn_abort, "p1", "A");
      b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
      break;
    case P10End::abort_invoked:
      b.txn(OpType::invoke, OpKind::txn_abort, "p1", "A");
      break;
    case P10End::commit_failed:
      b.txn(OpType::invoke, OpKind::txn_commit, "p1", "A");
      b.txn(OpType::fail, OpKind::txn_commit, "p1", "A");
      break;
    case P10End::open:
      break;
  }
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
  b.send(OpType::invoke, "p1", {1}, "B");
  b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
  return b;
}

TEST_CASE("a retry's acknowledgement taken by the dead attempt's invoke streams",
          "[txn][stream][copies][resend][pairing]") {
  SECTION("rc reads at the acknowledged place: an aborted-read of A, streamed") {
    for (P10End const end :
         {P10End::abort, P10End::abort_invoked, P10End::commit_failed, P10End::open}) {
      TxnHistoryBuilder b = p10_retry(end);
      b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
      auto const [report, loaded] = p10_streamed(b.history());
      CHECK_FALSE(loaded);
      Verdict const visibility = p10_visibility(report);
      CHECK(visibility.validity == Validity::invalid);
      CHECK(visibility.reason == "1 aborted-read");
      REQUIRE(visibility.anomalies.size() == 1);
      CHECK(visibility.anomalies.front().kind == "aborted-read");
    }
  }
  SECTION("A aborts after the read, and again: decided by its first abort ok, streamed") {
    TxnHistoryBuilder b = p10_retry(P10End::open);
    b.read_at(OpType::ok, OpKind::poll, "rc", 1, 0, 3);
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);  // The same finding.
    b.txn(OpType::invoke, OpKind::txn_abort, "p1", "A");
    std::uint64_t const ok = b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    Verdict const visibility = p10_visibility(report);
    REQUIRE(visibility.anomalies.size() == 1);
    CHECK(visibility.anomalies.front().witnesses.back() == ok);
  }
  SECTION("A's commit failed, then an abort ok: which was aborted, streamed") {
    TxnHistoryBuilder b = p10_retry(P10End::commit_failed);
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    REQUIRE(p10_visibility(report).anomalies.size() == 1);
  }
  SECTION("audit reads there: counted as allowed, streamed, valid") {
    TxnHistoryBuilder b = p10_retry(P10End::abort);
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 3);
    b.read(OpType::ok, OpKind::process, "rc", {1});  // No place: B's copy, fine.
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    Verdict const visibility = p10_visibility(report);
    CHECK(visibility.validity == Validity::valid);
    CHECK(visibility.reason ==
          "read_uncommitted group audit read 1 aborted or uncommitted message (allowed)");
  }
  SECTION("B's own invoke completes later elsewhere: read there is B's, streamed, valid") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);  // Takes A's invoke.
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 4);  // Takes B's.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 4);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("A's late failure in another process stands alone: A's copy, streamed") {
    TxnHistoryBuilder b = p10_retry(P10End::abort);
    b.send(OpType::fail, "p2", {1}, "A");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    CHECK(p10_visibility(report).validity == Validity::invalid);
  }
  SECTION("A's late completion takes B's invoke: B's copy's acknowledgement, streamed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);  // Takes A's invoke.
    b.sent_at(OpType::ok, "p1", 1, "A", 0, 4);  // Takes B's: B's copy is at 4.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 4);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
}

TEST_CASE("acknowledgements taken by dead invokes down a chain of retries stream",
          "[txn][stream][copies][resend][pairing]") {
  SECTION("A's invoke takes B's ack, B's takes C's: aborted-reads of A and B, streamed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").read_committed("rc2").subscribe("orders", {"rc", "rc2"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);  // Takes A's invoke.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "C");
    b.send(OpType::invoke, "p1", {1}, "C");
    b.sent_at(OpType::ok, "p1", 1, "C", 0, 2);  // Takes B's invoke (below 3: no new place).
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "C");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "C");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 2);
    b.read_at(OpType::ok, OpKind::process, "rc2", 1, 0, 3);
    b.read(OpType::ok, OpKind::poll, "rc", {1});  // No place: C's copy, fine.
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    Verdict const visibility = p10_visibility(report);
    CHECK(visibility.reason == "2 aborted-reads");
    REQUIRE(visibility.anomalies.size() == 2);
    CHECK(visibility.anomalies.back().explanation.find("whose commit failed") != std::string::npos);
  }
  SECTION("A acknowledged itself, B's invoke takes C's ack above it: streamed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.sent_at(OpType::ok, "p1", 1, "A", 0, 0);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "C");
    b.send(OpType::invoke, "p1", {1}, "C");
    b.sent_at(OpType::ok, "p1", 1, "C", 0, 1);  // Takes B's invoke; no ack was this high.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "C");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "C");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 1);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    CHECK(p10_visibility(report).validity == Validity::invalid);
  }
  SECTION("A's late ack takes A0's invoke after A aborted: a dead place, streamed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A0");
    b.send(OpType::invoke, "p1", {1}, "A0");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "A0");
    b.txn(OpType::fail, OpKind::txn_commit, "p1", "A0");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::invoke, OpKind::txn_abort, "p1", "A");
    b.sent_at(OpType::ok, "p1", 1, "A", 0, 8);  // Takes A0's invoke: nothing holds 1.
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.read_at(OpType::ok, OpKind::poll, "audit", 1, 0, 8);
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 10);  // Takes A's invoke.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 10);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK_FALSE(loaded);
    CHECK(p10_visibility(report).validity == Validity::invalid);
  }
}

TEST_CASE("a retry's acknowledgement taken by a dead invoke still loads where it must",
          "[txn][stream][copies][resend][pairing]") {
  SECTION("A's late failure takes B's invoke: B's copy failed, B commits, loaded") {
    TxnHistoryBuilder b = p10_retry(P10End::abort);
    b.send(OpType::fail, "p1", {1}, "A");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
  }
  SECTION("B's invoke acknowledged later at the same place: two copies there, loaded") {
    TxnHistoryBuilder b = p10_retry(P10End::abort);
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("A's copy acknowledged before by another process: B's ack is A's attempt, streamed") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.sent_at(OpType::ok, "p2", 1, "A", 0, 2);  // A completion alone: A's copy is at 2.
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    // No copy was acknowledged at 3 (A's ack is at 2, B's invoke never completed): the read
    // is judged as B's copy (transactions_stream_aborted.cpp, read_as_live).
    CHECK_FALSE(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("A's copy acknowledged before by another process, A doomed: loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.sent_at(OpType::ok, "p2", 1, "A", 0, 2);  // A completion alone: A's copy is at 2.
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("B's own ack at the dead place too, before its commit: loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);  // Takes A's invoke.
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);  // Takes B's: pinned to neither.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("A was itself a retry (not the first copy): loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A0");
    b.sent_at(OpType::ok, "p1", 1, "A0", 0, 3);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A0");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);  // A0's place too: pinned to neither.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("B's invoke takes C's ack below an earlier one (maybe A's place): loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.sent_at(OpType::ok, "p1", 1, "A", 0, 5);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "C");
    b.send(OpType::invoke, "p1", {1}, "C");
    b.sent_at(OpType::ok, "p1", 1, "C", 0, 5);  // A's place: pinned to neither.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "C");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "C");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 5);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
    CHECK(p10_visibility(report).validity == Validity::valid);
  }
  SECTION("an aborted transaction's ack of a message first sent after it: loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p2", "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p2", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
    b.sent_at(OpType::ok, "p2", 1, "A", 0, 4);  // A's own copy, acknowledged at 4.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "B");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 4);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
    CHECK(p10_visibility(report).validity == Validity::invalid);
  }
  SECTION("the dead invoke is a pipeline output (it names a source): loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"xf"}).subscribe("out", {"rc"});
    b.send(OpType::ok, "p0", {1});
    b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "A");
    b.read(OpType::ok, OpKind::process, "xf", {1}, "A");
    b.output(OpType::invoke, "xf-0", 101, 1, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "xf-0", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "B");
    b.read(OpType::ok, OpKind::process, "xf", {1}, "B");
    b.output(OpType::invoke, "xf-0", 101, 1, "B");
    b.send(OpType::fail, "xf-0", {101}, "B", "out");  // Takes A's invoke: A's output fails.
    b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "B");
    b.txn(OpType::ok, OpKind::txn_commit, "xf-0", "B");
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
  }
  SECTION("B aborts, C sends 1 again, acknowledged at the dead place: loaded") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("orders", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "A");
    b.send(OpType::invoke, "p1", {1}, "A");
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "A");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "B");
    b.send(OpType::invoke, "p1", {1}, "B");
    b.sent_at(OpType::ok, "p1", 1, "B", 0, 3);
    b.txn(OpType::ok, OpKind::txn_abort, "p1", "B");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "C");
    b.sent_at(OpType::ok, "p1", 1, "C", 0, 3);
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "C");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "C");
    b.read_at(OpType::ok, OpKind::process, "rc", 1, 0, 3);
    auto const [report, loaded] = p10_streamed(b.history());
    CHECK(loaded);
  }
}

}  // namespace
}  // namespace mqcheck::checker
