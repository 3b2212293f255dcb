// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_judge.cpp (layer: checker)
// Runs a feature judge over a whole history, and lists the judges in report order.
#include "checker/feature_judge.hpp"

#include <utility>

namespace mqcheck::checker::feature {

std::vector<std::string_view> judged_names() {
  return {"delay", "filtering", "tenancy", "authorization"};
}

std::vector<std::unique_ptr<Judge>> all_judges(history::Header const& header) {
  std::vector<std::unique_ptr<Judge>> judges;
  judges.push_back(delay_judge(header));
  judges.push_back(filtering_judge(header));
  judges.push_back(tenancy_judge(header));
  judges.push_back(authorization_judge(header));
  return judges;
}

std::optional<Verdict> judge_whole(history::History const& history, Judge& judge) {
  SentTable const sent = build_sent_table(history);
  for (history::Op const& op : history.ops()) judge.on_op(op);
  for (Consumption const& c : consumptions(history)) {
    auto const found = sent.find(c.message);
    judge.on_consumption(history.ops()[c.op], c.record, c.certain,
                         found == sent.end() ? nullptr : &found->second);
  }
  return judge.finish();
}

}  // namespace mqcheck::checker::feature
