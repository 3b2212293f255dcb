// SPDX-License-Identifier: Apache-2.0
// File: tests/model/sent.hpp (tests, layer: model)
// The model tests drive actors by hand and read what a handler sent: the messages of one type
// in an actor's Out, in send order.
#pragma once

#include <variant>
#include <vector>

namespace mqcheck::model::testing {

/// Returns the messages of type T that `out` holds, in the order they were sent.
template <class T, class Output>
std::vector<T> sent(Output& out) {  // Out::sends() is not const.
  std::vector<T> v;
  for (auto const& s : out.sends()) {
    if (auto const* m = std::get_if<T>(&s.message)) v.push_back(*m);
  }
  return v;
}

}  // namespace mqcheck::model::testing
