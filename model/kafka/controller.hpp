// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/controller.hpp (layer: model)
// The controller (one node, KRaft-like; its own metadata quorum is not modelled) and the
// group coordinator (offset storage, as __consumer_offsets would hold it). Brokers heartbeat
// to it; one silent for broker.session.timeout.ms is fenced (KIP-631): it leaves every ISR
// (an ISR never becomes empty: the last member stays, leaderless) and the partitions it led
// get a new leader from the ISR, or from any live replica when unclean election is on. Each
// leader change bumps the leader epoch. Invariant: a partition's leader, when it has one, is
// in its ISR and unfenced. The partition states and committed offsets are on its disk, fsynced.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

class Controller {
 public:
  using Output = Out<Message, Entry>;
  explicit Controller(ClusterConfig const* cluster);

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Returns partition `p`'s leader as the controller last decided it, or no_leader.
  std::int32_t leader(std::uint32_t p) const { return partitions_[p].leader; }
  BrokerSet isr(std::uint32_t p) const { return partitions_[p].isr; }
  std::int32_t epoch(std::uint32_t p) const { return partitions_[p].epoch; }

  void hash_into(Hasher& h) const;
  bool operator==(Controller const& o) const {
    return partitions_ == o.partitions_ && fenced_ == o.fenced_ && heard_ == o.heard_ &&
           tick_ == o.tick_ && committed_ == o.committed_;
  }

 private:
  struct State {
    std::int32_t leader = no_leader;
    std::int32_t epoch = 0;
    BrokerSet isr = 0;
    bool operator==(State const&) const = default;
  };
  void on_heartbeat(BrokerHeartbeat const& hb, Output& out);
  void on_alter_partition(AlterPartition const& req, Output& out);
  void fence(std::int32_t b, Output& out);
  void unfence(std::int32_t b, Output& out);
  void elect(std::uint32_t p, Output& out);
  void publish(std::uint32_t p, bool leader_changed, Output& out);
  void tell(std::uint32_t p, std::int32_t broker, Output& out) const;

  ClusterConfig const* cluster_;
  std::vector<State> partitions_;
  BrokerSet fenced_ = 0;
  std::vector<std::uint64_t> heard_;  // By broker: the tick of its last heartbeat.
  std::uint64_t tick_ = 0;
  std::map<std::pair<std::uint32_t, std::uint32_t>, Offset> committed_;  // (group, partition).
};

}  // namespace mqcheck::model::kafka
