// SPDX-License-Identifier: Apache-2.0
// File: history/history.cpp (layer: history)
#include "history/history.hpp"

#include "core/assert.hpp"

namespace mqcheck::history {

std::uint64_t History::append(Op&& op) {
  MQCHECK_ASSERT_MSG(ops_.empty() || ops_.back().time <= op.time, "history time went back");
  op.index = ops_.size();
  ops_.push_back(std::move(op));
  return ops_.back().index;
}

}  // namespace mqcheck::history
