// SPDX-License-Identifier: Apache-2.0
// File: model/reference/consumer.cpp (layer: model)
#include "model/reference/consumer.hpp"

#include "core/assert.hpp"

namespace mqcheck::model::reference {

using history::OpKind;
using history::OpType;

history::Record Consumer::record(Delivered const& d) const {
  return history::Record::of(d.id, config_->topic, d.offset);
}

// A push delivery is recorded as a single `ok deliver`: the consumer did not invoke it.
void Consumer::on_message(NodeId, Message const& message, Output& out) {
  auto const* delivered = std::get_if<Delivered>(&message);
  if (delivered == nullptr) return;
  out.complete(OpType::ok, OpKind::deliver, {record(*delivered)}, config_->group,
               delivered->redelivered ? "redelivered" : "");
  buffer_.push_back(*delivered);
  if (!busy_) start_next(out);
}

void Consumer::start_next(Output& out) {
  MQCHECK_ASSERT(!busy_ && !buffer_.empty());
  Delivered const& d = buffer_.front();
  if (config_->ack == AckMode::before_processing) send_ack(d, out);
  out.invoke(OpKind::process, {record(d)}, config_->group, OpType::fail);
  out.set_timer(processed_timer, config_->processing);
  busy_ = true;
}

void Consumer::on_timer(TimerId timer, Output& out) {
  if (timer == processed_timer) return processed(out);
  for (Delivered const& d : unsent_acks_) send_ack(d, out);
  unsent_acks_.clear();
}

void Consumer::processed(Output& out) {
  MQCHECK_ASSERT(busy_ && !buffer_.empty());
  Delivered const d = buffer_.front();
  buffer_.pop_front();
  busy_ = false;
  out.complete(OpType::ok, OpKind::process, {record(d)}, config_->group);
  if (config_->ack == AckMode::after_processing) ack_later(d, out);
  if (!buffer_.empty()) start_next(out);
}

void Consumer::ack_later(Delivered const& d, Output& out) {
  if (config_->ack_delay == DurationUs{}) return send_ack(d, out);
  if (unsent_acks_.empty()) out.set_timer(ack_timer, config_->ack_delay);
  unsent_acks_.push_back(d);
}

// An ack is fire and forget (as basic.ack: no answer comes back), so it is recorded as a single
// `ok ack` when it leaves; whether the broker got it shows in what the broker does next.
void Consumer::send_ack(Delivered const& d, Output& out) {
  out.send(config_->broker, Acked{d.tag});
  out.complete(OpType::ok, OpKind::ack, {record(d)}, config_->group);
}

}  // namespace mqcheck::model::reference
