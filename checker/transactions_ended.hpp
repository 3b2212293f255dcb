// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_ended.hpp (layer: checker)
// The names of the transactions a stream saw end, and how each ended, in memory that stays
// flat when names follow docs/history-format.md's convention: a producer's name and a counter
// ("p1/3", the simulator's "tx-a/0.3"). A name is split into a prefix and a trailing decimal
// number; the numbers of one prefix go to interval sets (checker/id_set.hpp), so a producer's
// thousand transactions, counted up, are one interval (an aborted one among committed ones
// splits it: two more intervals per run of aborts). A name without such a number (or with a
// leading zero, which would make "p1/03" and "p1/3" one) is kept whole. Exact either way: the
// transactions stream still judges an op naming an ended transaction as the whole-history
// table does, however long ago it ended.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "checker/id_set.hpp"

namespace mqcheck::checker {

class EndedTxns {
 public:
  /// Records that transaction `name` ended, committed or aborted; a name already recorded
  /// keeps its first outcome.
  void add(std::string_view name, bool committed);
  /// Returns whether `name` committed (true) or aborted (false), or nothing when it never
  /// ended.
  std::optional<bool> find(std::string_view name) const;
  bool contains(std::string_view name) const { return find(name).has_value(); }
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;

 private:
  struct Numbered {
    IdSet committed;  // The numbers, as ids: IdSet is a set of integers.
    IdSet aborted;
  };
  std::map<std::string, Numbered, std::less<>> numbered_;  // By prefix.
  std::map<std::string, bool, std::less<>> whole_;         // Names without a usable number.
  std::size_t whole_bytes_ = 0;
};

}  // namespace mqcheck::checker
