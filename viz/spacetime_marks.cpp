// SPDX-License-Identifier: Apache-2.0
// File: viz/spacetime_marks.cpp (layer: viz)
// Glyphs and labels for space-time marks. Colours are by what the op does (send, receive,
// process, broker write, fault), shapes by its outcome, so a reader can scan either way.
#include "viz/spacetime_marks.hpp"

#include <cstdio>

#include "core/time.hpp"

namespace mqcheck::viz {
namespace {

using history::OpKind;
using history::OpType;

std::string colour_of(history::Op const& op) {
  switch (op.f) {
    case OpKind::send:
      return "#1f6feb";
    case OpKind::poll:
    case OpKind::deliver:
      return "#8250df";
    case OpKind::process:
      return "#1a7f37";
    case OpKind::ack:
    case OpKind::nack:
    case OpKind::commit:
      return "#0a7ea4";
    case OpKind::crash:
    case OpKind::power_loss:
    case OpKind::drop:
      return "#cf222e";
    case OpKind::restart:
    case OpKind::heal:
      return "#2da44e";
    case OpKind::redeliver:
    case OpKind::duplicate:
      return "#bc4c00";
    default:
      return "#57606a";
  }
}

std::string polygon(std::string const& points, std::string const& colour) {
  return "<polygon points=\"" + points + "\" fill=\"" + colour + "\"/>";
}

// Truncates to `chars_max` UTF-8 characters, ending with an ellipsis when cut.
std::string clip(std::string const& text, std::size_t chars_max) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars > chars_max) return text.substr(0, i) + "\xE2\x80\xA6";
  }
  return text;
}

}  // namespace

std::string record_name(history::Record const& r) {
  std::string out = "m" + std::to_string(r.id.value);
  if (r.partition && r.offset) {
    out += " p" + std::to_string(*r.partition) + "@" + std::to_string(r.offset->value);
  } else if (r.offset) {
    out += " @" + std::to_string(r.offset->value);
  } else if (r.partition) {
    out += " p" + std::to_string(*r.partition);
  }
  return out;
}

std::string records_name(history::Op const& op, std::size_t shown_max) {
  if (op.f == OpKind::assign) {
    std::string out;
    for (history::Record const& r : op.value) {
      out += (out.empty() ? "" : " ") + r.topic + "-" + std::to_string(r.partition.value_or(0));
    }
    return out;
  }
  std::string out;
  for (std::size_t i = 0; i < op.value.size() && i < shown_max; ++i) {
    out += (i == 0 ? "" : " ") + record_name(op.value[i]);
  }
  if (op.value.size() > shown_max) out += " +" + std::to_string(op.value.size() - shown_max);
  return out;
}

std::string narrated_records(history::Op const& op) {
  std::string out = records_name(op, 4);
  return out.empty() ? "nothing" : out;
}

std::string op_label(history::Op const& op, std::size_t chars_max) {
  std::string out;
  if (op.type != OpType::event && op.type != OpType::ok) {
    out = std::string(to_string(op.type)) + " ";
  } else if (op.type == OpType::ok && op.f == OpKind::send) {
    out = "ok ";
  }
  out += std::string(to_string(op.f));
  std::string const records = records_name(op);
  if (!records.empty()) out += " " + records;
  if (!op.detail.empty() &&
      (op.type == OpType::event || op.type == OpType::fail || op.f == OpKind::deliver)) {
    out += " " + op.detail;
  }
  return clip(out, chars_max);
}

std::string op_glyph(history::Op const& op, int x, int y) {
  std::string const c = colour_of(op);
  std::string const cx = svg_num(x);
  std::string const cy = svg_num(y);
  if (op.type == OpType::invoke) {
    return "<circle cx=\"" + cx + "\" cy=\"" + cy + "\" r=\"5\" fill=\"#fff\" stroke=\"" + c +
           "\" stroke-width=\"2\"/>";
  }
  if (op.type == OpType::ok) {
    return "<circle cx=\"" + cx + "\" cy=\"" + cy + "\" r=\"5\" fill=\"" + c + "\"/>";
  }
  if (op.type == OpType::info) {
    return "<circle cx=\"" + cx + "\" cy=\"" + cy +
           "\" r=\"6\" fill=\"#d29922\"/><text class=\"g\" x=\"" + cx + "\" y=\"" + svg_num(y + 3) +
           "\">?</text>";
  }
  if (op.type == OpType::fail || op.f == OpKind::crash || op.f == OpKind::drop) {
    int const r = op.type == OpType::fail || op.f == OpKind::drop ? 4 : 6;
    return "<path d=\"M" + svg_num(x - r) + " " + svg_num(y - r) + "L" + svg_num(x + r) + " " +
           svg_num(y + r) + "M" + svg_num(x + r) + " " + svg_num(y - r) + "L" + svg_num(x - r) +
           " " + svg_num(y + r) + "\" stroke=\"#cf222e\" stroke-width=\"3\"/>";
  }
  switch (op.f) {
    case OpKind::power_loss:
      return polygon(svg_num(x - 7) + "," + svg_num(y - 6) + " " + svg_num(x + 7) + "," +
                         svg_num(y - 6) + " " + cx + "," + svg_num(y + 7),
                     c);
    case OpKind::restart:
    case OpKind::resume:
      return polygon(svg_num(x - 7) + "," + svg_num(y + 6) + " " + svg_num(x + 7) + "," +
                         svg_num(y + 6) + " " + cx + "," + svg_num(y - 7),
                     c);
    case OpKind::partition:
    case OpKind::heal:
    case OpKind::pause:
      return polygon(cx + "," + svg_num(y - 7) + " " + svg_num(x + 7) + "," + cy + " " + cx + "," +
                         svg_num(y + 7) + " " + svg_num(x - 7) + "," + cy,
                     c);
    case OpKind::fsync:
      return "<rect x=\"" + svg_num(x - 7) + "\" y=\"" + svg_num(y - 2) +
             "\" width=\"14\" height=\"4\" fill=\"#0a7ea4\"/>";
    default:
      return "<rect x=\"" + svg_num(x - 5) + "\" y=\"" + svg_num(y - 5) +
             "\" width=\"10\" height=\"10\" fill=\"" + c + "\"/>";
  }
}

std::string op_title(history::Op const& op) {
  char time[40];
  std::snprintf(time, sizeof time, "%.3fms", static_cast<double>(op.time.us) / 1000.0);
  std::string out = "#" + std::to_string(op.index) + " " + time + " " + op.process + " " +
                    std::string(to_string(op.type)) + " " + std::string(to_string(op.f));
  std::string const records = records_name(op, 8);
  if (!records.empty()) out += " " + records;
  if (!op.group.empty()) out += " group " + op.group;
  if (!op.txn.empty()) out += " txn " + op.txn;
  if (!op.detail.empty()) out += " (" + op.detail + ")";
  return out;
}

}  // namespace mqcheck::viz
