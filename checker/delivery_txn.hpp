// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_txn.hpp (layer: checker; private to checker/delivery_stream*)
// What a pass of the streaming delivery checker knows of transactions, in memory bounded by
// open state. A transaction is held in a slot (its name, how it has ended so far, and how many
// records of held messages or open invokes name it) while something needs it: a record names
// it, or it has not ended yet. Then its slot goes, and the first pass keeps its name only as
// ended, committed or not, compactly (checker/transactions_ended.hpp: a producer's counted
// names are intervals, recent ones only; uncounted names and prefixes used once, such as a
// UUID's that ends in digits, recent ones only once every transaction so far began with a
// txn-begin, docs/history-format.md).
//
// A forgotten fate never changes a verdict. A commit `ok` is final (a commit ok wins,
// transactions_table.cpp, resolve), so a name known to have committed comes back exact. Any
// other ended name (aborted, or forgotten by EndedTxns' windows) comes back `partial`: its
// ends before the drop are unknown, so it is never taken as committed unless a commit ok
// comes again, and at the end its status is read again from the history (a re-read of the
// ops naming it: DeliveryStream::finish), exactly as build_txn_table would have it.
//
// An abort is final for settling (final_abort: a txn-abort ok, or a txn-commit fail with no
// commit open or unknown, of a transaction traced whole): the messages of an aborted
// transaction settle as the whole-history table has them (their ok sends unknown, their
// processings in it not counted), rather than being held to the end. A later op that changes
// such a transaction's status under resolve()'s precedence (a commit ok, info or invoke: a
// late commit) makes late() true, and the pass's report is then rebuilt with nothing settled.
// Valid Kafka histories have none (KIP-98: the coordinator refuses a commit once an abort is
// prepared).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checker/transactions.hpp"
#include "checker/transactions_ended.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::stream_detail {

/// Names of transactions that a re-read of the history must decide.
using TxnNames = std::set<std::string, std::less<>>;

class TxnFates {
 public:
  static constexpr std::uint32_t none = 0;  // The slot of "no transaction".

  /// `traced`: the pass follows how transactions end (observe_end) and remembers ended names;
  /// otherwise (a second pass) it only names them for the records it holds.
  TxnFates(bool traced, std::size_t recent_intervals);

  /// Returns the slot of transaction `name` (not empty), made when not held. The slot holds no
  /// reference for the caller: hold() one at once, and release() it when done (which lets the
  /// slot go if nothing else needs it). A transaction's ops come close together (a send, its
  /// completion, the commit and its ok), so the last slot found is tried first, with no
  /// hashing and no index probe.
  std::uint32_t slot_of(std::string_view name) {
    if (slots_[last_].name == name) return last_;  // Slot 0's name, and a freed one's, is "".
    return slot_of_slow(name);
  }
  void hold(std::uint32_t slot) {
    if (slot != none) ++slots_[slot].refs;
  }
  /// Drops a reference hold() took; the slot goes when nothing needs it any more.
  void release(std::uint32_t slot) {
    if (slot != none) release_held(slot);  // Most records name no transaction.
  }
  /// Traces a txn-begin, txn-commit or txn-abort op that names a transaction (traced only).
  void observe_end(history::Op const& op);

  /// Returns true for `none`, and for a transaction a commit `ok` was seen for (final).
  bool committed(std::uint32_t slot) const {
    return slot == none || (slots_[slot].ends & commit_ok) != 0;
  }
  /// Returns true for a transaction that aborted for good, as far as settling goes: traced
  /// whole, a txn-abort ok or a txn-commit fail (no commit open or unknown), no commit ok.
  bool final_abort(std::uint32_t slot) const { return slot != none && final_abort(slots_[slot]); }
  /// Returns true for a transaction whose end is still to come, traced whole: its messages
  /// may settle once it aborts (the pass looks at them again later).
  bool may_end(std::uint32_t slot) const {
    if (slot == none) return false;
    Slot const& s = slots_[slot];
    return !s.partial && (s.ends & commit_ok) == 0 && !final_abort(s);
  }
  /// Notes that a message settled with a record in the final_abort() transaction `slot`.
  void settled_aborted(std::uint32_t slot) { slots_[slot].settled_abort = 1; }
  /// Returns true when a transaction some message settled under as aborted changed its status
  /// later (or may have: its slot went meanwhile).
  bool late() const { return late_; }
  std::string const& name(std::uint32_t slot) const { return slots_[slot].name; }
  /// Returns the status of `name` when this (traced) pass knows it exactly now: held whole, or
  /// ended committed.
  std::optional<TxnStatus> exact_status(std::string_view name) const;
  /// For every transaction a held record names: its status into `table` when known exactly,
  /// else its name into `unknown` (traced); or its name into `unknown` (a second pass).
  void export_named(TxnTable& table, TxnNames& unknown) const;

  std::size_t held() const { return live_; }  // Slots in use.
  /// Returns the heap bytes held: slots, index, names longer than the inline ones, ended names.
  std::size_t memory_bytes() const;

 private:
  // How the transaction has ended so far (TxnTrace in transactions_table.cpp, as bits: the
  // first of each kind of end is all resolve() reads).
  static constexpr std::uint32_t commit_ok = 1, abort_ok = 2, commit_fail = 4, commit_info = 8,
                                 abort_any = 16;
  static constexpr std::uint32_t max_open_commits = (1u << 25) - 1;
  // 40 bytes: a slot per transaction in flight is most of what transactions cost.
  struct Slot {
    std::string name;                     // "" when free.
    std::uint32_t refs = 0;               // Records of held messages and open invokes naming it.
    std::uint32_t open_commits : 25 = 0;  // txn-commit invokes not yet completed.
    std::uint32_t ends : 5 = 0;
    std::uint32_t settled_abort : 1 = 0;  // A message settled under it as aborted.
    // Made again after its slot went (its earlier ends are unknown), or too many commits
    // open to count: its status is read again from the ops when a record needs it.
    std::uint32_t partial : 1 = 0;
  };
  // An index cell: a slot's hash above its id, so that probing and shifting read no slot.
  static constexpr std::uint64_t cell(std::uint32_t hash, std::uint32_t id) {
    return std::uint64_t{hash} << 32 | id;
  }
  static std::uint32_t hash(std::string_view text);
  static TxnStatus status(Slot const& s);
  static bool exact(Slot const& s) { return !s.partial || (s.ends & commit_ok) != 0; }
  static bool final_abort(Slot const& s) {
    if (s.partial || (s.ends & commit_ok) != 0) return false;
    return (s.ends & abort_ok) != 0 ||
           ((s.ends & commit_fail) != 0 && (s.ends & commit_info) == 0 && s.open_commits == 0);
  }
  std::uint32_t slot_of_slow(std::string_view name);
  void release_held(std::uint32_t slot);
  /// Lets the slot go when nothing needs it: no reference, and (traced) its transaction ended.
  void forget_if_idle(std::uint32_t slot);
  std::uint32_t find(std::string_view name, std::uint32_t h) const;
  std::uint32_t make(std::string_view name, std::uint32_t h, bool begin = false);
  void note_late(history::Op const& op, Slot const* s, TxnStatus before);
  void place(std::uint64_t c);
  void unindex(std::uint32_t id);
  void grow_index();

  bool traced_;
  std::vector<Slot> slots_ = std::vector<Slot>(1);  // Slot 0 is `none`.
  std::uint32_t last_ = none;                       // The slot found last.
  std::vector<std::uint32_t> free_;
  std::vector<std::uint64_t> index_ = std::vector<std::uint64_t>(64, 0);  // Cells; 0 = empty.
  std::size_t live_ = 0;
  std::size_t name_bytes_ = 0;  // Heap bytes of slot names (longer than the inline ones).
  EndedTxns ended_;
  EndedTxns settled_aborts_;  // Of ended_'s aborted names, those a message settled under.
  bool late_ = false;
};

}  // namespace mqcheck::checker::stream_detail
