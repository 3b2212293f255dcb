// SPDX-License-Identifier: Apache-2.0
// File: sim/network.hpp (layer: sim)
// The simulated network: per-link latency, drop, duplication and reordering, and
// partitions. Links are FIFO like the TCP connections brokers use, unless a message is
// chosen to leave that order. Every random choice comes from the network's own RNG stream.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/distribution.hpp"
#include "core/ratio.hpp"
#include "core/strong_id.hpp"
#include "core/time.hpp"
#include "sim/rng.hpp"

namespace mqcheck::sim {

struct LinkParams {
  Distribution latency = Distribution::constant(microseconds(100));
  Ratio drop{0, 1};
  Ratio duplicate{0, 1};
  Ratio reorder{0, 1};
};

/// What the network does with one message.
struct Route {
  enum class Fate : std::uint8_t { delivered, duplicated, dropped, partitioned };
  Fate fate = Fate::delivered;
  SimTimeUs arrival[2]{};  // arrival[1] only when duplicated.
  int copies() const { return fate == Fate::duplicated ? 2 : fate == Fate::delivered ? 1 : 0; }
};

class Network {
 public:
  /// `links[from * nodes + to]` are the resolved parameters of each directed link.
  Network(std::size_t nodes, std::vector<LinkParams> links, Rng rng);

  /// Decides the fate of a message sent now from `from` to `to`.
  Route route(NodeId from, NodeId to, SimTimeUs now);

  /// Returns true when messages from `from` to `to` are currently dropped by a partition.
  bool blocked(NodeId from, NodeId to) const { return blocked_[index(from, to)] != 0; }
  /// Blocks every link between nodes of different groups (only from groups[0] outward when
  /// one_way). A node in no group forms a group of its own.
  void partition(std::vector<std::vector<NodeId>> const& groups, bool one_way);
  /// Unblocks every link.
  void heal();
  bool partitioned() const { return partitioned_; }

 private:
  std::size_t index(NodeId from, NodeId to) const { return from.value * nodes_ + to.value; }
  SimTimeUs arrival(std::size_t link, SimTimeUs now);
  DurationUs latency(LinkParams const& p);

  std::size_t nodes_;
  std::vector<LinkParams> links_;
  std::vector<SimTimeUs> last_arrival_;  // Per link: FIFO order is kept against this.
  std::vector<std::uint8_t> blocked_;
  bool partitioned_ = false;
  Rng rng_;
};

}  // namespace mqcheck::sim
