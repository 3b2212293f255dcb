// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream.hpp (layer: checker)
// Transactional visibility over a stream of ops, in memory bounded by open state. As the
// ordering stream does (checker/ordering_stream.hpp), this pass does not rebuild anomalies: it
// proves op by op, with sufficient conditions, that check_transactions would find none and
// have no doubt, and otherwise says it cannot decide, so that the caller loads the history.
// The conditions, per transactional-visibility's definition (checker/transactions.hpp):
//   - every read (ok poll, deliver, process) of a transactional message, by any group, comes
//     after its transaction's commit request and the transaction commits (`ok`);
//   - each message is sent in one transaction only, never also outside one, and no send in a
//     transaction fails;
//   - each committed transaction is read whole or not at all by each read_committed group
//     subscribed to its topics: at the end no such group has processed (ok, outside any
//     transaction or in a committed one) some of its messages but not all.
// Anything else (an abort or failed commit whose messages were read, an `info` commit, a
// retried commit, a topic without a `subscriptions` entry, a send invoke naming no message...)
// is a doubt. Exactly-once-pipeline (records with a `source`) is proved beside it, on the same
// terms (checker/transactions_pipeline_stream.hpp). A committed transaction is dropped once every
// such group processed all of it; an aborted one at once. Their ids join the ids named outside
// transactions in one interval set (dense when ids count up, even if plain and transactional
// ones take turns); which of them were aborted or committed is kept for recent ids only (a
// window measured in ids, whatever the pattern of aborts), so that an op naming an older one (a
// late read or a late retry) is a doubt, and memory stays flat.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

namespace txn_stream_detail {
class State;
}

class TransactionsStream {
 public:
  /// `header` must outlive the stream. How transaction names ended is kept for recent ones
  /// only (checker/transactions_ended.hpp: two generations of `recent_intervals` intervals per
  /// prefix, of names, and of prefixes); which ids (named outside held transactions) were of a
  /// committed or an aborted transaction, for the latest `recent_ids` ids of each (a bit each,
  /// 8 KB apiece at the default; in pages, so that two id spaces in use share them; at most
  /// 2^24). A later op naming an older one is a doubt (a late read, retry or commit; tests pass
  /// small bounds to reach it). The consumers of bench_check_stream lag 20,000 ids.
  explicit TransactionsStream(history::Header const& header, std::size_t recent_intervals = 64,
                              std::uint64_t recent_ids = std::uint64_t{1} << 16);
  ~TransactionsStream();
  TransactionsStream(TransactionsStream const&) = delete;
  TransactionsStream& operator=(TransactionsStream const&) = delete;

  /// Takes the next op of the history (ops come in index order). Inline up to the first
  /// transactional op: until then a long history costs a few instructions per op.
  void observe(history::Op const& op) {
    if (!active_) {
      if (op.type == history::OpType::event) return;
      if (op.txn.empty() && op.f != history::OpKind::txn_begin &&
          op.f != history::OpKind::txn_commit && op.f != history::OpKind::txn_abort) {
        for (history::Record const& record : op.value) {
          named_before_ = true;
          max_before_ = std::max(max_before_, record.id.value);
        }
        // Sends and processings feed the pipeline pass (and a send invoke naming no message
        // is a doubt of visibility's: it lends its transaction to what its completion names).
        if (watch_before_ || op.f == history::OpKind::send || op.f == history::OpKind::process)
          before_transactions(op);
        return;
      }
      start();
    }
    observe_active(op);
  }
  /// Returns true when the ops observed so far leave no doubt (about visibility, always when
  /// none was transactional: then check_transactions does not judge it). Call after the last
  /// op.
  [[nodiscard]] bool decided();
  /// Returns check_transactions' verdicts for the whole history. Precondition: decided().
  [[nodiscard]] std::vector<Verdict> finish() const;
  /// Returns the number of transactions and messages held now (and the pipeline pass's live
  /// outputs and owed inputs).
  [[nodiscard]] std::size_t open_count() const;
  /// Returns an estimate of the heap bytes held now (ended transactions' names included: a
  /// few intervals per producer when names count up, checker/transactions_ended.hpp).
  [[nodiscard]] std::size_t memory_bytes() const;
  /// The part of memory_bytes() the pipeline pass holds (checker/transactions_pipeline_stream.hpp).
  [[nodiscard]] std::size_t pipeline_memory_bytes() const;
  /// The part of memory_bytes() ended transactions' names hold (checker/transactions_ended.hpp:
  /// flat for counted names, recent ones kept; uncounted names too when each transaction
  /// begins with a txn-begin, else they cost bytes each).
  [[nodiscard]] std::size_t ended_memory_bytes() const;

 private:
  void before_transactions(history::Op const& op);  // A read, source or bare send before it.
  void start();                                     // At the first transactional op.
  void observe_active(history::Op const& op);

  std::unique_ptr<txn_stream_detail::State> state_;
  bool active_ = false;           // A transactional op came.
  bool watch_before_ = false;     // Some group is read_committed: reads before it count.
  bool named_before_ = false;     // Some op before it named a message...
  std::uint64_t max_before_ = 0;  // ...with at most this id.
};

}  // namespace mqcheck::checker
