// SPDX-License-Identifier: Apache-2.0
// File: viz/node_state.cpp (layer: viz)
// The state tracker's bookkeeping: rows, merged changes, stored messages, the `state:`
// clause. The per-op rules and their words are in node_state_ops.cpp.
#include "viz/node_state.hpp"

#include <algorithm>

#include "core/parse.hpp"

namespace mqcheck::viz {

bool parse_state_clause(std::string const& detail, std::string& words,
                        std::vector<std::pair<std::string, std::string>>& pairs) {
  std::size_t at = detail.rfind("state:", 0) == 0 ? 0 : detail.find(" state:");
  if (at == std::string::npos) {
    words = detail;
    return true;
  }
  words = detail.substr(0, at);
  std::size_t i = detail.find(':', at) + 1;
  while (i < detail.size()) {
    if (detail[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t const eq = detail.find('=', i);
    std::size_t const space = detail.find(' ', i);
    if (eq == std::string::npos || eq == i || (space != std::string::npos && space < eq)) {
      return false;
    }
    std::string key = detail.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < detail.size() && detail[i] == '"') {
      for (++i; i < detail.size() && detail[i] != '"'; ++i) {
        if (detail[i] == '\\' && i + 1 < detail.size()) ++i;
        value += detail[i];
      }
      if (i >= detail.size()) return false;  // No closing quote.
      ++i;
    } else {
      std::size_t const end = std::min(detail.find(' ', i), detail.size());
      value = detail.substr(i, end - i);
      i = end;
    }
    pairs.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

void StateTracker::set(std::string const& node, std::string const& key, std::string const& value) {
  auto& rows = state_[node];
  auto it = rows.find(key);
  std::string const old = it == rows.end() ? std::string() : it->second;
  before_.try_emplace({node, key}, old);
  if (value.empty()) {
    if (it != rows.end()) rows.erase(it);
  } else {
    rows[key] = value;
  }
}

void StateTracker::render(std::string const& node, Stored const& s) {
  std::string value = "m" + std::to_string(s.id.value) + (s.durable ? " durable" : " unsynced");
  if (s.acked) value += " \xC2\xB7 acked";
  if (!s.out.empty()) value += " \xC2\xB7 delivered to " + s.out;
  set(node, s.key, value);
}

void StateTracker::count(std::string const& node, std::string const& key, int delta) {
  auto const& rows = state_[node];
  auto it = rows.find(key);
  // A `state:` clause may have written anything here: a non-number counts as 0, never throws.
  std::int64_t const was = it == rows.end() ? 0 : parse_int(it->second).value_or(0);
  std::int64_t const now = was + delta;
  set(node, key, now == 0 ? std::string() : std::to_string(now));
}

std::vector<StateChange> StateTracker::take_changes() {
  std::vector<StateChange> changes;
  for (auto const& [where, before] : before_) {
    auto const& rows = state_[where.first];
    auto it = rows.find(where.second);
    std::string after = it == rows.end() ? std::string() : it->second;
    if (after != before) changes.push_back({where.first, where.second, before, std::move(after)});
  }
  before_.clear();
  return changes;
}

Narration StateTracker::on_state_clause(history::Op const& op, Narration n) {
  std::string words;
  std::vector<std::pair<std::string, std::string>> pairs;
  bool const ok = parse_state_clause(op.detail, words, pairs);
  for (auto const& [key, value] : pairs) set(op.process, key, value);
  if (!ok) n.why += " (The detail's state clause could not be read: " + op.detail + ")";
  return n;
}

Narration StateTracker::apply(history::Op const& op) {
  state_.try_emplace(op.process);
  Narration n;
  switch (op.f) {
    case history::OpKind::send:
      n = on_send(op);
      break;
    case history::OpKind::poll:
    case history::OpKind::deliver:
      n = on_receive(op);
      break;
    case history::OpKind::process:
      n = on_process(op);
      break;
    case history::OpKind::ack:
    case history::OpKind::nack:
      n = on_settle(op);
      break;
    case history::OpKind::commit:
    case history::OpKind::assign:
      n = on_position(op);
      break;
    case history::OpKind::txn_begin:
    case history::OpKind::txn_commit:
    case history::OpKind::txn_abort:
      n = on_txn(op);
      break;
    default:
      n = on_event(op);
      break;
  }
  return op.detail.find("state:") == std::string::npos ? n : on_state_clause(op, std::move(n));
}

}  // namespace mqcheck::viz
