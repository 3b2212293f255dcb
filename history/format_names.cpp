// SPDX-License-Identifier: Apache-2.0
// File: history/format_names.cpp (layer: history)
// The words of history format 1 that are not op types or fs: group modes, isolation levels,
// ordering scopes, and the guarantee and anomaly names a header may promise or allow. Each
// table is in enum order, so that an enum converts to its spelling by index and back.
#include <array>

#include "core/assert.hpp"
#include "history/history_io.hpp"
#include "history/line_decoder.hpp"

namespace mqcheck::history {
namespace {

// RocketMQ's messageModel (CLUSTERING, BROADCASTING), spelt as the format spells everything.
constexpr std::array<std::string_view, 2> mode_spellings{"clustering", "broadcast"};
// Kafka's isolation.level (read_uncommitted, read_committed; KIP-98), spelt with hyphens.
constexpr std::array<std::string_view, 2> isolation_spellings{"read-uncommitted", "read-committed"};
// Who enforces `deliver-after` for a group (GroupSpec::DelayBy).
constexpr std::array<std::string_view, 2> delay_spellings{"broker", "consumer"};
constexpr std::array<std::string_view, 5> scope_spellings{"none", "partition", "queue", "key",
                                                          "producer"};
// DESIGN.md section 1: the delivery guarantees, then ordering, transactions and features.
constexpr std::array<std::string_view, 14> guarantees{
    "at-most-once", "at-least-once", "exactly-once", "no-unexpected", "ordering",
    "transactional-visibility", "exactly-once-pipeline", "delay", "priority", "dead-letter",
    "broadcast", "filtering", "tenancy", "authorization"};
// Jepsen's total-queue and Kafka vocabulary, Adya's and Elle's for transactions, then ours.
constexpr std::array<std::string_view, 19> anomaly_kinds{
    "lost", "unseen", "duplicated", "unexpected", "reordered", "nonmonotonic-poll", "poll-skip",
    "inconsistent-offsets", "aborted-read", "torn-transaction", "precommitted-read",
    "early-delivery", "priority-inversion", "dlq-missing", "dlq-duplicate", "broadcast-miss",
    "filter-leak", "tenant-leak", "unauthorized-access"};

template <std::size_t N>
std::string_view name_of(std::array<std::string_view, N> const& names, std::uint8_t value) {
  MQCHECK_ASSERT(value < N);
  return names[value];
}

}  // namespace

std::string_view to_string(GroupSpec::Mode mode) {
  return name_of(mode_spellings, static_cast<std::uint8_t>(mode));
}

std::string_view to_string(GroupSpec::Isolation isolation) {
  return name_of(isolation_spellings, static_cast<std::uint8_t>(isolation));
}

std::string_view to_string(GroupSpec::DelayBy delay) {
  return name_of(delay_spellings, static_cast<std::uint8_t>(delay));
}

std::string_view to_string(OrderingScope scope) {
  return name_of(scope_spellings, static_cast<std::uint8_t>(scope));
}

std::span<std::string_view const> guarantee_names() { return guarantees; }

std::span<std::string_view const> anomaly_kind_names() { return anomaly_kinds; }

namespace detail {

std::span<std::string_view const> group_mode_names() { return mode_spellings; }
std::span<std::string_view const> isolation_names() { return isolation_spellings; }
std::span<std::string_view const> delay_names() { return delay_spellings; }
std::span<std::string_view const> ordering_scope_names() { return scope_spellings; }

}  // namespace detail
}  // namespace mqcheck::history
