// SPDX-License-Identifier: Apache-2.0
// File: sim/network.cpp (layer: sim)
#include "sim/network.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "sim/sample.hpp"

namespace mqcheck::sim {

Network::Network(std::size_t nodes, std::vector<LinkParams> links, Rng rng)
    : nodes_(nodes),
      links_(std::move(links)),
      last_arrival_(nodes * nodes),
      blocked_(nodes * nodes, 0),
      rng_(rng) {
  MQCHECK_ASSERT(links_.size() == nodes * nodes);
}

// A constant latency (the default) draws nothing, so it skips sample().
DurationUs Network::latency(LinkParams const& p) {
  if (p.latency.kind == Distribution::Kind::constant && p.latency.mean.us >= 0) {
    return p.latency.mean;
  }
  return sample(rng_, p.latency);
}

// A reordered message skips the FIFO clamp and waits one more latency draw, so later
// messages on the same link usually overtake it.
SimTimeUs Network::arrival(std::size_t link, SimTimeUs now) {
  LinkParams const& p = links_[link];
  SimTimeUs at = now + latency(p);
  if (!p.reorder.is_zero() && rng_.chance(p.reorder)) return at + latency(p);
  at = std::max(at, last_arrival_[link]);
  last_arrival_[link] = at;
  return at;
}

Route Network::route(NodeId from, NodeId to, SimTimeUs now) {
  std::size_t const link = index(from, to);
  Route r;
  if (blocked_[link] != 0) {
    r.fate = Route::Fate::partitioned;
    return r;
  }
  LinkParams const& p = links_[link];
  if (!p.drop.is_zero() && rng_.chance(p.drop)) {
    r.fate = Route::Fate::dropped;
    return r;
  }
  r.arrival[0] = arrival(link, now);
  if (!p.duplicate.is_zero() && rng_.chance(p.duplicate)) {
    r.fate = Route::Fate::duplicated;
    r.arrival[1] = arrival(link, now);
  }
  return r;
}

void Network::partition(std::vector<std::vector<NodeId>> const& groups, bool one_way) {
  // Nodes in no group get distinct group numbers of their own.
  std::vector<std::size_t> group_of(nodes_);
  for (std::size_t n = 0; n < nodes_; ++n) group_of[n] = groups.size() + n;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (NodeId node : groups[g]) group_of[node.value] = g;
  }
  for (std::size_t from = 0; from < nodes_; ++from) {
    for (std::size_t to = 0; to < nodes_; ++to) {
      bool const split = group_of[from] != group_of[to];
      bool const applies = !one_way || group_of[from] == 0;
      if (split && applies) blocked_[from * nodes_ + to] = 1;
    }
  }
  partitioned_ = true;
}

void Network::heal() {
  std::fill(blocked_.begin(), blocked_.end(), 0);
  partitioned_ = false;
}

}  // namespace mqcheck::sim
