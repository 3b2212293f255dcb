// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/exactly_once_test.cpp (tests, layer: checker)
// Exactly-once is the worst of at-most-once, at-least-once and no-unexpected, with the union
// of their anomalies; the report's order, its counts, and its determinism.
#include <catch2/catch.hpp>

#include <algorithm>

#include "checker/delivery.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpType;
using testing::HistoryBuilder;
using testing::verdict_of;

TEST_CASE("the report lists the four guarantees in a fixed order", "[checker]") {
  std::vector<std::string_view> const names{"at-most-once", "at-least-once", "exactly-once",
                                            "no-unexpected"};
  CHECK(guarantee_names() == names);
  DeliveryReport const report = check_delivery(history::History{});
  REQUIRE(report.verdicts.size() == 4);
  for (std::size_t i = 0; i < names.size(); ++i) {
    CHECK(report.verdicts[i].guarantee == names[i]);
    CHECK(report.verdicts[i].validity == Validity::valid);  // Nothing happened, nothing broke.
  }
  CHECK(report.counts == Counts{});
}

TEST_CASE("exactly-once is the worst of the three, with their anomalies", "[checker]") {
  bool const lost = GENERATE(false, true);
  int const duplicate = GENERATE(0, 1, 2);  // None, possible (info), proven (two oks).
  bool const unexpected = GENERATE(false, true);
  bool const drained = GENERATE(false, true);
  CAPTURE(lost, duplicate, unexpected, drained);

  HistoryBuilder b;
  b.drained(drained).subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::ok, "billing", {1});
  if (lost) {
    b.send(OpType::invoke, "p1", {2});
    b.send(OpType::ok, "p1", {2});
  }
  if (duplicate > 0) b.process(duplicate == 1 ? OpType::info : OpType::ok, "billing", {1});
  if (unexpected) b.process(OpType::ok, "billing", {9});
  DeliveryReport const report = check_delivery(b.history());

  Validity const at_most = std::array{Validity::valid, Validity::unknown,
                                      Validity::invalid}[static_cast<std::size_t>(duplicate)];
  Validity const at_least =
      !lost ? Validity::valid : (drained ? Validity::invalid : Validity::unknown);
  Validity const none_unexpected = unexpected ? Validity::invalid : Validity::valid;
  CHECK(verdict_of(report, "at-most-once").validity == at_most);
  CHECK(verdict_of(report, "at-least-once").validity == at_least);
  CHECK(verdict_of(report, "no-unexpected").validity == none_unexpected);

  Verdict const& exactly = verdict_of(report, "exactly-once");
  CHECK(exactly.validity == worst(worst(at_most, at_least), none_unexpected));
  std::vector<Anomaly> all;
  std::string reason;
  for (std::string_view name : {"at-most-once", "at-least-once", "no-unexpected"}) {
    Verdict const& part = verdict_of(report, name);
    all.insert(all.end(), part.anomalies.begin(), part.anomalies.end());
    if (part.validity != Validity::valid)
      reason += (reason.empty() ? "" : "; ") + part.guarantee + ": " + part.reason;
  }
  sort_anomalies(all);
  CHECK(exactly.anomalies == all);
  CHECK(exactly.reason == reason);
  CHECK(exactly.anomalies.size() == (lost ? 1u : 0u) + (duplicate == 2 ? 1u : 0u) +
                                        (unexpected ? 1u : 0u));
}

TEST_CASE("exactly-once: the reason names each failing guarantee", "[checker]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  auto const inv1 = b.send(OpType::invoke, "p1", {1});
  auto const ok1 = b.send(OpType::ok, "p1", {1});
  b.send(OpType::invoke, "p1", {2});
  b.send(OpType::ok, "p1", {2});
  auto const first = b.process(OpType::ok, "billing", {2});
  auto const second = b.process(OpType::ok, "billing", {2});
  Verdict const& verdict = verdict_of(check_delivery(b.history()), "exactly-once");
  CHECK(verdict.validity == Validity::invalid);
  CHECK(verdict.reason ==
        "at-most-once: 1 message processed more than once by the same group; at-least-once: 1 "
        "acknowledged message lost (never processed by a group that must read the topic, after "
        "a final drain)");
  REQUIRE(verdict.anomalies.size() == 2);
  CHECK(verdict.anomalies[0].kind == "lost");
  CHECK(verdict.anomalies[0].witnesses == std::vector<std::uint64_t>{inv1, ok1});
  CHECK(verdict.anomalies[1].kind == "duplicated");
  CHECK(verdict.anomalies[1].witnesses == std::vector<std::uint64_t>{first, second});
}

TEST_CASE("counts add up over a mixed history", "[checker]") {
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1, 2, 3});
  b.send(OpType::ok, "p1", {1, 2, 3});  // 1 processed twice, 2 lost, 3 processed.
  b.send(OpType::invoke, "p1", {4});
  b.send(OpType::info, "p1", {4});      // Recovered.
  b.send(OpType::invoke, "p1", {5});
  b.send(OpType::fail, "p1", {5});      // Failed, then processed: unexpected.
  b.send(OpType::invoke, "p2", {6});    // Open, never processed.
  b.process(OpType::ok, "billing", {1, 3, 4});
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::ok, "billing", {5});
  b.process(OpType::ok, "billing", {10});  // Never sent: unexpected.
  DeliveryReport const report = check_delivery(b.history());
  CHECK(report.counts == Counts{.sent = 6,
                                .acknowledged = 3,
                                .failed = 1,
                                .unknown = 2,
                                .processed = 6,
                                .lost = 1,
                                .duplicated = 1,
                                .recovered = 1,
                                .unexpected = 2,
                                .unseen = 0});
  CHECK(report.counts.acknowledged + report.counts.failed + report.counts.unknown ==
        report.counts.sent);
}

TEST_CASE("the same history gives the same report", "[checker][determinism]") {
  HistoryBuilder b;
  for (std::uint64_t id = 1; id <= 20; ++id) {
    b.send(OpType::invoke, "p" + std::to_string(id % 3), {id});
    b.send(id % 4 == 0 ? OpType::info : OpType::ok, "p" + std::to_string(id % 3), {id});
  }
  for (std::uint64_t id = 20; id >= 1; --id) {
    if (id % 5 != 0) b.process(OpType::ok, id % 2 == 0 ? "billing" : "audit", {id});
    if (id % 7 == 0) b.process(OpType::ok, "billing", {id});
  }
  DeliveryReport const first = check_delivery(b.history());
  CHECK(first == check_delivery(b.history()));
  for (Verdict const& verdict : first.verdicts) {
    CAPTURE(verdict.guarantee);
    CHECK(std::is_sorted(verdict.anomalies.begin(), verdict.anomalies.end(),
                         [](Anomaly const& x, Anomaly const& y) {
                           return x.witnesses.front() < y.witnesses.front();
                         }));
  }
  CHECK(first.counts.lost > 0);  // The history does exercise the checker.
  CHECK(first.counts.duplicated > 0);
}

}  // namespace
}  // namespace mqcheck::checker
