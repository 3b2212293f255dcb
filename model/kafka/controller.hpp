// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/controller.hpp (layer: model)
// The controller (one node, KRaft-like; its own metadata quorum is not modelled), host of the
// group coordinator (group_coordinator.hpp: membership, rebalances, commit validation; the
// committed offsets, as __consumer_offsets would hold them, are kept here, shared with the
// transaction coordinator's offset commits). Brokers heartbeat
// to it; one silent for broker.session.timeout.ms is fenced (KIP-631): it leaves every ISR
// (an ISR never becomes empty: the last member stays, leaderless) and the partitions it led
// get a new leader from the ISR, or from any live replica when unclean election is on. Each
// leader change bumps the leader epoch. Invariant: a partition's leader, when it has one, is
// in its ISR and unfenced. The partition states and committed offsets are on its disk, fsynced.
// With eligible leader replicas (KIP-966, controller_election.cpp) the ISR may become empty
// and a replica that left it while the ISR was under min.insync.replicas stays electable.
// It is also the transaction coordinator (KIP-98; txn_coordinator.cpp): per transactional id a
// producer id, epoch and state, its transaction log on the same disk.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/group_coordinator.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model::kafka {

struct Quiet;

class Controller {
 public:
  friend struct Quiet;  // The explorer's quiet predicate reads the state (quiet.cpp).
  using Output = Out<Message, Entry>;
  explicit Controller(ClusterConfig const* cluster);

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Returns partition `p`'s leader as the controller last decided it, or no_leader.
  std::int32_t leader(std::uint32_t p) const { return partitions_[p].leader; }
  BrokerSet isr(std::uint32_t p) const { return partitions_[p].isr; }
  /// Partition `p`'s eligible leader replicas (KIP-966; always empty when the feature is off).
  BrokerSet elr(std::uint32_t p) const { return partitions_[p].elr; }
  std::int32_t epoch(std::uint32_t p) const { return partitions_[p].epoch; }
  /// Returns transactional id `t`'s state at the coordinator (for tests).
  TxnPhase txn_phase(std::uint32_t t) const { return txns_[t].phase; }
  std::int32_t txn_epoch(std::uint32_t t) const { return txns_[t].producer_epoch; }
  /// The timer that expires transactional id `t`'s transaction (for tests).
  static TimerId txn_timer_base_for_test(std::uint32_t t) { return txn_timer_base + t; }
  /// The group coordinator's state (for tests).
  GroupCoordinator const& groups() const { return groups_; }

  void hash_into(Hasher& h) const;
  bool operator==(Controller const& o) const {
    return partitions_ == o.partitions_ && fenced_ == o.fenced_ && heard_ == o.heard_ &&
           tick_ == o.tick_ && committed_ == o.committed_ && txns_ == o.txns_ &&
           groups_ == o.groups_;
  }

 private:
  struct State {
    std::int32_t leader = no_leader;
    std::int32_t epoch = 0;
    BrokerSet isr = 0;
    // KIP-966: replicas out of the ISR that still hold everything below the HW (the ISR fell
    // under min.insync.replicas, so the HW stood still), and the leader the partition had
    // when its ISR became empty (lastKnownElr in "balanced recovery" mode).
    BrokerSet elr = 0;
    std::int32_t last_leader = no_leader;
    bool operator==(State const&) const = default;
  };
  void on_heartbeat(BrokerHeartbeat const& hb, Output& out);
  void on_alter_partition(AlterPartition const& req, Output& out);
  void fence(std::int32_t b, Output& out);
  void unfence(std::int32_t b, Output& out);
  void forget_unclean(std::int32_t b, Output& out);
  void change_isr(std::uint32_t p, BrokerSet target, BrokerSet unclean_shutdown);
  void elect(std::uint32_t p, Output& out);
  std::int32_t pick_leader(std::uint32_t p, bool& unclean) const;
  bool elr_on() const { return cluster_->eligible_leader_replicas; }
  void publish(std::uint32_t p, bool leader_changed, Output& out);
  void tell(std::uint32_t p, std::int32_t broker, Output& out) const;

  static constexpr FileId state_file = 0;  // Partition states.
  static constexpr FileId txn_file = 2;    // The transaction log (__transaction_state).
  static constexpr FileId boot_file = 3;   // One entry per start: the coordinator's incarnation.
  // Committed offsets (__consumer_offsets), written by the group coordinator.
  static constexpr FileId offsets_file = GroupCoordinator::offsets_file;
  static constexpr TimerId txn_timer_base = TimerId{1} << 32;  // + transactional id index.

  struct Txn {  // A transactional id's state (TransactionMetadata).
    std::uint64_t producer = 0;
    std::int32_t producer_epoch = -1;  // -1: never initialised.
    TxnPhase phase = TxnPhase::empty;
    std::vector<std::uint32_t> partitions;  // Added to the ongoing transaction, ascending.
    std::uint32_t group = 0;                // The group of `offsets`.
    std::vector<PartitionOffset> offsets;   // TxnOffsetCommit: committed with the transaction.
    std::vector<std::uint32_t> unmarked;    // Partitions whose marker is not acknowledged.
    std::int64_t timeout_ms = 60'000;       // transaction.timeout.ms, from InitProducerId.
    std::uint64_t marked_at = 0;            // The tick the markers were last sent.
    bool operator==(Txn const&) const = default;
  };
  void on_txn_message(NodeId from, Message const& message, Output& out);
  void on_init_producer_id(NodeId from, InitProducerIdRequest const& req, Output& out);
  TxnResponse join_txn(std::uint32_t txn_id, std::uint64_t request, std::uint64_t producer,
                       std::int32_t epoch, Output& out);
  void on_add_partition(NodeId from, AddPartitionsToTxnRequest const& req, Output& out);
  void on_txn_offsets(NodeId from, TxnOffsetCommitRequest const& req, Output& out);
  void on_end_txn(NodeId from, EndTxnRequest const& req, Output& out);
  void on_marker_written(WriteTxnMarkerResponse const& resp, Output& out);
  void on_txn_timeout(std::uint32_t t, Output& out);
  void prepare_end(std::uint32_t t, bool commit, Output& out);
  void send_markers(std::uint32_t t, Output& out);
  void log_txn(std::uint32_t t, Output& out);
  void recover_txns(Disk<Entry> const& disk, Output& out);
  Error check_producer(Txn const& txn, std::uint64_t producer, std::int32_t epoch) const;

  ClusterConfig const* cluster_;
  std::vector<State> partitions_;
  BrokerSet fenced_ = 0;
  std::vector<std::uint64_t> heard_;  // By broker: the tick of its last heartbeat.
  std::uint64_t tick_ = 0;
  GroupCoordinator::Offsets committed_;  // (group, partition) -> the next offset to read.
  std::vector<Txn> txns_;                // By transactional id index.
  GroupCoordinator groups_;
};

}  // namespace mqcheck::model::kafka
