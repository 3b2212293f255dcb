// SPDX-License-Identifier: Apache-2.0
// How many ops of a history have one kind and type and name a topic first (and, optionally,
// come from processes whose name starts with a prefix): the pattern tests' way of counting
// attempts, forwards and dead letters.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

#include "history/history.hpp"

namespace mqcheck::sim::testing {

inline std::size_t count_ops(history::History const& h, history::OpKind f, history::OpType type,
                             std::string const& topic, std::string const& process_prefix = "") {
  return static_cast<std::size_t>(std::count_if(h.ops().begin(), h.ops().end(), [&](auto& op) {
    return op.f == f && op.type == type && !op.value.empty() && op.value.front().topic == topic &&
           op.process.starts_with(process_prefix);
  }));
}

}  // namespace mqcheck::sim::testing
