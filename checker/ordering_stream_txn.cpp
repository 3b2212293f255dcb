// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_txn.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp), the offsets a consumer may jump
// because of transactions, as check_offsets (checker/ordering_offsets.cpp) allows: a
// read_committed group skips an offset first claimed by a send in a transaction that never
// commits (Kafka KIP-98: the fetcher drops aborted batches), and any group skips a message an
// ok txn-abort named. The whole-history rule reads the transaction's final status; here an
// offset becomes skippable once an ok txn-abort or a failed txn-commit ends its transaction,
// which only an ok txn-commit of the same transaction could undo. One before the claim is ruled
// out by keeping claims only for transactions named above every counter their producer's
// earlier transactions showed (docs/history-format.md: a name is a prefix and a counter); one
// after the abort is a doubt (Kafka refuses it: a transaction aborts or commits, never both,
// KIP-98's coordinator states). A gap read before the abort is known is left to the gaps'
// second pass (ordering_stream_skips.hpp), which reads the transaction's final status: its
// offsets are not skippable yet. Names without a counter make no offset skippable here: a gap
// over their data goes to that pass too.
#include <algorithm>
#include <limits>

#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;

namespace {

// A prefix's size and up to its first seven bytes in one word: comparing these first makes
// finding a producer's prefix among a few a handful of instructions.
std::uint64_t txn_prefix_key(std::string_view prefix) {
  std::uint64_t key = prefix.size() & 0xff;
  for (std::size_t i = 0; i < prefix.size() && i < 7; ++i)
    key |= std::uint64_t{static_cast<unsigned char>(prefix[i])} << (8 * (i + 1));
  return key;
}

}  // namespace

bool StreamState::read_committed(std::string const& group) {
  std::uint32_t const id = names_.intern(group);
  return id < read_committed_.size() && read_committed_[id] != 0;
}

// Returns true when `txn` ends in a counter (decimal, no leading zero) above every counter of
// its prefix seen so far, so that no op named it before; raises the prefix's maximum either
// way. A name without a counter, or of a prefix not kept (more than txn_prefixes_max), never
// rises: its claims are not kept.
bool StreamState::txn_rises(std::string_view txn) {
  std::size_t digits = 0;
  while (digits < txn.size() && txn[txn.size() - 1 - digits] >= '0' &&
         txn[txn.size() - 1 - digits] <= '9')
    ++digits;
  std::size_t const start = txn.size() - digits;
  if (digits == 0 || digits > 18 || (digits > 1 && txn[start] == '0')) return false;
  std::uint64_t number = 0;
  for (std::size_t i = start; i < txn.size(); ++i)
    number = number * 10 + static_cast<std::uint64_t>(txn[i] - '0');
  std::string_view const prefix = txn.substr(0, start);
  std::uint64_t const key = txn_prefix_key(prefix);
  auto const same = [&](TxnPrefix const& known) {
    return known.key == key && (prefix.size() < 8 || known.prefix == prefix);
  };
  std::size_t at = txn_prefix_last_;
  if (at >= txn_prefixes_.size() || !same(txn_prefixes_[at])) {
    at = 0;
    while (at < txn_prefixes_.size() && !same(txn_prefixes_[at])) ++at;
    if (at == txn_prefixes_.size()) {
      if (txn_prefixes_full_ || txn_prefixes_.size() == txn_prefixes_max) {
        txn_prefixes_full_ = true;  // Its earlier names may have been anywhere.
        return false;
      }
      txn_prefixes_.push_back(TxnPrefix{std::string(prefix), key, number});
      txn_prefix_last_ = at;
      return true;
    }
  }
  txn_prefix_last_ = at;
  TxnPrefix& known = txn_prefixes_[at];
  if (number <= known.max) return false;
  known.max = number;
  return true;
}

// `record`'s message was first put at e.offset by `op`, a send in transaction op.txn. Kept
// while the transaction is open, so that its abort makes the offset skippable: with the
// transaction's earlier claims, or as its first op (txn_rises).
void StreamState::note_txn_claim(Op const& op, Record const& record, Entry const& e) {
  bool const open = std::any_of(txn_claims_.rbegin(), txn_claims_.rend(),
                                [&](TxnClaim const& claim) { return claim.txn == op.txn; });
  if (!open && !txn_rises(op.txn)) return;
  if (txn_claims_.size() >= txn_claims_keep)
    txn_claims_.erase(txn_claims_.begin(),
                      txn_claims_.begin() + static_cast<std::ptrdiff_t>(txn_claims_keep / 2));
  txn_claims_.push_back(TxnClaim{op.txn, record.id.value, unit_of(e), e.offset});
}

// An ok txn-abort, an ok txn-commit or a failed txn-commit (plan_txn_end), after its records
// were touched.
void StreamState::on_txn_end(Op const& op) {
  if (op.f == OpKind::txn_abort) {
    // check_offsets' skippable: whatever ok txn-abort names it, with or without a `txn`.
    for (std::size_t i = 0; i < op.value.size(); ++i) {
      Entry& e = entry(slots_[i]);
      e.abort_named = true;
      if (e.has_offset && scope_of(e.topic) != OrderingScope::none) {
        note_conflict_guard(units_[unit_of(e)], e.offset);
        units_[unit_of(e)].abort_named.insert(MessageId{static_cast<std::uint64_t>(e.offset)});
      }
    }
  }
  // build_txn_table reads only ops that name their transaction. Without a read_committed
  // group no claim is kept (note_txn_claim), and no offset holds aborted data for anyone.
  if (!op.txn.empty() && !read_committed_.empty())
    end_txn(op.txn, op.f == OpKind::txn_commit && op.type == OpType::ok);
}

void StreamState::end_txn(std::string const& txn, bool committed) {
  auto const mine = [&](TxnClaim const& claim) { return claim.txn == txn; };
  auto const first = std::find_if(txn_claims_.begin(), txn_claims_.end(), mine);
  if (first == txn_claims_.end()) {
    // Its later claims, if any, must not count as new (an end came first): raise its counter.
    txn_rises(txn);
    // A commit after the abort that made its offsets skippable: committed data after all.
    if (committed && marked_aborted_) {
      EndedTxns::Fate const fate = aborted_txns_.fate(txn);
      if (fate == EndedTxns::Fate::aborted || fate == EndedTxns::Fate::forgotten) doubt();
    }
    return;
  }
  // Its claims leave the list (the others close up behind them), aborted data if it aborted.
  auto kept = first;
  for (auto it = first; it != txn_claims_.end(); ++it) {
    if (it != first && !mine(*it)) {
      *kept++ = std::move(*it);
      continue;
    }
    if (committed) continue;
    note_conflict_guard(units_[it->unit], it->offset);
    units_[it->unit].aborted.insert(MessageId{static_cast<std::uint64_t>(it->offset)});
    // Its read_committed readers never process it: it is let go after the settle delay, as a
    // processed message is (an op naming it afterwards is a doubt).
    std::uint32_t const slot = table_.find_slot(it->id);
    if (slot != stream_detail::OpenTable::no_slot && entry(slot).live)
      due_.push_back(Due{now_ + settle_slack_, it->id, slot});
  }
  txn_claims_.erase(kept, txn_claims_.end());
  if (committed) return;
  marked_aborted_ = true;
  aborted_txns_.add(txn, false);
}

}  // namespace mqcheck::checker::ordering_detail
