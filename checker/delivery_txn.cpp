// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_txn.cpp (layer: checker)
// Transactions held by a pass of the streaming delivery checker (checker/delivery_txn.hpp):
// slots found by name through an open-addressing index (linear probing, a slot's hash kept
// beside it; a slot that goes is taken out by shifting its followers back, so no tombstones
// pile up over a long history).
#include "checker/delivery_txn.hpp"

#include <cstring>

#include "core/assert.hpp"

namespace mqcheck::checker::stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;

namespace {

// The heap bytes a std::string holds beyond itself (libstdc++ keeps fifteen bytes inline).
std::size_t txn_name_heap(std::string const& s) {
  return s.capacity() > 15 ? s.capacity() + 1 + 16 : 0;
}

}  // namespace

TxnFates::TxnFates(bool traced, std::size_t recent_intervals)
    : traced_(traced), ended_(recent_intervals), settled_aborts_(recent_intervals) {}

std::uint32_t TxnFates::hash(std::string_view text) {
  std::uint64_t h = text.size() * 0x9E3779B97F4A7C15ULL;
  std::size_t at = 0;
  for (; at + 8 <= text.size(); at += 8) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + at, 8);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  if (at < text.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + at, text.size() - at);
    h = (h ^ word) * 0xBF58476D1CE4E5B9ULL;
    h ^= h >> 31;
  }
  return static_cast<std::uint32_t>((h * 0x94D049BB133111EBULL) >> 32);
}

std::uint32_t TxnFates::find(std::string_view name, std::uint32_t h) const {
  std::size_t const mask = index_.size() - 1;
  for (std::size_t at = h & mask;; at = (at + 1) & mask) {
    std::uint64_t const c = index_[at];
    if (c == 0) return none;
    auto const id = static_cast<std::uint32_t>(c);
    if (c >> 32 == h && slots_[id].name == name) return id;
  }
}

std::uint32_t TxnFates::slot_of_slow(std::string_view name) {
  std::uint32_t const h = hash(name);
  std::uint32_t const found = find(name, h);
  last_ = found != none ? found : make(name, h);
  return last_;
}

std::uint32_t TxnFates::make(std::string_view name, std::uint32_t h, bool begin) {
  std::uint32_t id = 0;
  if (free_.empty()) {
    id = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    id = free_.back();
    free_.pop_back();
  }
  Slot& s = slots_[id];
  name_bytes_ -= txn_name_heap(s.name);
  s.name.assign(name);  // A freed slot's buffer is reused.
  name_bytes_ += txn_name_heap(s.name);
  s.refs = 0;
  s.open_commits = 0;
  s.ends = 0;
  s.partial = 0;
  s.settled_abort = 0;
  if (traced_) {
    // Its slot went before: only a commit ok is known for sure (it is final); of any other
    // end, or of a name EndedTxns forgot, what came before is unknown. But a loose name
    // (uncounted, or of a prefix not held: checker/transactions_ended.hpp) at its txn-begin is
    // a new transaction's (docs/history-format.md: names are unique, and a transaction's first
    // op is its txn-begin); one first named by another op means the history does not log
    // them, and every name is kept from then on.
    bool loose = false;
    EndedTxns::Fate fate = ended_.fate(name, &loose);
    if (fate == EndedTxns::Fate::forgotten && begin && loose) fate = EndedTxns::Fate::none;
    if (fate == EndedTxns::Fate::none && !begin && loose) {
      ended_.keep_names();  // Not forgotten yet (fate none).
      settled_aborts_.keep_names();
    }
    s.ends = fate == EndedTxns::Fate::committed ? commit_ok : 0;
    s.partial = fate == EndedTxns::Fate::aborted || fate == EndedTxns::Fate::forgotten ? 1 : 0;
  }
  ++live_;
  if (live_ * 2 > index_.size()) grow_index();
  place(cell(h, id));
  return id;
}

void TxnFates::place(std::uint64_t c) {
  std::size_t const mask = index_.size() - 1;
  std::size_t at = (c >> 32) & mask;
  while (index_[at] != 0) at = (at + 1) & mask;
  index_[at] = c;
}

void TxnFates::grow_index() {
  std::vector<std::uint64_t> old(index_.size() * 2, 0);
  old.swap(index_);
  for (std::uint64_t const c : old)
    if (c != 0) place(c);
}

// Removes `id` from the index; each follower in its probe run that may sit in the hole (its
// home is not cyclically between the hole and itself) moves back into it.
void TxnFates::unindex(std::uint32_t id) {
  std::size_t const mask = index_.size() - 1;
  std::size_t hole = hash(slots_[id].name) & mask;
  while (static_cast<std::uint32_t>(index_[hole]) != id) hole = (hole + 1) & mask;
  index_[hole] = 0;
  for (std::size_t at = (hole + 1) & mask; index_[at] != 0; at = (at + 1) & mask) {
    std::size_t const home = (index_[at] >> 32) & mask;
    if (((at - home) & mask) >= ((at - hole) & mask)) {
      index_[hole] = index_[at];
      index_[at] = 0;
      hole = at;
    }
  }
}

void TxnFates::release_held(std::uint32_t slot) {
  MQCHECK_ASSERT(slots_[slot].refs > 0);
  if (--slots_[slot].refs == 0) forget_if_idle(slot);
}

void TxnFates::forget_if_idle(std::uint32_t slot) {
  if (slot == none) return;
  Slot& s = slots_[slot];
  if (s.refs != 0) return;
  if (traced_) {
    bool const committed = (s.ends & commit_ok) != 0;
    // Open, or its commit's outcome unknown: its end is still to come, and a late end must
    // be traced whole. A partial one is decided by a re-read whenever a record needs it.
    TxnStatus const now = status(s);
    if (!s.partial && (now == TxnStatus::open || now == TxnStatus::unknown)) return;
    ended_.add(s.name, committed);  // Keeps a name's first outcome: aborted, then partial.
    if (s.settled_abort) settled_aborts_.add(s.name, false);
  }
  unindex(slot);
  s.name.clear();  // Capacity kept, and counted, for the next name; "" matches no lookup.
  free_.push_back(slot);
  --live_;
}

// As trace_commit and the txn-abort case of TxnTableBuilder::observe (transactions_table.cpp):
// the first of each kind of end is what resolve() reads, so bits suffice. A txn-begin only
// makes the slot (a new transaction, traced whole).
void TxnFates::observe_end(Op const& op) {
  std::uint32_t slot = last_;
  bool const begin = op.f == OpKind::txn_begin;
  if (slots_[slot].name != op.txn) {
    std::uint32_t const h = hash(op.txn);
    slot = find(op.txn, h);
    if (slot == none) {
      // Ended committed: nothing changes it. Ended otherwise, or forgotten: a record that
      // names it later makes it partial, decided by a re-read; tracing this end would not
      // make it whole. But it may be late for messages settled under its abort.
      bool loose = false;
      EndedTxns::Fate const fate = ended_.fate(op.txn, &loose);
      bool const fresh =
          fate == EndedTxns::Fate::none || (begin && fate == EndedTxns::Fate::forgotten && loose);
      if (fresh) {
        slot = make(op.txn, h, begin);
      } else {
        if (fate != EndedTxns::Fate::committed) note_late(op, nullptr, TxnStatus::aborted);
        return;
      }
    }
    last_ = slot;
  }
  if (begin) return;  // Held open (forget_if_idle keeps a slot whose end is to come).
  Slot& s = slots_[slot];
  // Only a transaction some message settled under as aborted can be late (or a partial one).
  bool const watch = s.settled_abort != 0 || s.partial != 0;
  TxnStatus const before = watch ? status(s) : TxnStatus::open;
  if (op.f == OpKind::txn_abort) {
    s.ends = s.ends | abort_any | (op.type == OpType::ok ? abort_ok : 0);
  } else {
    switch (op.type) {
      case OpType::invoke:
        if (s.open_commits == max_open_commits) {
          s.partial = 1;  // Past counting: its status is read again when a record needs it.
        } else {
          ++s.open_commits;
        }
        break;
      case OpType::ok:
      case OpType::fail:
      case OpType::info:
        s.ends = s.ends | (op.type == OpType::ok     ? commit_ok
                           : op.type == OpType::fail ? commit_fail
                                                     : commit_info);
        // A completion completes the earliest open invoke (docs/history-format.md).
        if (s.open_commits > 0) --s.open_commits;
        break;
      case OpType::event:
        break;
    }
  }
  if (watch) note_late(op, &s, before);
  forget_if_idle(slot);
}

// A transaction some message settled under as aborted must keep that status (resolve's
// precedence: only a commit ok, info or invoke can change an aborted one, to committed or
// unknown). `s` is its slot after the op, or null when it has none (its ends are let go).
void TxnFates::note_late(Op const& op, Slot const* s, TxnStatus before) {
  if (s != nullptr && !s->partial) {
    late_ = late_ || (s->settled_abort != 0 && before == TxnStatus::aborted &&
                      status(*s) != TxnStatus::aborted);
    return;
  }
  bool const may_change =
      op.f == OpKind::txn_commit &&
      (op.type == OpType::ok || op.type == OpType::info || op.type == OpType::invoke);
  if (!may_change) return;
  // Its slot went (or came back partial): did a message settle under it? Maybe, if forgotten.
  EndedTxns::Fate const fate = settled_aborts_.fate(op.txn);
  late_ = late_ || fate == EndedTxns::Fate::aborted || fate == EndedTxns::Fate::forgotten ||
          (s != nullptr && s->settled_abort != 0);
}

// resolve()'s precedence (transactions_table.cpp): a commit ok wins, then an abort ok, then a
// commit fail unless a commit is unknown (info, or never completed), then unknown, then any
// abort; else open.
TxnStatus TxnFates::status(Slot const& s) {
  bool const unknown = (s.ends & commit_info) != 0 || s.open_commits > 0;
  if ((s.ends & commit_ok) != 0) return TxnStatus::committed;
  if ((s.ends & abort_ok) != 0) return TxnStatus::aborted;
  if ((s.ends & commit_fail) != 0 && !unknown) return TxnStatus::aborted;
  if (unknown) return TxnStatus::unknown;
  if ((s.ends & abort_any) != 0) return TxnStatus::aborted;
  return TxnStatus::open;
}

std::optional<TxnStatus> TxnFates::exact_status(std::string_view name) const {
  std::uint32_t const slot = find(name, hash(name));
  if (slot != none) return exact(slots_[slot]) ? std::optional(status(slots_[slot])) : std::nullopt;
  if (ended_.find(name) == std::optional<bool>{true}) return TxnStatus::committed;
  return std::nullopt;
}

void TxnFates::export_named(TxnTable& table, TxnNames& unknown) const {
  for (std::uint64_t const c : index_) {
    if (c == 0) continue;
    Slot const& s = slots_[static_cast<std::uint32_t>(c)];
    if (s.refs == 0) continue;
    if (traced_ && exact(s)) {
      table[s.name].status = status(s);  // Delivery reads a transaction's status alone.
    } else {
      unknown.insert(s.name);
    }
  }
}

std::size_t TxnFates::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + name_bytes_ + free_.capacity() * sizeof(std::uint32_t) +
         index_.capacity() * sizeof(std::uint64_t) + ended_.memory_bytes() +
         settled_aborts_.memory_bytes();
}

}  // namespace mqcheck::checker::stream_detail
