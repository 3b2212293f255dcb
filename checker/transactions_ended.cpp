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
    auto it = numbered_.find(split->prefix);
    if (it == numbered_.end()) it = numbered_.emplace(std::string(split->prefix), Numbered{}).first;
    Numbered& sets = it->second;
    sets.max = std::max(sets.max, split->number);
    (committed ? sets.newer.committed : sets.newer.aborted).insert(MessageId{split->number});
    if (sets.newer.committed.intervals() + sets.newer.aborted.intervals() <= cap_) return;
    // Numbers are added at most `max`: those lost with the older generation were below the
    // newer one's opening.
    sets.floor = sets.opened;
    sets.opened = sets.max + 1;
    sets.older = std::move(sets.newer);
    sets.newer = Ended{};
    return;
  }
  whole_newer_.names.emplace(std::string(name), committed);
  whole_newer_.bytes += 4 * sizeof(void*) + 16 + sizeof(std::string) + name.size() + 1 + 8;
  if (keep_whole_ || whole_newer_.names.size() <= cap_) return;
  whole_dropped_ = whole_dropped_ || !whole_older_.names.empty();
  whole_older_ = std::move(whole_newer_);
  whole_newer_ = Whole{};
}

bool EndedTxns::counted(std::string_view name) { return split_txn_name(name).has_value(); }

bool EndedTxns::keep_uncounted() {
  keep_whole_ = true;
  return !whole_dropped_;
}

std::optional<bool> EndedTxns::find_whole(std::string_view name) const {
  for (Whole const* whole : {&whole_newer_, &whole_older_}) {
    auto const it = whole->names.find(name);
    if (it != whole->names.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<bool> EndedTxns::find(std::string_view name) const {
  if (std::optional<SplitName> const split = split_txn_name(name)) {
    auto const it = numbered_.find(split->prefix);
    if (it == numbered_.end()) return std::nullopt;
    MessageId const number{split->number};
    for (Ended const* sets : {&it->second.newer, &it->second.older}) {
      if (sets->committed.contains(number)) return true;
      if (sets->aborted.contains(number)) return false;
    }
    return std::nullopt;
  }
  return find_whole(name);
}

bool EndedTxns::forgotten(std::string_view name) const {
  std::optional<SplitName> const split = split_txn_name(name);
  if (!split) return whole_dropped_ && !find_whole(name);
  auto const it = numbered_.find(split->prefix);
  return it != numbered_.end() && split->number < it->second.floor && !find(name);
}

EndedTxns::Fate EndedTxns::fate(std::string_view name, bool* counted) const {
  auto const of = [](std::optional<bool> found) {
    if (!found) return Fate::none;
    return *found ? Fate::committed : Fate::aborted;
  };
  std::optional<SplitName> const split = split_txn_name(name);
  if (counted != nullptr) *counted = split.has_value();
  if (!split) {
    std::optional<bool> const found = find_whole(name);
    return found || !whole_dropped_ ? of(found) : Fate::forgotten;
  }
  auto const it = numbered_.find(split->prefix);
  if (it == numbered_.end()) return Fate::none;
  MessageId const number{split->number};
  for (Ended const* sets : {&it->second.newer, &it->second.older}) {
    if (sets->committed.contains(number)) return Fate::committed;
    if (sets->aborted.contains(number)) return Fate::aborted;
  }
  return split->number < it->second.floor ? Fate::forgotten : Fate::none;
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
