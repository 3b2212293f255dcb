// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/delivery_integration_test.cpp (tests, layer: checker)
// The delivery checker read together with transactions (KIP-98 aborts), tag filters, broadcast
// groups and dead-letter topics: each case is a tiny history that the old, feature-blind
// delivery checker judged wrongly, next to a near miss that still shows the anomaly.
#include <catch2/catch.hpp>

#include "checker/delivery.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::FeatureHistoryBuilder;
using testing::msg;
using testing::TxnHistoryBuilder;
using testing::verdict_of;

Verdict judge(history::History const& history, std::string_view guarantee) {
  return verdict_of(check_delivery(history), guarantee);
}

// Kafka EOS: process m in t1, abort (rolled back), process m again in t2, commit.
history::History reprocessed_after_abort(OpKind second_end, std::uint64_t& first,
                                         std::uint64_t& second) {
  TxnHistoryBuilder b;
  b.subscribe("orders", {"g"});
  b.send(OpType::ok, "p1", {1});
  first = b.read(OpType::ok, OpKind::process, "g", {1}, "t1");
  b.txn(OpType::ok, second_end, "g-0", "t1");
  second = b.read(OpType::ok, OpKind::process, "g", {1}, "t2");
  b.txn(OpType::ok, OpKind::txn_commit, "g-0", "t2");
  return b.history();
}

TEST_CASE("processing inside an aborted transaction leaves no trace", "[delivery][txn]") {
  std::uint64_t first = 0;
  std::uint64_t second = 0;
  auto const aborted = reprocessed_after_abort(OpKind::txn_abort, first, second);
  CHECK(judge(aborted, "at-most-once").validity == Validity::valid);
  CHECK(judge(aborted, "exactly-once").validity == Validity::valid);
  CHECK(check_delivery(aborted).counts.processed == 1);

  // Near miss: both transactions committed, so the message was processed twice.
  auto const committed = reprocessed_after_abort(OpKind::txn_commit, first, second);
  Verdict const verdict = judge(committed, "at-most-once");
  REQUIRE(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "duplicated");
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[0].group == "g");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{first, second});
}

TEST_CASE("processing in a transaction of unknown outcome is only maybe", "[delivery][txn]") {
  TxnHistoryBuilder b;
  b.subscribe("orders", {"g"});
  b.send(OpType::ok, "p1", {1});
  b.read(OpType::ok, OpKind::process, "g", {1}, "t1");
  b.txn(OpType::info, OpKind::txn_commit, "g-0", "t1");
  b.read(OpType::ok, OpKind::process, "g", {1}, "t2");
  b.txn(OpType::ok, OpKind::txn_commit, "g-0", "t2");
  CHECK(judge(b.history(), "at-most-once").validity == Validity::unknown);
}

// An ok send of message 1 in t1, ended by `end`; message 2 outside any transaction keeps g a
// reader of the topic.
history::History sent_in_txn(OpKind end, std::uint64_t& send) {
  TxnHistoryBuilder b;
  b.subscribe("orders", {"g"});
  send = b.send(OpType::ok, "p1", {1}, "t1");
  b.txn(OpType::ok, end, "p1", "t1");
  b.send(OpType::ok, "p1", {2});
  b.read(OpType::ok, OpKind::process, "g", {2});
  return b.history();
}

TEST_CASE("an ok send in an aborted transaction is never lost", "[delivery][txn]") {
  std::uint64_t send = 0;
  auto const aborted = sent_in_txn(OpKind::txn_abort, send);
  CHECK(judge(aborted, "at-least-once").validity == Validity::valid);
  CHECK(check_delivery(aborted).counts.unknown == 1);

  // Near miss: t1 committed, so message 1 was written and g never processed it.
  auto const committed = sent_in_txn(OpKind::txn_commit, send);
  Verdict const verdict = judge(committed, "at-least-once");
  REQUIRE(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "lost");
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[0].group == "g");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{send});
}

TEST_CASE("reading an aborted send is not unexpected", "[delivery][txn]") {
  TxnHistoryBuilder b;
  b.send(OpType::ok, "p1", {1}, "t1");
  b.txn(OpType::ok, OpKind::txn_abort, "p1", "t1");
  b.read(OpType::ok, OpKind::process, "g", {1});
  CHECK(judge(b.history(), "no-unexpected").validity == Validity::valid);
}

// Messages 1 (tag B) and 2 (tag A) sent to orders; g, filtering on `filter`, processes 2.
history::History filtered(std::vector<std::string> filter, std::uint64_t& send) {
  FeatureHistoryBuilder b;
  b.header().subscriptions["orders"] = {"g"};
  b.header().groups["g"].filter = std::move(filter);
  send = b.op(OpType::ok, OpKind::send, "p1", {testing::tagged(msg(1), "B")});
  b.op(OpType::ok, OpKind::send, "p1", {testing::tagged(msg(2), "A")});
  b.op(OpType::ok, OpKind::process, "g-0", {msg(2)}, {.group = "g"});
  return b.history();
}

TEST_CASE("a message the group's filter rejects is not lost for it", "[delivery][filter]") {
  std::uint64_t send = 0;
  CHECK(judge(filtered({"A"}, send), "at-least-once").validity == Validity::valid);

  // Near miss: no filter, so g must process message 1 too.
  Verdict const verdict = judge(filtered({}, send), "at-least-once");
  REQUIRE(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "lost");
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[0].group == "g");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{send});
}

TEST_CASE("a broadcast group is judged for duplicates per instance", "[delivery][broadcast]") {
  FeatureHistoryBuilder b;
  b.header().subscriptions["orders"] = {"g"};
  b.header().groups["g"].mode = history::GroupSpec::Mode::broadcast;
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  std::uint64_t const first = b.op(OpType::ok, OpKind::process, "g-0", {msg(1)}, {.group = "g"});
  b.op(OpType::ok, OpKind::process, "g-1", {msg(1)}, {.group = "g"});
  CHECK(judge(b.history(), "at-most-once").validity == Validity::valid);

  // Near miss: instance g-0 processes it a second time.
  std::uint64_t const again = b.op(OpType::ok, OpKind::process, "g-0", {msg(1)}, {.group = "g"});
  Verdict const verdict = judge(b.history(), "at-most-once");
  REQUIRE(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "duplicated");
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[0].group == "g");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{first, again});
  CHECK(verdict.anomalies[0].explanation ==
        "message 1 was processed 2 times by instance g-0 of broadcast group g (ops 1, 3)");
}

TEST_CASE("two instances of a clustering group still duplicate", "[delivery][broadcast]") {
  FeatureHistoryBuilder b;
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::process, "g-0", {msg(1)}, {.group = "g"});
  b.op(OpType::ok, OpKind::process, "g-1", {msg(1)}, {.group = "g"});
  CHECK(judge(b.history(), "at-most-once").validity == Validity::invalid);
}

TEST_CASE("a dead-letter reader is not inferred a reader of the source topic", "[delivery][dlq]") {
  FeatureHistoryBuilder b;
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(2)});
  b.op(OpType::ok, OpKind::process, "g-0", {msg(1)}, {.group = "g"});
  b.op(OpType::ok, OpKind::process, "g-0", {msg(2)}, {.group = "g"});
  b.op(OpType::ok, OpKind::process, "dlq-0", {msg(1, "orders-dlq")}, {.group = "dlq"});
  CHECK(judge(b.history(), "at-least-once").validity == Validity::valid);

  // Near miss: group dlq reads message 1 in orders itself, so it must read message 2 too.
  std::uint64_t const read = b.op(OpType::ok, OpKind::process, "dlq-0", {msg(1)}, {.group = "dlq"});
  Verdict const verdict = judge(b.history(), "at-least-once");
  REQUIRE(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "lost");
  CHECK(verdict.anomalies[0].message == MessageId{2});
  CHECK(verdict.anomalies[0].group == "dlq");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{1});
  CHECK(read == 5);
}

// Group g (dead letters to orders-dlq after 2 nacks) nacks message 1 `nacks` times; the
// broker appends it to orders-dlq. Message 2 keeps g a reader.
history::History exhausted(int nacks, std::uint64_t& send) {
  FeatureHistoryBuilder b;
  b.header().subscriptions["orders"] = {"g"};
  b.header().groups["g"].dead_letter_topic = "orders-dlq";
  b.header().groups["g"].dead_letter_after = 2;
  send = b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(2)});
  b.op(OpType::ok, OpKind::process, "g-0", {msg(2)}, {.group = "g"});
  for (int i = 0; i < nacks; ++i) b.op(OpType::ok, OpKind::nack, "g-0", {msg(1)}, {.group = "g"});
  b.op(OpType::event, OpKind::append, "broker-0", {msg(1, "orders-dlq")});
  return b.history();
}

TEST_CASE("a message exhausted into the dead-letter topic is not lost", "[delivery][dlq]") {
  std::uint64_t send = 0;
  CHECK(judge(exhausted(2, send), "at-least-once").validity == Validity::valid);

  // Near miss: one nack does not exhaust it, so g still owes it a processing.
  Verdict const verdict = judge(exhausted(1, send), "at-least-once");
  REQUIRE(verdict.validity == Validity::invalid);
  REQUIRE(verdict.anomalies.size() == 1);
  CHECK(verdict.anomalies[0].kind == "lost");
  CHECK(verdict.anomalies[0].message == MessageId{1});
  CHECK(verdict.anomalies[0].group == "g");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{send});
}

}  // namespace
}  // namespace mqcheck::checker
