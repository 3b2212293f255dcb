// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/send_outcomes_test.cpp (tests, layer: checker)
// The per-message table: pairing of completions with invokes, send outcomes, maybe-processed
// ops, and the groups each topic expects.
#include "checker/send_outcomes.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::HistoryBuilder;

MessageFacts const& facts_of(MessageTable const& table, std::uint64_t id) {
  auto const it = table.find(MessageId{id});
  REQUIRE(it != table.end());
  return it->second;
}

TEST_CASE("a completion pairs with the earliest open invoke of its process, f and ids",
          "[checker][pairing]") {
  HistoryBuilder b;
  auto const inv1 = b.send(OpType::invoke, "p1", {1});
  auto const inv2 = b.send(OpType::invoke, "p1", {2});
  auto const ok2 = b.send(OpType::ok, "p1", {2});
  MessageTable const table = build_message_table(b.history());

  MessageFacts const& m1 = facts_of(table, 1);
  REQUIRE(m1.sends.size() == 1);
  CHECK(m1.sends[0].invoke == inv1);
  CHECK_FALSE(m1.sends[0].completion.has_value());
  CHECK(m1.outcome() == SendOutcome::info);  // Never completed counts as info.

  MessageFacts const& m2 = facts_of(table, 2);
  REQUIRE(m2.sends.size() == 1);
  CHECK(m2.sends[0].invoke == inv2);
  CHECK(m2.sends[0].completion == ok2);
  CHECK(m2.outcome() == SendOutcome::ok);
  CHECK(m2.topic == "orders");
}

TEST_CASE("a completion by another process stands alone", "[checker][pairing]") {
  HistoryBuilder b;
  auto const inv = b.send(OpType::invoke, "p1", {1});
  auto const ok = b.send(OpType::ok, "p2", {1});
  MessageTable const table = build_message_table(b.history());
  MessageFacts const& m = facts_of(table, 1);
  REQUIRE(m.sends.size() == 2);
  CHECK(m.sends[0].invoke == inv);
  CHECK_FALSE(m.sends[0].completion.has_value());
  CHECK_FALSE(m.sends[1].invoke.has_value());
  CHECK(m.sends[1].completion == ok);
  CHECK(m.sends[1].process == "p2");
  CHECK(m.outcome() == SendOutcome::ok);
  REQUIRE(m.first_ok() != nullptr);
  CHECK(m.first_ok()->completion == ok);
}

TEST_CASE("pairing ignores the order of records in a batch", "[checker][pairing]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1, 2});
  auto const fail = b.send(OpType::fail, "p1", {2, 1});
  MessageTable const table = build_message_table(b.history());
  CHECK(facts_of(table, 1).outcome() == SendOutcome::fail);
  CHECK(facts_of(table, 2).outcome() == SendOutcome::fail);
  CHECK(facts_of(table, 1).failed_completions() == std::vector<std::uint64_t>{fail});
}

TEST_CASE("a completion with other ids does not complete an invoke", "[checker][pairing]") {
  HistoryBuilder b;
  auto const inv = b.send(OpType::invoke, "p1", {1, 2});
  b.send(OpType::ok, "p1", {1});
  MessageTable const table = build_message_table(b.history());
  // Message 1 has the open attempt (info) and a standalone ok; message 2 only the open one.
  CHECK(facts_of(table, 1).outcome() == SendOutcome::ok);
  CHECK(facts_of(table, 2).outcome() == SendOutcome::info);
  CHECK(facts_of(table, 2).sends[0].invoke == inv);
}

TEST_CASE("an invoke that names no message pairs on f alone", "[checker][pairing]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.process(OpType::invoke, "billing", {});
  auto const ok = b.process(OpType::ok, "billing", {1});
  MessageTable const table = build_message_table(b.history());
  GroupProcessing const& billing = facts_of(table, 1).groups.at("billing");
  CHECK(billing.ok_ops == std::vector<std::uint64_t>{ok});
  CHECK(billing.info_ops.empty());  // The empty invoke was completed, not left open.

  auto const empty_send = b.send(OpType::invoke, "p2", {});
  auto const sent = b.send(OpType::ok, "p2", {2});
  MessageTable const after = build_message_table(b.history());
  MessageFacts const& m2 = facts_of(after, 2);
  REQUIRE(m2.sends.size() == 1);
  CHECK(m2.sends[0].invoke == empty_send);
  CHECK(m2.sends[0].completion == sent);
  CHECK(m2.outcome() == SendOutcome::ok);
}

TEST_CASE("a send outcome is ok over info over fail", "[checker][pairing]") {
  HistoryBuilder b;
  // Message 1: fail, then info. Message 2: fail, fail. Message 3: info, then ok.
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::fail, "p1", {1});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::info, "p1", {1});
  auto const inv2a = b.send(OpType::invoke, "p2", {2});
  auto const fail2a = b.send(OpType::fail, "p2", {2});
  b.send(OpType::invoke, "p2", {2});
  auto const fail2b = b.send(OpType::fail, "p2", {2});
  b.send(OpType::invoke, "p3", {3});
  b.send(OpType::info, "p3", {3});
  b.send(OpType::invoke, "p3", {3});
  auto const ok3 = b.send(OpType::ok, "p3", {3});
  MessageTable const table = build_message_table(b.history());
  CHECK(facts_of(table, 1).outcome() == SendOutcome::info);
  CHECK(facts_of(table, 2).outcome() == SendOutcome::fail);
  CHECK(facts_of(table, 2).sends[0].invoke == inv2a);
  CHECK(facts_of(table, 2).failed_completions() == std::vector<std::uint64_t>{fail2a, fail2b});
  CHECK(facts_of(table, 3).outcome() == SendOutcome::ok);
  CHECK(facts_of(table, 3).first_ok()->completion == ok3);
}

TEST_CASE("process ops: ok and info are filed by group, fail leaves nothing", "[checker]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::invoke, "billing", {1});
  auto const ok = b.process(OpType::ok, "billing", {1});
  b.process(OpType::invoke, "billing", {1});
  auto const info = b.process(OpType::info, "billing", {1});
  b.process(OpType::invoke, "audit", {1});
  b.process(OpType::fail, "audit", {1});
  auto const open = b.process(OpType::invoke, "shipping", {1});
  MessageTable const table = build_message_table(b.history());
  MessageFacts const& m = facts_of(table, 1);
  REQUIRE(m.groups.size() == 2);  // No entry for audit: its only process failed.
  CHECK(m.groups.at("billing").ok_ops == std::vector<std::uint64_t>{ok});
  CHECK(m.groups.at("billing").info_ops == std::vector<std::uint64_t>{info});
  CHECK(m.groups.at("shipping").ok_ops.empty());
  CHECK(m.groups.at("shipping").info_ops == std::vector<std::uint64_t>{open});
}

TEST_CASE("events and other client ops are not judged", "[checker]") {
  HistoryBuilder b;
  b.other(OpType::event, OpKind::append, "broker-0", {1});
  b.other(OpType::invoke, OpKind::poll, "billing-0", {});
  b.other(OpType::ok, OpKind::poll, "billing-0", {1});
  b.other(OpType::event, OpKind::send, "broker-0", {2});  // An event spelled like a send.
  CHECK(build_message_table(b.history()).empty());
}

TEST_CASE("expected groups: subscriptions win, otherwise the groups seen", "[checker]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing", "audit"}).subscribe("empty", {});
  b.send(OpType::invoke, "p1", {1}, "orders");
  b.send(OpType::invoke, "p1", {2}, "parcels");
  b.send(OpType::invoke, "p1", {3}, "parcels");
  b.send(OpType::invoke, "p1", {4}, "quiet");
  b.process(OpType::ok, "shipping", {2}, "parcels");
  b.process(OpType::info, "tracking", {3}, "parcels");
  b.process(OpType::ok, "stray", {1}, "orders");  // Not listed, so not expected for orders.
  b.process(OpType::fail, "never", {4}, "quiet");  // A failed process did not happen.
  b.process(OpType::ok, "ghost", {99}, "parcels");  // Message 99 was never sent.
  auto const groups = expected_groups(b.history().header(), build_message_table(b.history()));
  using Set = std::set<std::string>;
  CHECK(groups == std::map<std::string, Set>{{"empty", Set{}},
                                             {"orders", Set{"audit", "billing"}},
                                             {"parcels", Set{"shipping", "tracking"}},
                                             {"quiet", Set{}}});
}

// Group g dead-letters to orders-dlq after one nack. Each message is sent, and every third one
// is rejected once and lands in orders-dlq; the rest are rejected only if `extra_nacks`.
history::History dead_letter_run(std::uint64_t n, bool extra_nacks) {
  testing::FeatureHistoryBuilder b;
  b.header().groups["g"].dead_letter_topic = "orders-dlq";
  b.header().groups["g"].dead_letter_after = 1;
  for (std::uint64_t i = 1; i <= n; ++i) {
    b.op(OpType::ok, OpKind::send, "p1", {testing::msg(i)});
    if (i % 3 == 0 || extra_nacks)
      b.op(OpType::ok, OpKind::nack, "g-0", {testing::msg(i)}, {.group = "g"});
    if (i % 3 == 0)
      b.op(OpType::event, OpKind::append, "broker-0", {testing::msg(i, "orders-dlq")});
  }
  return b.history();
}

TEST_CASE("the dead-letter tracker gives the pairs of dead_lettered less the forgotten ones",
          "[checker][dead-letter]") {
  history::History const h = dead_letter_run(30, true);
  std::uint64_t const forget_every = GENERATE(1, 2, 7, 100);
  CAPTURE(forget_every);
  DeadLetterTracker tracker(h.header());
  std::set<MessageId> forgotten;
  for (history::Op const& op : h.ops()) {
    tracker.observe(op);
    MessageId const id = op.value.front().id;
    if (id.value % forget_every == 0) {
      tracker.forget(id);
      forgotten.insert(id);
    }
  }
  auto expected = dead_lettered(h);
  REQUIRE(expected.size() == 10);  // Messages 3, 6, ..., 30.
  std::erase_if(expected, [&](auto const& pair) { return forgotten.contains(pair.second); });
  CHECK(tracker.finish() == expected);
}

TEST_CASE("the dead-letter tracker holds no more as the history grows when messages go",
          "[checker][dead-letter]") {
  std::size_t peak[2] = {0, 0};
  std::uint64_t const sizes[2] = {2'000, 20'000};
  for (int i = 0; i < 2; ++i) {
    history::History const h = dead_letter_run(sizes[i], false);
    DeadLetterTracker tracker(h.header());
    for (history::Op const& op : h.ops()) {
      tracker.observe(op);
      peak[i] = std::max(peak[i], tracker.memory_bytes());
      // As the delivery stream settles a message some ops after its last one.
      if (op.f == OpKind::send && op.value.front().id.value > 4)
        tracker.forget(MessageId{op.value.front().id.value - 4});
    }
    CHECK(tracker.finish().size() <= 2);  // Only the last few are still held.
  }
  CAPTURE(peak[0], peak[1]);
  CHECK(peak[1] < peak[0] * 2);
  CHECK(peak[0] > 0);
}

}  // namespace
}  // namespace mqcheck::checker
