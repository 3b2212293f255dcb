// SPDX-License-Identifier: Apache-2.0
// File: viz/spacetime.cpp (layer: viz)
// Layout of the space-time SVG. Time runs down, one row per op (not to scale: equal times
// and bursts stay readable; the time of each row is printed in the margin). A node is shaded
// red between its crash or power loss and its restart; a partition is a dashed line across
// every lane until its heal.
#include "viz/spacetime.hpp"

#include <cstdio>
#include <map>

#include "viz/escape.hpp"
#include "viz/lanes.hpp"
#include "viz/spacetime_marks.hpp"

namespace mqcheck::viz {
namespace {

using history::Op;
using history::OpKind;

constexpr int lane_width = 170;
constexpr int last_lane_extra = 300;  // The rightmost lane's labels run on into this margin.
constexpr std::size_t label_chars = 30;       // A label fits between two lanes.
constexpr std::size_t last_label_chars = 80;  // ... or in the right margin.
constexpr int margin_left = 90;
constexpr int margin_top = 64;
constexpr int row_height = 20;

constexpr char const* style = R"(<style>
.st text{font:11px monospace;fill:#24292f}
.st text.g{font-weight:bold;text-anchor:middle;fill:#fff;font-size:9px}
.st .lane-title{font-weight:bold;text-anchor:middle}
.st .role{fill:#57606a;text-anchor:middle;font-size:10px}
.st .time{fill:#57606a;font-size:10px;text-anchor:end}
.st .lane{stroke:#d0d7de;stroke-width:2}
.st .down{fill:#cf222e;opacity:.12}
.st .arrow{stroke:#8c959f;stroke-width:1.2;fill:none;marker-end:url(#st-head)}
.st .arrow.hl{stroke-width:2.5}
.st .arrow.bundle{stroke-width:2.2;stroke-dasharray:6 2}.st .bundle-n{font-size:10px;fill:#57606a}
.st .arrow.hl-lost{stroke:#cf222e}.st .arrow.hl-duplicated{stroke:#bc4c00}
.st .arrow.hl-other{stroke:#8250df}
.st .mark.hl text{font-weight:bold}
.st .mark.hl-lost text{fill:#cf222e}.st .mark.hl-duplicated text{fill:#bc4c00}
.st .mark.hl-other text{fill:#8250df}
.st .mark.witness .ring{stroke:#cf222e;stroke-width:2;fill:none}
.st .mark.cur .bg{fill:#fff8c5}
.st .net{stroke:#cf222e;stroke-dasharray:6 4}.st .net.heal{stroke:#2da44e}
</style>)";

std::string ms(SimTimeUs t) {
  char out[40];
  std::snprintf(out, sizeof out, "%.3fms", static_cast<double>(t.us) / 1000.0);
  return out;
}

std::string highlight_class(std::string const& kind) {
  if (kind == "lost" || kind == "duplicated") return "hl hl-" + kind;
  return "hl hl-other";
}

struct Layout {
  std::map<std::string, int> lane_x;   // process → x of its lane
  std::map<std::uint64_t, int> row_y;  // op index → y of its row
  int width = 0;
  int height = 0;
  int last_x = 0;  // The rightmost lane's x.
};

Layout layout(std::vector<Lane> const& lanes, std::vector<std::uint64_t> const& shown) {
  Layout l;
  int x = margin_left + lane_width / 2;
  for (Lane const& lane : lanes) {
    l.lane_x[lane.process] = x;
    l.last_x = x;
    x += lane_width;
  }
  int y = margin_top + row_height;
  for (std::uint64_t index : shown) {
    l.row_y[index] = y;
    y += row_height;
  }
  l.width = x + last_lane_extra;  // The last lane's labels may be longer.
  l.height = y + row_height;
  return l;
}

// Keeps only lanes with a drawn op, so a filtered diagram stays narrow.
std::vector<Lane> used_lanes(history::History const& history,
                             std::vector<std::uint64_t> const& shown) {
  std::map<std::string, bool> used;
  for (std::uint64_t i : shown) used[history.ops()[i].process] = true;
  std::vector<Lane> lanes;
  for (Lane const& lane : lanes_of(history)) {
    if (used.contains(lane.process)) lanes.push_back(lane);
  }
  return lanes;
}

std::string lanes_svg(std::vector<Lane> const& lanes, Layout const& l) {
  std::string out;
  for (Lane const& lane : lanes) {
    std::string const x = svg_num(l.lane_x.at(lane.process));
    out += "<text class=\"lane-title\" x=\"" + x + "\" y=\"" + svg_num(margin_top - 24) + "\">" +
           xml_escape(lane.process) + "</text><text class=\"role\" x=\"" + x + "\" y=\"" +
           svg_num(margin_top - 10) + "\">" + std::string(to_string(lane.role)) + "</text>";
    out += "<line class=\"lane\" x1=\"" + x + "\" y1=\"" + svg_num(margin_top) + "\" x2=\"" + x +
           "\" y2=\"" + svg_num(l.height - row_height / 2) + "\"/>\n";
  }
  return out;
}

// Red bands where a node is down; dashed lines across the diagram at partitions and heals.
std::string faults_svg(history::History const& history, std::vector<std::uint64_t> const& shown,
                       Layout const& l) {
  std::string out;
  std::map<std::string, int> down_since;
  auto const band = [&](std::string const& process, int y0, int y1) {
    int const x = l.lane_x.at(process);
    out += "<rect class=\"down\" x=\"" + svg_num(x - 12) + "\" y=\"" + svg_num(y0) +
           "\" width=\"24\" height=\"" + svg_num(y1 - y0) + "\"/>\n";
  };
  for (std::uint64_t i : shown) {
    Op const& op = history.ops()[i];
    int const y = l.row_y.at(i);
    if (op.type != history::OpType::event) continue;
    if (op.f == OpKind::crash || op.f == OpKind::power_loss) down_since.try_emplace(op.process, y);
    if (op.f == OpKind::restart) {
      if (auto it = down_since.find(op.process); it != down_since.end()) {
        band(op.process, it->second, y);
        down_since.erase(it);
      }
    }
    if (op.f == OpKind::partition || op.f == OpKind::heal) {
      std::string const cls = op.f == OpKind::heal ? "net heal" : "net";
      out += "<line class=\"" + cls + "\" x1=\"" + svg_num(margin_left) + "\" y1=\"" + svg_num(y) +
             "\" x2=\"" + svg_num(l.width) + "\" y2=\"" + svg_num(y) + "\"/>\n";
    }
  }
  for (auto const& [process, y] : down_since) band(process, y, l.height - row_height / 2);
  return out;
}

std::string arrows_svg(std::vector<Arrow> const& arrows, history::History const& history,
                       Layout const& l, Highlights const& h) {
  std::string out;
  for (Arrow const& a : arrows) {
    int const x1 = l.lane_x.at(history.ops()[a.from].process);
    int const x2 = l.lane_x.at(history.ops()[a.to].process);
    int const y1 = l.row_y.at(a.from);
    int const y2 = l.row_y.at(a.to);
    int const shorten = x2 > x1 ? -7 : x2 < x1 ? 7 : 0;  // Stop at the mark's edge.
    std::string cls = "arrow a-" + a.kind;
    if (auto it = h.kinds.find(a.message); it != h.kinds.end()) {
      cls += " " + highlight_class(it->second);
    }
    if (a.bundled > 1) cls += " bundle";
    out += "<line class=\"" + cls + "\" data-m=\"" + std::to_string(a.message.value) + "\" x1=\"" +
           svg_num(x1) + "\" y1=\"" + svg_num(y1) + "\" x2=\"" + svg_num(x2 + shorten) +
           "\" y2=\"" + svg_num(y2) + "\">";
    if (a.bundled > 1) {
      out += "<title>" + std::to_string(a.bundled) + " messages, " + a.kind + "</title>";
    }
    out += "</line>\n";
    if (a.bundled > 1) {  // "×20" beside the middle of the arrow.
      out += "<text class=\"bundle-n\" x=\"" + svg_num((x1 + x2) / 2 + 4) + "\" y=\"" +
             svg_num((y1 + y2) / 2 - 3) + "\">\xC3\x97" + std::to_string(a.bundled) + "</text>\n";
    }
  }
  return out;
}

std::string mark_svg(Op const& op, Layout const& l, Highlights const& h) {
  int const x = l.lane_x.at(op.process);
  int const y = l.row_y.at(op.index);
  std::string cls = "mark";
  for (history::Record const& r : op.value) {
    if (auto it = h.kinds.find(r.id); it != h.kinds.end()) {
      cls += " " + highlight_class(it->second);
      break;
    }
  }
  bool const witness = h.witnesses.contains(op.index);
  if (witness) cls += " witness";
  std::string out = "<g id=\"op-" + std::to_string(op.index) + "\" class=\"" + cls + "\">";
  out += "<title>" + xml_escape(op_title(op)) + "</title>";
  out += "<rect class=\"bg\" x=\"" + svg_num(x - 10) + "\" y=\"" + svg_num(y - row_height / 2) +
         "\" width=\"" + svg_num(lane_width - 4) + "\" height=\"" + svg_num(row_height) +
         "\" fill=\"none\"/>";
  if (witness)
    out += "<circle class=\"ring\" cx=\"" + svg_num(x) + "\" cy=\"" + svg_num(y) + "\" r=\"9\"/>";
  out += op_glyph(op, x, y);
  std::size_t const chars = x == l.last_x ? last_label_chars : label_chars;
  out += "<text x=\"" + svg_num(x + 10) + "\" y=\"" + svg_num(y + 4) + "\">" +
         xml_escape(op_label(op, chars)) + "</text></g>\n";
  return out;
}

}  // namespace

Spacetime render_spacetime(history::History const& history, checker::DeliveryReport const* report,
                           SpacetimeOptions const& options) {
  Selection const selection =
      select_ops(history, with_partition_scopes(history, options.filter), options.events_max);
  std::vector<Lane> const lanes = used_lanes(history, selection.ops);
  Layout const l = layout(lanes, selection.ops);
  Highlights const h = highlights_of(report);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"st\" width=\"" +
                    svg_num(l.width) + "\" height=\"" + svg_num(l.height) + "\" viewBox=\"0 0 " +
                    svg_num(l.width) + " " + svg_num(l.height) + "\">\n" + style +
                    "\n<defs><marker id=\"st-head\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
                    "markerWidth=\"6\" markerHeight=\"6\" orient=\"auto-start-reverse\">"
                    "<path d=\"M0 0L10 5L0 10z\" fill=\"#8c959f\"/></marker></defs>\n";
  svg += lanes_svg(lanes, l) + faults_svg(history, selection.ops, l);
  svg += arrows_svg(bundle_arrows(spacetime_arrows(history, selection.ops), h.kinds), history, l,
                    h);
  for (std::uint64_t i : selection.ops) {
    Op const& op = history.ops()[i];
    svg += "<text class=\"time\" x=\"" + svg_num(margin_left - 8) + "\" y=\"" +
           svg_num(l.row_y.at(i) + 4) + "\">" + ms(op.time) + "</text>";
    svg += mark_svg(op, l, h);
  }
  if (selection.ops.empty()) {
    svg += "<text x=\"" + svg_num(margin_left) + "\" y=\"" + svg_num(margin_top) +
           "\">no op passes the filter</text>\n";
  }
  svg += "</svg>\n";
  return Spacetime{std::move(svg), selection.ops, selection.omitted};
}

}  // namespace mqcheck::viz
