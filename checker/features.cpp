// SPDX-License-Identifier: Apache-2.0
// File: checker/features.cpp (layer: checker)
// Composes the feature checkers in report order. Each returns nothing for a property the
// history does not exercise, so the composed list only holds properties worth a row.
#include "checker/features.hpp"

#include <iterator>
#include <optional>
#include <utility>

#include "core/assert.hpp"

namespace mqcheck::checker {

std::vector<std::string_view> feature_names() {
  return {"delay", "priority", "dead-letter", "broadcast", "filtering", "tenancy", "authorization"};
}

std::vector<Verdict> check_features(history::History const& history) {
  using Check = std::optional<Verdict> (*)(history::History const&);
  Check const checks[] = {check_delay,     check_priority, check_dead_letter,  check_broadcast,
                          check_filtering, check_tenancy,  check_authorization};
  std::vector<std::string_view> const names = feature_names();
  MQCHECK_ASSERT(std::size(checks) == names.size());
  std::vector<Verdict> verdicts;
  for (std::size_t i = 0; i < names.size(); ++i) {
    std::optional<Verdict> verdict = checks[i](history);
    if (!verdict) continue;
    MQCHECK_ASSERT(verdict->guarantee == names[i]);  // Report order is feature_names() order.
    verdicts.push_back(std::move(*verdict));
  }
  return verdicts;
}

}  // namespace mqcheck::checker
