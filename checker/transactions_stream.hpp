// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream.hpp (layer: checker)
// Transactional visibility over a stream of ops, in memory bounded by open state. As the
// ordering stream does (checker/ordering_stream.hpp), this pass does not rebuild anomalies: it
// proves op by op, with sufficient conditions, that check_transactions would find none and
// have no doubt, and otherwise says it cannot decide, so that the caller loads the history.
// The conditions, per transactional-visibility's definition (checker/transactions.hpp):
//   - every read (ok poll, deliver, process) of a transactional message by a read_committed
//     group comes after its transaction's commit request and the transaction commits (`ok`);
//     other groups (read_uncommitted, Kafka's default) may read anything: their reads are only
//     counted, each message once per group, for the reason ("G read N aborted or uncommitted
//     messages"); which ids a group counted is kept for recent ids only, and counting an older
//     one is a doubt;
//   - a message is never sent both in and outside transactions, and in a second transaction
//     only when its every earlier copy stays aborted for good (checker/
//     transactions_stream_copies.cpp: an aborted one, or an open one that may then no longer
//     commit; a read pinned to an earlier copy by its offset is a doubt; send completions
//     after their transaction aborted join its copy), and a transaction with a failed send
//     does not commit (it aborts, its commit fails, or it stays open: a failed copy counts as
//     an aborted one then);
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
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
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
  /// transactional op: until then a long history costs a few instructions per op, and a call
  /// only for a process op of a (process, group) pair not yet known quiet (process_before).
  [[gnu::always_inline]] void observe(history::Op const& op) {
    if (!active_) {
      if (op.type == history::OpType::event) return;
      if (op.txn.empty() && op.f != history::OpKind::txn_begin &&
          op.f != history::OpKind::txn_commit && op.f != history::OpKind::txn_abort)
        return before_transactions(op);
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
  // Before the first transactional op, what a later transaction or pipeline output is judged
  // against, and nothing else (transactions_stream.cpp, State::send_before, says why):
  //   - the range of the ids named so far (plain() takes it all as plain: a transaction's
  //     ids below plain ones sent first, as a producer's own ids count up beside another's,
  //     are not in it);
  //   - how far the ids sent so far reach, until a record has a source (the pipeline pass's
  //     "fresh" test; it is handed the figure when it first needs it);
  //   - process ops (the pipeline pass: which group each process first processed for, and the
  //     buffers of groups that may turn transformer), but those it found quiet (quiet_);
  //   - whether a read_committed group read, until one did;
  //   - sends the pipeline pass must see whole (a record with a source, after one, or none).
  [[gnu::always_inline]] void before_transactions(history::Op const& op) {
    // An assign's records name partitions, with id 0 (docs/history-format.md), not messages:
    // counted, an assign before the first transaction made every id below the first plain one
    // look plain (kafka-transactions-timeout-aborts-stuck-transaction at seed 12).
    if (!op.value.empty() && op.f != history::OpKind::assign) {
      std::uint64_t most = 0;
      for (history::Record const& record : op.value) {
        most = std::max(most, record.id.value);
        // Rarely taken (ids count up), so cheaper than a second running minimum.
        if (record.id.value < min_before_) [[unlikely]]
          min_before_ = record.id.value;
      }
      named_before_ = true;
      max_before_ = std::max(max_before_, most);
      if (op.f == history::OpKind::send) {
        if (pipeline_sends_ || std::any_of(op.value.begin(), op.value.end(), has_source))
          return send_before(op);
        sent_before_ = true;
        max_sent_before_ = std::max(max_sent_before_, most);
      }
    } else if (op.f == history::OpKind::send) {
      return send_before(op);
    }
    if (op.f == history::OpKind::process && !op.group.empty() && !known_quiet(op))
      process_before(op);
    if (watch_reads_ && op.type == history::OpType::ok &&
        (op.f == history::OpKind::poll || op.f == history::OpKind::deliver ||
         op.f == history::OpKind::process))
      read_before(op);
  }
  static bool has_source(history::Record const& record) { return record.source.has_value(); }

  // A name of 4 to 16 bytes, exactly: its size and its first and last words (as
  // stream_detail::Names keys names, checker/delivery_stream_state.hpp, and same_text compares
  // them); shorter and longer ones are not kept.
  struct NameKey {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t size = 0;  // 0: none.
  };
  [[gnu::always_inline]] static bool name_key(std::string_view text, NameKey& key) {
    std::size_t const n = text.size();
    if (n >= 8 && n <= 16) {
      std::memcpy(&key.first, text.data(), 8);
      std::memcpy(&key.last, text.data() + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::uint32_t first = 0;
      std::uint32_t last = 0;
      std::memcpy(&first, text.data(), 4);
      std::memcpy(&last, text.data() + n - 4, 4);
      key.first = first;
      key.last = last;
    } else {
      return false;
    }
    key.size = n;
    return true;
  }
  [[gnu::always_inline]] static bool same_key(NameKey const& a, NameKey const& b) {
    return a.first == b.first && a.last == b.last && a.size == b.size;
  }
  static std::size_t quiet_slot(NameKey const& process) {
    std::uint64_t const mixed = (process.first * 0x9E3779B97F4A7C15ULL) ^
                                ((process.last + process.size) * 0xBF58476D1CE4E5B9ULL);
    return static_cast<std::size_t>(mixed >> 59);  // 32 slots.
  }
  // A (process, group) pair of process ops the pipeline pass found quiet: the process's first
  // group is that group, it overflowed its buffer, and it is no transformer. Until a record has
  // a source none of that changes (the first group is for good, a buffer lost stays lost, and a
  // group turns transformer at its first output only), so a later process op of the same pair
  // changes nothing in the pass either, whatever its type and records: it is not called. Most
  // process ops of a long history are of such a pair.
  struct QuietPair {
    NameKey process;
    NameKey group;
  };
  [[gnu::always_inline]] bool known_quiet(history::Op const& op) const {
    NameKey process;
    NameKey group;
    if (pipeline_sends_ || !name_key(op.process, process) || !name_key(op.group, group))
      return false;
    QuietPair const& pair = quiet_[quiet_slot(process)];
    return same_key(pair.process, process) && same_key(pair.group, group);
  }
  void send_before(history::Op const& op);     // A send the pipeline pass sees whole.
  void process_before(history::Op const& op);  // To the pipeline pass.
  void read_before(history::Op const& op);     // An ok read while a read_committed group may.
  void start();                                // At the first transactional op.
  void observe_active(history::Op const& op);

  std::unique_ptr<txn_stream_detail::State> state_;
  bool active_ = false;                // A transactional op came.
  bool watch_reads_ = false;           // Some group is read_committed, and none of them read yet.
  bool pipeline_sends_ = false;        // A record had a source: every send goes to the pipeline.
  bool named_before_ = false;          // Some op before it named a message...
  std::uint64_t max_before_ = 0;       // ...with at most this id, and at least min_before_.
  bool sent_before_ = false;           // Some send before it named a message (not to the
  std::uint64_t max_sent_before_ = 0;  // pipeline pass)... with at most this id.
  std::array<QuietPair, 32> quiet_{};  // Direct-mapped by process: a pair may push out another.
  std::uint64_t min_before_ = ~std::uint64_t{0};  // The least id named before, as max_before_.
};

}  // namespace mqcheck::checker
