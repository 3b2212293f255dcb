// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/transactions_before_test.cpp (tests, layer: checker)
// What the transactions stream keeps before it needs to (checker/transactions_stream.hpp,
// TransactionsStream::before_transactions): until the first transactional op, and until a
// record has a source, it keeps how far the ids named and sent reach, each process's first
// group (skipping the process ops of pairs the pipeline pass found quiet), and whether a
// read_committed group read. Each case is a hand-written history that needs one of those
// facts, and its near miss; whenever the stream decides, its verdicts must be
// check_transactions'. Also: the feature stream, inactive, holds nothing to forget.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/feature_stream.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_stream.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::TxnHistoryBuilder;

// Whether the stream decided `b`'s history; when it does, its verdicts must be
// check_transactions' exactly.
bool before_streams(TxnHistoryBuilder const& b) {
  TransactionsStream stream(b.history().header());
  for (history::Op const& op : b.history().ops()) stream.observe(op);
  if (!stream.decided()) return false;
  REQUIRE(stream.finish() == check_transactions(b.history()));
  return true;
}

Validity before_validity(TxnHistoryBuilder const& b, std::string const& guarantee) {
  for (Verdict const& verdict : check_transactions(b.history()))
    if (verdict.guarantee == guarantee) return verdict.validity;
  FAIL("no " << guarantee << " verdict");
  return Validity::unknown;
}

// p1 sends inputs 1..n to "orders", plain; `readers` (2 processes each: <group>-0 and -1)
// process every one of them: far more than a group's 16 buffered processings, so each of
// their (process, group) pairs turns quiet after the first few.
TxnHistoryBuilder many_plain(std::uint64_t n, std::vector<std::string> const& readers) {
  TxnHistoryBuilder b;
  b.subscribe("orders", {"audit", "xf"});
  for (std::uint64_t id = 1; id <= n; ++id) {
    b.send(OpType::invoke, "p1", {id});
    b.send(OpType::ok, "p1", {id});
    for (std::string const& group : readers) {
      std::string const process = group + "-" + std::to_string(id % 2);
      b.read_by(OpType::invoke, OpKind::process, process, group, {id});
      b.read_by(OpType::ok, OpKind::process, process, group, {id});
    }
  }
  return b;
}

// xf-0 processes input 1 and writes output `out` from it, plain (acknowledged: it counts).
void before_round(TxnHistoryBuilder& b, std::uint64_t out) {
  b.read_by(OpType::invoke, OpKind::process, "xf-0", "xf", {1});
  b.read_by(OpType::ok, OpKind::process, "xf-0", "xf", {1});
  b.output(OpType::invoke, "xf-0", out, 1);
  b.output(OpType::ok, "xf-0", out, 1);
}

TEST_CASE("a pipeline's first output after many quiet process ops is judged in one pass",
          "[txn][stream][pipeline][before]") {
  TxnHistoryBuilder b = many_plain(60, {"audit"});
  before_round(b, 1001);
  CHECK(before_validity(b, "exactly-once-pipeline") == Validity::valid);
  CHECK(before_streams(b));
}

TEST_CASE("near miss: a new process whose first group is a quiet one cannot output",
          "[txn][stream][pipeline][before]") {
  // xf-0's first process op is for audit, which overflowed long ago: its group is audit's
  // (transactions_pipeline.cpp, process_groups), a group whose processings were not kept. A
  // stream that skipped that op as one of audit's quiet pairs would take xf for its group.
  TxnHistoryBuilder b = many_plain(60, {"audit"});
  b.read_by(OpType::invoke, OpKind::process, "xf-0", "audit", {60});
  b.read_by(OpType::ok, OpKind::process, "xf-0", "audit", {60});
  before_round(b, 1001);
  CHECK_FALSE(before_streams(b));
  // And a process of a quiet group that turns to a group of its own is the same doubt.
  TxnHistoryBuilder c = many_plain(60, {"audit"});
  c.read_by(OpType::ok, OpKind::process, "audit-0", "xf", {1});
  c.output(OpType::invoke, "audit-0", 1001, 1);
  c.output(OpType::ok, "audit-0", 1001, 1);
  CHECK_FALSE(before_streams(c));
}

TEST_CASE("a transformer's processings before its first output are kept, 16 of them",
          "[txn][stream][pipeline][before]") {
  // Amid audit's quiet process ops, xf-0 processes inputs 1..k and then writes their k
  // outputs: with 16 its buffer held them all (judged: exactly once); with 17 it overflowed,
  // and the inputs it lost may owe outputs (a doubt).
  for (std::uint64_t const k : {std::uint64_t{16}, std::uint64_t{17}}) {
    TxnHistoryBuilder b = many_plain(60, {"audit"});
    for (std::uint64_t id = 1; id <= k; ++id) {
      b.read_by(OpType::invoke, OpKind::process, "xf-0", "xf", {id});
      b.read_by(OpType::ok, OpKind::process, "xf-0", "xf", {id});
    }
    for (std::uint64_t id = 1; id <= k; ++id) {
      b.output(OpType::invoke, "xf-0", 1000 + id, id);
      b.output(OpType::ok, "xf-0", 1000 + id, id);
    }
    CAPTURE(k);
    CHECK(before_validity(b, "exactly-once-pipeline") == Validity::valid);
    CHECK(before_streams(b) == (k == 16));
  }
}

TEST_CASE("an output is fresh only above every id sent before it, plain or not",
          "[txn][stream][pipeline][before]") {
  // Before any transaction: the sends of 1..60 were kept as a figure only (60), handed to
  // the pipeline pass at the first source. Output 1001 is fresh; output 40 is not (an earlier
  // record without a source may have set its outcome): a doubt.
  for (std::uint64_t const out : {std::uint64_t{1001}, std::uint64_t{40}}) {
    TxnHistoryBuilder b = many_plain(60, {"audit"});
    before_round(b, out);
    CAPTURE(out);
    CHECK(before_streams(b) == (out == 1001));
  }
  // After a transaction began (one that sends nothing), the figure was handed over at its
  // first op: 61 is fresh, 40 is not.
  for (std::uint64_t const out : {std::uint64_t{1001}, std::uint64_t{61}, std::uint64_t{40}}) {
    TxnHistoryBuilder b = many_plain(60, {"audit"});
    b.txn(OpType::invoke, OpKind::txn_begin, "p2", "t/1");
    b.txn(OpType::ok, OpKind::txn_begin, "p2", "t/1");
    b.txn(OpType::invoke, OpKind::txn_commit, "p2", "t/1");
    b.txn(OpType::ok, OpKind::txn_commit, "p2", "t/1");
    before_round(b, out);
    CAPTURE(out);
    CHECK(before_streams(b) == (out != 40));
  }
}

TEST_CASE("a read_committed group's reads before the first transaction exercise visibility",
          "[txn][stream][before]") {
  for (bool const read : {true, false}) {
    TxnHistoryBuilder b;
    // rc reads orders, but the header lists only billing there: what exercises visibility
    // is rc's read (transactions.cpp words the verdict unknown without one).
    b.read_committed("rc").subscribe("orders", {"billing"});
    b.send(OpType::invoke, "p1", {1});
    b.send(OpType::ok, "p1", {1});
    if (read) {
      b.read(OpType::invoke, OpKind::poll, "rc", {});
      b.read(OpType::ok, OpKind::poll, "rc", {1});
      b.read(OpType::ok, OpKind::poll, "rc", {1});  // After the group read: not asked again.
    }
    b.send(OpType::invoke, "p1", {2}, "t/1");
    b.send(OpType::ok, "p1", {2}, "t/1");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t/1");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t/1");
    CAPTURE(read);
    CHECK(before_validity(b, "transactional-visibility") ==
          (read ? Validity::valid : Validity::unknown));
    CHECK(before_streams(b));
  }
}

TEST_CASE("check_streaming equals check_history when a pipeline starts after quiet ops",
          "[txn][stream][pipeline][before]") {
  for (std::uint64_t const out : {std::uint64_t{1001}, std::uint64_t{40}}) {
    TxnHistoryBuilder b = many_plain(60, {"audit"});
    before_round(b, out);
    history::History const& h = b.history();
    int loads = 0;
    DeliveryReport const report = check_streaming(h.header(), ops_of(h), [&] {
      ++loads;
      return h;
    });
    CAPTURE(out);
    REQUIRE(report == check_history(h));
    CHECK(loads == (out == 1001 ? 0 : 1));
  }
}

TEST_CASE("the feature stream forgets only what it holds: nothing until a feature comes",
          "[checker][features][stream][before]") {
  for (bool const tagged : {false, true}) {
    TxnHistoryBuilder b;
    history::Record record = history::Record::of(MessageId{1}, "orders");
    if (tagged) record.tag = "red";  // The first op carries a feature: the stream turns active.
    history::Op send;
    send.process = "p1";
    send.type = OpType::ok;
    send.f = OpKind::send;
    send.value = {record};
    FeatureStream features(b.history().header());
    features.observe(send);
    features.forget(MessageId{1});
    features.forget(MessageId{2});  // Never sent: held by nobody.
    CAPTURE(tagged);
    CHECK(features.forgotten() == (tagged ? 1 : 0));
    CHECK(features.decided());
  }
}

}  // namespace
}  // namespace mqcheck::checker
