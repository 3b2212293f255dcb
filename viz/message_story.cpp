// SPDX-License-Identifier: Apache-2.0
// File: viz/message_story.cpp (layer: viz)
#include "viz/message_story.hpp"

#include <algorithm>
#include <cstdio>

#include "viz/event_filter.hpp"

namespace mqcheck::viz {
namespace {

using history::Op;

bool names(Op const& op, MessageId message) {
  return std::any_of(op.value.begin(), op.value.end(),
                     [&](history::Record const& r) { return r.id == message; });
}

constexpr std::size_t faults_after_max = 3;

// Where a record of the message is, when that is not its home topic (the first one the
// story names): a dead letter or a retry topic's copy reads "in orders-retry-100-1".
std::string elsewhere(history::Record const& r, std::string const& home) {
  if (r.topic.empty() || r.topic == home) return {};
  std::string out = " in " + r.topic;
  if (r.partition) out += "-" + std::to_string(*r.partition);
  return out;
}

std::string line(Op const& op, MessageId message, std::string const& home) {
  char time[32];
  std::snprintf(time, sizeof time, "%10.3fms", static_cast<double>(op.time.us) / 1000.0);
  std::string out = std::string(time) + "  #" + std::to_string(op.index);
  out.resize(std::max<std::size_t>(out.size(), 22), ' ');
  std::string process = op.process;
  process.resize(std::max<std::size_t>(process.size(), 12), ' ');
  out +=
      "  " + process + " " + std::string(to_string(op.type)) + " " + std::string(to_string(op.f));
  for (history::Record const& r : op.value) {
    if (r.id != message) continue;
    out += elsewhere(r, home);
    if (r.offset) out += " offset " + std::to_string(r.offset->value);
  }
  if (!op.group.empty()) out += " group " + op.group;
  if (!op.detail.empty()) out += "  (" + op.detail + ")";
  return out + "\n";
}

}  // namespace

std::string render_message_story(history::History const& history, MessageId message) {
  std::string out;
  auto const ops = history.ops();
  auto const first =
      std::find_if(ops.begin(), ops.end(), [&](Op const& o) { return names(o, message); });
  auto const last =
      std::find_if(ops.rbegin(), ops.rend(), [&](Op const& o) { return names(o, message); });
  if (first == ops.end()) return "  (no op names message " + std::to_string(message.value) + ")\n";
  auto const end = last.base();
  std::string const home =
      std::find_if(first->value.begin(), first->value.end(), [&](history::Record const& r) {
        return r.id == message;
      })->topic;
  for (auto it = first; it != end; ++it) {
    if (names(*it, message) || is_fault_event(*it)) out += line(*it, message, home);
  }
  // A message often vanishes with no op naming it: the fault that took it comes after its
  // last mention, so the next few faults belong to its story too.
  std::size_t after = 0;
  for (auto it = end; it != ops.end() && after < faults_after_max; ++it) {
    if (!is_fault_event(*it)) continue;
    out += line(*it, message, home);
    ++after;
  }
  return out;
}

std::string render_text_report(history::History const& history,
                               checker::DeliveryReport const& report, std::string const& table,
                               std::size_t stories_max) {
  std::string out = "mqcheck report";
  if (!history.header().scenario.empty()) out += ": " + history.header().scenario;
  if (history.header().seed) out += " (seed " + std::to_string(*history.header().seed) + ")";
  out += "\n\n" + table + "\n";
  std::size_t told = 0;
  for (checker::Verdict const& v : report.verdicts) {
    if (v.guarantee == "exactly-once") continue;  // Its anomalies are the others', again.
    for (checker::Anomaly const& a : v.anomalies) {
      if (told++ == stories_max) return out + "(more anomalies not shown)\n";
      out += "== " + a.kind + ": message " + std::to_string(a.message.value) + "\n" +
             a.explanation + "\n" + render_message_story(history, a.message) + "\n";
    }
  }
  return out;
}

}  // namespace mqcheck::viz
