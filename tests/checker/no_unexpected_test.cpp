// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/no_unexpected_test.cpp (tests, layer: checker)
// Unexpected processing: of a message never sent, or whose every send failed. Near misses:
// a failed send retried successfully, a send of unknown outcome, an info or failed process.
#include <catch2/catch.hpp>

#include "checker/delivery.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpType;
using testing::HistoryBuilder;
using testing::verdict_of;

Verdict no_unexpected(DeliveryReport const& report) {
  return verdict_of(report, "no-unexpected");
}

TEST_CASE("unexpected: a processed message that no producer sent", "[checker][unexpected]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::ok, "billing", {1});
  b.process(OpType::invoke, "billing", {9});
  auto const ghost = b.process(OpType::ok, "billing", {9});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = no_unexpected(report);
  CHECK(verdict.validity == Validity::invalid);
  CHECK(verdict.reason == "1 process op handled a message never sent or whose every send failed");
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{{"unexpected", MessageId{9}, "billing", {ghost},
                              "group billing processed message 9 (op 4) but no producer ever "
                              "sent it"}});
  CHECK(report.counts.unexpected == 1);
  CHECK(report.counts.sent == 1);  // Message 9 was never sent.
  CHECK(report.counts.processed == 2);
  CHECK(verdict_of(report, "exactly-once").validity == Validity::invalid);
  CHECK(verdict_of(report, "at-least-once").validity == Validity::valid);
}

TEST_CASE("unexpected: a processed message whose send failed", "[checker][unexpected]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  auto const fail = b.send(OpType::fail, "p1", {1});
  b.process(OpType::invoke, "billing", {1});
  auto const processed = b.process(OpType::ok, "billing", {1});
  Verdict const& verdict = no_unexpected(check_delivery(b.history()));
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{{"unexpected", MessageId{1}, "billing", {fail, processed},
                              "group billing processed message 1 (op 3) but its send failed "
                              "(op 1)"}});
}

TEST_CASE("unexpected: every send failed, and it was processed twice", "[checker][unexpected]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  auto const fail1 = b.send(OpType::fail, "p1", {1});
  b.send(OpType::invoke, "p1", {1});
  auto const fail2 = b.send(OpType::fail, "p1", {1});
  auto const first = b.process(OpType::ok, "billing", {1});
  auto const second = b.process(OpType::ok, "billing", {1});
  DeliveryReport const report = check_delivery(b.history());
  Verdict const& verdict = no_unexpected(report);
  CHECK(verdict.reason == "2 process ops handled a message never sent or whose every send failed");
  std::string const why = " but all its sends failed (ops 1, 3)";
  CHECK(verdict.anomalies ==
        std::vector<Anomaly>{{"unexpected", MessageId{1}, "billing", {fail1, fail2, first},
                              "group billing processed message 1 (op 4)" + why},
                             {"unexpected", MessageId{1}, "billing", {fail1, fail2, second},
                              "group billing processed message 1 (op 5)" + why}});
  CHECK(report.counts.unexpected == 2);
  CHECK(report.counts.duplicated == 1);  // At-most-once sees the two processes too.
  CHECK(report.counts.failed == 1);
}

TEST_CASE("not unexpected: a failed send retried successfully", "[checker]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::fail, "p1", {1});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::ok, "billing", {1});
  DeliveryReport const report = check_delivery(b.history());
  for (Verdict const& verdict : report.verdicts) {
    CAPTURE(verdict.guarantee);
    CHECK(verdict.validity == Validity::valid);
  }
  CHECK(report.counts.acknowledged == 1);
  CHECK(report.counts.failed == 0);
}

TEST_CASE("not unexpected: a send of unknown outcome is recovered", "[checker][recovered]") {
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::fail, "p1", {1});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::info, "p1", {1});
  b.process(OpType::ok, "billing", {1});
  DeliveryReport const report = check_delivery(b.history());
  CHECK(no_unexpected(report).validity == Validity::valid);
  CHECK(report.counts.recovered == 1);
  CHECK(report.counts.unexpected == 0);
}

TEST_CASE("not unexpected: an info or failed process of an unsent message", "[checker]") {
  HistoryBuilder b;
  b.process(OpType::invoke, "billing", {9});
  b.process(OpType::info, "billing", {9});
  b.process(OpType::invoke, "billing", {8});
  b.process(OpType::fail, "billing", {8});
  b.process(OpType::invoke, "billing", {7});  // Never completed.
  DeliveryReport const report = check_delivery(b.history());
  CHECK(no_unexpected(report).validity == Validity::valid);
  CHECK(report.counts.processed == 0);
  CHECK(report.counts.sent == 0);
}

}  // namespace
}  // namespace mqcheck::checker
