// SPDX-License-Identifier: Apache-2.0
// File: checker/check.hpp (layer: checker)
// The whole checker: every guarantee judged over one history, then the configuration's word
// applied. Anomaly kinds the header allows (`allowed`, e.g. poll-skip across a rebalance under
// subscribe) are moved to `permitted` and stop counting as violations; guarantees the header
// does not promise (`promises`) are listed in `unpromised`, so a report can tell "broken
// promise" from "never promised".
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checker/delivery.hpp"
#include "checker/delivery_stream.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Returns every guarantee name the checker can judge, in report order.
std::vector<std::string_view> all_guarantee_names();

/// Judges `history`. With `only` non-empty, returns just those guarantees (names from
/// all_guarantee_names(); the caller validates them). Delivery guarantees are always present;
/// the others appear only when the history exercises them.
[[nodiscard]] DeliveryReport check_history(history::History const& history,
                                           std::span<std::string const> only = {});

/// Returns true when `only` names delivery guarantees alone (guarantee_names()): then
/// check_stream judges them in one streaming pass, in memory bounded by open state.
bool delivery_only(std::span<std::string const> only);

/// Judges the history `source` yields (header `header`) for the delivery guarantees in `only`
/// (delivery_only(only) must hold), streaming (checker/delivery_stream.hpp), and applies the
/// header's promises and allowed anomalies as check_history does.
[[nodiscard]] DeliveryReport check_stream(history::Header const& header, OpSource const& source,
                                          std::span<std::string const> only,
                                          StreamStats* stats = nullptr);

/// The delivery validities of a history as check_stream's report gives them, with nothing
/// else: what the explorer keeps of a settled path (explore/search.hpp, Search::judged_of).
/// Bit i of a mask, and validity[i], are of guarantee_names()[i].
struct DeliveryJudgement {
  std::array<Validity, 4> validity{};  // With the header's allowed anomalies applied.
  std::uint8_t present = 0;            // Guarantees asked for: the report's verdicts.
  std::uint8_t promised = 0;           // Guarantees the header promises (not `unpromised`).
  bool operator==(DeliveryJudgement const&) const = default;
};

/// The judgement check_stream's `report` (composed: `only` applied) gives.
DeliveryJudgement judgement_of(DeliveryReport const& report);

/// Judges as check_stream(header, source, only) and returns judgement_of its report, without
/// making the report (DeliveryStream::judge): no anomaly listed, no text written.
[[nodiscard]] DeliveryJudgement judge_stream(history::Header const& header, OpSource const& source,
                                             std::span<std::string const> only);

/// judge_stream for a caller judging many histories one after another: one stream, reset
/// between them (DeliveryStream::reset), its storage kept. Not thread-safe: one per thread
/// (the explorer's Engine holds one; each worker thread has its own Engine).
class StreamJudge {
 public:
  StreamJudge();
  ~StreamJudge();
  StreamJudge(StreamJudge const&) = delete;
  StreamJudge& operator=(StreamJudge const&) = delete;
  [[nodiscard]] DeliveryJudgement judge(history::Header const& header, OpSource const& source,
                                        std::span<std::string const> only);

 private:
  std::unique_ptr<DeliveryStream> stream_;  // Made at the first judge().
};

/// Judges the history `source` yields as check_history(load(), only) would, streaming, in
/// memory bounded by open state: delivery (checker/delivery_stream.hpp), ordering
/// (checker/ordering_stream.hpp), transactional visibility (checker/transactions_stream.hpp)
/// and the features (checker/feature_stream.hpp: delay, filtering, tenancy, authorization,
/// dead letters) share one pass; delivery and ordering may ask for a second (ordering's loads
/// the history), and when the transactions or feature stream cannot decide (a pipeline,
/// priority, broadcast, or a doubt of theirs) the history is loaded and judged in memory. With `only` naming delivery guarantees alone, only delivery streams. The report is
/// the same either way. `options` and `stats` are the delivery stream's (the other streams'
/// peak bytes are added to its peak; a second ordering pass adds one to passes;
/// features_streamed says the feature verdicts came from the stream).
[[nodiscard]] DeliveryReport check_streaming(history::Header const& header,
                                             OpSource const& source,
                                             std::function<history::History()> const& load,
                                             std::span<std::string const> only = {},
                                             StreamOptions options = {},
                                             StreamStats* stats = nullptr);

/// Returns true when `header` promises an order, declares a group's features or ACLs: the
/// checkers that judge those hold the history in memory (ordering only when its stream
/// doubts: checker/ordering_stream.hpp).
bool whole_history_needed(history::Header const& header);
/// Returns true when `header` declares a group's features (anything but its isolation level)
/// or ACLs.
bool features_declared(history::Header const& header);
/// Returns true when `op` is transactional, names a pipeline output (a record with a
/// `source`) or carries_feature(op).
bool whole_history_needed(history::Op const& op);
/// Returns true when `op` carries a feature (tenant, principal, priority, delay, tag) or is a
/// dispatch: the feature stream (checker/feature_stream.hpp) judges those. Inline: the feature
/// stream asks it of every op while it is inactive.
inline bool carries_feature(history::Op const& op) {
  if (!op.tenant.empty() || !op.principal.empty() || op.f == history::OpKind::dispatch) return true;
  for (history::Record const& r : op.value)
    if (r.priority || r.deliver_after || !r.tag.empty()) return true;
  return false;
}

/// Moves the anomalies whose kind the header allows into report.permitted (their explanation
/// gains the header's reason) and recomputes each verdict left without violations.
void apply_allowed(history::Header const& header, DeliveryReport& report);

/// Returns true when the header promises `guarantee` (an empty promise list promises all).
bool promised(history::Header const& header, std::string_view guarantee);

}  // namespace mqcheck::checker
