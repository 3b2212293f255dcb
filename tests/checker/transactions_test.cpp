// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/transactions_test.cpp (tests, layer: checker)
// Transactional visibility and exactly-once pipelines: per anomaly a tiny history that shows it
// (kind, message, group, exact witnesses) and a near miss that must not; how transactions end;
// how `info` makes a verdict unknown; and that histories without transactions get no verdict.
#include <catch2/catch.hpp>

#include <optional>

#include "checker/transactions.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::kinds;
using testing::TxnHistoryBuilder;

// Returns the verdict on `guarantee`, or nothing when check_transactions gave none.
std::optional<Verdict> find(history::History const& history, std::string_view guarantee) {
  for (Verdict const& verdict : check_transactions(history))
    if (verdict.guarantee == guarantee) return verdict;
  return std::nullopt;
}

Verdict visibility(TxnHistoryBuilder const& b) {
  std::optional<Verdict> verdict = find(b.history(), "transactional-visibility");
  REQUIRE(verdict.has_value());
  return *verdict;
}

// p1 sends message 1 (and 2) to "orders" in transaction t1; returns the send invoke's index.
std::uint64_t send_in_t1(TxnHistoryBuilder& b, std::vector<std::uint64_t> ids = {1}) {
  b.txn(OpType::invoke, OpKind::txn_begin, "p1", "t1");
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
  std::uint64_t const invoke = b.send(OpType::invoke, "p1", ids, "t1");
  b.send(OpType::ok, "p1", ids, "t1");
  return invoke;
}

TEST_CASE("a history without transactions or sources gets no transaction verdict",
          "[checker][transactions]") {
  TxnHistoryBuilder b;
  b.read_committed("sink");
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.read(OpType::ok, OpKind::process, "sink", {1});
  CHECK(check_transactions(b.history()).empty());
  CHECK(transaction_guarantee_names() ==
        std::vector<std::string_view>{"transactional-visibility", "exactly-once-pipeline"});
}

TEST_CASE("build_txn_table decides how each transaction ended", "[checker][transactions]") {
  TxnHistoryBuilder b;
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "ok");         // 0
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "ok");             // 1
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "fail");       // 2
  b.txn(OpType::fail, OpKind::txn_commit, "p1", "fail");         // 3
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "info");       // 4
  b.txn(OpType::info, OpKind::txn_commit, "p1", "info");         // 5
  b.txn(OpType::invoke, OpKind::txn_abort, "p2", "abort");       // 6
  b.txn(OpType::ok, OpKind::txn_abort, "p2", "abort");           // 7
  b.txn(OpType::invoke, OpKind::txn_commit, "p3", "pending");    // 8 (never completed)
  b.txn(OpType::invoke, OpKind::txn_begin, "p4", "open");        // 9
  b.txn(OpType::invoke, OpKind::txn_abort, "p5", "abort-info");  // 10
  b.txn(OpType::info, OpKind::txn_abort, "p5", "abort-info");    // 11
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "");               // 12: names no transaction
  b.txn(OpType::invoke, OpKind::txn_commit, "p6", "retried");    // 13
  b.txn(OpType::fail, OpKind::txn_commit, "p6", "retried");      // 14
  b.txn(OpType::invoke, OpKind::txn_commit, "p6", "retried");    // 15
  b.txn(OpType::info, OpKind::txn_commit, "p6", "retried");      // 16
  TxnTable const table = build_txn_table(b.history());
  CHECK(table.size() == 8);
  // A commit retried after a failure, with an unknown outcome, may have gone through.
  CHECK(table.at("retried") == TxnFacts{TxnStatus::unknown, 13, 13, 16});
  CHECK(table.at("ok") == TxnFacts{TxnStatus::committed, 0, 0, 1});
  CHECK(table.at("fail") == TxnFacts{TxnStatus::aborted, 2, 2, 3});
  CHECK(table.at("info") == TxnFacts{TxnStatus::unknown, 4, 4, 5});
  CHECK(table.at("abort") == TxnFacts{TxnStatus::aborted, 6, std::nullopt, 7});
  CHECK(table.at("pending") == TxnFacts{TxnStatus::unknown, 8, 8, 8});
  CHECK(table.at("open") == TxnFacts{TxnStatus::open, 9, std::nullopt, std::nullopt});
  CHECK(table.at("abort-info") == TxnFacts{TxnStatus::aborted, 10, std::nullopt, 10});
}

TEST_CASE("a process op counts only outside aborted transactions", "[checker][transactions]") {
  TxnHistoryBuilder b;
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "committed");
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "aborted");
  b.txn(OpType::info, OpKind::txn_commit, "p1", "unknown");
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "open");
  TxnTable const table = build_txn_table(b.history());
  auto const counted = [&](OpType type, std::string txn, bool drained) {
    history::Op op;
    op.type = type;
    op.f = OpKind::process;
    op.txn = std::move(txn);
    return counted_as_processed(op, table, drained);
  };
  CHECK(counted(OpType::ok, "", true) == Counted::yes);
  CHECK(counted(OpType::info, "", true) == Counted::maybe);
  CHECK(counted(OpType::invoke, "", true) == Counted::maybe);  // Never completed.
  CHECK(counted(OpType::fail, "committed", true) == Counted::no);
  CHECK(counted(OpType::ok, "committed", true) == Counted::yes);
  CHECK(counted(OpType::ok, "aborted", true) == Counted::no);
  CHECK(counted(OpType::ok, "unknown", true) == Counted::maybe);
  CHECK(counted(OpType::ok, "open", true) == Counted::no);
  CHECK(counted(OpType::ok, "open", false) == Counted::maybe);
}

TEST_CASE("aborted-read: a read_committed group reads an aborted transaction",
          "[checker][transactions]") {
  bool const committed_reader = GENERATE(true, false);
  CAPTURE(committed_reader);
  TxnHistoryBuilder b;
  if (committed_reader) b.read_committed("sink");
  send_in_t1(b);                                         // 0-3
  b.txn(OpType::invoke, OpKind::txn_abort, "p1", "t1");  // 4
  std::uint64_t const abort = b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
  b.read(OpType::invoke, OpKind::poll, "sink", {});  // 6
  std::uint64_t const poll = b.read(OpType::ok, OpKind::poll, "sink", {1});
  b.read(OpType::ok, OpKind::process, "sink", {1});  // A second read: one anomaly.
  Verdict const v = visibility(b);
  if (!committed_reader) {
    // Near miss: read_uncommitted (Kafka's default) may read aborted data.
    CHECK(v.validity == Validity::unknown);  // And no read_committed group exercised it.
    CHECK(v.anomalies.empty());
    CHECK(v.reason ==
          "no read_committed group read anything: visibility was not exercised; "
          "read_uncommitted group sink read 1 aborted or uncommitted message (allowed)");
    return;
  }
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  CHECK(v.anomalies[0] == Anomaly{"aborted-read",
                                  MessageId{1},
                                  "sink",
                                  {abort, poll},
                                  "group sink (read_committed) read message 1 in a poll (op 7) "
                                  "of transaction t1, which was aborted (op 5)"});
  CHECK(v.reason == "1 aborted-read");
}

TEST_CASE("aborted-read: a failed commit and a transaction that never ended",
          "[checker][transactions]") {
  bool const open = GENERATE(false, true);
  CAPTURE(open);
  TxnHistoryBuilder b;
  b.read_committed("sink");
  std::uint64_t const sent = send_in_t1(b);
  std::optional<std::uint64_t> failed;
  if (!open) {
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    failed = b.txn(OpType::fail, OpKind::txn_commit, "p1", "t1");
  }
  std::uint64_t const read = b.read(OpType::ok, OpKind::deliver, "sink", {1});
  Verdict const v = visibility(b);
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  Anomaly const& a = v.anomalies[0];
  CHECK(kinds(v) == std::vector<std::string>{"aborted-read"});
  if (open) {
    CHECK(a.witnesses == std::vector<std::uint64_t>{sent, read});
    CHECK(a.explanation ==
          "group sink (read_committed) read message 1 in a deliver (op 4) of "
          "transaction t1, which never committed (no txn-commit or txn-abort "
          "in the history)");
  } else {
    CHECK(a.witnesses == std::vector<std::uint64_t>{*failed, read});
    CHECK(a.explanation ==
          "group sink (read_committed) read message 1 in a deliver (op 6) of "
          "transaction t1, whose commit failed (op 5)");
  }
}

TEST_CASE("precommitted-read: visible before the commit was requested", "[checker][transactions]") {
  TxnHistoryBuilder b;
  b.read_committed("sink");
  send_in_t1(b);
  std::uint64_t const early = b.read(OpType::ok, OpKind::poll, "sink", {1});  // 4
  std::uint64_t const request = b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  b.read(OpType::ok, OpKind::process, "sink", {1});
  Verdict const v = visibility(b);
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  CHECK(v.anomalies[0] == Anomaly{"precommitted-read",
                                  MessageId{1},
                                  "sink",
                                  {early, request},
                                  "group sink (read_committed) read message 1 in a poll (op 4) "
                                  "of transaction t1 before its commit was requested (op 5)"});
}

TEST_CASE("near miss: a read after the commit request, before its ok, is legal",
          "[checker][transactions]") {
  TxnHistoryBuilder b;
  b.read_committed("sink").subscribe("orders", {"sink"});
  send_in_t1(b, {1, 2});
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  b.read(OpType::ok, OpKind::poll, "sink", {1, 2});  // The markers are written: LSO moved.
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  b.read(OpType::ok, OpKind::process, "sink", {1, 2});
  Verdict const v = visibility(b);
  CHECK(v.validity == Validity::valid);
  CHECK(v.anomalies.empty());
  CHECK(v.reason.empty());
}

TEST_CASE("an info commit makes a read after its request unknown, not fine",
          "[checker][transactions]") {
  bool const early = GENERATE(false, true);
  CAPTURE(early);
  TxnHistoryBuilder b;
  b.read_committed("sink");
  send_in_t1(b);
  if (early) b.read(OpType::ok, OpKind::poll, "sink", {1});
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
  b.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
  b.read(OpType::ok, OpKind::poll, "sink", {1});
  Verdict const v = visibility(b);
  if (early) {  // Before the request it is a violation whatever the outcome.
    CHECK(v.validity == Validity::invalid);
    CHECK(kinds(v) == std::vector<std::string>{"precommitted-read"});
    return;
  }
  CHECK(v.validity == Validity::unknown);
  CHECK(v.anomalies.empty());
  CHECK(v.reason ==
        "commit outcome unknown (txn-commit info): 1 message read by a "
        "read_committed group after the commit request");
}

TEST_CASE("torn-transaction: part of a committed transaction processed after a drain",
          "[checker][transactions]") {
  bool const drained = GENERATE(true, false);
  CAPTURE(drained);
  TxnHistoryBuilder b;
  b.drained(drained).read_committed("sink");
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");                      // 0
  b.send(OpType::invoke, "p1", {1}, "t1");                               // 1
  b.send(OpType::ok, "p1", {1}, "t1");                                   // 2
  std::uint64_t const second = b.send(OpType::invoke, "p1", {2}, "t1");  // 3
  b.send(OpType::ok, "p1", {2}, "t1");                                   // 4
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");                 // 5
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");                     // 6
  b.read(OpType::invoke, OpKind::process, "sink", {1});                  // 7
  std::uint64_t const processed = b.read(OpType::ok, OpKind::process, "sink", {1});
  Verdict const v = visibility(b);
  if (!drained) {
    CHECK(v.validity == Validity::unknown);
    CHECK(v.anomalies.empty());
    CHECK(v.reason ==
          "history not drained: 1 message of partly processed committed "
          "transactions not yet processed");
    return;
  }
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  CHECK(v.anomalies[0] ==
        Anomaly{"torn-transaction",
                MessageId{2},
                "sink",
                {second, processed},
                "group sink processed message 1 (op 8) of committed transaction t1 but never "
                "message 2 of the same transaction (sent at op 3)"});
}

TEST_CASE("near misses of torn-transaction", "[checker][transactions]") {
  int const variant = GENERATE(0, 1, 2, 3);
  CAPTURE(variant);
  TxnHistoryBuilder b;
  b.read_committed("sink");
  if (variant == 1) b.subscribe("orders", {"sink"});
  if (variant == 2) b.subscribe("orders", {"sink"}).subscribe("audit", {"other"});
  b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
  b.send(OpType::ok, "p1", {1}, "t1");
  b.send(OpType::ok, "p1", {2}, "t1", variant == 2 ? "audit" : "orders");
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t1");
  if (variant != 1) b.read(OpType::ok, OpKind::process, "sink", {1});
  if (variant == 0) b.read(OpType::ok, OpKind::process, "sink", {2});    // All of it.
  if (variant == 3) b.read(OpType::info, OpKind::process, "sink", {2});  // Maybe all of it.
  // 1: none of it processed (the delivery checker's business). 2: the group does not read
  // the topic of message 2.
  Verdict const v = visibility(b);
  CHECK(v.anomalies.empty());
  CHECK(v.validity == (variant == 3 ? Validity::unknown : Validity::valid));
}

TEST_CASE("a read pinned by its offset to an aborted copy is an aborted-read",
          "[checker][transactions]") {
  // Message 5 is sent in t1 (aborted, stored at offset 3) and again in t2 (committed, offset
  // 7): the application retried the transaction with the same records.
  int const read_offset = GENERATE(3, 7, -1);
  CAPTURE(read_offset);
  TxnHistoryBuilder b;
  b.read_committed("sink");
  b.send(OpType::invoke, "p1", {5}, "t1");     // 0
  b.sent_at(OpType::ok, "p1", 5, "t1", 0, 3);  // 1
  std::uint64_t const abort = b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
  b.send(OpType::invoke, "p1", {5}, "t2");                // 3
  b.sent_at(OpType::ok, "p1", 5, "t2", 0, 7);             // 4
  b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");  // 5
  b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");      // 6
  std::uint64_t const read = read_offset < 0
                                 ? b.read(OpType::ok, OpKind::poll, "sink", {5})
                                 : b.read_at(OpType::ok, OpKind::poll, "sink", 5, 0, read_offset);
  Verdict const v = visibility(b);
  if (read_offset != 3) {  // The committed copy, or a read that may be it.
    CHECK(v.validity == Validity::valid);
    CHECK(v.anomalies.empty());
    return;
  }
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  CHECK(v.anomalies[0].kind == "aborted-read");
  CHECK(v.anomalies[0].witnesses == std::vector<std::uint64_t>{abort, read});
}

TEST_CASE("transaction verdicts are deterministic", "[checker][transactions][determinism]") {
  TxnHistoryBuilder b;
  b.read_committed("sink").read_committed("audit");
  send_in_t1(b, {3, 1, 2});
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
  b.read(OpType::ok, OpKind::poll, "sink", {2, 3, 1});
  b.read(OpType::ok, OpKind::poll, "audit", {1, 3});
  std::vector<Verdict> const first = check_transactions(b.history());
  CHECK(first == check_transactions(b.history()));
  REQUIRE(first.size() == 1);
  std::vector<std::pair<std::uint64_t, std::string>> order;
  for (Anomaly const& a : first[0].anomalies) order.emplace_back(a.message.value, a.group);
  CHECK(order == std::vector<std::pair<std::uint64_t, std::string>>{
                     {1, "audit"}, {3, "audit"}, {1, "sink"}, {2, "sink"}, {3, "sink"}});
  CHECK(first[0].reason == "5 aborted-reads");
}

}  // namespace
}  // namespace mqcheck::checker
