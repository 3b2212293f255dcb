// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/transactions_pipeline_test.cpp (tests, layer: checker)
// Exactly-once of consume-transform-produce pipelines: a transformer group "xf" reads input
// message 1 from "orders" and writes outputs with source 1 to "out". Per anomaly a tiny
// history and its near misses, notably Kafka EOS: a re-processing inside an aborted
// transaction followed by a committed one is exactly once.
#include <catch2/catch.hpp>
#include <optional>

#include "checker/transactions.hpp"
#include "checker/transactions_stream.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::kinds;
using testing::TxnHistoryBuilder;

// Whether the streaming pass (checker/transactions_pipeline_stream.hpp) decided `b`'s history;
// when it does, its verdicts must be check_transactions' exactly.
bool streams(TxnHistoryBuilder const& b) {
  TransactionsStream stream(b.history().header());
  for (history::Op const& op : b.history().ops()) stream.observe(op);
  if (!stream.decided()) return false;
  CHECK(stream.finish() == check_transactions(b.history()));
  return true;
}

Verdict pipeline(TxnHistoryBuilder const& b) {
  (void)streams(b);  // Checks agreement when it decides; the cases below say when it must.
  for (Verdict const& verdict : check_transactions(b.history()))
    if (verdict.guarantee == "exactly-once-pipeline") return verdict;
  FAIL("no exactly-once-pipeline verdict");
  return Verdict{};
}

// p1 sends input 1 (ops 0, 1).
TxnHistoryBuilder with_input() {
  TxnHistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  return b;
}

// One transactional round of xf-0: process input 1, write output `out`, end `txn` with
// `end` (txn-commit ok, or txn-abort ok). Six ops; returns the output's ok and the end's ok.
std::pair<std::uint64_t, std::uint64_t> round(TxnHistoryBuilder& b, std::string const& txn,
                                              std::uint64_t out, OpKind end) {
  b.read(OpType::invoke, OpKind::process, "xf", {1}, txn);
  b.read(OpType::ok, OpKind::process, "xf", {1}, txn);
  b.output(OpType::invoke, "xf-0", out, 1, txn);
  std::uint64_t const sent = b.output(OpType::ok, "xf-0", out, 1, txn);
  b.txn(OpType::invoke, end, "xf-0", txn);
  std::uint64_t const ended = b.txn(OpType::ok, end, "xf-0", txn);
  return {sent, ended};
}

TEST_CASE("duplicated: one input, two committed outputs", "[checker][transactions]") {
  TxnHistoryBuilder b = with_input();
  auto const [sent1, commit1] = round(b, "xf/1", 101, OpKind::txn_commit);
  auto const [sent2, commit2] = round(b, "xf/2", 102, OpKind::txn_commit);
  Verdict const v = pipeline(b);
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  CHECK(v.anomalies[0] ==
        Anomaly{"duplicated",
                MessageId{1},
                "xf",
                {sent1, commit1, sent2, commit2},
                "input message 1 of group xf produced 2 committed outputs: message 101 of "
                "transaction xf/1 (committed at op 7) and message 102 of transaction xf/2 "
                "(committed at op 13)"});
  CHECK(v.reason == "1 input produced more than one committed output");
}

TEST_CASE("near miss: re-processing after an aborted transaction is exactly once",
          "[checker][transactions]") {
  bool const same_output_id = GENERATE(false, true);
  CAPTURE(same_output_id);
  TxnHistoryBuilder b = with_input();
  round(b, "xf/1", 101, OpKind::txn_abort);
  round(b, "xf/2", same_output_id ? 101 : 102, OpKind::txn_commit);
  Verdict const v = pipeline(b);
  CHECK(v.validity == Validity::valid);
  CHECK(v.anomalies.empty());
  CHECK(v.reason.empty());
  // A new output id streams, and so does the aborted one's id sent again (a new copy,
  // checker/transactions_stream_copies.cpp). (The visibility pass beside it needs the topics'
  // readers: it doubts at a topic without.)
  b.subscribe("orders", {"xf"}).subscribe("out", {});
  CHECK(streams(b));
  // The processing inside xf/1 was rolled back; only xf/2's counts.
  CHECK(counted_as_processed(b.history().ops()[3], build_txn_table(b.history()), true) ==
        Counted::no);
}

TEST_CASE("the same output id committed twice is duplicated", "[checker][transactions]") {
  TxnHistoryBuilder b = with_input();
  round(b, "xf/1", 101, OpKind::txn_commit);
  round(b, "xf/2", 101, OpKind::txn_commit);  // A zombie instance was not fenced.
  Verdict const v = pipeline(b);
  CHECK(v.validity == Validity::invalid);
  CHECK(kinds(v) == std::vector<std::string>{"duplicated"});
}

TEST_CASE("lost: a processed input with no committed output", "[checker][transactions]") {
  bool const drained = GENERATE(true, false);
  CAPTURE(drained);
  TxnHistoryBuilder b = with_input();
  b.drained(drained);
  b.read(OpType::invoke, OpKind::process, "xf", {1});  // 2
  std::uint64_t const processed = b.read(OpType::ok, OpKind::process, "xf", {1});
  b.output(OpType::invoke, "xf-0", 101, 1);  // 4
  b.output(OpType::fail, "xf-0", 101, 1);    // 5
  // Input 2, processed and output once, is fine.
  b.send(OpType::ok, "p1", {2});
  b.read(OpType::ok, OpKind::process, "xf", {2});
  b.output(OpType::ok, "xf-0", 102, 2);
  Verdict const v = pipeline(b);
  if (!drained) {
    CHECK(v.validity == Validity::unknown);
    CHECK(v.reason == "history not drained: 1 processed input without a committed output yet");
    return;
  }
  CHECK(v.validity == Validity::invalid);
  REQUIRE(v.anomalies.size() == 1);
  CHECK(v.anomalies[0] == Anomaly{"lost",
                                  MessageId{1},
                                  "xf",
                                  {processed},
                                  "group xf processed input message 1 (op 3) but it produced "
                                  "no committed output"});
  CHECK(v.reason == "1 input produced no committed output");
}

TEST_CASE("near miss of lost: the only processing was inside an aborted transaction",
          "[checker][transactions]") {
  TxnHistoryBuilder b = with_input();
  round(b, "xf/1", 101, OpKind::txn_abort);
  Verdict const v = pipeline(b);
  CHECK(v.anomalies.empty());  // Input 1 was never processed for good: at-least-once's call.
  CHECK(v.validity == Validity::valid);
  b.subscribe("orders", {"xf"}).subscribe("out", {});  // As above.
  CHECK(streams(b));
}

TEST_CASE("an output of unknown outcome makes the pipeline unknown", "[checker][transactions]") {
  bool const info_commit = GENERATE(true, false);
  CAPTURE(info_commit);
  TxnHistoryBuilder b = with_input();
  b.read(OpType::ok, OpKind::process, "xf", {1}, "xf/1");
  b.output(OpType::ok, "xf-0", 101, 1, "xf/1");
  b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "xf/1");
  if (info_commit) {
    b.txn(OpType::info, OpKind::txn_commit, "xf-0", "xf/1");
  } else {
    b.txn(OpType::ok, OpKind::txn_commit, "xf-0", "xf/1");
    b.output(OpType::info, "xf-0", 102, 1);  // A non-transactional retry that timed out.
  }
  Verdict const v = pipeline(b);
  CHECK(v.validity == Validity::unknown);
  CHECK(v.anomalies.empty());
  CHECK(v.reason ==
        "uncertain: 1 input with an output whose send or transaction outcome is unknown");
}

TEST_CASE("a history with outputs but no transactions gets only the pipeline verdict",
          "[checker][transactions]") {
  TxnHistoryBuilder b = with_input();
  b.read(OpType::ok, OpKind::process, "xf", {1});
  b.output(OpType::ok, "xf-0", 101, 1);
  std::vector<Verdict> const verdicts = check_transactions(b.history());
  REQUIRE(verdicts.size() == 1);
  CHECK(verdicts[0].guarantee == "exactly-once-pipeline");
  CHECK(verdicts[0].validity == Validity::valid);
  CHECK(streams(b));
}

}  // namespace
}  // namespace mqcheck::checker
