// SPDX-License-Identifier: Apache-2.0
// File: viz/html_report_page.cpp (layer: viz)
// Assembles the report page: header and configuration, verdicts, anomalies, the diagram with
// the stepper above it, faults, counts, latency; then the embedded JSON and the script.
#include <nlohmann/json.hpp>

#include "viz/escape.hpp"
#include "viz/event_filter.hpp"
#include "viz/html_report.hpp"
#include "viz/lanes.hpp"
#include "viz/report_assets.hpp"
#include "viz/report_sections.hpp"
#include "viz/stepper.hpp"

namespace mqcheck::viz {
namespace {

std::string head_html(history::History const& history, ReportInput const& input) {
  std::string const& name = history.header().scenario;
  std::string const title = name.empty() ? input.source : name;
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">"
      "<title>" +
      xml_escape(title) + " \xE2\x80\x94 mqcheck report</title><style>" + report_css() +
      "</style></head><body>\n<h1>" + xml_escape(title) + "</h1>";
  out += "<p>Source: <code>" + xml_escape(input.source) + "</code>";
  std::optional<std::uint64_t> const seed = input.seed ? input.seed : history.header().seed;
  if (seed) out += " \xC2\xB7 seed " + std::to_string(*seed);
  out += " \xC2\xB7 " + std::to_string(history.size()) + " ops" +
         (history.header().drained ? " \xC2\xB7 drained" : " \xC2\xB7 not drained") + "</p>";
  out +=
      "<p class=\"note\">Sections: <a href=\"#verdicts\">verdicts</a> \xC2\xB7 "
      "<a href=\"#anomalies\">anomalies</a> \xC2\xB7 <a href=\"#diagram\">diagram and "
      "stepper</a> \xC2\xB7 <a href=\"#faults\">faults</a> \xC2\xB7 <a href=\"#counts\">"
      "counts</a> \xC2\xB7 <a href=\"#latency\">latency</a> \xC2\xB7 <a href=\"#config\">"
      "configuration</a></p>\n";
  return out;
}

std::string config_html(ReportInput const& input) {
  std::string out = "<h2 id=\"config\">Configuration</h2>";
  if (input.scenario_text.empty()) {
    return out +
           "<p>The report was made from a history; its header is all the configuration "
           "it carries (groups, ordering, promises).</p>";
  }
  return out + "<pre>" + xml_escape(input.scenario_text) + "</pre>";
}

std::string stepper_html() {
  return "<div id=\"mq-stepper\"><button id=\"mq-first\" title=\"Home\">First</button>"
         "<button id=\"mq-prev\" title=\"\xE2\x86\x90\">\xE2\x97\x80 Back</button>"
         "<button id=\"mq-next\" title=\"\xE2\x86\x92\">Next \xE2\x96\xB6</button>"
         "<button id=\"mq-last\" title=\"End\">Last</button> <span id=\"mq-counter\">"
         "</span> <span class=\"note\">(keys: \xE2\x86\x90 \xE2\x86\x92 Home End; click a mark "
         "to jump)</span><div id=\"mq-says\"></div><div id=\"mq-why\"></div>"
         "<div id=\"mq-witness\"></div><div id=\"mq-nodes-view\"></div></div>\n";
}

std::string legend_html() {
  return "<p class=\"legend note\"><span>\xE2\x97\x8B invoke</span><span>\xE2\x97\x8F ok</span>"
         "<span>? info (unknown)</span><span>\xC3\x97 fail / crash</span><span>\xE2\x96\xA0 "
         "append</span><span>\xE2\x96\xAC fsync</span><span>\xE2\x96\xBC power loss</span>"
         "<span>\xE2\x96\xB2 restart</span><span>\xE2\x97\x86 partition / heal</span>"
         "<span style=\"color:#cf222e\">red: lost</span><span style=\"color:#bc4c00\">orange: "
         "duplicated</span><span style=\"color:#8250df\">purple: other anomaly</span>"
         "<span>ringed: witness</span></p>";
}

std::string nodes_json(history::History const& history) {
  nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
  for (Lane const& lane : lanes_of(history)) {
    nodes.push_back({valid_utf8(lane.process), std::string(to_string(lane.role))});
  }
  return nodes.dump();
}

}  // namespace

std::string render_html_report(history::History const& history,
                               checker::DeliveryReport const& report, ReportInput const& input) {
  SpacetimeOptions options = input.diagram;
  if (!input.filter_given) options.filter = default_filter(history, report, options.events_max);
  options.filter = with_partition_scopes(history, options.filter);  // Once for both views.
  Spacetime const diagram = render_spacetime(history, &report, options);
  std::set<std::uint64_t> const shown(diagram.shown.begin(), diagram.shown.end());
  Stepper const stepper = build_stepper(history, &report, options.filter, options.events_max);
  std::string out =
      head_html(history, input) + verdicts_html(report, input) + anomalies_html(report, shown);
  out += "<h2 id=\"diagram\">Space-time diagram and stepper</h2><p class=\"note\">Showing: " +
         xml_escape(describe_filter(options.filter)) + " \xE2\x80\x94 " +
         std::to_string(diagram.shown.size()) + " ops";
  if (diagram.omitted > 0) {
    out += ", " + std::to_string(diagram.omitted) +
           " more not drawn (narrow it with "
           "<code>mqcheck report --message ID</code>, <code>--partition</code>, "
           "<code>--from</code>/<code>--to</code>)";
  }
  out += ". Time runs down, one row per op.</p>" + stepper_html() + legend_html() +
         "<div class=\"diagram\">" + diagram.svg + "</div>\n";
  out += faults_html(history, shown) + counts_html(history, report.counts) + latency_html(history) +
         config_html(input);
  out += "<script type=\"application/json\" id=\"mq-steps\">" +
         script_safe_json(stepper_json(stepper)) +
         "</script>\n<script type=\"application/json\" "
         "id=\"mq-nodes\">" +
         script_safe_json(nodes_json(history)) + "</script>\n<script>" + report_js() +
         "</script>\n</body></html>\n";
  return out;
}

}  // namespace mqcheck::viz
