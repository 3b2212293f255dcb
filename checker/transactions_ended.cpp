// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_ended.cpp (layer: checker)
// Ended transaction names, split into a prefix and a counter (checker/transactions_ended.hpp).
#include "checker/transactions_ended.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace mqcheck::checker {
namespace {

// A name as (prefix, number), when it ends in 1 to 18 digits without a leading zero ("0"
// alone is fine): then the pair gives the name back, and no two names share one.
struct SplitName {
  std::string_view prefix;
  std::uint64_t number = 0;
};

std::optional<SplitName> split_txn_name(std::string_view name) {
  std::size_t digits = 0;
  while (digits < name.size() && name[name.size() - 1 - digits] >= '0' &&
         name[name.size() - 1 - digits] <= '9')
    ++digits;
  if (digits == 0 || digits > 18) return std::nullopt;
  std::string_view const number = name.substr(name.size() - digits);
  if (number.size() > 1 && number.front() == '0') return std::nullopt;
  SplitName split{name.substr(0, name.size() - digits), 0};
  for (char const c : number)
    split.number = split.number * 10 + static_cast<std::uint64_t>(c - '0');
  return split;
}

}  // namespace

void EndedTxns::add(std::string_view name, bool committed) {
  if (find(name)) return;
  if (std::optional<SplitName> const split = split_txn_name(name)) {
    Numbered& sets = renew(split->prefix);
    sets.max = std::max(sets.max, split->number);
    (committed ? sets.newer.committed : sets.newer.aborted).insert(MessageId{split->number});
    if (sets.newer.committed.intervals() + sets.newer.aborted.intervals() > cap_) {
      // Numbers are added at most `max`: those lost with the older generation were below the
      // newer one's opening.
      sets.floor = sets.opened;
      sets.opened = sets.max + 1;
      sets.older = std::move(sets.newer);
      sets.newer = Ended{};
    }
    if (renewed_ > cap_ && !keep_) drop_old_prefixes();
    return;
  }
  whole_newer_.names.emplace(std::string(name), committed);
  whole_newer_.bytes += 4 * sizeof(void*) + 16 + sizeof(std::string) + name.size() + 1 + 8;
  if (keep_ || whole_newer_.names.size() <= cap_) return;
  whole_dropped_ = whole_dropped_ || !whole_older_.names.empty();
  whole_older_ = std::move(whole_newer_);
  whole_newer_ = Whole{};
}

// The prefix's entry, made if not held (reborn when prefixes were dropped before: it may have
// been one of them), and counted as renewed in this generation.
EndedTxns::Numbered& EndedTxns::renew(std::string_view prefix) {
  auto it = numbered_.find(prefix);
  if (it == numbered_.end()) {
    it = numbered_.emplace(std::string(prefix), Numbered{}).first;
    it->second.reborn = prefixes_dropped_;
  }
  if (it->second.generation != generation_) {
    it->second.generation = generation_;
    ++renewed_;
  }
  return it->second;
}

// Opens a generation of prefixes, dropping those renewed in neither it nor the one closing:
// a prefix still in use (a producer's, its numbers added all along) is renewed in each, and
// one that a single name made ("p1/9f3a-0d" of "p1/9f3a-0d17") goes two generations on.
void EndedTxns::drop_old_prefixes() {
  ++generation_;
  renewed_ = 0;
  for (auto it = numbered_.begin(); it != numbered_.end();) {
    if (it->second.generation + 1 >= generation_) {
      ++it;
      continue;
    }
    it = numbered_.erase(it);
    prefixes_dropped_ = true;
  }
}

bool EndedTxns::counted(std::string_view name) { return split_txn_name(name).has_value(); }

bool EndedTxns::loose(std::string_view name) const {
  bool is_loose = false;
  (void)fate(name, &is_loose);
  return is_loose;
}

bool EndedTxns::keep_names() {
  keep_ = true;
  return !whole_dropped_ && !prefixes_dropped_;
}

std::optional<bool> EndedTxns::find_whole(std::string_view name) const {
  for (Whole const* whole : {&whole_newer_, &whole_older_}) {
    auto const it = whole->names.find(name);
    if (it != whole->names.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<bool> EndedTxns::find(std::string_view name) const {
  Fate const found = fate(name);
  if (found == Fate::committed) return true;
  if (found == Fate::aborted) return false;
  return std::nullopt;
}

EndedTxns::Fate EndedTxns::fate(std::string_view name, bool* loose) const {
  bool is_loose = true;
  Fate found = Fate::none;
  std::optional<SplitName> const split = split_txn_name(name);
  if (!split) {
    std::optional<bool> const whole = find_whole(name);
    found = !whole   ? (whole_dropped_ ? Fate::forgotten : Fate::none)
            : *whole ? Fate::committed
                     : Fate::aborted;
  } else if (auto const it = numbered_.find(split->prefix); it == numbered_.end()) {
    found = prefixes_dropped_ ? Fate::forgotten : Fate::none;  // New, or dropped.
  } else {
    Numbered const& sets = it->second;
    MessageId const number{split->number};
    is_loose = sets.reborn;
    if (sets.newer.committed.contains(number) || sets.older.committed.contains(number)) {
      found = Fate::committed;
    } else if (sets.newer.aborted.contains(number) || sets.older.aborted.contains(number)) {
      found = Fate::aborted;
    } else {
      // A reborn prefix's misses may be numbers dropped with it before (names that merely end
      // in digits need not count up); a held one's are new above its floor.
      found = sets.reborn || split->number < sets.floor ? Fate::forgotten : Fate::none;
    }
  }
  if (loose != nullptr) *loose = is_loose;
  return found;
}

std::size_t EndedTxns::memory_bytes() const {
  // A map node with its links and a string key, short enough to be inline mostly.
  std::size_t bytes = whole_newer_.bytes + whole_older_.bytes;
  for (auto const& [prefix, sets] : numbered_) {
    bytes += 4 * sizeof(void*) + 16 + sizeof(std::string) + sizeof(Numbered) +
             (prefix.capacity() > 15 ? prefix.capacity() + 1 : 0);
    for (Ended const* ended : {&sets.newer, &sets.older})
      bytes += ended->committed.memory_bytes() + ended->aborted.memory_bytes();
  }
  return bytes;
}

}  // namespace mqcheck::checker
