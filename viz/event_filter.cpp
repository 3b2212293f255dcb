// SPDX-License-Identifier: Apache-2.0
// File: viz/event_filter.cpp (layer: viz)
// Op selection for diagrams and the stepper.
#include "viz/event_filter.hpp"

#include <algorithm>

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

bool passes(Op const& op, EventFilter const& filter) {
  if (filter.from && op.time < *filter.from) return false;
  if (filter.to && *filter.to < op.time) return false;
  if (is_fault_event(op)) return true;
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
