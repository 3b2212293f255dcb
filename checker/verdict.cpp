// SPDX-License-Identifier: Apache-2.0
// File: checker/verdict.cpp (layer: checker)
// Spellings and ordering of verdicts. One table for the spellings, so that reading an
// `expect:` block and printing a verdict can never disagree.
#include "checker/verdict.hpp"

#include <algorithm>
#include <array>
#include <tuple>
#include <utility>

#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

constexpr std::array<std::pair<Validity, std::string_view>, 3> validity_table{{
    {Validity::valid, "valid"},
    {Validity::unknown, "unknown"},
    {Validity::invalid, "invalid"},
}};

// The enum order is the severity order; worst() relies on it.
static_assert(Validity::valid < Validity::unknown && Validity::unknown < Validity::invalid);

}  // namespace

std::string_view to_string(Validity validity) {
  for (auto const& [value, name] : validity_table)
    if (value == validity) return name;
  MQCHECK_ASSERT_MSG(false, "validity out of range");
}

std::optional<Validity> validity_from(std::string_view text) {
  for (auto const& [value, name] : validity_table)
    if (name == text) return value;
  return std::nullopt;
}

std::vector<std::string_view> validity_names() {
  std::vector<std::string_view> names;
  for (auto const& entry : validity_table) names.push_back(entry.second);
  return names;
}

Validity worst(Validity a, Validity b) { return std::max(a, b); }

void sort_anomalies(std::vector<Anomaly>& anomalies) {
  for (Anomaly const& anomaly : anomalies) {
    MQCHECK_ASSERT_MSG(!anomaly.witnesses.empty(), "an anomaly needs a witness");
    MQCHECK_ASSERT(std::is_sorted(anomaly.witnesses.begin(), anomaly.witnesses.end()));
  }
  std::stable_sort(anomalies.begin(), anomalies.end(), [](Anomaly const& a, Anomaly const& b) {
    return std::tie(a.witnesses.front(), a.kind, a.group, a.message) <
           std::tie(b.witnesses.front(), b.kind, b.group, b.message);
  });
}

std::vector<std::uint64_t> unique_sorted(std::vector<std::uint64_t> indices) {
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

std::string message_name(MessageId id) { return "message " + std::to_string(id.value); }

std::string plural(std::size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string op_list(std::vector<std::uint64_t> const& indices) {
  MQCHECK_ASSERT(!indices.empty());
  std::string text = indices.size() == 1 ? "op " : "ops ";
  for (std::size_t i = 0; i < indices.size(); ++i)
    text += (i == 0 ? "" : ", ") + std::to_string(indices[i]);
  return text;
}

std::string join(std::vector<std::string> const& parts, std::string_view separator) {
  std::string text;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) text += separator;
    text += parts[i];
  }
  return text;
}

}  // namespace mqcheck::checker
