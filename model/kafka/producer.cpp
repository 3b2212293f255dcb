// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer.cpp (layer: model)
#include "model/kafka/producer.hpp"

#include <algorithm>
#include <string>

#include "core/overloaded.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

// Utils.murmur2 (seed 0x9747b28c, m 0x5bd1e995, r 24), over the key's UTF-8 bytes, in
// 32-bit two's-complement arithmetic as Java does it.
std::uint32_t murmur2(std::string_view data) {
  std::uint32_t const m = 0x5bd1e995u;
  auto const length = static_cast<std::uint32_t>(data.size());
  std::uint32_t h = 0x9747b28cu ^ length;
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i]));
  };
  std::size_t const blocks = data.size() / 4;
  for (std::size_t i = 0; i < blocks; ++i) {
    std::uint32_t k =
        byte(4 * i) | byte(4 * i + 1) << 8 | byte(4 * i + 2) << 16 | byte(4 * i + 3) << 24;
    k *= m;
    k ^= k >> 24;
    k *= m;
    h *= m;
    h ^= k;
  }
  std::size_t const tail = data.size() & ~std::size_t{3};
  switch (data.size() % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
      break;
    default:
      break;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return h;
}

Producer::Producer(ProducerConfig const* config)
    : config_(config),
      open_(config->cluster->partitions.size(), 0),
      leaders_(config->cluster->partitions.size(), no_leader),
      sequences_(config->cluster->partitions.size(), 0),
      in_flight_(static_cast<std::size_t>(config->cluster->brokers), 0),
      throttled_until_(static_cast<std::size_t>(config->cluster->brokers), SimTimeUs{}),
      unacknowledged_(config->cluster->partitions.size(), 0),
      blocked_(config->cluster->partitions.size(), false),
      candidate_(config->cluster->partitions.size(), 0),
      picked_batch_(config->cluster->partitions.size(), nullptr) {}

history::Record Producer::record(MessageId id, std::string const& key) const {
  history::Record r;
  record_into(r, id, key);
  return r;
}

history::Record Producer::record(std::uint64_t id) const {
  history::Record r;
  record_into(r, id);
  return r;
}

// Fills a default record in place (an op's own record list): no Record is built and moved,
// which measured ~1% of a Kafka run's instructions per send and completion.
void Producer::record_into(history::Record& r, MessageId id, std::string const& key) const {
  r.id = id;
  r.topic = config_->topic;
  r.key = key;
  if (!config_->tags.empty()) r.tag = tag_of(*config_, id.value);  // pattern_filter.cpp
}

void Producer::record_into(history::Record& r, std::uint64_t id) const {
  r.id = MessageId{id};
  r.topic = config_->topic;
  if (config_->keys > 0) r.key = std::to_string((id - config_->first_id.value) % config_->keys);
  if (!config_->tags.empty()) r.tag = tag_of(*config_, id);  // pattern_filter.cpp
}

void Producer::on_start(Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  if (!config_->transactional_id.empty()) {  // initTransactions when the application starts.
    out.append(boot_file, Entry::of(Entry::Kind::boot));
    out.set_timer(txn_init_timer, config_->start);
    if (config_->messages > 0) out.set_timer(next_send_timer, config_->start);
    return;
  }
  if (config_->idempotence) producer_id_ = (std::uint64_t{config_->index} + 1) << 32;
  out.append(boot_file, Entry::of(Entry::Kind::boot));
  refresh_metadata(out);
  if (config_->messages > 0) out.set_timer(next_send_timer, config_->start);
}

// The application goes on with the next message after a crash (its progress file survives);
// what was in flight the kernel completed as info. A restarted idempotent producer gets a new
// producer id, so its sequence numbers start again at 0 (KIP-98).
void Producer::on_recover(Disk<Entry> const& disk, Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  next_ = static_cast<std::int64_t>(disk.entries(progress_file).size());
  if (!config_->transactional_id.empty()) {
    out.append(boot_file, Entry::of(Entry::Kind::boot));
    txn_start(out);
    if (next_ < config_->messages) out.set_timer(next_send_timer, config_->interval);
    return;
  }
  std::uint64_t const boots = disk.entries(boot_file).size();
  if (config_->idempotence) {  // A new id per boot (high bits), epoch bumps in the low bits.
    producer_id_ = ((std::uint64_t{config_->index} + 1) << 32) + (boots << 16);
  }
  if (config_->resend_unacknowledged) plan_resends(disk);
  out.append(boot_file, Entry::of(Entry::Kind::boot));
  refresh_metadata(out);
  if (next_ < config_->messages || !resend_.empty()) {
    out.set_timer(next_send_timer, config_->interval);
  }
}

// Idempotence is per producer session: the broker deduplicates by (producer id, partition,
// sequence), and a restarted KafkaProducer gets a new producer id from InitProducerId, so the
// records its predecessor wrote but never saw acknowledged are not recognised when sent again
// ("idempotent delivery ... within a single producer session", KIP-98,
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-98+-+Exactly+Once+Delivery+and+Transactional+Messaging;
// the javadoc of enable.idempotence says the same). An application that resends after a
// restart therefore duplicates what was written but unacknowledged when it crashed.
void Producer::plan_resends(Disk<Entry> const& disk) {
  std::vector<bool> acked(static_cast<std::size_t>(next_), false);
  for (Entry const& e : disk.entries(acked_file)) {
    std::int64_t const i = e.offset.value;
    if (i >= 0 && i < next_) acked[static_cast<std::size_t>(i)] = true;
  }
  resend_.clear();
  for (std::int64_t i = next_ - 1; i >= 0; --i) {  // Last first: send_next takes the back.
    if (!acked[static_cast<std::size_t>(i)]) resend_.push_back(i);
  }
}

void Producer::note_acknowledged(std::uint64_t id, Output& out) {
  if (!config_->resend_unacknowledged) return;
  Entry e = Entry::of(Entry::Kind::sent);
  e.offset = Offset{static_cast<std::int64_t>(id - config_->first_id.value)};
  out.append(acked_file, std::move(e));
}

void Producer::refresh_metadata(Output& out) {
  if (metadata_pending_) return;
  // No refresh sooner than retry.backoff.ms after the last one (Metadata.timeToAllowUpdate,
  // clients/.../Metadata.java: lastRefreshMs plus the refresh backoff, which KafkaProducer
  // sets from retry.backoff.ms): a response that still lacks a leader waits, rather than
  // asking again at once in a loop as fast as the network answers.
  std::int64_t const now = out.now().us;
  std::int64_t const allowed =
      metadata_at_us_ < 0 ? now : metadata_at_us_ + config_->retry_backoff.us;
  if (now < allowed) return out.set_timer(metadata_timer, DurationUs{allowed - now});
  metadata_pending_ = true;
  out.send(config_->cluster->controller, MetadataRequest{});
  // No answer within retry.backoff.ms (controller unreachable): ask again then.
  out.set_timer(metadata_timer,
                config_->retry_backoff.us > 0 ? config_->retry_backoff : milliseconds(1));
}

// The partitioner (partitioner.hpp), shown the accumulator: each partition's leader and open
// batch, and its queue of batches not in flight (a transactional producer has no accumulator
// here: each of its records starts a batch of its own, as with linger.ms=0).
std::uint32_t Producer::pick_partition(std::string& key) {
  if (config_->keys > 0) key = std::to_string(next_ % config_->keys);
  auto const slot = [&](std::uint32_t i) {
    std::uint32_t const p = config_->partitions[i];
    return PartitionSlot{leaders_[p] != no_leader,
                         open_[p] != 0 ? batches_.at(open_[p]).bytes : std::int64_t{-1}};
  };
  auto const queued = [&](std::uint32_t i) {
    std::uint32_t const p = config_->partitions[i];
    return std::count_if(batches_.begin(), batches_.end(), [&](auto const& e) {
      return e.second.partition == p && e.second.request == 0;
    });
  };
  std::uint32_t const i =
      partitioner_.choose(config_->partitioner, key, key.empty() ? 0 : murmur2(key),
                          record_bytes(key), batch_overhead_bytes, config_->batch_size,
                          static_cast<std::uint32_t>(config_->partitions.size()), slot, queued);
  return config_->partitions[i];
}

// KafkaProducer.send: the record goes to its partition's accumulator; the sender drains it.
// A resent message (resend_unacknowledged) goes first, with its old id, and picks its
// partition again as any send does.
void Producer::send_next(Output& out) {
  std::int64_t index = next_;
  if (!resend_.empty()) {
    index = resend_.back();
    resend_.pop_back();
  } else {
    ++next_;
    out.append(progress_file, Entry::of(Entry::Kind::sent));
  }
  MessageId const id{config_->first_id.value + static_cast<std::uint64_t>(index)};
  std::string key;
  std::uint32_t const partition = pick_partition(key);
  // Built in the op's own record list (one Record move, not three). A delayed topic's send
  // names its due time, as with_due does (pattern_delay.hpp).
  history::Record& sent = out.invoke_in_place(OpKind::send).value.emplace_back();
  record_into(sent, MessageId{id}, key);
  if (config_->delay_ms > 0) {
    sent.deliver_after = delay_due(out.now().us / 1'000, config_->delay_ms);
  }
  bool const ready = accumulate(id.value, partition, key, out);
  if (next_ < config_->messages || !resend_.empty()) {
    out.set_timer(next_send_timer, config_->interval);
  }
  if (ready) pump(out);
}

void Producer::on_message(NodeId from, Message const& message, Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  if (!config_->transactional_id.empty()) {
    if (!session_) return;
    if (!session_->on_message(message, out)) {
      if (auto const* meta = std::get_if<MetadataResponse>(&message)) leaders_ = meta->leaders;
    }
    return txn_drive(out);
  }
  if (auto const* resp = std::get_if<ProduceResponse>(&message)) {
    // NetworkClient.handleCompletedReceives: maybeThrottle first, then the response's handler.
    if (resp->throttle_ms > 0) on_throttle(from, resp->throttle_ms, out);
    return on_response(*resp, out);
  }
  if (auto const* meta = std::get_if<MetadataResponse>(&message)) {
    leaders_ = meta->leaders;
    metadata_pending_ = false;
    metadata_at_us_ = out.now().us;
    out.set_timer(metadata_timer, config_->metadata_max_age);
    pump(out);
  }
}

void Producer::on_timer(TimerId timer, Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  if (!config_->transactional_id.empty()) {
    if (timer == txn_init_timer) txn_start(out);
    if (timer == next_send_timer) send_due_ = true;
    if (timer == metadata_timer) {  // metadata.max.age.ms
      out.send(config_->cluster->controller, MetadataRequest{});
      out.set_timer(metadata_timer, config_->metadata_max_age);
    }
    if (session_) session_->on_timer(timer, out);
    return txn_drive(out);
  }
  if (timer == next_send_timer) return send_next(out);
  if (timer == metadata_timer) {
    metadata_pending_ = false;
    return refresh_metadata(out);
  }
  TimerId const kind = timer & ~batch_timer_id_mask;
  std::uint64_t const id = timer & batch_timer_id_mask;
  if (kind == request_timer_kind) return on_request_timeout(id, out);
  if (kind == throttle_timer_kind) return pump(out);  // producer_batch.cpp: KIP-219 ended.
  on_batch_timer(kind, id, out);
}

void Producer::on_batch_timer(TimerId kind, std::uint64_t id, Output& out) {
  auto const it = batches_.find(id);
  if (it == batches_.end()) return;
  ProducerBatch& b = it->second;
  if (kind == delivery_timer_kind) {
    // delivery.timeout.ms (KIP-91), from the batch's creation: a batch that never left is a
    // definite failure; one that did may have been written.
    bool const left = b.sent;
    finish(id, left ? OpType::info : OpType::fail, Offset{-1}, "delivery.timeout.ms expired",
           out);
    return pump(out);
  }
  if (kind == backoff_timer_kind) b.backing_off = false;
  if (kind == linger_timer_kind) b.lingered = true;
  pump(out);
}

void Producer::hash_into(Hasher& h) const {
  h.add(static_cast<std::uint64_t>(next_));
  h.add_each(resend_, [](Hasher& g, std::int64_t i) { g.add(static_cast<std::uint64_t>(i)); });
  h.add_each(batches_, [](Hasher& g, auto const& e) {
    ProducerBatch const& b = e.second;
    g.add(e.first);
    g.add(b.partition);
    g.add_each(b.records, [](Hasher& k, std::uint64_t id) { k.add(id); });
    g.add(static_cast<std::uint64_t>(b.sequence));
    g.add(static_cast<std::uint64_t>(b.attempts));
    g.add(b.request);
    g.add((b.open ? 1 : 0) | (b.full ? 2 : 0) | (b.lingered ? 4 : 0) | (b.backing_off ? 8 : 0) |
          (b.sent ? 16 : 0) | (b.awaiting_order ? 32 : 0));
  });
  h.add_each(leaders_, [](Hasher& g, std::int32_t l) { g.add(static_cast<std::uint64_t>(l)); });
  h.add_each(sequences_, [](Hasher& g, std::int32_t s) { g.add(static_cast<std::uint64_t>(s)); });
  h.add(producer_id_);
  if (session_) session_->hash_into(h);
  h.add(send_due_ ? 1 : 0);
  h.add(static_cast<std::uint64_t>(txn_sent_));
  h.add(static_cast<std::uint64_t>(txns_));
  partitioner_.hash_into(h);
  h.add(next_request_);
  h.add(next_batch_);
  h.add(static_cast<std::uint64_t>(metadata_at_us_));
  h.add_each(throttled_until_,
             [](Hasher& g, SimTimeUs t) { g.add(static_cast<std::uint64_t>(t.us)); });
}

}  // namespace mqcheck::model::kafka
