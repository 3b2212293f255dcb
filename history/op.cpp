// SPDX-License-Identifier: Apache-2.0
// File: history/op.cpp (layer: history)
// The file spellings of op types and kinds. One table each, so that reading and writing can
// never disagree.
#include <array>
#include <utility>

#include "history/op.hpp"

namespace mqcheck::history {
namespace {

constexpr std::array<std::pair<OpType, std::string_view>, 5> type_names{{
    {OpType::invoke, "invoke"},
    {OpType::ok, "ok"},
    {OpType::fail, "fail"},
    {OpType::info, "info"},
    {OpType::event, "event"},
}};

constexpr std::array<std::pair<OpKind, std::string_view>, 26> kind_names{{
    {OpKind::send, "send"},           {OpKind::poll, "poll"},
    {OpKind::deliver, "deliver"},     {OpKind::process, "process"},
    {OpKind::ack, "ack"},             {OpKind::nack, "nack"},
    {OpKind::commit, "commit"},       {OpKind::txn_begin, "txn-begin"},
    {OpKind::txn_commit, "txn-commit"}, {OpKind::txn_abort, "txn-abort"},
    {OpKind::assign, "assign"},
    {OpKind::append, "append"},       {OpKind::replicate, "replicate"},
    {OpKind::fsync, "fsync"},         {OpKind::crash, "crash"},
    {OpKind::power_loss, "power-loss"}, {OpKind::restart, "restart"},
    {OpKind::pause, "pause"},         {OpKind::resume, "resume"},
    {OpKind::partition, "partition"}, {OpKind::heal, "heal"},
    {OpKind::drop, "drop"},           {OpKind::duplicate, "duplicate"},
    {OpKind::redeliver, "redeliver"}, {OpKind::expire, "expire"},
    {OpKind::dispatch, "dispatch"},
}};

template <class E, std::size_t N>
std::string_view name_of(std::array<std::pair<E, std::string_view>, N> const& table, E e) {
  for (auto const& [value, name] : table)
    if (value == e) return name;
  return "?";
}

template <class E, std::size_t N>
std::optional<E> value_of(std::array<std::pair<E, std::string_view>, N> const& table,
                          std::string_view text) {
  for (auto const& [value, name] : table)
    if (name == text) return value;
  return std::nullopt;
}

template <class E, std::size_t N>
std::vector<std::string_view> names(std::array<std::pair<E, std::string_view>, N> const& t) {
  std::vector<std::string_view> out;
  for (auto const& entry : t) out.push_back(entry.second);
  return out;
}

}  // namespace

std::string_view to_string(OpType type) { return name_of(type_names, type); }
std::string_view to_string(OpKind kind) { return name_of(kind_names, kind); }
std::optional<OpType> op_type_from(std::string_view text) { return value_of(type_names, text); }
std::optional<OpKind> op_kind_from(std::string_view text) { return value_of(kind_names, text); }
std::vector<std::string_view> op_type_names() { return names(type_names); }
std::vector<std::string_view> op_kind_names() { return names(kind_names); }

}  // namespace mqcheck::history
