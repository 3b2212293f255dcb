// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_stream_test.cpp (tests, layer: checker)
// The feature properties on the streaming path (checker/feature_stream.hpp): check_streaming
// must give check_history's report byte for byte on random histories with features (valid,
// injected, damaged), must actually stream them (not load), must fall back where one pass
// cannot match, and must let a settled message's send record go (memory flat with length).
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/feature_stream.hpp"
#include "checker/features.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/streamed_check.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;

using testing::damage;
using testing::stream;
using testing::Streamed;

// A history with the streamed features (most), injected with one anomaly and damaged (some).
history::History featured_history(std::uint64_t seed) {
  SplitMix64 rng(seed);
  testing::Shape shape = testing::featured_shape(rng);
  shape.whole_features = rng.chance(0.2);
  shape.transactions = rng.chance(0.2);
  history::History h = testing::random_valid_history(seed, shape);
  testing::maybe_inject(h, rng, 0.7);
  testing::maybe_damage(h, rng);
  return h;
}

TEST_CASE("check_streaming gives check_history's report on histories with features",
          "[checker][features][stream]") {
  std::uint64_t const count = mqcheck::testing::soak(600);
  testing::Tally const t = testing::agree_streamed(count, featured_history, "");
  INFO(t.streamed << " of " << count << " streamed");
  CHECK(t.streamed * 2 > count);  // Most take the streaming path; the rest say why they cannot.
}

// p1 sends message 1 in tenant blue with tag TagB, delayed to 100us; group billing (filter
// TagA, tenant red, principal bob may read nothing) polls it at 40us.
testing::FeatureHistoryBuilder featured() {
  testing::FeatureHistoryBuilder b;
  b.header().groups["billing"].filter = {"TagA"};
  b.header().groups["billing"].tenant = "red";
  b.header().acls["alice"].produce = {"orders"};
  b.header().acls["bob"];
  history::Record rec = testing::delayed(testing::msg(1), 100);
  rec.tag = "TagB";
  b.op(OpType::invoke, OpKind::send, "p1", {rec}, {.tenant = "blue", .principal = "alice"});
  b.op(OpType::ok, OpKind::send, "p1", {testing::msg(1)}, {.tenant = "blue", .principal = "alice"});
  b.at(40).op(OpType::ok, OpKind::poll, "billing-0", {testing::msg(1)},
              {.group = "billing", .principal = "bob"});
  return b;
}

TEST_CASE("the feature properties are judged on the streaming path", "[checker][features][stream]") {
  testing::FeatureHistoryBuilder b = featured();
  Streamed const s = stream(b.history());
  CHECK_FALSE(s.loaded);
  CHECK(s.stats.features_streamed);
  CHECK(s.report == check_history(b.history()));
  std::vector<std::string> invalid;
  for (Verdict const& v : s.report.verdicts)
    if (v.validity == Validity::invalid) invalid.push_back(v.guarantee);
  // One poll breaks four promises: early, outside the filter, across tenants, unauthorized.
  CHECK(invalid == std::vector<std::string>{"delay", "filtering", "tenancy", "authorization"});
}

TEST_CASE("the feature stream loads the history where one pass cannot match it",
          "[checker][features][stream]") {
  SECTION("a send states a tag after the message was consumed") {
    testing::FeatureHistoryBuilder b = featured();
    history::Record tagged = testing::msg(1);
    tagged.tag = "TagA";  // The first tag stated stays TagB, so the retry changes nothing...
    b.op(OpType::ok, OpKind::send, "p1", {tagged}, {.tenant = "blue", .principal = "alice"});
    CHECK_FALSE(stream(b.history()).loaded);
    testing::FeatureHistoryBuilder c;  // ...but a first tag stated after the poll does.
    c.header().groups["billing"].filter = {"TagA"};
    c.op(OpType::ok, OpKind::send, "p1", {testing::msg(1)});
    c.op(OpType::ok, OpKind::poll, "billing-0", {testing::msg(1)}, {.group = "billing"});
    c.op(OpType::ok, OpKind::send, "p1", {tagged});
    Streamed const s = stream(c.history());
    CHECK(s.loaded);
    CHECK(s.report == check_history(c.history()));
  }
  SECTION("a plain history whose first feature op comes after client ops") {
    testing::FeatureHistoryBuilder b;
    b.op(OpType::ok, OpKind::send, "p1", {testing::msg(1)});
    b.op(OpType::ok, OpKind::send, "p1", {testing::delayed(testing::msg(2), 100)});
    Streamed const s = stream(b.history());
    CHECK(s.loaded);
    CHECK(s.report == check_history(b.history()));
  }
}

// A random history with every feature but broadcast (its group is made a plain one), so that
// dead letters stream; injected and damaged as featured_history's are.
history::History dead_letter_history(std::uint64_t seed) {
  SplitMix64 rng(seed);
  history::History h = testing::random_valid_history(seed, testing::featured_shape(rng));
  testing::maybe_inject(h, rng, 0.7);
  testing::maybe_damage(h, rng);
  history::Header header = h.header();
  for (auto& [group, spec] : header.groups) spec.mode = history::GroupSpec{}.mode;
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  if (rng.chance(0.5))  // Priority with dispatch events loads the history: half go without.
    for (Op& op : ops)
      for (history::Record& record : op.value) record.priority.reset();
  return testing::rebuild(header, std::move(ops));
}

Verdict const* dead_letter_verdict(DeliveryReport const& report) {
  return testing::verdict_named(report, "dead-letter");
}

TEST_CASE("check_streaming gives check_history's report on histories with dead letters",
          "[checker][features][stream]") {
  std::uint64_t const count = mqcheck::testing::soak(300);
  testing::Tally const t = testing::agree_streamed(count, dead_letter_history, "dead-letter");
  INFO(t.streamed << " of " << count << " streamed, " << t.streamed_invalid << " invalid");
  CHECK(t.judged == count);  // Every history has a dead-letter group.
  CHECK(t.streamed * 4 > count);
  CHECK(t.streamed_invalid > 0);  // Streamed with a dead-letter anomaly.
}

// Group billing dead-letters to orders-dlq after 2 nacks; p1 sends message 1 and billing
// rejects it three times; the dead-letter topic gets it `copies` times.
testing::FeatureHistoryBuilder dead_lettered(int copies) {
  testing::FeatureHistoryBuilder b;
  b.header().groups["billing"].dead_letter_topic = "orders-dlq";
  b.header().groups["billing"].dead_letter_after = 2;
  b.header().subscriptions["orders"] = {"billing"};
  b.op(OpType::invoke, OpKind::send, "p1", {testing::msg(1)});
  b.op(OpType::ok, OpKind::send, "p1", {testing::msg(1)});
  for (int i = 0; i < 3; ++i)
    b.op(OpType::ok, OpKind::nack, "billing-0", {testing::msg(1)}, {.group = "billing"});
  for (int i = 0; i < copies; ++i)
    b.op(OpType::event, OpKind::append, "broker-0", {testing::msg(1, "orders-dlq")});
  return b;
}

TEST_CASE("dead letters are judged on the streaming path", "[checker][features][stream]") {
  int const copies = GENERATE(0, 1, 2);
  CAPTURE(copies);
  testing::FeatureHistoryBuilder b = dead_lettered(copies);
  Streamed const s = stream(b.history());
  CHECK_FALSE(s.loaded);
  CHECK(s.stats.features_streamed);
  CHECK(s.report == check_history(b.history()));
  Verdict const* const verdict = dead_letter_verdict(s.report);
  REQUIRE(verdict != nullptr);
  CHECK(verdict->validity == (copies == 1 ? Validity::valid : Validity::invalid));
  if (copies != 1) {
    REQUIRE(verdict->anomalies.size() == 1);
    CHECK(verdict->anomalies[0].kind == (copies == 0 ? "dlq-missing" : "dlq-duplicate"));
  }
}

TEST_CASE("a dead-letter copy after its message settled loads the history",
          "[checker][features][stream]") {
  testing::FeatureHistoryBuilder b = dead_lettered(0);
  // Billing processes message 1 after all, so delivery settles it; messages 2..9 pass by.
  b.op(OpType::invoke, OpKind::process, "billing-0", {testing::msg(1)}, {.group = "billing"});
  b.op(OpType::ok, OpKind::process, "billing-0", {testing::msg(1)}, {.group = "billing"});
  for (std::uint64_t i = 2; i < 10; ++i) {
    b.op(OpType::invoke, OpKind::send, "p1", {testing::msg(i)});
    b.op(OpType::ok, OpKind::send, "p1", {testing::msg(i)});
  }
  history::History const early = b.history();
  b.op(OpType::event, OpKind::append, "broker-0", {testing::msg(1, "orders-dlq")});
  Streamed const late = stream(b.history(), 1);
  CHECK(late.loaded);
  CHECK(late.report == check_history(b.history()));
  Streamed const in_time = stream(early, 1);  // Nothing after the settle: judged then.
  CHECK_FALSE(in_time.loaded);
  CHECK(in_time.report == check_history(early));
}

// n messages, each sent in tenant blue, polled and processed by group g (tenant blue). With
// `dead_letters`, g dead-letters after one nack, and every third message is rejected once and
// lands in orders-dlq before g processes its redelivery.
history::History long_tenant_history(std::uint64_t n, bool dead_letters = false) {
  testing::FeatureHistoryBuilder b;
  b.header().groups["g"].tenant = "blue";
  b.header().subscriptions["orders"] = {"g"};
  if (dead_letters) {
    b.header().groups["g"].dead_letter_topic = "orders-dlq";
    b.header().groups["g"].dead_letter_after = 1;
  }
  for (std::uint64_t i = 1; i <= n; ++i) {
    history::Record const m = testing::msg(i);
    b.op(OpType::invoke, OpKind::send, "p1", {m}, {.tenant = "blue"});
    b.op(OpType::ok, OpKind::send, "p1", {m}, {.tenant = "blue"});
    b.op(OpType::ok, OpKind::poll, "g-0", {m}, {.group = "g"});
    if (dead_letters && i % 3 == 0) {
      b.op(OpType::ok, OpKind::nack, "g-0", {m}, {.group = "g"});
      b.op(OpType::event, OpKind::append, "broker-0", {testing::msg(i, "orders-dlq")});
    }
    b.op(OpType::invoke, OpKind::process, "g-0", {m}, {.group = "g"});
    b.op(OpType::ok, OpKind::process, "g-0", {m}, {.group = "g"});
  }
  return b.history();
}

TEST_CASE("the feature stream lets settled messages go: memory flat as the history grows",
          "[checker][features][stream]") {
  std::size_t peak[2] = {0, 0};
  std::uint64_t const sizes[2] = {mqcheck::testing::soak(2'000), mqcheck::testing::soak(20'000)};
  for (int i = 0; i < 2; ++i) {
    history::History const h = long_tenant_history(sizes[i]);
    Streamed const s = stream(h, 64);
    REQUIRE_FALSE(s.loaded);
    REQUIRE(s.stats.features_streamed);
    REQUIRE(s.report == check_history(h));
    peak[i] = s.stats.memory_peak_bytes;
  }
  CAPTURE(peak[0], peak[1]);
  CHECK(peak[1] < peak[0] * 2);  // Ten times the history, not ten times the memory.
}

// The delivery pass's own dead-letter tracker (send_outcomes.hpp) keeps every nack count, so
// the feature stream is measured alone here, told of each settle as the delivery pass would.
TEST_CASE("the feature stream lets dead-letter facts go when their message settles",
          "[checker][features][stream]") {
  std::size_t peak[2] = {0, 0};
  std::uint64_t const sizes[2] = {mqcheck::testing::soak(2'000), mqcheck::testing::soak(20'000)};
  for (int i = 0; i < 2; ++i) {
    history::History const h = long_tenant_history(sizes[i], true);
    FeatureStream features(h.header());
    for (Op const& op : h.ops()) {
      features.observe(op);
      if (op.f == OpKind::process && op.type == OpType::ok) features.forget(op.value[0].id);
      peak[i] = std::max(peak[i], features.memory_bytes());
    }
    std::vector<Verdict> verdicts = features.finish();
    REQUIRE(features.decided());
    std::vector<Verdict> whole = check_features(h);
    auto const by_guarantee = [](Verdict const& a, Verdict const& b) {
      return a.guarantee < b.guarantee;
    };
    std::sort(verdicts.begin(), verdicts.end(), by_guarantee);  // compose orders them.
    std::sort(whole.begin(), whole.end(), by_guarantee);
    REQUIRE(verdicts == whole);
    REQUIRE(whole.size() == 2);  // dead-letter and tenancy, both judged.
  }
  CAPTURE(peak[0], peak[1]);
  CHECK(peak[1] < peak[0] * 2);
}

}  // namespace
}  // namespace mqcheck::checker
