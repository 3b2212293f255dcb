// SPDX-License-Identifier: Apache-2.0
// File: model/common/config_reader.cpp (layer: model)
#include "model/common/config_reader.hpp"

#include <algorithm>

#include "core/parse.hpp"

namespace mqcheck::model {

ConfigReader::ConfigReader(ConfigMap const& map, std::string scope, SourceMark where)
    : map_(map), scope_(std::move(scope)), where_(std::move(where)) {}

void fail_at(ConfigMap const& map, std::string const& scope, SourceMark const& where,
             std::string const& key, std::string const& problem) {
  auto const it = map.find(key);
  throw InputError(it == map.end() ? where : it->second.mark, scope + "." + key, problem);
}

ConfigValue const* ConfigReader::find(std::string_view key) {
  declared_.emplace_back(key);
  auto const it = map_.find(std::string(key));
  if (it == map_.end()) return nullptr;
  it->second.read = true;
  return &it->second;
}

void ConfigReader::fail(ConfigValue const& value, std::string_view key,
                        std::string const& problem) const {
  throw InputError(value.mark, scope_ + "." + std::string(key), problem);
}

std::int64_t ConfigReader::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                                   std::int64_t max) {
  ConfigValue const* value = find(key);
  if (value == nullptr) return fallback;
  auto const n = parse_int(value->text);
  if (!n) fail(*value, key, "expected an integer, got '" + value->text + "'");
  if (*n < min || *n > max) {
    fail(*value, key,
         "value " + value->text + " is out of range [" + std::to_string(min) + ", " +
             std::to_string(max) + "]");
  }
  return *n;
}

std::string ConfigReader::text(std::string_view key) {
  ConfigValue const* value = find(key);
  return value == nullptr ? std::string() : value->text;
}

bool ConfigReader::boolean(std::string_view key, bool fallback) {
  ConfigValue const* value = find(key);
  if (value == nullptr) return fallback;
  auto const b = parse_bool(value->text);
  if (!b) fail(*value, key, "expected true or false, got '" + value->text + "'");
  return *b;
}

DurationUs ConfigReader::duration(std::string_view key, DurationUs fallback) {
  ConfigValue const* value = find(key);
  if (value == nullptr) return fallback;
  auto const d = parse_duration(value->text);
  if (!d)
    fail(*value, key, "expected a duration such as 250us, 15ms or 2s, got '" + value->text + "'");
  return *d;
}

std::size_t ConfigReader::choice(std::string_view key, std::size_t fallback,
                                 std::initializer_list<std::string_view> choices) {
  ConfigValue const* value = find(key);
  if (value == nullptr) return fallback;
  auto const it = std::find(choices.begin(), choices.end(), value->text);
  if (it != choices.end()) return static_cast<std::size_t>(it - choices.begin());
  std::string problem = "unknown value '" + value->text + "'; expected one of:";
  for (std::string_view c : choices) problem += " " + std::string(c);
  std::vector<std::string_view> const options(choices);
  if (auto const near = nearest(value->text, options); !near.empty()) {
    problem += " (did you mean '" + near + "'?)";
  }
  fail(*value, key, problem);
}

void ConfigReader::reject_unknown() const {
  std::vector<std::string_view> const known(declared_.begin(), declared_.end());
  for (auto const& [key, value] : map_) {
    if (value.lenient || std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string problem = "unknown key";
    if (auto const near = nearest(key, known); !near.empty()) {
      problem += " (did you mean '" + near + "'?)";
    } else {
      problem += "; known keys:";
      for (std::string_view k : known) problem += " " + std::string(k);
    }
    throw InputError(value.mark, scope_ + "." + key, problem);
  }
}

}  // namespace mqcheck::model
