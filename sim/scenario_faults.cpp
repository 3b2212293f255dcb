// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_faults.cpp (layer: sim)
// Reads `faults:` (a timed schedule: each entry has `at`, exactly one action and, for actions
// that can be undone, an optional `for`) and `fault_rates:` (Poisson processes). Targets stay
// text; the world builder resolves them against node names and selectors.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/assert.hpp"
#include "core/overloaded.hpp"
#include "sim/scenario_sections.hpp"
#include "sim/scenario_values.hpp"

namespace mqcheck::sim {
namespace {

constexpr std::array<std::string_view, 9> fault_keys{
    "at", "for", "crash", "power_loss", "restart", "pause", "resume", "partition", "heal"};
constexpr std::array<std::string_view, 2> partition_keys{"groups", "one_way"};
constexpr std::array<std::string_view, 4> fault_rate_keys{"fault", "targets", "rate_per_s",
                                                          "downtime"};

/// Returns the names of a sequence of non-empty, distinct names; `seen` spans several lists.
std::vector<std::string> read_names(YamlField const& field, std::map<std::string, int>& seen) {
  std::vector<std::string> names;
  for (YamlField const& item : field.items()) {
    std::string name = item.name();
    auto const [first, inserted] = seen.emplace(name, item.mark().line);
    if (!inserted) {
      item.fail("'" + name + "' is listed twice (first at line " + std::to_string(first->second) +
                ")");
    }
    names.push_back(std::move(name));
  }
  if (names.empty()) field.fail("must list at least one name");
  return names;
}

Partition read_partition(YamlField const& field) {
  YamlMap const map = field.map(partition_keys);
  Partition partition;
  std::map<std::string, int> seen;  // A node in two groups would be ambiguous.
  for (YamlField const& group : map.require("groups").items()) {
    partition.groups.push_back(read_names(group, seen));
  }
  if (partition.groups.empty()) map.require("groups").fail("must list at least one group");
  if (std::optional<YamlField> const one_way = map.find("one_way")) {
    partition.one_way = one_way->boolean();
  }
  return partition;
}

FaultKind read_action(YamlMap::Entry const& action) {
  YamlField const& value = action.value;
  if (action.key == "crash") return Crash{value.name()};
  if (action.key == "power_loss") return PowerLoss{value.name()};
  if (action.key == "restart") return Restart{value.name()};
  if (action.key == "pause") return Pause{value.name()};
  if (action.key == "resume") return Resume{value.name()};
  if (action.key == "partition") return read_partition(value);
  MQCHECK_ASSERT(action.key == "heal");
  if (value.text() != "all")
    value.fail("heal takes 'all' (the only value), got " + value.describe());
  return Heal{};
}

/// Returns whether `for:` can undo the action: restart after a crash or a power loss, resume
/// after a pause, heal after a partition.
bool undoable(FaultKind const& what) {
  return std::visit(
      Overloaded{[](Crash const&) { return true; }, [](PowerLoss const&) { return true; },
                 [](Pause const&) { return true; }, [](Partition const&) { return true; },
                 [](auto const&) { return false; }},
      what);
}

TimedFault read_fault(YamlField const& field) {
  YamlMap const map = field.map(fault_keys);
  std::optional<YamlMap::Entry> action;
  for (YamlMap::Entry const& entry : map.entries()) {
    if (entry.key == "at" || entry.key == "for") continue;
    if (action) {
      throw InputError(
          entry.key_mark, entry.value.path(),
          "a fault takes exactly one action, and this one already has '" + action->key + "'");
    }
    action = entry;
  }
  if (!action) {
    field.fail(
        "expected one action: crash, power_loss, restart, pause, resume, partition or "
        "heal");
  }
  TimedFault fault;
  fault.at = read_duration(map.require("at"));
  fault.what = read_action(*action);
  if (std::optional<YamlField> const duration = map.find("for")) {
    if (!undoable(fault.what)) {
      duration->fail(
          "'for' is allowed only with crash, power_loss, pause and partition, not "
          "with '" +
          action->key + "'");
    }
    fault.duration = read_duration(*duration);
    if (fault.duration->us == 0) duration->fail("must be greater than 0");
  }
  fault.mark = field.mark();
  return fault;
}

RandomFault::Kind read_random_kind(YamlField const& field) {
  std::string const text = field.text();
  if (text == "crash") return RandomFault::Kind::crash;
  if (text == "power_loss") return RandomFault::Kind::power_loss;
  if (text == "pause") return RandomFault::Kind::pause;
  constexpr std::array<std::string_view, 3> kinds{"crash", "power_loss", "pause"};
  std::string const near = nearest(text, kinds);
  field.fail("unknown fault " + quote_text(text) +
             (near.empty() ? std::string("; random faults are crash, power_loss and pause")
                           : "; did you mean '" + near + "'?"));
}

RandomFault read_fault_rate(YamlField const& field) {
  YamlMap const map = field.map(fault_rate_keys);
  RandomFault fault;
  fault.kind = read_random_kind(map.require("fault"));
  std::map<std::string, int> seen;  // A target listed twice would be struck twice as often.
  fault.targets = read_names(map.require("targets"), seen);
  // A Poisson process: exponential gaps with mean 10^6 / rate microseconds.
  fault.interval.kind = Distribution::Kind::exponential;
  fault.interval.mean = read_rate_interval(map.require("rate_per_s"));
  fault.downtime = read_duration(map.require("downtime"));
  fault.mark = field.mark();
  return fault;
}

}  // namespace

std::vector<TimedFault> read_faults(YamlField const& field) {
  std::vector<TimedFault> faults;
  for (YamlField const& item : field.items()) faults.push_back(read_fault(item));
  return faults;
}

std::vector<RandomFault> read_fault_rates(YamlField const& field) {
  std::vector<RandomFault> faults;
  for (YamlField const& item : field.items()) faults.push_back(read_fault_rate(item));
  return faults;
}

}  // namespace mqcheck::sim
