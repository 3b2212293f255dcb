// SPDX-License-Identifier: Apache-2.0
// File: sim/kernel.cpp (layer: sim)
#include "sim/kernel.hpp"

namespace mqcheck::sim {

bool same_messages(std::vector<history::Record> const& a, std::vector<history::Record> const& b) {
  return std::equal(
      a.begin(), a.end(), b.begin(), b.end(),
      [](history::Record const& x, history::Record const& y) { return x.id == y.id; });
}

}  // namespace mqcheck::sim
