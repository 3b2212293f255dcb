// SPDX-License-Identifier: Apache-2.0
// File: history/history.hpp (layer: history)
// An append-only list of ops plus the header that says how to read them. It is all that a
// checker or renderer ever sees: the contract between the simulator and everything after it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "history/op.hpp"

namespace mqcheck::history {

inline constexpr int format_version = 1;

/// The first line of a history file.
struct Header {
  int format = format_version;
  std::string time_unit = "us";     // Only "us" in format 1.
  std::string scenario;             // The scenario's name, when a scenario produced it.
  std::optional<std::uint64_t> seed;
  /// The run ended with a final drain: an acknowledged message never processed is lost, not
  /// merely unseen.
  bool drained = false;
  /// Which consumer groups must receive each topic: "every message sent to topic T must be
  /// processed by each group in subscriptions[T]". When a topic is absent, the groups that
  /// processed any message of T are taken.
  std::map<std::string, std::vector<std::string>> subscriptions;
  bool operator==(Header const&) const = default;
};

class History {
 public:
  History() = default;
  explicit History(Header header) : header_(std::move(header)) {}

  /// Appends `op`, assigning its index; returns that index. Times must not go backwards.
  std::uint64_t append(Op op);

  Header const& header() const { return header_; }
  Header& header() { return header_; }
  std::span<Op const> ops() const { return ops_; }
  std::size_t size() const { return ops_.size(); }
  bool operator==(History const&) const = default;

 private:
  Header header_;
  std::vector<Op> ops_;
};

}  // namespace mqcheck::history
