// SPDX-License-Identifier: Apache-2.0
// File: model/reference/broker.hpp (layer: model)
// The reference queue's single broker. It appends each publish to its log (and fsyncs it,
// if so configured) before it confirms, pushes ready messages to consumers round-robin up to
// `prefetch` unacknowledged each, and hands a delivery out again when no ack comes within
// redelivery.timeout (a visibility timeout). After a restart it rebuilds the queue from its
// log: enqueued minus acked. Invariant: each stored copy (log offset) is either ready, or
// out for delivery under exactly one live tag, or acked.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/reference/config.hpp"
#include "model/reference/messages.hpp"

namespace mqcheck::model::reference {

class Broker {
 public:
  using Output = Out<Message, Entry>;
  explicit Broker(BrokerConfig const* config)
      : config_(config), in_flight_(config->consumers.size(), 0) {}

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Folds the state (not the shared config) into `h`; equal states hash equal.
  void hash_into(Hasher& h) const;
  bool operator==(Broker const& o) const {
    return epoch_ == o.epoch_ && next_tag_ == o.next_tag_ && log_ == o.log_ && ready_ == o.ready_ &&
           unacked_ == o.unacked_ && in_flight_ == o.in_flight_ &&
           next_consumer_ == o.next_consumer_;
  }

 private:
  struct Ready {
    Offset offset;
    bool redelivered;
    bool operator==(Ready const&) const = default;
  };
  struct Unacked {
    Offset offset;
    std::size_t consumer;  // Index into config_->consumers.
    bool operator==(Unacked const&) const = default;
  };

  void boot(std::uint64_t epoch, Output& out);
  void on_publish(NodeId from, Publish const& publish, Output& out);
  void on_acked(Acked const& acked, Output& out);
  void dispatch(Output& out);
  bool deliver_one(Ready ready, Output& out);
  void write(Entry entry, Output& out);
  history::Record record(Offset offset) const;
  Offset store(MessageId id);

  BrokerConfig const* config_;
  std::uint64_t epoch_ = 0;  // Boots so far; the high bits of every tag.
  DeliveryTag next_tag_ = 0;
  std::vector<MessageId> log_;  // log_[offset]: what is stored there.
  std::deque<Ready> ready_;     // In queue order.
  std::map<DeliveryTag, Unacked> unacked_;
  std::vector<std::int64_t> in_flight_;  // Unacked deliveries per consumer.
  std::size_t next_consumer_ = 0;        // Round-robin cursor.
};

}  // namespace mqcheck::model::reference
