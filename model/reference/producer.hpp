// SPDX-License-Identifier: Apache-2.0
// File: model/reference/producer.hpp (layer: model)
// A producer that publishes its messages on a schedule and waits for each confirm. A
// confirm that does not come within request.timeout makes it resend, up to `retries`
// times; after that the send's outcome is unknown (info), as a real client would report a
// timeout. Without broker dedup a resend after a lost confirm stores the message twice.
#pragma once

#include <cstdint>
#include <map>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/reference/config.hpp"
#include "model/reference/messages.hpp"

namespace mqcheck::model::reference {

class Producer {
 public:
  using Output = Out<Message, Entry>;
  explicit Producer(ProducerConfig const* config) : config_(config) {}

  void on_start(Output& out);
  void on_recover(Disk<Entry> const& disk, Output& out);
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Folds the state (not the shared config) into `h`; equal states hash equal.
  void hash_into(Hasher& h) const {
    h.add(static_cast<std::uint64_t>(next_));
    h.add_each(attempts_, [](Hasher& g, auto const& a) {
      g.add(a.first.value);
      g.add(static_cast<std::uint64_t>(a.second));
    });
  }
  bool operator==(Producer const& o) const { return next_ == o.next_ && attempts_ == o.attempts_; }

 private:
  static constexpr TimerId next_send_timer = 0;  // Resend timers are 1 + message id.
  void send_next(Output& out);
  history::Record record(MessageId id) const;

  ProducerConfig const* config_;
  std::int64_t next_ = 0;                       // Index of the next message to send.
  std::map<MessageId, std::int64_t> attempts_;  // Unconfirmed sends -> resends so far.
};

}  // namespace mqcheck::model::reference
