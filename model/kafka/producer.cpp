// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer.cpp (layer: model)
#include "model/kafka/producer.hpp"

#include <string>

#include "core/overloaded.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

namespace {
constexpr TimerId next_send_timer = 0;
constexpr TimerId metadata_timer = 1;
constexpr TimerId txn_init_timer = 2;
constexpr int kind_shift = 48;  // Per-message timers: kind << 48 | message id.
constexpr TimerId request_timer = TimerId{1} << kind_shift;
constexpr TimerId delivery_timer = TimerId{2} << kind_shift;
constexpr TimerId backoff_timer = TimerId{3} << kind_shift;
constexpr TimerId id_mask = (TimerId{1} << kind_shift) - 1;
constexpr FileId progress_file = 0;
constexpr FileId boot_file = 1;
}  // namespace

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
      leaders_(config->cluster->partitions.size(), no_leader),
      sequences_(config->cluster->partitions.size(), 0),
      in_flight_(static_cast<std::size_t>(config->cluster->brokers), 0),
      unacknowledged_(config->cluster->partitions.size(), 0),
      blocked_(config->cluster->partitions.size(), false),
      oldest_sequence_(config->cluster->partitions.size(), 0) {}

history::Record Producer::record(MessageId id, std::string const& key) const {
  history::Record r = history::Record::of(id, config_->topic);
  r.key = key;
  return r;
}

void Producer::on_start(Output& out) {
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
  out.append(boot_file, Entry::of(Entry::Kind::boot));
  refresh_metadata(out);
  if (next_ < config_->messages) out.set_timer(next_send_timer, config_->interval);
}

void Producer::refresh_metadata(Output& out) {
  if (metadata_pending_) return;
  metadata_pending_ = true;
  out.send(config_->cluster->controller, MetadataRequest{});
  // No answer within retry.backoff.ms (controller unreachable): ask again then.
  out.set_timer(metadata_timer,
                config_->retry_backoff.us > 0 ? config_->retry_backoff : milliseconds(1));
}

// The default partitioner: murmur2 of the key, or round-robin without keys.
std::uint32_t Producer::pick_partition(std::string& key) {
  std::size_t const n = config_->partitions.size();
  if (config_->keys > 0) {
    key = std::to_string(next_ % config_->keys);
    return config_->partitions[(murmur2(key) & 0x7fffffffu) % n];
  }
  return config_->partitions[round_robin_++ % n];
}

void Producer::send_next(Output& out) {
  MessageId const id{config_->first_id.value + static_cast<std::uint64_t>(next_)};
  Pending p;
  p.partition = pick_partition(p.key);
  ++next_;
  if (config_->idempotence) p.sequence = sequences_[p.partition]++;
  out.append(progress_file, Entry::of(Entry::Kind::sent));
  out.invoke(OpKind::send, {record(id, p.key)});
  if (config_->acks != Acks::none)
    out.set_timer(delivery_timer | id.value, config_->delivery_timeout);
  pending_.emplace(id.value, std::move(p));
  if (next_ < config_->messages) out.set_timer(next_send_timer, config_->interval);
  pump(out);
}

// Sends every pending record that is not in flight or backing off, oldest first, while the
// leader's connection has room (max.in.flight.requests.per.connection).
//
// An idempotent producer also keeps at most that many records per partition unacknowledged,
// retries included, and resends them oldest first: the broker remembers only the last 5
// batches per producer, so a retry must never fall behind more than that (the Sender stops
// draining a partition until a retried batch is next in sequence;
// RecordAccumulator.shouldStopDrainBatchesForPartition).
void Producer::pump(Output& out) {
  bool unknown_leader = false;
  std::fill(unacknowledged_.begin(), unacknowledged_.end(), 0);
  std::fill(blocked_.begin(), blocked_.end(), false);
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    MessageId const id{it->first};
    ++it;
    bool const first =
        config_->idempotence && unacknowledged_[p.partition] == 0 && !blocked_[p.partition];
    if (first) oldest_sequence_[p.partition] = p.sequence;
    if (config_->idempotence) ++unacknowledged_[p.partition];
    if (p.request != 0) continue;
    // Idempotent: nothing overtakes a record waiting to be resent, and a record refused for
    // its order goes again only once everything older is acknowledged.
    if (config_->idempotence &&
        (p.backing_off || blocked_[p.partition] || (p.awaiting_order && !first))) {
      blocked_[p.partition] = true;
      continue;
    }
    if (p.backing_off) continue;
    if (!p.sent && config_->idempotence &&
        p.sequence - oldest_sequence_[p.partition] >= config_->max_in_flight) {
      blocked_[p.partition] = true;
      continue;
    }
    std::int32_t const leader = leaders_[p.partition];
    if (leader == no_leader) {
      unknown_leader = true;
      continue;
    }
    if (in_flight_[static_cast<std::size_t>(leader)] >= config_->max_in_flight) continue;
    send_one(id, p, out);
  }
  if (unknown_leader) refresh_metadata(out);
}

void Producer::send_one(MessageId id, Pending& p, Output& out) {
  std::int32_t const leader = leaders_[p.partition];
  ProduceRequest req;
  req.request = next_request_++;
  req.partition = p.partition;
  req.acks = config_->acks;
  req.record.id = id;
  req.record.producer = producer_id_;
  req.record.sequence = p.sequence;
  out.send(config_->cluster->broker_node(leader), req);
  if (config_->acks == Acks::none) {  // Done once it leaves: the client never hears back.
    return finish(id, OpType::ok, Offset{-1}, {}, out);
  }
  p.sent = true;
  p.awaiting_order = false;
  p.request = req.request;
  p.broker = leader;
  ++in_flight_[static_cast<std::size_t>(leader)];
  requests_[req.request] = id.value;
  out.set_timer(request_timer | id.value, config_->request_timeout);
}

// KIP-360 (Kafka 2.5+): after UNKNOWN_PRODUCER_ID the producer bumps its epoch (here: takes
// the next producer id, which the broker sees as new) and renumbers the partition's
// unacknowledged records from sequence 0, oldest first. Requests still open under the old
// numbering are abandoned; their records are resent.
// Returns the oldest unacknowledged record of `partition`, or 0 while any of its records
// has a request open: Kafka bumps the epoch only once in-flight requests have completed.
std::uint64_t Producer::oldest_of(std::uint32_t partition) const {
  std::uint64_t oldest = 0;
  for (auto const& [id, p] : pending_) {
    if (p.partition != partition) continue;
    if (p.request != 0) return 0;
    if (oldest == 0) oldest = id;
  }
  return oldest;
}

void Producer::restart_sequences(std::uint32_t partition, Output& out) {
  ++producer_id_;
  std::int32_t next = 0;
  for (auto& [id, p] : pending_) {
    if (p.partition != partition) continue;
    p.sequence = next++;
    if (p.request != 0) {
      requests_.erase(p.request);
      --in_flight_[static_cast<std::size_t>(p.broker)];
      p.request = 0;
      out.cancel_timer(request_timer | id);
    }
  }
  sequences_[partition] = next;
}

void Producer::on_message(NodeId, Message const& message, Output& out) {
  if (!config_->transactional_id.empty()) {
    if (!session_) return;
    if (!session_->on_message(message, out)) {
      if (auto const* meta = std::get_if<MetadataResponse>(&message)) leaders_ = meta->leaders;
    }
    return txn_drive(out);
  }
  if (auto const* resp = std::get_if<ProduceResponse>(&message)) return on_response(*resp, out);
  if (auto const* meta = std::get_if<MetadataResponse>(&message)) {
    leaders_ = meta->leaders;
    metadata_pending_ = false;
    out.set_timer(metadata_timer, config_->metadata_max_age);
    pump(out);
  }
}

void Producer::on_response(ProduceResponse const& resp, Output& out) {
  auto const req = requests_.find(resp.request);
  if (req == requests_.end()) return;  // Answer to a request already given up on.
  MessageId const id{req->second};
  requests_.erase(req);
  Pending& p = pending_.at(id.value);
  --in_flight_[static_cast<std::size_t>(p.broker)];
  p.request = 0;
  out.cancel_timer(request_timer | id.value);
  if (resp.error == Error::none) {
    finish(id, OpType::ok, resp.offset, {}, out);
  } else {
    if (resp.error == Error::not_leader) refresh_metadata(out);
    // With something older still outstanding, a gap may yet be filled: just retry. Without,
    // the broker lost the producer's records or state: KIP-360's epoch bump. A lost state
    // (UNKNOWN_PRODUCER_ID) resends under the new epoch; a real gap fails the batch
    // (TransactionManager.handleFailedBatch) and the rest goes on.
    std::uint32_t const partition = pending_.at(id.value).partition;
    bool const oldest = oldest_of(partition) == id.value;
    if (oldest && resp.error == Error::unknown_producer_id) restart_sequences(partition, out);
    if (oldest && resp.error == Error::out_of_order_sequence) {
      restart_sequences(partition, out);
      finish(id, OpType::fail, Offset{-1}, error_name(resp.error), out);
      return pump(out);
    }
    if (!oldest &&
        (resp.error == Error::out_of_order_sequence || resp.error == Error::unknown_producer_id)) {
      pending_.at(id.value).awaiting_order = true;  // Resent in order (Sender: isNextSequence).
      return pump(out);
    }
    retry(id, resp.error, out);
  }
  pump(out);
}

// Every error the model returns is retriable (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS,
// NOT_ENOUGH_REPLICAS_AFTER_APPEND, OUT_OF_ORDER_SEQUENCE_NUMBER for an idempotent producer,
// timeouts). Out of retries, a refusal before the append is a definite failure; anything
// else may have been written (the javadoc of NotEnoughReplicasAfterAppendException: "Producer
// retries will cause duplicates").
void Producer::retry(MessageId id, Error error, Output& out) {
  Pending& p = pending_.at(id.value);
  if (p.attempts >= config_->retries) {
    OpType const type = error == Error::not_enough_replicas ? OpType::fail : OpType::info;
    return finish(id, type, Offset{-1},
                  error == Error::none ? "request.timeout.ms expired" : error_name(error), out);
  }
  ++p.attempts;
  p.backing_off = true;
  out.set_timer(backoff_timer | id.value, config_->retry_backoff);
}

void Producer::finish(MessageId id, OpType type, Offset offset, std::string detail, Output& out) {
  auto const it = pending_.find(id.value);
  history::Record r = record(id, it->second.key);
  if (offset.value >= 0) {
    r.offset = offset;
    PartitionInfo const& info = config_->cluster->partitions[it->second.partition];
    r.partition = info.number;
  }
  if (it->second.request != 0) {
    requests_.erase(it->second.request);
    --in_flight_[static_cast<std::size_t>(it->second.broker)];
  }
  out.cancel_timer(request_timer | id.value);
  out.cancel_timer(delivery_timer | id.value);
  out.cancel_timer(backoff_timer | id.value);
  pending_.erase(it);
  out.complete(type, OpKind::send, {r}, {}, std::move(detail));
}

void Producer::on_timer(TimerId timer, Output& out) {
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
  std::uint64_t const id = timer & id_mask;
  auto const it = pending_.find(id);
  if (it == pending_.end()) return;
  TimerId const kind = timer & ~id_mask;
  if (kind == delivery_timer) {  // delivery.timeout.ms (KIP-91): the send may have happened.
    finish(MessageId{id}, OpType::info, Offset{-1}, "delivery.timeout.ms expired", out);
    return pump(out);
  }
  if (kind == backoff_timer) {
    it->second.backing_off = false;
    return pump(out);
  }
  // request.timeout.ms: no answer; the record may or may not have been written.
  Pending& p = it->second;
  if (p.request == 0) return;  // Abandoned by an epoch bump meanwhile.
  requests_.erase(p.request);
  --in_flight_[static_cast<std::size_t>(p.broker)];
  p.request = 0;
  refresh_metadata(out);
  retry(MessageId{id}, Error::none, out);
  pump(out);
}

void Producer::hash_into(Hasher& h) const {
  h.add(static_cast<std::uint64_t>(next_));
  h.add_each(pending_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(e.second.partition);
    g.add(static_cast<std::uint64_t>(e.second.sequence));
    g.add(static_cast<std::uint64_t>(e.second.attempts));
    g.add(e.second.request);
    g.add(e.second.backing_off ? 1 : 0);
  });
  h.add_each(leaders_, [](Hasher& g, std::int32_t l) { g.add(static_cast<std::uint64_t>(l)); });
  h.add_each(sequences_, [](Hasher& g, std::int32_t s) { g.add(static_cast<std::uint64_t>(s)); });
  h.add(producer_id_);
  if (session_) session_->hash_into(h);
  h.add(send_due_ ? 1 : 0);
  h.add(static_cast<std::uint64_t>(txn_sent_));
  h.add(static_cast<std::uint64_t>(txns_));
  h.add(round_robin_);
  h.add(next_request_);
}

}  // namespace mqcheck::model::kafka
