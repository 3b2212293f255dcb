// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_judge.hpp (layer: checker, internal to the feature checkers)
// The feature properties that need nothing but each op's own facts, the header and the
// message's send record (delay, filtering, tenancy, authorization), written once as judges fed
// op by op: check_delay & co. feed one a whole history (judge_whole), the streaming path
// (checker/feature_stream.hpp) feeds it as the ops arrive. Both give the same verdict as long
// as every consumption is shown the send record the whole history gives its message, which
// the stream makes sure of or gives up (FeatureStream::decided).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::feature {

/// One property's judgement in progress. The order of calls is free except that on_op sees the
/// ops in history order: findings are sets and counts, and anomalies are sorted at the end.
class Judge {
 public:
  virtual ~Judge() = default;
  /// Takes every op of the history, in order (sends, and whether the property is exercised).
  virtual void on_op(history::Op const& /*op*/) {}
  /// Takes one consumption (feature_common.hpp): record `record` of consumer op `op`, which
  /// happened (`certain`) or maybe happened; `sent` is its message's send record, or nullptr
  /// when no send op names it.
  virtual void on_consumption(history::Op const& op, std::size_t record, bool certain,
                              SentMessage const* sent) = 0;
  /// Returns the verdict, or nothing when the history did not exercise the property.
  virtual std::optional<Verdict> finish() = 0;
};

std::unique_ptr<Judge> delay_judge(history::Header const& header);
std::unique_ptr<Judge> filtering_judge(history::Header const& header);
std::unique_ptr<Judge> tenancy_judge(history::Header const& header);
std::unique_ptr<Judge> authorization_judge(history::Header const& header);

/// The guarantees the judges above give, in report order (a subsequence of feature_names()).
std::vector<std::string_view> judged_names();
/// The judges of judged_names(), in that order.
std::vector<std::unique_ptr<Judge>> all_judges(history::Header const& header);

/// Feeds `judge` the whole of `history` (its ops, then its consumptions with the send table)
/// and returns its verdict.
std::optional<Verdict> judge_whole(history::History const& history, Judge& judge);

}  // namespace mqcheck::checker::feature
