// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/broker.hpp (layer: model)
// A Kafka broker: it holds replicas of partitions, leads some and follows others. A leader
// appends produce requests, answers acks=1 at once and acks=all when the high watermark
// passes the record, and serves fetches: followers replicate by fetching (so the leader
// learns their log end offsets and advances the HW), consumers read below the HW only. The
// leader proposes ISR changes to the controller (KIP-497) and applies them once confirmed.
// A follower that learns of a new leader truncates a diverging suffix by leader epoch
// (KIP-101). The log is on disk and fsynced only by the flush policy (log.flush.interval.*),
// so a power loss loses what the page cache held. For transactions (KIP-98) a leader fences
// producer epochs older than the partition's, writes the coordinator's COMMIT/ABORT markers,
// and serves read_committed fetches up to the last stable offset with the aborted-transaction
// index. Invariant: a replica's LSO <= HW <= LEO.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/kafka/config.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/partition_log.hpp"
#include "model/kafka/quota.hpp"
#include "model/kafka/txn_verify.hpp"

namespace mqcheck::model::kafka {

struct Quiet;

class Broker {
 public:
  friend struct Quiet;  // The explorer's quiet predicate reads the state (quiet.cpp).
  using Output = Out<Message, Entry>;
  Broker(ClusterConfig const* cluster, std::int32_t index);

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Returns true when this broker believes it leads partition `p` (for fault targets such as
  /// leader(orders-0), and for tests).
  bool leads(std::uint32_t p) const { return replicas_[p].leader == index_; }
  /// Returns partition `p`'s replica here (for tests).
  PartitionLog const& log(std::uint32_t p) const { return replicas_[p].log; }
  BrokerSet isr(std::uint32_t p) const { return replicas_[p].isr; }

  /// Folds the state (not the shared config) into `h`; equal states hash equal.
  void hash_into(Hasher& h) const;
  bool operator==(Broker const& o) const {
    // The whole state, next_request_ too: the inert-step reduction (explore/inert_steps.hpp)
    // takes an equal actor as an unchanged one.
    return index_ == o.index_ && replicas_ == o.replicas_ && unflushed_ == o.unflushed_ &&
           registering_ == o.registering_ && quotas_ == o.quotas_ && verifier_ == o.verifier_ &&
           next_request_ == o.next_request_;
  }

 private:
  struct Follower {  // What a leader knows of one follower.
    Offset leo{0};
    Offset fetch_leo{0};     // The leader's LEO when this follower last fetched.
    bool caught_up = false;  // Caught up (see on_replica_fetch) since the last ISR tick.
    int missed_ticks = 0;
    bool parked = false;  // Its fetch waits for new data (replica.fetch.wait.max.ms).
    std::uint64_t parked_request = 0;
    bool operator==(Follower const&) const = default;
  };
  struct Waiting {  // An acks=all produce, or a transaction marker, waiting for the HW.
    NodeId from;
    std::uint64_t request = 0;
    Offset offset;
    bool marker = false;  // A WriteTxnMarkers write: answered with txn_id and producer_epoch.
    std::uint32_t txn_id = 0;
    std::int32_t producer_epoch = 0;
    Offset base;  // A produce: its batch's first offset, which the answer carries (`offset`:
                  // the last, which the HW must pass).
    std::int64_t throttle_ms = 0;  // A produce: its quota throttle, for the answer (KIP-219).
    bool operator==(Waiting const&) const = default;
  };
  struct Replica {
    bool hosted = false;
    PartitionLog log;
    std::int32_t leader = no_leader;
    std::int32_t epoch = -1;
    BrokerSet isr = 0;
    BrokerSet proposed = 0;  // An ISR sent to the controller and not yet confirmed; 0: none.
    std::vector<Follower> followers;  // By broker index (leader only).
    std::vector<Waiting> waiting;
    std::uint64_t fetch_request = 0;  // A follower's outstanding fetch.
    bool operator==(Replica const&) const = default;
  };

  void init_from_assignment();
  void on_produce(NodeId from, ProduceRequest const& req, Output& out);
  void append_batch(NodeId from, ProduceRequest const& req, std::uint32_t p,
                    std::span<LogRecord const> batch, std::int64_t throttle_ms, Output& out);
  void on_fetch(NodeId from, FetchRequest const& req, Output& out);
  void on_marker(NodeId from, WriteTxnMarkerRequest const& req, Output& out);
  void on_replica_fetch(NodeId from, FetchRequest const& req, Output& out);
  void on_fetched(FetchResponse const& resp, Output& out);
  void on_leader_and_isr(LeaderAndIsr const& msg, Output& out);
  void become(std::uint32_t p, LeaderAndIsr const& msg, Output& out);
  void send_fetch(std::uint32_t p, Output& out);
  void answer_parked(std::uint32_t p, Output& out);
  void reply_fetch(std::uint32_t p, NodeId to, std::uint64_t request, Offset from, Output& out);
  void maybe_advance_hw(std::uint32_t p, Output& out);
  void propose_isr(std::uint32_t p, BrokerSet isr, Output& out);
  void isr_tick(Output& out);
  void write(std::uint32_t p, LogRecord const& r, Output& out);
  // Retention (retention.cpp): the check timer, which also advances the replicas' clocks.
  static constexpr TimerId retention_timer = 5;
  bool retention_armed() const;
  void start_retention(Output& out);
  void retention_tick(Output& out);
  void restart_log(std::uint32_t p, Offset start, Output& out);
  void recover_log(std::uint32_t p, Disk<Entry> const& disk);
  // Before KIP-101 (0.10; leader_epochs): the HW checkpoint and the truncation to it
  // (broker_hw_truncation.cpp).
  static constexpr TimerId hw_checkpoint_timer = 6;
  void start_hw_checkpoints(Output& out);
  void checkpoint_hws(Output& out);
  void recover_hw(std::uint32_t p, Disk<Entry> const& disk);
  void truncate_to_hw(std::uint32_t p, Output& out);
  /// Appends to `into` the messages (markers skipped) of partition p's log in [from, to).
  void records(std::uint32_t p, Offset from, Offset to, std::vector<history::Record>& into) const;
  /// Appends to `text` `head` + `name` + `middle` + `number` + " state: <name>.leo=L
  /// <name>.hw=H", where name is `partition`'s name(): the detail of the append and replicate
  /// events, built in the event's own buffer (Out::event_in_place) without building the name
  /// (they are the hot ones).
  static void state_detail(std::string& text, std::string_view head, PartitionInfo const& partition,
                           std::string_view middle, std::int64_t number, PartitionLog const& log);

  ClusterConfig const* cluster_;
  std::int32_t index_;
  std::vector<Replica> replicas_;        // By global partition index; hosted ones only are used.
  std::vector<std::int64_t> unflushed_;  // Appends since the last fsync, by partition.
  bool registering_ = true;              // Until the controller has told it the partitions' state.
  std::uint64_t next_request_ = 1;
  // Client quotas (quota.cpp): timers from quota_timers on unmute a client's channel.
  static constexpr TimerId quota_timers = TimerId{1} << 48;
  void unmute(TimerId timer, Output& out);
  ClientQuotas quotas_;
  TxnVerifier verifier_;  // KIP-890 part 1 (txn_verify.hpp): produces held for verification.
};

}  // namespace mqcheck::model::kafka
