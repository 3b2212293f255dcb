// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_values.cpp (layer: sim)
// Durations, ratios, rates and distributions of a scenario. Acceptance is decided by
// core/parse.hpp alone; the diagnosis below only runs after a rejection, to say why.
#include "sim/scenario_values.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <string_view>

#include "core/assert.hpp"
#include "core/parse.hpp"

namespace mqcheck::sim {
namespace {

__extension__ using Wide = unsigned __int128;  // Products of two 64-bit values fit.

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Returns whether `text` is digits with at most one '.' inside ("12", "1.5").
bool is_plain_decimal(std::string_view text) {
  if (text.empty() || !is_digit(text.front()) || !is_digit(text.back())) return false;
  if (std::count(text.begin(), text.end(), '.') > 1) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || c == '.'; });
}

/// Says why core's parse_duration rejected `text`, for the end of a message.
std::string duration_reason(std::string_view text) {
  if (text.starts_with('-')) return "it must not be negative";
  std::size_t const unit_at = text.find_first_not_of("0123456789.");
  std::string_view const number = text.substr(0, unit_at);
  if (unit_at == std::string_view::npos) {
    return is_plain_decimal(text) ? "the unit is missing: us, ms, s or m" : "";
  }
  std::string_view const unit = text.substr(unit_at);
  if (number.empty()) return "";
  constexpr std::array<std::string_view, 4> units{"us", "ms", "s", "m"};
  if (std::find(units.begin(), units.end(), unit) == units.end()) {
    if (std::all_of(unit.begin(), unit.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
      return "unknown unit " + quote_text(unit) + "; the units are us, ms, s and m";
    }
    return "";
  }
  if (!is_plain_decimal(number)) return "";
  if (number.size() > 18) return "it has too many digits";
  if (number.find('.') != std::string_view::npos) return "it is not a whole number of us";
  return "it is too large";
}

/// Returns whether the plain decimal `number` exceeds the integer spelled `limit`, compared
/// digit by digit so that no length of input can overflow.
bool exceeds(std::string_view number, std::string_view limit) {
  std::size_t const point = number.find('.');
  std::string_view integer = number.substr(0, point);
  integer.remove_prefix(std::min(integer.find_first_not_of('0'), integer.size()));
  if (integer.size() != limit.size()) return integer.size() > limit.size();
  if (integer != limit) return integer > limit;
  std::string_view const fraction =
      point == std::string_view::npos ? std::string_view() : number.substr(point + 1);
  return fraction.find_first_not_of('0') != std::string_view::npos;
}

/// Says why core's parse_ratio rejected `text`, for the end of a message.
std::string ratio_reason(std::string_view text) {
  if (text.starts_with('-')) return "it must be within [0, 1]";
  if (std::size_t const slash = text.find('/'); slash != std::string_view::npos) {
    auto const num = parse_int(text.substr(0, slash));
    auto const den = parse_int(text.substr(slash + 1));
    if (!num || !den) return "";
    if (*den <= 0) return "the denominator must be positive";
    return *num < 0 || *num > *den ? "it must be within [0, 1]" : "";
  }
  std::string_view const number = text.ends_with('%') ? text.substr(0, text.size() - 1) : text;
  if (!is_plain_decimal(number)) return "";
  return exceeds(number, text.ends_with('%') ? "100" : "1") ? "it must be within [0, 1]"
                                                            : "it has too many digits";
}

std::string with_reason(std::string message, std::string const& reason) {
  return reason.empty() ? message : message + " (" + reason + ")";
}

/// The map form of a distribution: which fields each kind requires and which it may take.
struct KindFields {
  std::string_view name;
  Distribution::Kind kind;
  std::array<std::string_view, 2> required;  // "" pads unused slots.
  std::string_view optional;                 // "" when the kind takes no optional field.
  std::string_view takes;                    // For messages: "'min' and 'max'".
};

constexpr std::array<KindFields, 4> kind_fields{{
    {"constant", Distribution::Kind::constant, {"value", ""}, "", "'value'"},
    {"uniform", Distribution::Kind::uniform, {"min", "max"}, "", "'min' and 'max'"},
    {"exponential",
     Distribution::Kind::exponential,
     {"mean", ""},
     "min",
     "'mean' and optionally 'min'"},
    {"normal",
     Distribution::Kind::normal,
     {"mean", "stddev"},
     "min",
     "'mean', 'stddev' and optionally 'min'"},
}};

constexpr std::array<std::string_view, 6> distribution_keys{"distribution", "value", "mean",
                                                            "min",          "max",   "stddev"};

KindFields const& read_kind(YamlField const& field) {
  std::string const text = field.text();
  for (KindFields const& k : kind_fields) {
    if (k.name == text) return k;
  }
  std::array<std::string_view, kind_fields.size()> names{};
  std::transform(kind_fields.begin(), kind_fields.end(), names.begin(),
                 [](KindFields const& k) { return k.name; });
  std::string const near = nearest(text, names);
  std::string problem = "unknown distribution " + quote_text(text);
  problem += near.empty() ? "; the kinds are constant, uniform, exponential and normal"
                          : "; did you mean '" + near + "'?";
  field.fail(problem);
}

/// Returns the duration at `key`, or zero when the kind's optional field is absent.
DurationUs duration_or_zero(YamlMap const& map, std::string_view key) {
  std::optional<YamlField> const field = map.find(key);
  return field ? read_duration(*field) : DurationUs{};
}

/// Throws at `key` when `low` > `high`: "must be <= mean (1ms), got 2ms".
void check_order(YamlMap const& map, std::string_view key, DurationUs low, std::string_view bound,
                 DurationUs high) {
  if (low <= high) return;
  map.require(key).fail("must be <= " + std::string(bound) + " (" + format_duration(high) +
                        "), got " + format_duration(low));
}

Distribution read_distribution_map(YamlField const& field) {
  YamlMap const map = field.map(distribution_keys);
  KindFields const& k = read_kind(map.require("distribution"));
  for (YamlMap::Entry const& entry : map.entries()) {
    bool const used =
        entry.key == "distribution" || entry.key == k.optional ||
        std::find(k.required.begin(), k.required.end(), entry.key) != k.required.end();
    if (!used) {
      throw InputError(entry.key_mark, entry.value.path(),
                       "not used by a " + std::string(k.name) + " distribution, which takes " +
                           std::string(k.takes));
    }
  }
  for (std::string_view key : k.required) {
    if (!key.empty() && !map.has(key)) map.fail_missing(key);
  }
  Distribution d;
  d.kind = k.kind;
  if (k.kind == Distribution::Kind::constant) {
    return Distribution::constant(read_duration(map.require("value")));
  }
  if (k.kind == Distribution::Kind::uniform) {
    d.min = read_duration(map.require("min"));
    d.max = read_duration(map.require("max"));
    check_order(map, "min", d.min, "max", d.max);
    return d;
  }
  MQCHECK_ASSERT(k.kind == Distribution::Kind::exponential || k.kind == Distribution::Kind::normal);
  d.mean = read_duration(map.require("mean"));
  d.min = duration_or_zero(map, "min");
  if (k.kind == Distribution::Kind::normal) d.stddev = read_duration(map.require("stddev"));
  // An exponential's `min` is a shift (gaps are min + Exp(mean - min)), so it cannot exceed
  // the mean; a normal's `min` is only a clamp, so any value is meaningful.
  if (k.kind == Distribution::Kind::exponential && map.has("min")) {
    check_order(map, "min", d.min, "mean", d.mean);
  }
  return d;
}

}  // namespace

DurationUs read_duration(YamlField const& field) {
  std::string const expected = "expected a duration such as 250us, 15ms or 2s, got ";
  if (!field.node().IsScalar()) field.fail(expected + field.describe());
  std::string const& text = field.node().Scalar();
  std::optional<DurationUs> const value = parse_duration(text);
  if (!value) field.fail(with_reason(expected + quote_text(text), duration_reason(text)));
  MQCHECK_ASSERT(value->us >= 0);
  if (value->us > scenario_duration_us_max) {
    field.fail("must be at most " + format_duration(microseconds(scenario_duration_us_max)) +
               ", got " + quote_text(text));
  }
  return *value;
}

Ratio read_ratio(YamlField const& field) {
  std::string const expected = "expected a probability such as 1/1000, 0.1% or 0.001, got ";
  if (!field.node().IsScalar()) field.fail(expected + field.describe());
  std::string const& text = field.node().Scalar();
  std::optional<Ratio> const value = parse_ratio(text);
  if (!value) field.fail(with_reason(expected + quote_text(text), ratio_reason(text)));
  MQCHECK_ASSERT(value->den > 0 && value->num <= value->den);
  return *value;
}

DurationUs read_rate_interval(YamlField const& field) {
  std::string const expected =
      "expected a positive number of events per second such as 1000 "
      "or 2.5, got ";
  if (!field.node().IsScalar()) field.fail(expected + field.describe());
  std::string const& text = field.node().Scalar();
  if (text.starts_with('-') && is_plain_decimal(text.substr(1))) {
    field.fail("must be positive, got " + text);
  }
  if (!is_plain_decimal(text)) field.fail(expected + quote_text(text));
  if (text.size() > 18) field.fail(with_reason(expected + quote_text(text), "too many digits"));
  // The rate is digits / scale exactly, so the interval is 10^6 * scale / digits.
  std::uint64_t digits = 0;
  std::uint64_t scale = 1;
  bool after_point = false;
  for (char c : text) {
    if (c == '.') {
      after_point = true;
      continue;
    }
    digits = digits * 10 + static_cast<std::uint64_t>(c - '0');
    if (after_point) scale *= 10;
  }
  if (digits == 0) field.fail("must be positive, got " + text);
  Wide const numerator = static_cast<Wide>(1'000'000) * scale;
  Wide const interval_us = (2 * numerator + digits) / (2 * static_cast<Wide>(digits));
  if (interval_us == 0) {
    field.fail(
        "is too high: the interval 10^6 / rate rounds to 0us (the highest rate is "
        "2000000), got " +
        text);
  }
  if (interval_us > static_cast<Wide>(scenario_duration_us_max)) {
    field.fail("is too low: the interval 10^6 / rate exceeds " +
               format_duration(microseconds(scenario_duration_us_max)) + ", got " + text);
  }
  return microseconds(static_cast<std::int64_t>(interval_us));
}

Distribution read_distribution(YamlField const& field) {
  if (field.node().IsMap()) return read_distribution_map(field);
  if (!field.node().IsScalar()) {
    field.fail(
        "expected a duration such as 1ms or a map such as {distribution: uniform, "
        "min: 1ms, max: 5ms}, got " +
        field.describe());
  }
  return Distribution::constant(read_duration(field));
}

}  // namespace mqcheck::sim
