// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/verdict_table_test.cpp (tests, layer: viz)
// The verdict table and its JSON twin, on small hand-made reports: whole renderings are
// asserted byte for byte, so any change to the layout shows up here first.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "viz/verdict_table.hpp"

namespace mqcheck::viz {
namespace {

using checker::Anomaly;
using checker::DeliveryReport;
using checker::Validity;
using checker::Verdict;

constexpr char const* lost_reason = "1 acknowledged message lost";
constexpr char const* lost_explanation =
    "message 1 was acknowledged to p1 (op 1) but group billing never processed it";

// One lost message (1, for billing) and one recovered; nothing else went wrong.
DeliveryReport one_lost_report() {
  Anomaly const lost{"lost", MessageId{1}, "billing", {0, 1}, lost_explanation};
  DeliveryReport report;
  report.counts = checker::Counts{.sent = 3,
                                  .acknowledged = 2,
                                  .failed = 0,
                                  .unknown = 1,
                                  .processed = 3,
                                  .lost = 1,
                                  .duplicated = 0,
                                  .recovered = 1,
                                  .unexpected = 0,
                                  .unseen = 0};
  report.verdicts = {
      Verdict{"at-most-once", Validity::valid, {}, ""},
      Verdict{"at-least-once", Validity::invalid, {lost}, lost_reason},
      Verdict{"exactly-once", Validity::invalid, {lost},
              std::string("at-least-once: ") + lost_reason},
      Verdict{"no-unexpected", Validity::valid, {}, ""},
  };
  return report;
}

TEST_CASE("the verdict table, with expectations and a mismatch", "[viz]") {
  std::vector<ExpectedVerdict> const expected{{"at-least-once", Validity::valid},
                                              {"exactly-once", Validity::invalid},
                                              {"ordering", Validity::valid}};
  CHECK(render_verdict_table(one_lost_report(), expected) ==
        "guarantee      verdict  expected\n"
        "at-most-once   valid    -\n"
        "at-least-once  invalid  valid     <- differs\n"
        "exactly-once   invalid  invalid\n"
        "no-unexpected  valid    -\n"
        "\n"
        "counts: sent 3, acknowledged 2, processed 3, lost 1, duplicated 0, recovered 1, "
        "unexpected 0\n"
        "\n"
        "at-least-once is invalid: 1 acknowledged message lost\n"
        "  lost: message 1, group billing, ops 0, 1\n"
        "    message 1 was acknowledged to p1 (op 1) but group billing never processed it\n"
        "\n"
        "exactly-once is invalid: at-least-once: 1 acknowledged message lost\n");
}

TEST_CASE("the counts line shows unseen messages only when there are some", "[viz]") {
  DeliveryReport report = one_lost_report();
  report.counts.unseen = 2;
  CHECK(render_verdict_table(report, {}).find("unexpected 0, unseen 2\n") != std::string::npos);
}

TEST_CASE("the verdict table without expectations has no expected column", "[viz]") {
  DeliveryReport report = one_lost_report();
  report.verdicts[1].validity = Validity::unknown;
  report.verdicts[1].reason = "history not drained: 1 acknowledged message not yet processed";
  report.verdicts[1].anomalies.clear();
  report.verdicts.resize(2);
  CHECK(render_verdict_table(report, {}) ==
        "guarantee      verdict\n"
        "at-most-once   valid\n"
        "at-least-once  unknown\n"
        "\n"
        "counts: sent 3, acknowledged 2, processed 3, lost 1, duplicated 0, recovered 1, "
        "unexpected 0\n"
        "\n"
        "at-least-once is unknown: history not drained: 1 acknowledged message not yet "
        "processed\n");
}

TEST_CASE("the verdict table shows at most anomalies_max anomalies", "[viz]") {
  DeliveryReport report = one_lost_report();
  report.verdicts.erase(report.verdicts.begin() + 2, report.verdicts.end());
  std::vector<Anomaly>& anomalies = report.verdicts[1].anomalies;
  anomalies.push_back(Anomaly{"lost", MessageId{2}, "billing", {4}, "second"});
  anomalies.push_back(Anomaly{"lost", MessageId{3}, "audit", {6, 9}, "third"});
  std::string const head =
      "guarantee      verdict  expected\n"
      "at-most-once   valid    valid\n"
      "at-least-once  invalid  invalid\n"
      "\n"
      "counts: sent 3, acknowledged 2, processed 3, lost 1, duplicated 0, recovered 1, "
      "unexpected 0\n"
      "\n"
      "at-least-once is invalid: 1 acknowledged message lost\n"
      "  lost: message 1, group billing, ops 0, 1\n"
      "    message 1 was acknowledged to p1 (op 1) but group billing never processed it\n";
  std::vector<ExpectedVerdict> const expected{{"at-most-once", Validity::valid},
                                              {"at-least-once", Validity::invalid}};
  CHECK(render_verdict_table(report, expected, 1) == head + "  ... and 2 more anomalies\n");
  CHECK(render_verdict_table(report, expected, 2) ==
        head + "  lost: message 2, group billing, op 4\n    second\n  ... and 1 more anomaly\n");
  CHECK(render_verdict_table(report, expected, 3) ==
        head +
            "  lost: message 2, group billing, op 4\n    second\n"
            "  lost: message 3, group audit, ops 6, 9\n    third\n");
  CHECK(render_verdict_table(report, expected, 0).ends_with(
      "at-least-once is invalid: 1 acknowledged message lost\n  ... and 3 more anomalies\n"));
}

TEST_CASE("the verdict JSON", "[viz]") {
  DeliveryReport report = one_lost_report();
  report.verdicts.erase(report.verdicts.begin() + 2, report.verdicts.end());
  std::vector<ExpectedVerdict> const expected{{"at-least-once", Validity::valid}};
  CHECK(render_verdict_json(report, expected) == R"({
  "verdicts": [
    {
      "guarantee": "at-most-once",
      "verdict": "valid",
      "expected": null,
      "reason": "",
      "anomalies": []
    },
    {
      "guarantee": "at-least-once",
      "verdict": "invalid",
      "expected": "valid",
      "reason": "1 acknowledged message lost",
      "anomalies": [
        {
          "kind": "lost",
          "message": 1,
          "group": "billing",
          "witnesses": [
            0,
            1
          ],
          "explanation": "message 1 was acknowledged to p1 (op 1) but group billing never processed it"
        }
      ]
    }
  ],
  "counts": {
    "sent": 3,
    "acknowledged": 2,
    "failed": 0,
    "unknown": 1,
    "processed": 3,
    "lost": 1,
    "duplicated": 0,
    "recovered": 1,
    "unexpected": 0,
    "unseen": 0
  }
})");
}

TEST_CASE("the verdict JSON holds every anomaly of the full report", "[viz]") {
  DeliveryReport report = one_lost_report();
  report.verdicts[1].anomalies.push_back(Anomaly{"lost", MessageId{2}, "audit", {4}, "x"});
  nlohmann::json const parsed = nlohmann::json::parse(render_verdict_json(report, {}));
  REQUIRE(parsed.at("verdicts").size() == 4);
  CHECK(parsed.at("verdicts").at(1).at("anomalies").size() == 2);
  CHECK(parsed.at("verdicts").at(1).at("anomalies").at(1).at("message") == 2);
  CHECK(parsed.at("verdicts").at(2).at("verdict") == "invalid");
  CHECK(parsed.at("verdicts").at(3).at("expected").is_null());
  CHECK(parsed.at("counts").at("recovered") == 1);
}

}  // namespace
}  // namespace mqcheck::viz
