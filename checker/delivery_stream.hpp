// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream.hpp (layer: checker)
// The delivery checker over a stream of ops, in memory bounded by open state. A message is
// held op by op while it is open; once it is settled (every send completed and no transaction
// involved; processed exactly once, `ok`, by each group that must read its topic and by any
// other group that touched it; nothing `info` about it) and has stayed settled for
// `settle_delay` ops, it shrinks to membership in interval sets of ids (checker/id_set.hpp) and
// its contribution to the counts. A settled message can carry no delivery anomaly; when a later
// op changes that (a second processing: a duplicate), its witnesses are gone, so the message is
// marked and a second pass over the same ops rebuilds exactly those messages. The report equals
// check_delivery_whole's, byte for byte, whatever the delay: the delay only makes second passes
// rare (a redelivery usually follows the first delivery closely). Transactions are held while
// a held record names them or they have not ended (checker/delivery_txn.hpp); a record that
// names one whose fate was let go (a late op on a long-ended transaction) has it read again
// from the ops at the end, in one more pass over them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "checker/delivery.hpp"
#include "checker/transactions.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// Feeds every op of one history to `visit`, in order. The streaming checker calls it once,
/// or twice when it needs a second pass; both calls must yield the same ops.
using OpSource = std::function<void(std::function<void(history::Op const&)> const& visit)>;

struct StreamOptions {
  /// Ops a settled message stays held before it shrinks to set membership.
  std::uint64_t settle_delay = std::uint64_t{1} << 16;
  /// Called with each message the first pass settles (for a stream beside this one that holds
  /// per-message state until then: checker/feature_stream.hpp). May be empty.
  std::function<void(MessageId)> on_settle{};
  /// How ended transaction names are kept (EndedTxns' `recent_intervals`, per producer
  /// prefix): a record naming one older than that has its fate read again at the end. Tests
  /// pass a small bound to reach it.
  std::size_t txn_recent_intervals = 64;
  /// How settled messages' send outcomes (acknowledged, unknown, failed) are kept: every
  /// settled id is in one interval set, and the ids whose outcome was not `ok` in two more,
  /// for recent ids only (2 * this many intervals at most: past that, the lowest goes). A
  /// later op naming a message whose outcome was let go sends it to the second pass, and its
  /// contribution to the counts is worked out there. Tests pass a small bound to reach it.
  std::size_t settled_recent_intervals = 64;
};

/// What a streaming check cost, for benchmarks and reports.
struct StreamStats {
  std::uint64_t ops = 0;               // Ops read in the first pass.
  std::uint64_t passes = 0;            // 1; +1 when settled messages had to be rebuilt, +1
                                       // when transactions' fates had to be read again.
  std::uint64_t rebuilt = 0;           // Messages the second pass rebuilt.
  std::uint64_t settled = 0;           // Messages settled in the first pass.
  std::uint64_t open_peak = 0;         // Most messages held at once.
  std::size_t memory_peak_bytes = 0;   // Most heap bytes the state held (estimated, sampled).
  bool features_streamed = false;      // check_streaming gave feature verdicts, unloaded.
  std::uint64_t txns_reread = 0;       // Transactions whose fate was read again at the end.
  std::uint64_t outcomes_rebuilt = 0;  // Of `rebuilt`: those whose send outcome was let go.
  /// check_streaming: the stream that could not decide, so that its verdicts came from the
  /// history held in memory: "" (none), "ordering" (the ordering verdict alone, judged in a
  /// second pass that loads), "transactions" or "features" (the whole history loaded and
  /// judged by check_history).
  std::string loaded_for{};
};

namespace stream_detail {
class Pass;
}

/// What decides the four delivery validities of a history (check_delivery's, in
/// guarantee_names() order), with no anomaly listed and no text written: each validity as
/// judged, before the header's allowed anomalies, and which anomaly kinds the exactly-once
/// verdict (the union of the others') lists. Enough to apply the header's word as
/// apply_allowed does (checker/check.hpp: judge_stream): every anomaly of at-most-once is
/// "duplicated", of at-least-once "lost" or "unseen", of no-unexpected "unexpected".
struct DeliveryFindings {
  enum Kind : std::uint8_t { duplicated = 1, lost = 2, unseen = 4, unexpected = 8 };
  std::array<Validity, 4> validity{};  // As judged: at-most-once, at-least-once, exactly-once,
                                       // no-unexpected.
  std::uint8_t kinds = 0;              // Kind bits of the anomalies listed.
  bool operator==(DeliveryFindings const&) const = default;
};

/// The findings of a full report (check_delivery's, before compose): for the rare histories
/// the verdicts-only judgement hands to the full one, and for tests.
DeliveryFindings findings_of(DeliveryReport const& report);

/// The streaming delivery checker as an object, for a caller that feeds several streaming
/// checkers from one pass over the ops (check_streaming), with no extra call per op between
/// them: observe() every op in order, then finish() once.
class DeliveryStream {
 public:
  /// `header` must outlive the stream; `stats`, when given, is filled as the check goes.
  DeliveryStream(history::Header const& header, StreamOptions options, StreamStats* stats);
  ~DeliveryStream();
  DeliveryStream(DeliveryStream const&) = delete;
  DeliveryStream& operator=(DeliveryStream const&) = delete;

  /// Takes the next op of the first pass.
  void observe(history::Op const& op);
  /// Returns check_delivery_stream's report. `source` must yield the ops observe() took: it is
  /// read again only when settled messages must be rebuilt (a second pass), and once more when
  /// a held record names a transaction whose fate the pass let go (checker/delivery_txn.hpp).
  [[nodiscard]] DeliveryReport finish(OpSource const& source);
  /// Instead of finish(): the findings of finish()'s report, made without the report where
  /// the first pass decides alone (no message to rebuild, no transaction settled under an
  /// abort that ended otherwise): the open messages are judged where they lie, with no table
  /// of MessageFacts, no anomaly and no text (the explorer judges tens of thousands of short
  /// histories a second and keeps the validities only). Else from finish()'s report.
  [[nodiscard]] DeliveryFindings judge(OpSource const& source);
  /// Makes the stream as new for a history of header `header` (which must outlive it), with
  /// the same options and stats, keeping what its storage grew to: a caller judging many
  /// short histories one after another (checker::StreamJudge) pays for no rebuild. Not for
  /// a stream whose open-message table an OrderingStream shares (first_pass()).
  void reset(history::Header const& header);
  /// The first pass's state, whose open-message table an OrderingStream fed the same ops may
  /// share (stream_detail::OpenTable).
  stream_detail::Pass& first_pass() { return *first_; }

 private:
  TxnTable fates(OpSource const& source, stream_detail::Pass const* second);
  DeliveryReport rebuilt_whole(OpSource const& source);
  void close_first();
  DeliveryReport report(OpSource const& source);

  history::Header const* header_;
  StreamOptions options_;
  StreamStats local_;
  StreamStats& stats_;
  bool sample_;  // Memory is sampled only when the caller asked for stats.
  std::unique_ptr<stream_detail::Pass> first_;
};

/// Judges the delivery guarantees (as check_delivery) of the history `source` yields, whose
/// header is `header` (which must outlive the call).
[[nodiscard]] DeliveryReport check_delivery_stream(history::Header const& header,
                                                   OpSource const& source,
                                                   StreamOptions options = {},
                                                   StreamStats* stats = nullptr);

/// Returns an OpSource over the ops of an in-memory history (which must outlive it).
OpSource ops_of(history::History const& history);

}  // namespace mqcheck::checker
