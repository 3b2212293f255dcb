// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_ended.cpp (layer: checker)
// Ended transaction names, split into a prefix and a counter (checker/transactions_ended.hpp).
#include "checker/transactions_ended.hpp"

#include <cstdint>

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
    (committed ? it->second.committed : it->second.aborted).insert(MessageId{split->number});
    return;
  }
  whole_.emplace(std::string(name), committed);
  whole_bytes_ += 4 * sizeof(void*) + 16 + sizeof(std::string) + name.size() + 1 + 8;
}

std::optional<bool> EndedTxns::find(std::string_view name) const {
  if (std::optional<SplitName> const split = split_txn_name(name)) {
    auto const it = numbered_.find(split->prefix);
    if (it == numbered_.end()) return std::nullopt;
    MessageId const number{split->number};
    if (it->second.committed.contains(number)) return true;
    if (it->second.aborted.contains(number)) return false;
    return std::nullopt;
  }
  auto const it = whole_.find(name);
  if (it == whole_.end()) return std::nullopt;
  return it->second;
}

std::size_t EndedTxns::memory_bytes() const {
  // A map node with its links and a string key, short enough to be inline mostly.
  std::size_t bytes = whole_bytes_;
  for (auto const& [prefix, sets] : numbered_) {
    bytes += 4 * sizeof(void*) + 16 + sizeof(std::string) + sizeof(Numbered) +
             (prefix.capacity() > 15 ? prefix.capacity() + 1 : 0);
    bytes += sets.committed.memory_bytes() + sets.aborted.memory_bytes();
  }
  return bytes;
}

}  // namespace mqcheck::checker
