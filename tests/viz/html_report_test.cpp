// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/html_report_test.cpp (tests, layer: viz)
// The HTML report: self-contained (no network, no external script), every section present,
// witnesses linked to diagram anchors, user strings escaped everywhere (markup, attributes,
// the embedded JSON), deterministic, and large histories narrowed by default.
#include "viz/html_report.hpp"

#include <catch2/catch.hpp>

#include "checker/check.hpp"
#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using namespace test;

std::string report_of(History const& h, ReportInput input = {}) {
  checker::DeliveryReport const report = checker::check_history(h);
  return render_html_report(h, report, input);
}

TEST_CASE("html report is one self-contained page with every section", "[viz]") {
  ReportInput input;
  input.source = "scenarios/x.yaml";
  input.scenario_text = "name: x\nbroker: reference\n";
  input.expected = {{"at-least-once", checker::Validity::invalid}};
  std::string const page = report_of(power_loss_history(), input);
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  for (char const* id : {"verdicts", "anomalies", "diagram", "faults", "counts", "latency",
                         "config", "mq-stepper", "mq-steps", "mq-nodes"}) {
    CHECK(page.find(std::string("id=\"") + id + "\"") != std::string::npos);
  }
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(count_of(page, "http://") == count_of(page, "http://www.w3.org/2000/svg"));
  CHECK(page.find("default-src 'none'") != std::string::npos);  // The browser enforces it.
  CHECK(page.find("<td class=\"v-invalid\">invalid</td>") != std::string::npos);
  CHECK(page.find("name: x\nbroker: reference") != std::string::npos);
}

TEST_CASE("html report links each witness to its mark in the diagram", "[viz]") {
  History const h = power_loss_history();
  checker::DeliveryReport const report = checker::check_history(h);
  std::string const page = render_html_report(h, report, {});
  for (checker::Verdict const& v : report.verdicts) {
    for (checker::Anomaly const& a : v.anomalies) {
      for (std::uint64_t w : a.witnesses) {
        std::string const n = std::to_string(w);
        CHECK(page.find("href=\"#op-" + n + "\"") != std::string::npos);
        CHECK(page.find("<g id=\"op-" + n + "\"") != std::string::npos);
      }
    }
  }
}

TEST_CASE("html report escapes hostile names in markup and in the embedded data", "[viz]") {
  std::string const evil = "<script>alert('x')</script>\"";
  History h = power_loss_history(evil, "broker\"><img src=x onerror=alert(1)>");
  h.header().scenario = "</title><script>alert(2)</script>";
  add(h, 6000, "network", OpType::event, OpKind::drop, {}, {}, "</script><script>alert(3)//");
  ReportInput input;
  input.source = "a<b>.jsonl";
  input.scenario_text = "name: \"</pre><script>alert(4)</script>\"";
  std::string const page = report_of(h, input);
  CHECK(count_of(page, "<script>") == 1);  // Only the report's own script.
  CHECK(count_of(page, "<script") == 3);   // And its two JSON data elements.
  CHECK(page.find("<img") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;") != std::string::npos);
  CHECK(page.find("\\u003c/script>\\u003cscript>alert(3)") != std::string::npos);
  CHECK(page.find("a&lt;b&gt;.jsonl") != std::string::npos);
}

TEST_CASE("html report is deterministic", "[viz]") {
  History const h = duplicate_history();
  CHECK(report_of(h) == report_of(h));
}

TEST_CASE("a large history is narrowed to its anomalous messages by default", "[viz]") {
  History const h = power_loss_history();
  checker::DeliveryReport const report = checker::check_history(h);
  CHECK(default_filter(h, report, 100).selects_all());
  EventFilter const f = default_filter(h, report, 5);
  CHECK(f.messages == std::vector<MessageId>{MessageId{2}});
  CHECK(describe_filter(f) == "messages m2 (and faults and partition events)");
  History const clean = duplicate_history();
  checker::DeliveryReport const clean_report = checker::check_history(clean);
  EventFilter const g = default_filter(clean, clean_report, 4);
  if (clean_report.verdicts.empty() || g.messages.empty()) {
    CHECK(g.to == std::optional<SimTimeUs>(SimTimeUs{300}));
  }
  ReportInput input;
  input.diagram.events_max = 5;
  std::string const page = render_html_report(h, report, input);
  CHECK(page.find("Showing: messages m2 (and faults and partition events)") != std::string::npos);
  CHECK(page.find("<g id=\"op-0\"") == std::string::npos);  // m1's send is not drawn.
}

}  // namespace
}  // namespace mqcheck::viz
