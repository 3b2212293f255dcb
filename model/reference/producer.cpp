// SPDX-License-Identifier: Apache-2.0
// File: model/reference/producer.cpp (layer: model)
#include "model/reference/producer.hpp"

namespace mqcheck::model::reference {

using history::OpKind;
using history::OpType;

history::Record Producer::record(MessageId id) const {
  return history::Record::of(id, config_->topic);
}

void Producer::on_start(Output& out) {
  if (config_->messages > 0) out.set_timer(next_send_timer, config_->start);
}

// The application remembers which messages it already handed to the client library (its
// progress file survives a process crash), so after a restart it goes on with the next one.
// Sends in flight at the crash are not retried: the kernel completed them as info.
void Producer::on_recover(Disk<Entry> const& disk, Output& out) {
  next_ = static_cast<std::int64_t>(disk.entries(0).size());
  if (next_ < config_->messages) out.set_timer(next_send_timer, config_->interval);
}

void Producer::send_next(Output& out) {
  MessageId const id{config_->first_id.value + static_cast<std::uint64_t>(next_)};
  ++next_;
  out.append(0, Entry{Entry::Kind::sent, id, Offset{}});
  out.invoke(OpKind::send, {record(id)});
  out.send(config_->broker, Publish{id});
  attempts_[id] = 0;
  out.set_timer(1 + id.value, config_->request_timeout);
  if (next_ < config_->messages) out.set_timer(next_send_timer, config_->interval);
}

void Producer::on_message(NodeId, Message const& message, Output& out) {
  auto const* confirmed = std::get_if<Confirmed>(&message);
  if (confirmed == nullptr) return;
  // A confirm for a message no longer awaited (a duplicate confirm after a resend) is old news.
  if (attempts_.erase(confirmed->id) == 0) return;
  out.cancel_timer(1 + confirmed->id.value);
  history::Record r = record(confirmed->id);
  r.offset = confirmed->offset;
  out.complete(OpType::ok, OpKind::send, {r});
}

void Producer::on_timer(TimerId timer, Output& out) {
  if (timer == next_send_timer) return send_next(out);
  MessageId const id{timer - 1};
  auto const it = attempts_.find(id);
  if (it == attempts_.end()) return;
  if (it->second < config_->retries) {
    ++it->second;
    out.send(config_->broker, Publish{id});
    out.set_timer(timer, config_->request_timeout);
    return;
  }
  attempts_.erase(it);
  // No confirm after every retry: the message may or may not be stored.
  out.complete(OpType::info, OpKind::send, {record(id)}, {}, "timeout");
}

}  // namespace mqcheck::model::reference
