// SPDX-License-Identifier: Apache-2.0
// File: checker/check.cpp (layer: checker)
#include "checker/check.hpp"

#include <algorithm>

#include "checker/features.hpp"
#include "checker/ordering.hpp"
#include "checker/transactions.hpp"

namespace mqcheck::checker {
namespace {

void append(std::vector<Verdict>& to, std::vector<Verdict> more) {
  for (Verdict& v : more) to.push_back(std::move(v));
}

std::size_t rank(std::string_view guarantee) {
  auto const names = all_guarantee_names();
  return static_cast<std::size_t>(std::find(names.begin(), names.end(), guarantee) -
                                  names.begin());
}

bool wanted(std::span<std::string const> only, std::string_view guarantee) {
  return only.empty() || std::find(only.begin(), only.end(), guarantee) != only.end();
}

// An invalid verdict whose every anomaly was permitted is valid: nothing it reported was a
// violation. Unknown stays unknown: its reason was never an anomaly.
void revalidate(Verdict& v, std::size_t moved) {
  if (moved == 0 || v.validity != Validity::invalid || !v.anomalies.empty()) return;
  v.validity = Validity::valid;
  v.reason = "only anomalies the configuration permits (listed as permitted)";
}

}  // namespace

std::vector<std::string_view> all_guarantee_names() {
  std::vector<std::string_view> names = guarantee_names();
  for (std::string_view n :
       {"ordering", "transactional-visibility", "exactly-once-pipeline", "delay", "priority",
        "dead-letter", "broadcast", "filtering", "tenancy", "authorization"}) {
    names.push_back(n);
  }
  return names;
}

bool promised(history::Header const& header, std::string_view guarantee) {
  return header.promises.empty() ||
         std::find(header.promises.begin(), header.promises.end(), guarantee) !=
             header.promises.end();
}

void apply_allowed(history::Header const& header, DeliveryReport& report) {
  for (Verdict& v : report.verdicts) {
    std::size_t moved = 0;
    std::erase_if(v.anomalies, [&](Anomaly const& a) {
      auto const it = header.allowed.find(a.kind);
      if (it == header.allowed.end()) return false;
      bool const listed = std::find(report.permitted.begin(), report.permitted.end(), a) !=
                          report.permitted.end();
      if (!listed && v.guarantee != "exactly-once") {
        Anomaly permitted = a;
        permitted.explanation += " (permitted: " + it->second + ")";
        report.permitted.push_back(std::move(permitted));
      }
      ++moved;
      return true;
    });
    revalidate(v, moved);
  }
  sort_anomalies(report.permitted);
}

DeliveryReport check_history(history::History const& history, std::span<std::string const> only) {
  DeliveryReport report = check_delivery(history);
  append(report.verdicts, check_ordering(history));
  append(report.verdicts, check_transactions(history));
  append(report.verdicts, check_features(history));
  std::erase_if(report.verdicts, [&](Verdict const& v) { return !wanted(only, v.guarantee); });
  std::stable_sort(report.verdicts.begin(), report.verdicts.end(),
                   [](Verdict const& a, Verdict const& b) {
                     return rank(a.guarantee) < rank(b.guarantee);
                   });
  apply_allowed(history.header(), report);
  for (Verdict const& v : report.verdicts) {
    if (!promised(history.header(), v.guarantee)) report.unpromised.push_back(v.guarantee);
  }
  return report;
}

}  // namespace mqcheck::checker
