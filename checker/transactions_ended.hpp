// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_ended.hpp (layer: checker)
// The names of the transactions a stream saw end, and how each ended, in memory that stays
// flat when names follow docs/history-format.md's conventions. A counted name (a producer's
// name and a counter: "p1/3", the simulator's "tx-a/0.3") is split into a prefix and a trailing
// decimal number; the numbers of one prefix go to interval sets (checker/id_set.hpp), so a
// producer's thousand transactions, counted up, are one interval (an aborted one among committed
// ones splits it: two more intervals per run of aborts). A prefix's numbers are kept for recent
// ones only, so that aborts among commits do not grow it: two generations, each closed at
// `recent_intervals` intervals; a number below the older one's opening that neither holds is
// forgotten(), and the streams doubt at an op naming it (a late op on a long-ended, or
// long-open, transaction).
// A name without such a number (or with a leading zero, which would make "p1/03" and "p1/3"
// one) is uncounted: kept whole, for recent ones only too (two generations of
// `recent_intervals` names each). Prefixes go by generation as well (two of
// `recent_intervals` prefixes each, a prefix renewed whenever a number is added to it): a
// name that merely ends in digits ("p1/9f3a-0d17", most UUIDs) makes a prefix of its own, used
// once, and producers' prefixes, in use, stay. Once a generation of either kind was dropped, a
// new name cannot be told from a forgotten one: every loose() name that is not held is
// forgotten() then (an uncounted name; a counted one whose prefix is not held, or was made
// again after prefixes were dropped). The caller tells them apart by the format's other rule,
// that a transaction's first op is its txn-begin (an op naming a loose name that is not open,
// other than a txn-begin, is a late one). A caller that sees a transaction start without one
// calls keep_names(): from then on no generation is dropped (memory grows by a name per
// transaction, as before). Otherwise it is exact: such an op is judged as the whole-history
// table does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "checker/id_set.hpp"

namespace mqcheck::checker {

class EndedTxns {
 public:
  explicit EndedTxns(std::size_t recent_intervals = 64) : cap_(recent_intervals) {}
  /// Records that transaction `name` ended, committed or aborted; a name already recorded
  /// keeps its first outcome.
  void add(std::string_view name, bool committed);
  /// Returns whether `name` committed (true) or aborted (false), or nothing when it never
  /// ended.
  std::optional<bool> find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }
  /// Returns true when `name` may have ended but is no longer known to: find() then says
  /// nothing, and the caller must doubt, unless it knows the name is a new transaction's (a
  /// loose name at a txn-begin, or one it holds open).
  bool forgotten(std::string_view name) const { return fate(name) == Fate::forgotten; }
  /// Returns true when `name` ends in a usable counter (kept as a number, not whole).
  static bool counted(std::string_view name);
  /// Returns true when `name` is kept by generation of names, not in its prefix's exact
  /// window: uncounted, or counted with a prefix not held or made again after prefixes were
  /// dropped. A miss of a loose name is new or forgotten, and nobody can tell which but by
  /// its txn-begin; a miss of another one is exact (new above its prefix's floor, forgotten
  /// below).
  bool loose(std::string_view name) const;
  /// Keeps every name and prefix from now on: a transaction began without a txn-begin, so a
  /// new loose name could not be told from a forgotten one. Returns false when one was
  /// forgotten already (then the caller must doubt at that transaction).
  bool keep_names();
  /// find() and forgotten() in one lookup: committed, aborted, forgotten, or none of them
  /// (never ended, as far as anyone knows).
  enum class Fate : std::uint8_t { none, committed, aborted, forgotten };
  /// Sets `*loose`, when given, to loose(name) (found on the way).
  Fate fate(std::string_view name, bool* loose = nullptr) const;
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;

 private:
  struct Ended {
    IdSet committed;  // The numbers, as ids: IdSet is a set of integers.
    IdSet aborted;
  };
  struct Numbered {
    Ended older, newer;        // Added before / since the last rotation.
    std::uint64_t max = 0;     // The largest number added.
    std::uint64_t opened = 0;  // `newer` holds every number added from here up...
    std::uint64_t floor = 0;   // ...and the two together, from here up.
    std::uint64_t generation = 0;  // The generation of prefixes a number was last added in.
    bool reborn = false;  // Made after prefixes were dropped: its earlier numbers are unknown.
  };
  Numbered& renew(std::string_view prefix);
  void drop_old_prefixes();
  std::size_t cap_;
  std::map<std::string, Numbered, std::less<>> numbered_;  // By prefix.
  std::uint64_t generation_ = 1;   // Of prefixes: those renewed in it or the one before are held;
  std::size_t renewed_ = 0;        // this many were renewed since it opened.
  bool prefixes_dropped_ = false;  // A generation of prefixes was forgotten.
  // Uncounted names: committed or not.
  struct Whole {
    std::map<std::string, bool, std::less<>> names;
    std::size_t bytes = 0;
  };
  std::optional<bool> find_whole(std::string_view name) const;
  Whole whole_newer_, whole_older_;  // Added since / before the last rotation.
  bool whole_dropped_ = false;       // A generation of uncounted names was forgotten.
  bool keep_ = false;                // keep_names() was called.
};

}  // namespace mqcheck::checker
