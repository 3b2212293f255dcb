// SPDX-License-Identifier: Apache-2.0
// File: viz/stepper.cpp (layer: viz)
// Builds the stepper's steps from a history, and serializes them for the report page.
#include "viz/stepper.hpp"

#include <nlohmann/json.hpp>

#include "viz/escape.hpp"
#include "viz/node_state.hpp"

namespace mqcheck::viz {
namespace {

// "Witness of: lost m12 (billing)", one clause per anomaly the op witnesses.
std::map<std::uint64_t, std::string> witness_lines(checker::DeliveryReport const* report) {
  std::map<std::uint64_t, std::string> lines;
  if (report == nullptr) return lines;
  auto const add = [&](checker::Anomaly const& a, std::string const& guarantee) {
    std::string const clause = a.kind + " m" + std::to_string(a.message.value) +
                               (a.group.empty() ? "" : " in " + a.group) + " (" + guarantee + ")";
    for (std::uint64_t w : a.witnesses) {
      std::string& line = lines[w];
      if (line.find(clause) != std::string::npos) continue;
      line += line.empty() ? "Witness of: " + clause : "; " + clause;
    }
  };
  for (checker::Verdict const& v : report->verdicts) {
    if (v.guarantee == "exactly-once") continue;  // Its anomalies repeat the others'.
    for (checker::Anomaly const& a : v.anomalies) add(a, v.guarantee);
  }
  for (checker::Anomaly const& a : report->permitted) add(a, "permitted");
  return lines;
}

}  // namespace

Stepper build_stepper(history::History const& history, checker::DeliveryReport const* report,
                      EventFilter const& given, std::size_t steps_max) {
  EventFilter const filter = with_partition_scopes(history, given);  // As the diagram does.
  Stepper stepper;
  StateTracker tracker;
  std::map<std::uint64_t, std::string> const witnesses = witness_lines(report);
  bool started = false;
  for (history::Op const& op : history.ops()) {
    bool const shown = passes(op, filter);
    if (shown && stepper.steps.size() >= steps_max) {
      ++stepper.omitted;
      continue;
    }
    if (stepper.steps.size() >= steps_max) continue;  // Nothing after the last step shows.
    if (shown && !started) {
      stepper.initial = tracker.state();
      tracker.take_changes();  // The initial state already holds them.
      started = true;
    }
    Narration n = tracker.apply(op);
    if (!shown) continue;
    auto const w = witnesses.find(op.index);
    stepper.steps.push_back(Step{op.index, std::move(n.says), std::move(n.why),
                                 w == witnesses.end() ? std::string() : w->second,
                                 tracker.take_changes()});
  }
  return stepper;
}

NodeState state_after(Stepper const& stepper, std::size_t count) {
  NodeState state = stepper.initial;
  for (std::size_t i = 0; i < count && i < stepper.steps.size(); ++i) {
    for (StateChange const& c : stepper.steps[i].changes) {
      if (c.after.empty()) {
        state[c.node].erase(c.key);
      } else {
        state[c.node][c.key] = c.after;
      }
    }
  }
  return state;
}

std::string stepper_json(Stepper const& stepper) {
  using nlohmann::ordered_json;
  ordered_json initial = ordered_json::object();
  for (auto const& [node, rows] : stepper.initial) {
    ordered_json& n = initial[valid_utf8(node)] = ordered_json::object();
    for (auto const& [key, value] : rows) n[valid_utf8(key)] = valid_utf8(value);
  }
  ordered_json steps = ordered_json::array();
  for (Step const& s : stepper.steps) {
    ordered_json ch = ordered_json::array();
    for (StateChange const& c : s.changes) {
      ch.push_back(
          {valid_utf8(c.node), valid_utf8(c.key), valid_utf8(c.before), valid_utf8(c.after)});
    }
    ordered_json step{{"op", s.op}, {"says", valid_utf8(s.says)}, {"why", valid_utf8(s.why)}};
    if (!s.witness.empty()) step["witness"] = valid_utf8(s.witness);
    step["ch"] = std::move(ch);
    steps.push_back(std::move(step));
  }
  ordered_json out{
      {"initial", std::move(initial)}, {"steps", std::move(steps)}, {"omitted", stepper.omitted}};
  return out.dump();
}

}  // namespace mqcheck::viz
