// SPDX-License-Identifier: Apache-2.0
// File: core/overloaded.hpp (layer: core)
// The usual visitor helper for std::visit over a set of lambdas.
#pragma once

namespace mqcheck {
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;
}  // namespace mqcheck
