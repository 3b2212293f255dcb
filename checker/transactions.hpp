// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions.hpp (layer: checker)
// Transactional visibility: a read_committed group never reads a message of a transaction that
// aborted or never committed (`aborted-read`), nor one read before its commit was even
// requested (`precommitted-read`), and, once drained, reads all of a committed transaction or
// none of it (`torn-transaction`). An `info` txn-commit leaves its transaction unknown: a read of
// it after the commit request proves nothing either way, so it can only make the verdict
// unknown. Exactly-once-pipeline: every input a transformer group processed (counting only
// processing outside aborted transactions) has exactly one committed output; 0 after a drain is
// `lost`, 2 or more `duplicated`; an output of unknown outcome makes it unknown.
// docs/anomalies.md ("Transactions") is the full definition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

/// How a transaction ended, by the txn-commit and txn-abort ops carrying its `txn` id.
/// committed: a txn-commit `ok`. aborted: a txn-abort `ok`, else every txn-commit `fail`, else
/// a txn-abort of any type with no txn-commit. unknown: a txn-commit `info` (or one never
/// completed) and neither of the first two. open: no txn-commit and no txn-abort at all; it
/// never committed (Kafka aborts it after transaction.timeout.ms, KIP-98).
enum class TxnStatus : std::uint8_t { committed, aborted, unknown, open };

/// What the history says about one transaction.
struct TxnFacts {
  TxnStatus status = TxnStatus::open;
  std::uint64_t first_op = 0;                     // The first op that names the transaction.
  std::optional<std::uint64_t> commit_request{};  // The first txn-commit op (normally an invoke).
  std::optional<std::uint64_t> decided_by{};      // The op that decided the status; none if open.
  bool operator==(TxnFacts const&) const = default;
};

/// By `txn` id. A std::map: the order reaches output.
using TxnTable = std::map<std::string, TxnFacts>;

/// Builds the table from the client ops whose `txn` field is set, in one pass. Ops with an
/// empty `txn` (including txn-* ops without one) name no transaction and are skipped.
[[nodiscard]] TxnTable build_txn_table(history::History const& history);

/// build_txn_table for a stream: feed every op in order, then take the table. Holds a few
/// indices per transaction named so far.
class TxnTableBuilder {
 public:
  TxnTableBuilder();
  ~TxnTableBuilder();
  TxnTableBuilder(TxnTableBuilder&&) noexcept;
  TxnTableBuilder& operator=(TxnTableBuilder&&) noexcept;
  void observe(history::Op const& op);
  [[nodiscard]] TxnTable finish() const;
  /// Returns an estimate of the heap bytes held: a trace per transaction named so far.
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  struct Traces;
  std::unique_ptr<Traces> traces_;
};

/// Whether an op's effect counts.
enum class Counted : std::uint8_t { yes, maybe, no };

/// Returns how a `process` op counts as processing, given its transaction (Kafka EOS,
/// KIP-98 sendOffsetsToTransaction: what a consumer does inside an aborted transaction is
/// rolled back, input position included). `op` is a completion, or an invoke that was never
/// completed. ok -> yes, info or a never-completed invoke -> maybe, fail -> no; then, when
/// op.txn is set: committed keeps it, unknown lowers yes to maybe, aborted gives no, and open
/// gives no after a drain (`drained`) and lowers yes to maybe before one.
[[nodiscard]] Counted counted_as_processed(history::Op const& op, TxnTable const& txns,
                                           bool drained);
/// The same for a process op known by its type and `txn` field alone.
[[nodiscard]] Counted counted_as_processed(history::OpType type, std::string const& txn,
                                           TxnTable const& txns, bool drained);

/// Returns the guarantees check_transactions can judge, in report order:
/// "transactional-visibility", "exactly-once-pipeline".
std::vector<std::string_view> transaction_guarantee_names();

/// Judges transactional visibility when the history has a transactional op (a txn-* op or an
/// op with `txn` set), and exactly-once-pipeline when a send record has a `source`; returns
/// those verdicts in the order of transaction_guarantee_names(), and nothing for a history with
/// neither. Pure and deterministic; anomalies sorted by first witness.
[[nodiscard]] std::vector<Verdict> check_transactions(history::History const& history);

}  // namespace mqcheck::checker
