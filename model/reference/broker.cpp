// SPDX-License-Identifier: Apache-2.0
// File: model/reference/broker.cpp (layer: model)
#include "model/reference/broker.hpp"

#include <algorithm>
#include <set>
#include <string>

#include "core/assert.hpp"

namespace mqcheck::model::reference {

using history::OpKind;

namespace {
constexpr int tag_epoch_shift = 40;  // 2^40 deliveries per boot before tags could collide.
constexpr FileId log_file = 0;
constexpr FileId boot_file = 1;
}  // namespace

history::Record Broker::record(Offset offset) const {
  MQCHECK_ASSERT(offset.value >= 0 && offset.value < static_cast<std::int64_t>(log_.size()));
  return history::Record::of(log_[static_cast<std::size_t>(offset.value)], config_->queue, offset);
}

Offset Broker::store(MessageId id) {
  log_.push_back(id);
  return Offset{static_cast<std::int64_t>(log_.size()) - 1};
}

void Broker::write(Entry entry, Output& out) {
  if (config_->persistence == Persistence::memory) return;
  out.append(log_file, entry);
  if (config_->fsync == FsyncPolicy::always) out.fsync();
}

// The boot record is always fsynced: an epoch must never repeat, or a stale ack could
// acknowledge a new delivery.
void Broker::boot(std::uint64_t epoch, Output& out) {
  epoch_ = epoch;
  next_tag_ = epoch_ << tag_epoch_shift;
  out.append(boot_file, Entry{Entry::Kind::boot, MessageId{}, Offset{}});
  out.fsync();
}

void Broker::on_start(Output& out) { boot(1, out); }

void Broker::hash_into(Hasher& h) const {
  h.add(epoch_);
  h.add(next_tag_);
  h.add_each(log_, [](Hasher& g, MessageId id) { g.add(id.value); });
  h.add_each(ready_, [](Hasher& g, Ready const& r) {
    g.add(static_cast<std::uint64_t>(r.offset.value));
    g.add(r.redelivered ? 1 : 0);
  });
  h.add_each(unacked_, [](Hasher& g, auto const& u) {
    g.add(u.first);
    g.add(static_cast<std::uint64_t>(u.second.offset.value));
    g.add(u.second.consumer);
  });
  h.add_each(in_flight_, [](Hasher& g, std::int64_t n) { g.add(static_cast<std::uint64_t>(n)); });
  h.add(next_consumer_);
}

// Offsets in the rebuilt log follow the order of the surviving enqueue records. Without
// persistence nothing survives: the queue comes back empty.
void Broker::on_recover(Disk<Entry> const& disk, Output& out) {
  boot(disk.entries(boot_file).size() + 1, out);
  std::set<std::int64_t> acked;
  for (Entry const& e : disk.entries(log_file)) {
    if (e.kind == Entry::Kind::acked) acked.insert(e.offset.value);
  }
  for (Entry const& e : disk.entries(log_file)) {
    if (e.kind != Entry::Kind::enqueued) continue;
    Offset const offset = store(e.id);
    MQCHECK_ASSERT(offset == e.offset);  // Appends are sequential, and power loss cuts a suffix.
    if (!acked.contains(offset.value)) ready_.push_back({offset, true});
  }
  out.event(OpKind::restart, {},
            "recovered " + std::to_string(ready_.size()) + " unacknowledged messages from the log");
  dispatch(out);
}

void Broker::on_message(NodeId from, Message const& message, Output& out) {
  if (auto const* publish = std::get_if<Publish>(&message)) return on_publish(from, *publish, out);
  if (auto const* acked = std::get_if<Acked>(&message)) return on_acked(*acked, out);
}

void Broker::on_publish(NodeId from, Publish const& publish, Output& out) {
  if (config_->dedup) {
    auto const it = std::find(log_.begin(), log_.end(), publish.id);
    if (it != log_.end()) {  // Idempotent: confirm the stored copy again, store nothing.
      out.send(from, Confirmed{publish.id, Offset{it - log_.begin()}});
      return;
    }
  }
  Offset const offset = store(publish.id);  // Without dedup a resend is stored again.
  write(Entry{Entry::Kind::enqueued, publish.id, offset}, out);
  out.event(OpKind::append, {record(offset)});
  out.send(from, Confirmed{publish.id, offset});
  ready_.push_back({offset, false});
  dispatch(out);
}

void Broker::on_acked(Acked const& acked, Output& out) {
  auto const it = unacked_.find(acked.tag);
  if (it == unacked_.end()) return;  // Already redelivered, or from before a restart.
  write(Entry{Entry::Kind::acked, log_[static_cast<std::size_t>(it->second.offset.value)],
              it->second.offset},
        out);
  out.cancel_timer(acked.tag);
  --in_flight_[it->second.consumer];
  unacked_.erase(it);
  dispatch(out);
}

void Broker::on_timer(TimerId timer, Output& out) {
  auto const it = unacked_.find(timer);
  if (it == unacked_.end()) return;
  Offset const offset = it->second.offset;
  --in_flight_[it->second.consumer];
  unacked_.erase(it);
  out.event(OpKind::redeliver, {record(offset)}, "no ack within redelivery.timeout");
  ready_.push_front({offset, true});
  dispatch(out);
}

void Broker::dispatch(Output& out) {
  while (!ready_.empty() && deliver_one(ready_.front(), out)) ready_.pop_front();
}

// Round-robin over consumers with room under prefetch. An auto-ack consumer takes the
// message off the queue as it leaves: the broker forgets it at once (at-most-once).
bool Broker::deliver_one(Ready ready, Output& out) {
  std::size_t const n = config_->consumers.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t const c = (next_consumer_ + i) % n;
    ConsumerRef const& consumer = config_->consumers[c];
    if (!consumer.auto_ack && in_flight_[c] >= config_->prefetch) continue;
    DeliveryTag const tag = next_tag_++;
    MessageId const id = log_[static_cast<std::size_t>(ready.offset.value)];
    out.send(consumer.node, Delivered{id, ready.offset, tag, ready.redelivered});
    if (consumer.auto_ack) {
      write(Entry{Entry::Kind::acked, id, ready.offset}, out);
    } else {
      unacked_.emplace(tag, Unacked{ready.offset, c});
      ++in_flight_[c];
      out.set_timer(tag, config_->redelivery_timeout);
    }
    next_consumer_ = (c + 1) % n;
    return true;
  }
  return false;
}

}  // namespace mqcheck::model::reference
