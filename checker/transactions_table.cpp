// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_table.cpp (layer: checker)
// The transaction table (how each transaction ended) and each message's copies, one per
// transaction it was sent in. Both are std::maps keyed by id, so every later walk over them
// runs in a fixed order. An op's index is its position (History::append assigns it), which is
// how a message-table entry finds its op again.
#include <algorithm>

#include "checker/transactions.hpp"
#include "checker/transactions_detail.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace txn_detail {

// Every txn-commit and txn-abort op of one transaction, before its status is decided. Not
// file-local: TxnTableBuilder::Traces, a member of a class with external linkage, holds it.
struct TxnTrace {
  std::uint64_t first_op = 0;
  std::optional<std::uint64_t> commit_request, commit_ok, commit_fail, commit_info;
  std::optional<std::uint64_t> abort_ok, abort_any;
  std::vector<std::uint64_t> open_commits;  // txn-commit invokes not yet completed.
};

}  // namespace txn_detail
namespace {

using history::Op;
using history::OpKind;
using history::OpType;
using txn_detail::Copies;
using txn_detail::Copy;
using txn_detail::TxnTrace;

void keep_first(std::optional<std::uint64_t>& slot, std::uint64_t index) {
  if (!slot) slot = index;
}

void trace_commit(TxnTrace& trace, Op const& op) {
  keep_first(trace.commit_request, op.index);
  switch (op.type) {
    case OpType::invoke:
      trace.open_commits.push_back(op.index);
      return;
    case OpType::ok:
      keep_first(trace.commit_ok, op.index);
      break;
    case OpType::fail:
      keep_first(trace.commit_fail, op.index);
      break;
    case OpType::info:
      keep_first(trace.commit_info, op.index);
      break;
    case OpType::event:
      return;
  }
  // A completion completes the earliest open invoke (docs/history-format.md).
  if (!trace.open_commits.empty()) trace.open_commits.erase(trace.open_commits.begin());
}

// The precedence is TxnStatus's contract. A commit ok wins: Kafka refuses an abort once a
// commit is prepared (KIP-98 transaction coordinator states), so a history with both is one
// where the abort came too late to matter.
TxnFacts resolve(TxnTrace const& trace) {
  TxnFacts facts{.first_op = trace.first_op, .commit_request = trace.commit_request};
  std::optional<std::uint64_t> unknown = trace.commit_info;
  if (!unknown && !trace.open_commits.empty()) unknown = trace.open_commits.front();
  auto const decide = [&](TxnStatus status, std::optional<std::uint64_t> by) {
    facts.status = status;
    facts.decided_by = by;
    return facts;
  };
  if (trace.commit_ok) return decide(TxnStatus::committed, trace.commit_ok);
  if (trace.abort_ok) return decide(TxnStatus::aborted, trace.abort_ok);
  if (trace.commit_fail && !unknown) return decide(TxnStatus::aborted, trace.commit_fail);
  if (unknown) return decide(TxnStatus::unknown, unknown);
  if (trace.abort_any) return decide(TxnStatus::aborted, trace.abort_any);
  return decide(TxnStatus::open, std::nullopt);
}

history::Record const* find_record(Op const& op, MessageId id) {
  auto const it = std::find_if(op.value.begin(), op.value.end(),
                               [&](history::Record const& record) { return record.id == id; });
  return it == op.value.end() ? nullptr : &*it;
}

// Folds one attempt's outcome into a copy's: ok over info over fail (SendOutcome's contract).
SendOutcome merge(SendOutcome copy, OpType attempt) {
  if (copy == SendOutcome::ok || attempt == OpType::ok) return SendOutcome::ok;
  if (copy == SendOutcome::info || attempt == OpType::info) return SendOutcome::info;
  return SendOutcome::fail;
}

void add_attempt(std::span<Op const> ops, MessageId id, SendAttempt const& attempt,
                 std::map<std::string, Copy>& by_txn) {
  Op const& first = ops[attempt.invoke ? *attempt.invoke : *attempt.completion];
  history::Record const* record = find_record(first, id);
  // An invoke may name no message (docs/history-format.md); its completion then names it.
  if (record == nullptr && attempt.completion) record = find_record(ops[*attempt.completion], id);
  if (record == nullptr) return;  // Unreachable: an attempt is filed from an op naming `id`.
  auto [it, created] = by_txn.try_emplace(first.txn);
  Copy& copy = it->second;
  if (created) {
    copy.id = id;
    copy.txn = first.txn;
    copy.topic = record->topic;
    copy.process = attempt.process;
    copy.first_send = first.index;
    copy.outcome = SendOutcome::none;
  }
  copy.first_send = std::min(copy.first_send, first.index);
  copy.outcome = merge(copy.outcome, attempt.outcome);
  if (!copy.source) copy.source = record->source;
  if (!attempt.completion) return;
  history::Record const* const done = find_record(ops[*attempt.completion], id);
  if (done == nullptr) return;  // Unreachable: a completion is filed under the ids it names.
  if (!copy.source) copy.source = done->source;
  if (attempt.outcome != OpType::ok || (copy.ack && *copy.ack < *attempt.completion)) return;
  copy.ack = attempt.completion;
  copy.partition = done->partition;
  copy.offset = done->offset;
}

Copies build_copies(history::History const& history, MessageTable const& table) {
  Copies copies;
  for (auto const& [id, facts] : table) {
    if (facts.sends.empty()) continue;
    std::map<std::string, Copy> by_txn;
    for (SendAttempt const& attempt : facts.sends) add_attempt(history.ops(), id, attempt, by_txn);
    std::vector<Copy>& out = copies[id];
    for (auto& [txn, copy] : by_txn) out.push_back(std::move(copy));
  }
  return copies;
}

}  // namespace

struct TxnTableBuilder::Traces {
  std::map<std::string, TxnTrace, std::less<>> by_txn;
  std::size_t bytes = 0;  // Kept current: sampling it walks nothing.
};

TxnTableBuilder::TxnTableBuilder() : traces_(std::make_unique<Traces>()) {}
TxnTableBuilder::~TxnTableBuilder() = default;
TxnTableBuilder::TxnTableBuilder(TxnTableBuilder&&) noexcept = default;
TxnTableBuilder& TxnTableBuilder::operator=(TxnTableBuilder&&) noexcept = default;

void TxnTableBuilder::observe(Op const& op) {
  if (!history::is_client_op(op) || op.txn.empty()) return;
  auto it = traces_->by_txn.find(op.txn);
  if (it == traces_->by_txn.end()) {
    it = traces_->by_txn.emplace(op.txn, TxnTrace{}).first;
    it->second.first_op = op.index;
    constexpr std::size_t node = 4 * sizeof(void*) + 16;  // A map node's links and malloc's.
    traces_->bytes += node + sizeof(std::string) + sizeof(TxnTrace);
    if (it->first.capacity() > 15) traces_->bytes += it->first.capacity() + 1 + 16;
  }
  if (op.f == OpKind::txn_commit) {
    std::size_t const before = it->second.open_commits.capacity();
    trace_commit(it->second, op);
    traces_->bytes += (it->second.open_commits.capacity() - before) * sizeof(std::uint64_t);
  }
  if (op.f == OpKind::txn_abort) {
    keep_first(it->second.abort_any, op.index);
    if (op.type == OpType::ok) keep_first(it->second.abort_ok, op.index);
  }
}

std::size_t TxnTableBuilder::memory_bytes() const { return traces_->bytes; }

TxnTable TxnTableBuilder::finish() const {
  TxnTable table;
  for (auto const& [txn, trace] : traces_->by_txn) table.emplace(txn, resolve(trace));
  return table;
}

TxnTable build_txn_table(history::History const& history) {
  TxnTableBuilder builder;
  for (Op const& op : history.ops()) builder.observe(op);
  return builder.finish();
}

Counted counted_as_processed(Op const& op, TxnTable const& txns, bool drained) {
  return counted_as_processed(op.type, op.txn, txns, drained);
}

Counted counted_as_processed(OpType type, std::string const& txn_id, TxnTable const& txns,
                             bool drained) {
  Counted const base = type == OpType::ok     ? Counted::yes
                       : type == OpType::fail ? Counted::no
                                              : Counted::maybe;
  if (txn_id.empty() || base == Counted::no) return base;
  auto const txn = txns.find(txn_id);
  if (txn == txns.end()) return base;  // A table built from another history: no word on it.
  switch (txn->second.status) {
    case TxnStatus::committed:
      return base;
    case TxnStatus::unknown:
      return Counted::maybe;
    case TxnStatus::aborted:
      return Counted::no;
    case TxnStatus::open:
      return drained ? Counted::no : Counted::maybe;
  }
  MQCHECK_ASSERT_MSG(false, "transaction status out of range");
}

namespace txn_detail {

Facts gather(history::History const& history) {
  Facts facts{.history = &history,
              .table = build_message_table(history),
              .txns = build_txn_table(history),
              .copies = {},
              .drained = history.header().drained};
  facts.copies = build_copies(history, facts.table);
  return facts;
}

Processing processing_of(Facts const& facts, MessageId id, std::string const& group) {
  Processing processing;
  auto const message = facts.table.find(id);
  if (message == facts.table.end()) return processing;
  auto const found = message->second.groups.find(group);
  if (found == message->second.groups.end()) return processing;
  std::vector<std::uint64_t> indices = found->second.ok_ops;
  indices.insert(indices.end(), found->second.info_ops.begin(), found->second.info_ops.end());
  for (std::uint64_t const index : unique_sorted(std::move(indices))) {
    Op const& op = facts.history->ops()[index];
    MQCHECK_ASSERT(op.index == index);
    switch (counted_as_processed(op, facts.txns, facts.drained)) {
      case Counted::yes:
        processing.yes.push_back(index);
        break;
      case Counted::maybe:
        processing.maybe.push_back(index);
        break;
      case Counted::no:
        break;
    }
  }
  return processing;
}

TxnFacts const& txn_of(Facts const& facts, Copy const& copy) {
  auto const it = facts.txns.find(copy.txn);
  MQCHECK_ASSERT_MSG(it != facts.txns.end(), "a transactional copy without a transaction");
  return it->second;
}

}  // namespace txn_detail
}  // namespace mqcheck::checker
