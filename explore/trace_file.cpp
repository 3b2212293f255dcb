// SPDX-License-Identifier: Apache-2.0
// File: explore/trace_file.cpp (layer: explore)
// The trace file format (docs/explorer.md, "Trace files"):
//   {"mqcheck-trace":1,"scenario":"scenarios/explore/x.yaml","guarantee":"at-least-once",
//    "crashes":0,"settle_us":300000,"depth_max":12,"choices":[0,3,1],"steps":["...","..."]}
// settle_us is absent when the scenario's drain was used, latency_max_us when unbounded,
// drops and duplicates when their budget is 0.
#include "explore/trace_file.hpp"

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "core/input_error.hpp"

namespace mqcheck::explore {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 11> keys = {
    "mqcheck-trace", "scenario", "guarantee", "crashes", "drops", "duplicates", "settle_us",
    "latency_max_us", "depth_max", "choices", "steps"};

void check_keys(json const& j, std::string const& path) {
  for (auto const& [key, value] : j.items()) {
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    std::string const near = nearest(key, keys);
    throw InputError({path, 0, 0}, key,
                     "unknown key in a trace file" +
                         (near.empty() ? std::string() : "; did you mean '" + near + "'?"));
  }
  for (std::string_view required : {"mqcheck-trace", "scenario", "choices"}) {
    if (!j.contains(required)) {
      throw InputError({path, 0, 0}, std::string(required), "missing from the trace file");
    }
  }
}

template <class T>
T get(json const& j, char const* key, std::string const& path) {
  try {
    return j.at(key).get<T>();
  } catch (json::exception const& e) {
    throw InputError({path, 0, 0}, key, std::string("has the wrong type: ") + e.what());
  }
}

}  // namespace

std::string format_trace(Trace const& t) {
  json j = json::object();
  j["mqcheck-trace"] = 1;
  j["scenario"] = t.scenario;
  j["guarantee"] = t.guarantee;
  j["crashes"] = t.bounds.crashes;
  if (t.bounds.drops > 0) j["drops"] = t.bounds.drops;
  if (t.bounds.duplicates > 0) j["duplicates"] = t.bounds.duplicates;
  if (t.bounds.settle) j["settle_us"] = t.bounds.settle->us;
  if (t.bounds.latency_max) j["latency_max_us"] = t.bounds.latency_max->us;
  j["depth_max"] = t.bounds.depth_max;
  j["choices"] = t.choices;
  j["steps"] = t.steps;
  return j.dump(1) + "\n";
}

Trace parse_trace(std::string const& text, std::string const& path) {
  json j;
  try {
    j = json::parse(text);
  } catch (json::parse_error const& e) {
    throw InputError({path, 0, 0}, "", std::string("not a JSON trace file: ") + e.what());
  }
  if (!j.is_object()) throw InputError({path, 0, 0}, "", "a trace file holds one JSON object");
  check_keys(j, path);
  if (get<int>(j, "mqcheck-trace", path) != 1) {
    throw InputError({path, 0, 0}, "mqcheck-trace", "this build reads trace format 1 only");
  }
  Trace t;
  t.scenario = get<std::string>(j, "scenario", path);
  if (j.contains("guarantee")) t.guarantee = get<std::string>(j, "guarantee", path);
  if (j.contains("crashes")) t.bounds.crashes = get<std::uint32_t>(j, "crashes", path);
  if (j.contains("drops")) t.bounds.drops = get<std::uint32_t>(j, "drops", path);
  if (j.contains("duplicates")) t.bounds.duplicates = get<std::uint32_t>(j, "duplicates", path);
  if (j.contains("settle_us")) {
    t.bounds.settle = DurationUs{get<std::int64_t>(j, "settle_us", path)};
  }
  if (j.contains("latency_max_us")) {
    t.bounds.latency_max = DurationUs{get<std::int64_t>(j, "latency_max_us", path)};
  }
  if (j.contains("depth_max")) t.bounds.depth_max = get<std::uint32_t>(j, "depth_max", path);
  t.choices = get<std::vector<std::uint32_t>>(j, "choices", path);
  if (j.contains("steps")) t.steps = get<std::vector<std::string>>(j, "steps", path);
  return t;
}

Trace load_trace(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError({path, 0, 0}, "", "cannot open the trace file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_trace(text.str(), path);
}

}  // namespace mqcheck::explore
