// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_access_test.cpp (tests, layer: checker)
// Filtering (filter-leak), tenancy (tenant-leak) and authorization (unauthorized-access):
// each anomaly in a tiny history, its near misses, the info cases (unknown) and no verdict
// when the history does not exercise the property.
#include <catch2/catch.hpp>

#include "checker/features.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::FeatureHistoryBuilder;
using testing::msg;
using testing::tagged;

// Group billing subscribes to TagA; p1 sends message 1 tagged TagA (ops 0, 1) and message 2
// tagged `tag` (ops 2, 3).
FeatureHistoryBuilder filtered(std::string const& tag) {
  FeatureHistoryBuilder b;
  b.header().groups["billing"].filter = {"TagA"};
  b.op(OpType::invoke, OpKind::send, "p1", {tagged(msg(1), "TagA")});
  b.op(OpType::ok, OpKind::send, "p1", {tagged(msg(1), "TagA")});
  b.op(OpType::invoke, OpKind::send, "p1", {tagged(msg(2), tag)});
  b.op(OpType::ok, OpKind::send, "p1", {tagged(msg(2), tag)});
  return b;
}

TEST_CASE("filter-leak: a group receives a message its filter excludes", "[checker][features]") {
  OpKind const f = GENERATE(OpKind::deliver, OpKind::poll, OpKind::process);
  CAPTURE(history::to_string(f));  // Broker-side or client-side filtering: judged alike.
  FeatureHistoryBuilder b = filtered("TagB");
  auto const leak = b.op(OpType::ok, f, "billing-0", {msg(1), msg(2)}, {.group = "billing"});
  b.op(OpType::ok, OpKind::process, "billing-0", {msg(2)}, {.group = "billing"});  // Same pair.
  std::optional<Verdict> const verdict = check_filtering(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "filtering");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason == "1 message received by a group whose filter excludes it");
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"filter-leak",
                MessageId{2},
                "billing",
                {2, leak},
                "group billing subscribes only to tags TagA, but billing-0 of group billing "
                "received message 2 (op 4), tagged TagB by its producer (op 2)"});
}

TEST_CASE("filter-leak: an untagged message matches no filter", "[checker][features]") {
  FeatureHistoryBuilder b = filtered("");
  b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(2)}, {.group = "billing"});
  std::optional<Verdict> const verdict = check_filtering(b.history());
  REQUIRE(verdict);
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0].explanation ==
        "group billing subscribes only to tags TagA, but billing-0 of group billing received "
        "message 2 (op 4), sent without a tag by its producer (op 2)");
}

TEST_CASE("filtering near misses", "[checker][features]") {
  int const variant = GENERATE(0, 1, 2, 3);
  CAPTURE(variant);
  FeatureHistoryBuilder b = filtered("TagB");
  if (variant == 0) b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
  if (variant == 1) {  // "*" takes every tag.
    b.header().groups["billing"].filter = {"*"};
    b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(2)}, {.group = "billing"});
  }
  if (variant == 2) {  // A fail op did not happen; a group without a filter takes everything.
    b.op(OpType::fail, OpKind::process, "billing-0", {msg(2)}, {.group = "billing"});
    b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
    b.op(OpType::ok, OpKind::deliver, "audit-0", {msg(2)}, {.group = "audit"});
  }
  if (variant == 3) {  // One of the filter's several tags.
    b.header().groups["billing"].filter = {"TagA", "TagB"};
    b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(2)}, {.group = "billing"});
  }
  std::optional<Verdict> const verdict = check_filtering(b.history());
  REQUIRE(verdict);
  CHECK(verdict->validity == Validity::valid);
  CHECK(verdict->anomalies.empty());
}

TEST_CASE("filtering: info only is unknown; nothing received is unknown; no filter, no verdict",
          "[checker][features]") {
  FeatureHistoryBuilder b = filtered("TagB");
  b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
  b.op(OpType::info, OpKind::poll, "billing-0", {msg(2)}, {.group = "billing"});
  std::optional<Verdict> const maybe = check_filtering(b.history());
  REQUIRE(maybe);
  CHECK(maybe->validity == Validity::unknown);
  CHECK(maybe->reason ==
        "maybe leaked: 1 message outside a group's filter named by an op of unknown outcome "
        "(info)");
  std::optional<Verdict> const idle = check_filtering(filtered("TagB").history());
  REQUIRE(idle);
  CHECK(idle->validity == Validity::unknown);
  CHECK(idle->reason == "no group with a filter received anything");
  FeatureHistoryBuilder c = filtered("TagB");
  c.header().groups["billing"].filter.clear();
  CHECK_FALSE(check_filtering(c.history()));
}

// p1 sends message 1 in tenant blue (ops 0, 1).
FeatureHistoryBuilder blue_send() {
  FeatureHistoryBuilder b;
  b.op(OpType::invoke, OpKind::send, "p1", {msg(1)}, {.tenant = "blue"});
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)}, {.tenant = "blue"});
  return b;
}

TEST_CASE("tenant-leak: a consumer of another tenant receives the message", "[checker][features]") {
  bool const from_header = GENERATE(false, true);
  CAPTURE(from_header);  // The consumer's tenant on its op, or its group's in the header.
  FeatureHistoryBuilder b = blue_send();
  if (from_header) b.header().groups["billing"].tenant = "red";
  auto const leak = b.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)},
                         {.group = "billing", .tenant = from_header ? "" : "red"});
  std::optional<Verdict> const verdict = check_tenancy(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "tenancy");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason == "1 message received by a consumer of another tenant");
  REQUIRE(verdict->anomalies.size() == 1);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"tenant-leak",
                MessageId{1},
                "billing",
                {0, leak},
                "message 1 was sent in tenant blue (op 0) but billing-0 of group billing, in "
                "tenant red, received it (op 2)"});
}

TEST_CASE("tenancy near misses and unknowns", "[checker][features]") {
  FeatureHistoryBuilder same = blue_send();
  same.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)},
          {.group = "billing", .tenant = "blue"});
  std::optional<Verdict> const valid = check_tenancy(same.history());
  REQUIRE(valid);
  CHECK(valid->validity == Validity::valid);

  FeatureHistoryBuilder unstated = blue_send();  // A consumer without a tenant is not judged.
  unstated.op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)}, {.group = "billing"});
  std::optional<Verdict> const idle = check_tenancy(unstated.history());
  REQUIRE(idle);
  CHECK(idle->validity == Validity::unknown);
  CHECK(idle->reason == "no consumer op of a message whose send names a tenant also has a tenant");

  FeatureHistoryBuilder maybe = blue_send();
  maybe.op(OpType::invoke, OpKind::process, "billing-0", {msg(1)},
           {.group = "billing", .tenant = "red"});
  std::optional<Verdict> const unknown = check_tenancy(maybe.history());
  REQUIRE(unknown);
  CHECK(unknown->validity == Validity::unknown);
  CHECK(unknown->reason ==
        "maybe leaked: 1 message of another tenant named by an op of unknown outcome (info)");

  FeatureHistoryBuilder none;
  none.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  CHECK_FALSE(check_tenancy(none.history()));
}

// alice may produce to orders; bob may consume orders; mallory has no ACL entry.
FeatureHistoryBuilder with_acls() {
  FeatureHistoryBuilder b;
  b.header().acls["alice"].produce = {"orders"};
  b.header().acls["bob"].consume = {"orders"};
  return b;
}

TEST_CASE("unauthorized-access: sends and reads outside the ACL", "[checker][features]") {
  FeatureHistoryBuilder b = with_acls();
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)}, {.principal = "alice"});
  auto const send = b.op(OpType::ok, OpKind::send, "p1", {msg(2, "payroll"), msg(3, "payroll")},
                         {.principal = "alice"});
  b.op(OpType::ok, OpKind::poll, "billing-0", {msg(1)}, {.group = "billing", .principal = "bob"});
  auto const read = b.op(OpType::ok, OpKind::poll, "billing-0", {msg(2, "payroll")},
                         {.group = "billing", .principal = "bob"});
  auto const stranger =
      b.op(OpType::ok, OpKind::process, "x-0", {msg(1)}, {.group = "x", .principal = "mallory"});
  b.op(OpType::fail, OpKind::send, "p1", {msg(4, "payroll")}, {.principal = "alice"});
  b.op(OpType::ok, OpKind::send, "p9", {msg(5, "payroll")});  // No principal: not judged.
  std::optional<Verdict> const verdict = check_authorization(b.history());
  REQUIRE(verdict);
  CHECK(verdict->guarantee == "authorization");
  CHECK(verdict->validity == Validity::invalid);
  CHECK(verdict->reason == "3 ops by a principal on a topic its ACL does not allow");
  REQUIRE(verdict->anomalies.size() == 3);
  CHECK(verdict->anomalies[0] ==
        Anomaly{"unauthorized-access",
                MessageId{2},
                "",
                {send},
                "principal alice (p1) sent message 2 to topic payroll (op 1), but alice's ACL "
                "lets it produce to only orders"});
  CHECK(verdict->anomalies[1] ==
        Anomaly{"unauthorized-access",
                MessageId{2},
                "billing",
                {read},
                "principal bob (billing-0 of group billing) received message 2 of topic payroll "
                "(op 3), but bob's ACL lets it consume from only orders"});
  CHECK(verdict->anomalies[2] ==
        Anomaly{"unauthorized-access",
                MessageId{1},
                "x",
                {stranger},
                "principal mallory (x-0 of group x) received message 1 of topic orders (op 4), "
                "but mallory has no ACL entry, so it may do nothing"});
}

TEST_CASE("authorization near misses and unknowns", "[checker][features]") {
  FeatureHistoryBuilder ok = with_acls();
  ok.header().acls["bob"].consume = {"*"};
  ok.op(OpType::ok, OpKind::send, "p1", {msg(1)}, {.principal = "alice"});
  ok.op(OpType::ok, OpKind::deliver, "b-0", {msg(2, "payroll")},
        {.group = "b", .principal = "bob"});
  ok.op(OpType::fail, OpKind::poll, "m-0", {msg(1)}, {.group = "m", .principal = "mallory"});
  std::optional<Verdict> const valid = check_authorization(ok.history());
  REQUIRE(valid);
  CHECK(valid->validity == Validity::valid);

  FeatureHistoryBuilder maybe = with_acls();
  maybe.op(OpType::info, OpKind::send, "p1", {msg(1, "payroll")}, {.principal = "alice"});
  std::optional<Verdict> const unknown = check_authorization(maybe.history());
  REQUIRE(unknown);
  CHECK(unknown->validity == Validity::unknown);
  CHECK(unknown->reason ==
        "maybe unauthorized: 1 op of unknown outcome (info) used a topic its principal may not");

  FeatureHistoryBuilder anonymous = with_acls();
  anonymous.op(OpType::ok, OpKind::send, "p1", {msg(1, "payroll")});
  std::optional<Verdict> const idle = check_authorization(anonymous.history());
  REQUIRE(idle);
  CHECK(idle->validity == Validity::unknown);
  CHECK(idle->reason == "no completed send or consumer op names a principal");

  FeatureHistoryBuilder none;
  none.op(OpType::ok, OpKind::send, "p1", {msg(1)}, {.principal = "alice"});
  CHECK_FALSE(check_authorization(none.history()));
}

}  // namespace
}  // namespace mqcheck::checker
