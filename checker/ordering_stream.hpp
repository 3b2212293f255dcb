// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream.hpp (layer: checker)
// The ordering checker over a stream of ops, in memory bounded by open state. check_ordering
// (checker/ordering.hpp) stays the definition; this pass proves, op by op and with sufficient
// conditions only, that a history has no ordering anomaly: every message keeps one topic,
// partition and offset; no offset holds two messages, unless a truncated log explains it (the
// earlier, never-read message then leaves the orders, as check_ordering's truncated_claims
// has it: ordering_stream_truncation.cpp); each consumer reads each partition
// contiguously; each group's first processings and each producer's sends follow the offsets.
// When all hold, the report (no anomaly; valid, unknown or absent) is decided in one pass. A
// consumer's read that steps back is a nonmonotonic-poll, reported as is; one that jumps a gap
// it cannot clear yet is kept, and a second pass over the ops (ordering_stream_skips.hpp)
// tells whether it skipped a message; that pass also gathers every claim of each offset held
// by two messages, for its inconsistent-offsets: both stay bounded. At the first doubt (a
// redelivery of a forgotten message, a second message at an offset some consumer read...)
// the pass stops judging and a second pass
// loads the history and runs check_ordering, so the report equals check_ordering's byte for
// byte either way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "checker/delivery_stream.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

namespace ordering_detail {
class StreamState;
}

/// The first, streaming pass of the ordering checker. Feed it every op in order, then ask
/// decided(): when true, finish() is check_ordering's answer.
class OrderingStream {
 public:
  /// `header` must outlive the stream. A message leaves the held state once every group
  /// subscribed to its topic has processed it (or its tag filter rejects it) and `settle_delay`
  /// ops passed since an op last named it (a few more at large delays: at most settle_delay/256
  /// and 8; up to settle_delay more when named again after it settled); an op naming it
  /// afterwards ends the streaming judgement (decided() = false).
  OrderingStream(history::Header const& header, std::uint64_t settle_delay);
  /// As above, sharing `share`'s open-message table (one lookup, one id and one index cell per
  /// message for both). `share` must outlive this stream and take every op before it does.
  OrderingStream(history::Header const& header, std::uint64_t settle_delay,
                 DeliveryStream& share);
  ~OrderingStream();
  OrderingStream(OrderingStream const&) = delete;
  OrderingStream& operator=(OrderingStream const&) = delete;

  /// Takes the next op of the history (ops come in index order).
  void observe(history::Op const& op);
  /// Returns true when the ops seen so far leave no doubt and no gap to look at again: the
  /// report (no anomaly, or nonmonotonic-polls only) is known.
  bool decided() const;
  /// Returns true when the ops seen so far leave no doubt, though gaps in consumers' reads
  /// may await a second pass (gaps_pending()) to tell poll-skips from legitimate jumps.
  bool judged() const;
  bool gaps_pending() const;
  /// Returns check_ordering's verdicts for the whole history. Precondition: decided(), and
  /// every op observed.
  [[nodiscard]] std::vector<Verdict> finish();
  /// As finish(), for a judged() stream: reads `source` (the ops observed) again when gaps,
  /// conflicts or crossings are pending, and sets `reads` to how many times it did (a filtered
  /// gap's sent tags take a second read). Returns nothing when those passes could not judge
  /// them (check_ordering_loaded must decide).
  [[nodiscard]] std::optional<std::vector<Verdict>> finish(OpSource const& source,
                                                           std::uint64_t& reads);
  /// Returns the number of messages held now.
  std::size_t open_count() const;
  /// Returns an estimate of the heap bytes held now.
  std::size_t memory_bytes() const;

 private:
  std::unique_ptr<ordering_detail::StreamState> state_;
};

/// Judges the "ordering" guarantee (as check_ordering) of the history `source` yields, whose
/// header is `header`: one streaming pass, a second over the gaps in consumers' reads when
/// some are left, plus one that loads the history when those cannot decide. options.settle_delay
/// is the stream's settle delay. `stats`, when given, receives ops, passes, loaded_for
/// ("ordering" when it loaded), the peak of messages held and of bytes held (sampled).
[[nodiscard]] std::vector<Verdict> check_ordering_stream(history::Header const& header,
                                                         OpSource const& source,
                                                         StreamOptions options = {},
                                                         StreamStats* stats = nullptr);

/// Returns check_ordering of the history `source` yields (a second, loading pass), for a
/// stream that could not decide.
[[nodiscard]] std::vector<Verdict> check_ordering_loaded(history::Header const& header,
                                                         OpSource const& source);

}  // namespace mqcheck::checker
