// SPDX-License-Identifier: Apache-2.0
// File: viz/event_filter.cpp (layer: viz)
// Op selection for diagrams and the stepper.
#include "viz/event_filter.hpp"

#include <algorithm>
#include <set>

namespace mqcheck::viz {

using history::Op;
using history::OpKind;

bool is_fault_event(Op const& op) {
  if (op.type != history::OpType::event) return false;
  switch (op.f) {
    case OpKind::crash:
    case OpKind::power_loss:
    case OpKind::restart:
    case OpKind::pause:
    case OpKind::resume:
    case OpKind::partition:
    case OpKind::heal:
      return true;
    default:
      return false;
  }
}

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

std::string scope_of(history::Record const& r) {
  return r.topic + "-" + std::to_string(*r.partition);
}

bool names_scope(Op const& op, EventFilter const& filter) {
  if (op.type != history::OpType::event || !op.value.empty()) return false;
  return std::any_of(filter.scopes.begin(), filter.scopes.end(),
                     [&](std::string const& s) { return names_word(op.detail, s); });
}

}  // namespace

bool names_word(std::string_view detail, std::string_view word) {
  if (word.empty()) return false;
  for (std::size_t at = detail.find(word); at != std::string_view::npos;
       at = detail.find(word, at + 1)) {
    std::size_t const end = at + word.size();
    bool const starts = at == 0 || !name_char(detail[at - 1]);
    bool const ends = end == detail.size() || !name_char(detail[end]);
    if (starts && ends) return true;
  }
  return false;
}

EventFilter with_partition_scopes(history::History const& history, EventFilter filter) {
  if (filter.scoped || (filter.messages.empty() && !filter.partition)) return filter;
  std::set<std::string> scopes;
  for (Op const& op : history.ops()) {
    for (history::Record const& r : op.value) {
      if (!r.partition) continue;
      bool const named = std::find(filter.messages.begin(), filter.messages.end(), r.id) !=
                         filter.messages.end();
      if ((named || filter.messages.empty()) &&
          (!filter.partition || r.partition == filter.partition)) {
        scopes.insert(scope_of(r));
      }
    }
  }
  filter.scopes.assign(scopes.begin(), scopes.end());
  filter.scoped = true;
  return filter;
}

bool passes(Op const& op, EventFilter const& filter) {
  if (filter.from && op.time < *filter.from) return false;
  if (filter.to && *filter.to < op.time) return false;
  if (is_fault_event(op) || names_scope(op, filter)) return true;
  if (!filter.messages.empty()) {
    bool const named = std::any_of(op.value.begin(), op.value.end(), [&](auto const& r) {
      return std::find(filter.messages.begin(), filter.messages.end(), r.id) !=
             filter.messages.end();
    });
    if (!named) return false;
  }
  if (filter.partition) {
    bool const named = std::any_of(op.value.begin(), op.value.end(),
                                   [&](auto const& r) { return r.partition == filter.partition; });
    if (!named) return false;
  }
  return true;
}

Selection select_ops(history::History const& history, EventFilter const& filter,
                     std::size_t ops_max) {
  Selection selection;
  for (Op const& op : history.ops()) {
    if (!passes(op, filter)) continue;
    if (selection.ops.size() < ops_max) {
      selection.ops.push_back(op.index);
    } else {
      ++selection.omitted;
    }
  }
  return selection;
}

}  // namespace mqcheck::viz
