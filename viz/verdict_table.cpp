// SPDX-License-Identifier: Apache-2.0
// File: viz/verdict_table.cpp (layer: viz)
// Text and JSON renderings of a DeliveryReport. Columns are padded to their widest cell and
// no line ends in a space, so the text diffs cleanly against a golden file.
#include "viz/verdict_table.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

namespace mqcheck::viz {
namespace {

using checker::Anomaly;
using checker::Validity;
using checker::Verdict;
using Row = std::vector<std::string>;

std::optional<Validity> expected_for(std::span<ExpectedVerdict const> expected,
                                     std::string const& guarantee) {
  auto const it = std::find_if(expected.begin(), expected.end(),
                               [&](ExpectedVerdict const& e) { return e.guarantee == guarantee; });
  if (it == expected.end()) return std::nullopt;
  return it->validity;
}

// Pads every cell but the last of each row to its column's width, two spaces apart.
std::string align(std::vector<Row> const& rows) {
  std::vector<std::size_t> widths;
  for (Row const& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string text;
  for (Row const& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    text += line + "\n";
  }
  return text;
}

std::string verdict_rows(checker::DeliveryReport const& report,
                         std::span<ExpectedVerdict const> expected) {
  bool const with_expected = !expected.empty();
  std::vector<Row> rows{with_expected ? Row{"guarantee", "verdict", "expected"}
                                      : Row{"guarantee", "verdict"}};
  for (Verdict const& verdict : report.verdicts) {
    bool const unpromised = std::find(report.unpromised.begin(), report.unpromised.end(),
                                      verdict.guarantee) != report.unpromised.end();
    Row row{verdict.guarantee + (unpromised ? " (not promised)" : ""),
            std::string(to_string(verdict.validity))};
    if (with_expected) {
      std::optional<Validity> const want = expected_for(expected, verdict.guarantee);
      row.push_back(want ? std::string(to_string(*want)) : "-");
      if (want && *want != verdict.validity) row.push_back("<- differs");
    }
    rows.push_back(std::move(row));
  }
  return align(rows);
}

std::string counts_line(checker::Counts const& counts) {
  return "counts: sent " + std::to_string(counts.sent) + ", acknowledged " +
         std::to_string(counts.acknowledged) + ", processed " + std::to_string(counts.processed) +
         ", lost " + std::to_string(counts.lost) + ", duplicated " +
         std::to_string(counts.duplicated) + ", recovered " + std::to_string(counts.recovered) +
         ", unexpected " + std::to_string(counts.unexpected) +
         (counts.unseen == 0 ? "" : ", unseen " + std::to_string(counts.unseen)) + "\n";
}

// Returns "op 7" or "ops 7, 9".
std::string witness_list(std::vector<std::uint64_t> const& witnesses) {
  std::string text = witnesses.size() == 1 ? "op " : "ops ";
  for (std::size_t i = 0; i < witnesses.size(); ++i)
    text += (i == 0 ? "" : ", ") + std::to_string(witnesses[i]);
  return text;
}

std::string verdict_details(Verdict const& verdict, std::size_t anomalies_max) {
  std::string text = "\n" + verdict.guarantee + " is " + std::string(to_string(verdict.validity)) +
                     ": " + verdict.reason + "\n";
  std::size_t const shown = std::min(anomalies_max, verdict.anomalies.size());
  for (std::size_t i = 0; i < shown; ++i) {
    Anomaly const& anomaly = verdict.anomalies[i];
    // An anomaly of no particular group (unexpected of a never-subscribed topic) names none.
    std::string const group = anomaly.group.empty() ? "" : ", group " + anomaly.group;
    text += "  " + anomaly.kind + ": message " + std::to_string(anomaly.message.value) + group +
            ", " + witness_list(anomaly.witnesses) + "\n";
    text += "    " + anomaly.explanation + "\n";
  }
  std::size_t const hidden = verdict.anomalies.size() - shown;
  if (hidden > 0) {
    text += "  ... and " + std::to_string(hidden) + " more " +
            (hidden == 1 ? "anomaly" : "anomalies") + "\n";
  }
  return text;
}

nlohmann::ordered_json anomaly_json(Anomaly const& anomaly) {
  return nlohmann::ordered_json{{"kind", anomaly.kind},
                                {"message", anomaly.message.value},
                                {"group", anomaly.group},
                                {"witnesses", anomaly.witnesses},
                                {"explanation", anomaly.explanation}};
}

nlohmann::ordered_json counts_json(checker::Counts const& c) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (auto const& [name, value] : count_fields(c)) out[std::string(name)] = value;
  return out;
}

}  // namespace

std::string render_verdict_table(checker::DeliveryReport const& report,
                                 std::span<ExpectedVerdict const> expected,
                                 std::size_t anomalies_max) {
  std::string text = verdict_rows(report, expected) + "\n" + counts_line(report.counts);
  for (Verdict const& verdict : report.verdicts) {
    if (verdict.validity == Validity::valid) continue;
    // Exactly-once is the conjunction of the others: its anomalies are theirs, shown above.
    if (verdict.guarantee == "exactly-once") {
      text += "\n" + verdict.guarantee + " is " + std::string(to_string(verdict.validity)) + ": " +
              verdict.reason + "\n";
      continue;
    }
    text += verdict_details(verdict, anomalies_max);
  }
  if (!report.permitted.empty()) {
    text += "\npermitted by the configuration (not violations): " +
            std::to_string(report.permitted.size()) + "\n";
    std::size_t const shown = std::min(anomalies_max, report.permitted.size());
    for (std::size_t i = 0; i < shown; ++i) {
      text += "  " + report.permitted[i].kind + ": " + report.permitted[i].explanation + "\n";
    }
  }
  return text;
}

std::vector<std::pair<std::string_view, std::int64_t>> count_fields(checker::Counts const& c) {
  return {{"sent", c.sent},
          {"acknowledged", c.acknowledged},
          {"failed", c.failed},
          {"unknown", c.unknown},
          {"processed", c.processed},
          {"lost", c.lost},
          {"duplicated", c.duplicated},
          {"recovered", c.recovered},
          {"unexpected", c.unexpected},
          {"unseen", c.unseen}};
}

std::string render_verdict_json(checker::DeliveryReport const& report,
                                std::span<ExpectedVerdict const> expected) {
  nlohmann::ordered_json verdicts = nlohmann::ordered_json::array();
  for (Verdict const& verdict : report.verdicts) {
    nlohmann::ordered_json anomalies = nlohmann::ordered_json::array();
    for (Anomaly const& anomaly : verdict.anomalies) anomalies.push_back(anomaly_json(anomaly));
    std::optional<Validity> const want = expected_for(expected, verdict.guarantee);
    verdicts.push_back(nlohmann::ordered_json{
        {"guarantee", verdict.guarantee},
        {"verdict", to_string(verdict.validity)},
        {"expected", want ? nlohmann::ordered_json(to_string(*want)) : nlohmann::ordered_json()},
        {"reason", verdict.reason},
        {"anomalies", std::move(anomalies)}});
  }
  nlohmann::ordered_json const root{{"verdicts", std::move(verdicts)},
                                    {"counts", counts_json(report.counts)}};
  return root.dump(2);
}

}  // namespace mqcheck::viz
