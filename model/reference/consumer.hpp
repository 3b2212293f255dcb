// SPDX-License-Identifier: Apache-2.0
// File: model/reference/consumer.hpp (layer: model)
// A consumer application: it takes pushed deliveries one at a time, processes each for a
// drawn service time, and acks after processing (at-least-once), before processing
// (at-most-once: a crash mid-processing loses the message) or never (auto-ack). Processing
// takes effect atomically when it completes, so a crash before completion means the effect
// did not happen: the kernel completes the open process op as `fail`, not `info`. With
// ack.delay, after-processing acks are batched and leave that long after processing, which
// opens the window real applications have between "processed" and "acked": a crash inside it
// gets processed messages redelivered.
#pragma once

#include <deque>
#include <vector>

#include "core/hash.hpp"
#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "model/reference/config.hpp"
#include "model/reference/messages.hpp"

namespace mqcheck::model::reference {

class Consumer {
 public:
  using Output = Out<Message, Entry>;
  explicit Consumer(ConsumerConfig const* config) : config_(config) {}

  void on_start(Output&) {}
  void on_recover(Disk<Entry> const&, Output&) {}  // Nothing durable: it starts afresh.
  void on_message(NodeId from, Message const& message, Output& out);
  void on_timer(TimerId timer, Output& out);

  /// Folds the state (not the shared config) into `h`; equal states hash equal.
  void hash_into(Hasher& h) const {
    h.add_each(buffer_, [](Hasher& g, Delivered const& d) {
      g.add(d.id.value);
      g.add(static_cast<std::uint64_t>(d.offset.value));
      g.add(d.tag);
      g.add(d.redelivered ? 1 : 0);
    });
    h.add(busy_ ? 1 : 0);
    h.add_each(unsent_acks_, [](Hasher& g, Delivered const& d) {
      g.add(d.id.value);
      g.add(static_cast<std::uint64_t>(d.offset.value));
      g.add(d.tag);
    });
  }
  bool operator==(Consumer const& o) const {
    return buffer_ == o.buffer_ && busy_ == o.busy_ && unsent_acks_ == o.unsent_acks_;
  }

 private:
  static constexpr TimerId processed_timer = 0;
  static constexpr TimerId ack_timer = 1;
  void start_next(Output& out);
  void processed(Output& out);
  void ack_later(Delivered const& d, Output& out);
  void send_ack(Delivered const& d, Output& out);
  history::Record record(Delivered const& d) const;

  ConsumerConfig const* config_;
  std::deque<Delivered> buffer_;  // Front is in processing when busy_.
  bool busy_ = false;
  std::vector<Delivered> unsent_acks_;  // Processed, ack not yet sent (ack.delay).
};

}  // namespace mqcheck::model::reference
