// SPDX-License-Identifier: Apache-2.0
// File: core/core.cpp (layer: core)
// Definitions for the small shared types: durations, ratios, assertions and input errors.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "core/assert.hpp"
#include "core/input_error.hpp"
#include "core/ratio.hpp"
#include "core/time.hpp"

namespace mqcheck {

std::string format_duration(DurationUs d) {
  if (d.us != 0 && d.us % 1'000'000 == 0) return std::to_string(d.us / 1'000'000) + "s";
  if (d.us != 0 && d.us % 1'000 == 0) return std::to_string(d.us / 1'000) + "ms";
  return std::to_string(d.us) + "us";
}

std::string format_ratio(Ratio r) { return std::to_string(r.num) + "/" + std::to_string(r.den); }

namespace detail {
void assert_failed(char const* expr, char const* file, int line, char const* msg) {
  std::fprintf(stderr, "mqcheck: internal assertion failed: %s (%s:%d) %s\n", expr, file, line,
               msg);
  std::abort();
}
}  // namespace detail

namespace {
std::string render(SourceMark const& mark, std::string const& key, std::string const& problem) {
  // Only command-line options come without a file.
  std::string out = mark.file.empty() ? std::string("command line") : mark.file;
  if (mark.line > 0) out += ":" + std::to_string(mark.line);
  if (mark.column > 0) out += ":" + std::to_string(mark.column);
  out += ": ";
  if (!key.empty()) out += "key '" + key + "': ";
  return out + problem;
}
}  // namespace

InputError::InputError(SourceMark mark, std::string key, std::string problem)
    : std::runtime_error(render(mark, key, problem)),
      mark_(std::move(mark)),
      key_(std::move(key)),
      problem_(std::move(problem)) {}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const above = row[j];
      std::size_t const cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + cost});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string nearest(std::string_view word, std::span<std::string_view const> candidates) {
  std::size_t const limit = std::max<std::size_t>(2, word.size() / 3);
  std::string_view best;
  std::size_t best_distance = limit + 1;
  for (std::string_view c : candidates) {  // First of equals wins: candidates are ordered.
    std::size_t const d = edit_distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return std::string(best);
}

}  // namespace mqcheck
