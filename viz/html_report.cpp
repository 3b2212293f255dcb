// SPDX-License-Identifier: Apache-2.0
// File: viz/html_report.cpp (layer: viz)
// The report page: sections in the order a reader asks their questions — what ran, did it
// hold, where did it break (anomalies linked into the diagram), step through it, what faults
// struck, how much and how fast.
#include "viz/html_report.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/time.hpp"
#include "viz/escape.hpp"
#include "viz/lanes.hpp"
#include "viz/latency.hpp"
#include "viz/report_assets.hpp"
#include "viz/report_sections.hpp"
#include "viz/spacetime_marks.hpp"
#include "viz/stepper.hpp"
#include "viz/verdict_table.hpp"

namespace mqcheck::viz {
namespace {

using checker::Validity;

std::string esc(std::string_view s) { return xml_escape(s); }

std::string verdict_cell(Validity v) {
  std::string const name(to_string(v));
  return "<td class=\"v-" + name + "\">" + name + "</td>";
}

}  // namespace

std::string verdicts_html(checker::DeliveryReport const& report, ReportInput const& input) {
  std::string out =
      "<h2 id=\"verdicts\">Verdicts</h2><table><tr><th>guarantee</th><th>verdict"
      "</th><th>expected</th><th>promised</th><th>anomalies</th><th>reason</th></tr>";
  for (checker::Verdict const& v : report.verdicts) {
    auto const e =
        std::find_if(input.expected.begin(), input.expected.end(),
                     [&](ExpectedVerdict const& x) { return x.guarantee == v.guarantee; });
    bool const mismatch = e != input.expected.end() && e->validity != v.validity;
    bool const promised = std::find(report.unpromised.begin(), report.unpromised.end(),
                                    v.guarantee) == report.unpromised.end();
    out += std::string("<tr") + (mismatch ? " class=\"mismatch\"" : "") + "><td>" +
           esc(v.guarantee) + "</td>" + verdict_cell(v.validity) +
           (e == input.expected.end() ? "<td></td>" : verdict_cell(e->validity)) + "<td>" +
           (promised ? "yes" : "no") + "</td><td>" + std::to_string(v.anomalies.size()) +
           "</td><td>" + esc(v.reason) + "</td></tr>";
  }
  return out + "</table>";
}

namespace {

std::string witness_links(checker::Anomaly const& a, std::set<std::uint64_t> const& shown) {
  std::string out;
  for (std::uint64_t w : a.witnesses) {
    std::string const n = std::to_string(w);
    if (shown.contains(w)) {
      out += "<a class=\"wit\" href=\"#op-" + n + "\" data-op=\"" + n + "\">#" + n + "</a> ";
    } else {
      out += "<span class=\"note\" title=\"not in the diagram: filter on message m" +
             std::to_string(a.message.value) + "\">#" + n + "</span> ";
    }
  }
  return out;
}

std::string anomaly_rows(std::vector<checker::Anomaly> const& anomalies, std::string const& label,
                         std::set<std::uint64_t> const& shown, std::size_t rows_max) {
  std::string out;
  std::size_t n = 0;
  for (checker::Anomaly const& a : anomalies) {
    if (n++ == rows_max) {
      out += "<tr><td colspan=\"6\">\xE2\x80\xA6 " + std::to_string(anomalies.size() - rows_max) +
             " more</td></tr>";
      break;
    }
    out += "<tr id=\"anomaly-" + esc(label) + "-" + std::to_string(n) + "\"><td>" + esc(label) +
           "</td><td>" + esc(a.kind) + "</td><td>m" + std::to_string(a.message.value) +
           "</td><td>" + esc(a.group) + "</td><td>" + witness_links(a, shown) + "</td><td>" +
           esc(a.explanation) + "</td></tr>";
  }
  return out;
}

}  // namespace

std::string anomalies_html(checker::DeliveryReport const& report,
                           std::set<std::uint64_t> const& shown) {
  std::string rows;
  for (checker::Verdict const& v : report.verdicts) {
    if (v.guarantee == "exactly-once") continue;  // Repeats the anomalies of the others.
    rows += anomaly_rows(v.anomalies, v.guarantee, shown, 50);
  }
  rows += anomaly_rows(report.permitted, "permitted", shown, 50);
  std::string out = "<h2 id=\"anomalies\">Anomalies</h2>";
  if (rows.empty()) return out + "<p>None: no guarantee was violated.</p>";
  return out +
         "<p class=\"note\">Witness links jump to the op in the diagram and the stepper."
         "</p><table><tr><th>guarantee</th><th>kind</th><th>message</th><th>group</th>"
         "<th>witnesses</th><th>explanation</th></tr>" +
         rows + "</table>";
}

std::string counts_html(history::History const& history, checker::Counts const& c) {
  std::string out = "<h2 id=\"counts\">Counts</h2><table><tr>";
  auto const fields = count_fields(c);
  for (auto const& f : fields) out += "<th>" + std::string(f.first) + "</th>";
  out += "</tr><tr>";
  for (auto const& f : fields) out += "<td>" + std::to_string(f.second) + "</td>";
  out += "</tr></table><table><tr><th>op</th><th>count</th></tr>";
  std::map<std::string, std::int64_t> ops;
  for (history::Op const& op : history.ops()) {
    ++ops[std::string(to_string(op.type)) + " " + std::string(to_string(op.f))];
  }
  for (auto const& [k, n] : ops)
    out += "<tr><td>" + k + "</td><td>" + std::to_string(n) + "</td></tr>";
  return out + "</table>";
}

std::string faults_html(history::History const& history, std::set<std::uint64_t> const& shown) {
  std::string rows;
  std::map<std::string, std::int64_t> network;
  for (history::Op const& op : history.ops()) {
    if (op.f == history::OpKind::drop || op.f == history::OpKind::duplicate) {
      ++network[std::string(to_string(op.f)) + ": " + op.detail];
    }
    if (!is_fault_event(op)) continue;
    std::string const n = std::to_string(op.index);
    std::string const at =
        shown.contains(op.index)
            ? "<a href=\"#op-" + n + "\" class=\"wit\" data-op=\"" + n + "\">#" + n + "</a>"
            : "#" + n;
    rows += "<tr><td>" + format_duration(op.time - SimTimeUs{}) + "</td><td>" + at + "</td><td>" +
            esc(op.process) + "</td><td>" + std::string(to_string(op.f)) + "</td><td>" +
            esc(op.detail) + "</td></tr>";
  }
  std::string out = "<h2 id=\"faults\">Fault timeline</h2>";
  out += rows.empty() ? "<p>No crash, power loss, pause or partition.</p>"
                      : "<table><tr><th>time</th><th>op</th><th>node</th><th>fault</th>"
                        "<th>detail</th></tr>" +
                            rows + "</table>";
  if (!network.empty()) {
    out += "<table><tr><th>network event</th><th>count</th></tr>";
    for (auto const& [k, v] : network) {
      out += "<tr><td>" + esc(k) + "</td><td>" + std::to_string(v) + "</td></tr>";
    }
    out += "</table>";
  }
  return out;
}

namespace {

std::string latency_row(char const* name, std::vector<std::int64_t> const& v) {
  std::string out =
      std::string("<tr><td>") + name + "</td><td>" + std::to_string(v.size()) + "</td>";
  for (int p : {50, 90, 99, 100}) {
    out += "<td>" + (v.empty() ? std::string("-") : format_duration(DurationUs{percentile(v, p)})) +
           "</td>";
  }
  return out + "</tr>";
}

}  // namespace

std::string latency_html(history::History const& history) {
  Latencies const l = latencies_of(history);
  return "<h2 id=\"latency\">Latency</h2><table><tr><th>from send to</th><th>samples</th>"
         "<th>p50</th><th>p90</th><th>p99</th><th>max</th></tr>" +
         latency_row("confirm", l.send_to_confirm_us) +
         latency_row("processed", l.send_to_process_us) + "</table>" +
         histogram_svg(l.send_to_confirm_us, "send \xE2\x86\x92 confirm") +
         histogram_svg(l.send_to_process_us, "send \xE2\x86\x92 processed");
}

std::string describe_filter(EventFilter const& f) {
  if (f.selects_all()) return "everything";
  std::string out;
  auto const clause = [&](std::string const& c) { out += (out.empty() ? "" : "; ") + c; };
  if (!f.messages.empty()) {
    std::string ids;
    for (MessageId m : f.messages) ids += (ids.empty() ? "m" : ", m") + std::to_string(m.value);
    clause("messages " + ids + " (and faults and partition events)");
  }
  if (f.partition) {
    clause("partition " + std::to_string(*f.partition) + " (and faults and partition events)");
  }
  if (f.from) clause("from " + format_duration(*f.from - SimTimeUs{}));
  if (f.to) clause("to " + format_duration(*f.to - SimTimeUs{}));
  return out;
}

EventFilter default_filter(history::History const& history, checker::DeliveryReport const& report,
                           std::size_t events_max) {
  EventFilter f;
  if (history.size() <= events_max || events_max == 0) return f;
  for (auto const& [message, kind] : highlights_of(&report).kinds) {
    if (f.messages.size() == 3) break;
    f.messages.push_back(message);
  }
  if (f.messages.empty()) f.to = history.ops()[events_max - 1].time;
  return f;
}

}  // namespace mqcheck::viz
