// SPDX-License-Identifier: Apache-2.0
// File: core/parse.cpp (layer: core)
// Digit-by-digit parsing: decimals become exact fractions, never doubles.
#include "core/parse.hpp"

#include <array>
#include <limits>

namespace mqcheck {
namespace {

constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

/// A non-negative decimal "123" or "1.25" as the exact fraction digits / 10^scale.
struct Decimal {
  std::uint64_t digits = 0;
  std::uint64_t scale = 1;  // A power of ten.
};

std::optional<Decimal> parse_decimal(std::string_view text) {
  Decimal d;
  bool seen_digit = false, seen_point = false;
  for (char c : text) {
    if (c == '.' && !seen_point) {
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (d.digits > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return std::nullopt;
    if (seen_point && d.scale > std::numeric_limits<std::uint64_t>::max() / 10) {
      return std::nullopt;
    }
    d.digits = d.digits * 10 + static_cast<std::uint64_t>(c - '0');
    if (seen_point) d.scale *= 10;
    seen_digit = true;
  }
  if (!seen_digit || text.back() == '.') return std::nullopt;
  return d;
}

std::uint64_t gcd(std::uint64_t a, std::uint64_t b) {
  while (b != 0) {
    std::uint64_t const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

std::optional<Ratio> reduced(std::uint64_t num, std::uint64_t den) {
  if (den == 0 || num > den) return std::nullopt;
  std::uint64_t const g = num == 0 ? den : gcd(num, den);
  return Ratio{num / g, den / g};
}

}  // namespace

std::optional<DurationUs> parse_duration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    std::uint64_t us;
  };
  // Longest suffixes first, so "ms" is not read as "s".
  constexpr std::array<Unit, 4> units{
      {{"us", 1}, {"ms", 1'000}, {"s", 1'000'000}, {"m", 60'000'000}}};
  if (text == "0") return DurationUs{0};
  for (Unit const& unit : units) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
    auto const d = parse_decimal(text.substr(0, text.size() - unit.suffix.size()));
    if (!d) return std::nullopt;
    __extension__ using Wide = unsigned __int128;
    Wide const scaled = static_cast<Wide>(d->digits) * unit.us;
    if (scaled % d->scale != 0) return std::nullopt;  // Not whole microseconds.
    Wide const us = scaled / d->scale;
    if (us > static_cast<Wide>(int_max)) return std::nullopt;
    return DurationUs{static_cast<std::int64_t>(us)};
  }
  return std::nullopt;
}

std::optional<Ratio> parse_ratio(std::string_view text) {
  if (auto const slash = text.find('/'); slash != std::string_view::npos) {
    auto const num = parse_int(text.substr(0, slash));
    auto const den = parse_int(text.substr(slash + 1));
    if (!num || !den || *num < 0 || *den <= 0) return std::nullopt;
    return reduced(static_cast<std::uint64_t>(*num), static_cast<std::uint64_t>(*den));
  }
  bool const percent = text.ends_with('%');
  auto const d = parse_decimal(percent ? text.substr(0, text.size() - 1) : text);
  if (!d) return std::nullopt;
  if (percent && d->scale > std::numeric_limits<std::uint64_t>::max() / 100) return std::nullopt;
  return reduced(d->digits, percent ? d->scale * 100 : d->scale);
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  bool const negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 19) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > static_cast<std::uint64_t>(int_max)) return std::nullopt;
  auto const v = static_cast<std::int64_t>(value);
  return negative ? -v : v;
}

std::optional<bool> parse_bool(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

}  // namespace mqcheck
