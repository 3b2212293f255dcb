// SPDX-License-Identifier: Apache-2.0
// File: core/strong_id.hpp (layer: core, no dependencies)
// Typed integers. A NodeId cannot be passed where a MessageId is expected, and neither
// converts silently to a raw integer.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace mqcheck {

/// A value of `Rep` tagged with `Tag`, so that ids of different kinds do not mix.
template <class Tag, class Rep = std::uint64_t>
struct StrongId {
  Rep value{};
  constexpr auto operator<=>(StrongId const&) const = default;
};

using NodeId = StrongId<struct NodeIdTag, std::uint32_t>;        // Index into the world's nodes.
using MessageId = StrongId<struct MessageIdTag, std::uint64_t>;  // Given by the producer.
using Offset = StrongId<struct OffsetTag, std::int64_t>;         // Broker-assigned position.

}  // namespace mqcheck

template <class Tag, class Rep>
struct std::hash<mqcheck::StrongId<Tag, Rep>> {
  std::size_t operator()(mqcheck::StrongId<Tag, Rep> id) const noexcept {
    return std::hash<Rep>{}(id.value);
  }
};
