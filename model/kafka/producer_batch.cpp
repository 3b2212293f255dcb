// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer_batch.cpp (layer: model)
// The producer's record accumulator and sender, after the Java client's RecordAccumulator and
// Sender: records join their partition's open batch; a broker with a ready batch and a free
// request slot gets one request with the first unsent batch of each partition it leads;
// answers, errors, retries, epoch bumps and expiry act on whole batches.
#include <algorithm>
#include <string>

#include "model/kafka/producer.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

namespace {
// Whether a broker's throttle (KIP-219) has run out by `now` (0: never throttled).
bool producer_throttle_ended(std::vector<SimTimeUs> const& throttled_until, SimTimeUs now) {
  return std::any_of(throttled_until.begin(), throttled_until.end(),
                     [&](SimTimeUs until) { return until.us > 0 && until <= now; });
}
}  // namespace

// RecordAccumulator.append: a record joins the partition's last batch while it has room; one
// that does not fit closes that batch (now full: ready at once) and starts a new one. A
// record larger than batch.size gets a batch of its own. The new batch's clocks start now:
// linger.ms (ready after it) and delivery.timeout.ms (ProducerBatch.createdMs, KIP-91).
// Returns false when no batch became ready: then no broker did either, and draining again
// would find what the last drain found (the sender only wakes for a ready batch). A new
// batch that is not ready itself, closed none and has a known leader is such a case too: a
// batch that is not ready never makes a request ready (it only adds bytes to one), and the
// last drain left no broker with a free slot and a ready batch (pump drains until none).
// Only time can change that meanwhile, by ending a throttle (KIP-219) before its timer
// pumps (at the same instant, or earlier in the explorer's abstract time): once a throttle
// has ended, every new batch drains, as before.
bool Producer::accumulate(std::uint64_t id, std::uint32_t partition, std::string const& key,
                          Output& out) {
  std::int64_t const size = record_bytes(key);
  std::int64_t const created_ms = out.now().us / 1'000;  // CreateTime (producer_batch.hpp).
  std::uint64_t& open = open_[partition];
  bool closed = false;  // A batch became full: ready.
  if (open != 0) {
    ProducerBatch& b = batches_.at(open);
    if (b.bytes + size <= config_->batch_size) {
      b.records.push_back(id);
      b.timestamps.push_back(created_ms);
      b.bytes += size;
      b.full = b.bytes >= config_->batch_size;
      return b.full || config_->linger.us == 0;
    }
    b.full = true;
    b.open = false;
    open = 0;
    closed = true;
  }
  std::uint64_t const batch = next_batch_++;
  ProducerBatch b;
  b.partition = partition;
  // Room for a few records at once: most batches take more than one (1 -> 2 -> 4 growth was
  // ~1 allocation per message). Capacity is no state: equality and hashes read the elements.
  b.records.reserve(batch_records_reserved);
  b.timestamps.reserve(batch_records_reserved);
  b.records.push_back(id);
  b.timestamps.push_back(created_ms);
  b.bytes += size;
  b.full = b.bytes >= config_->batch_size;  // batch.size 0: every record is a batch.
  bool const full = b.full;
  batches_.emplace(batch, std::move(b));
  open = batch;
  out.set_timer(delivery_timer_kind | batch, config_->delivery_timeout);
  if (config_->linger.us > 0) out.set_timer(linger_timer_kind | batch, config_->linger);
  // The one it closed, or itself when full or with linger.ms 0, is ready; without a leader
  // the drain asks for metadata (what it did for every new batch before).
  return closed || full || config_->linger.us == 0 || leaders_[partition] == no_leader ||
         producer_throttle_ended(throttled_until_, out.now());
}

void Producer::pump(Output& out) {
  while (drain(out)) {
  }
}

// Sender.sendProducerData, one round: picks each partition's first unsent batch (a batch
// backing off holds back the ones behind it: a retried batch goes back to the front of its
// deque, RecordAccumulator.reenqueue), then sends a request to every broker that has a free
// slot (max.in.flight.requests.per.connection) and a ready batch (full, lingered, a resend,
// or any with linger.ms=0), holding the picked batches of all partitions it leads, up to
// max.request.size (RecordAccumulator.ready and drainBatchesForOneNode). Returns true when a
// request left.
//
// An idempotent producer keeps at most max.in.flight batches per partition unacknowledged,
// retries included, and resends them oldest first: the broker remembers only the last 5
// batches per producer, so a retry must never fall behind more than that (the Sender stops
// draining a partition until a retried batch is next in sequence;
// RecordAccumulator.shouldStopDrainBatchesForPartition). With max.in.flight 1 a partition
// with a batch in flight is muted (guaranteeMessageOrder).
bool Producer::drain(Output& out) {
  bool unknown_leader = false;
  // Brokers leading a picked batch that is ready: a broker without one sends nothing, so its
  // scan below is skipped (most drains find no broker ready). A broker with one is scanned as
  // before, since max.request.size may leave its ready batch out of the request.
  BrokerSet ready_leaders = 0;
  std::fill(unacknowledged_.begin(), unacknowledged_.end(), 0);
  std::fill(blocked_.begin(), blocked_.end(), false);
  std::fill(candidate_.begin(), candidate_.end(), 0);
  for (auto& [id, b] : batches_) {
    std::uint32_t const p = b.partition;
    bool const first = unacknowledged_[p] == 0 && !blocked_[p];
    ++unacknowledged_[p];
    if (b.request != 0 || blocked_[p]) continue;
    blocked_[p] = true;  // Whatever happens, the batches behind this one wait.
    if (b.backing_off || (config_->idempotence && b.awaiting_order && !first)) continue;
    if (unacknowledged_[p] > 1 &&
        (config_->max_in_flight == 1 ||
         (config_->idempotence && !b.sent && unacknowledged_[p] > config_->max_in_flight))) {
      continue;
    }
    if (leaders_[p] == no_leader) {
      unknown_leader = true;
      continue;
    }
    candidate_[p] = id;
    picked_batch_[p] = &b;  // Map nodes stay put: no second lookup per broker below.
    if (b.full || b.lingered || b.sent || config_->linger.us == 0) {
      ready_leaders |= broker_bit(leaders_[p]);
    }
  }
  if (unknown_leader) refresh_metadata(out);
  bool sent = false;
  for (std::int32_t broker = 0; broker < config_->cluster->brokers; ++broker) {
    if (in_flight_[static_cast<std::size_t>(broker)] >= config_->max_in_flight) continue;
    if (out.now() < throttled_until_[static_cast<std::size_t>(broker)]) continue;  // KIP-219
    if ((ready_leaders & broker_bit(broker)) == 0) continue;
    picked_.clear();
    bool ready = false;
    std::int64_t bytes = 0;
    for (std::size_t p = 0; p < candidate_.size(); ++p) {
      if (candidate_[p] == 0 || leaders_[p] != broker) continue;
      ProducerBatch const& b = *picked_batch_[p];
      if (!picked_.empty() && bytes + b.bytes > config_->max_request_size) break;
      bytes += b.bytes;
      picked_.push_back(candidate_[p]);
      ready = ready || b.full || b.lingered || b.sent || config_->linger.us == 0;
    }
    if (!ready) continue;
    send_request(broker, picked_, out);
    sent = true;
  }
  return sent;
}

// Sequence numbers are given when a batch is first drained (RecordAccumulator.drain:
// setProducerState, then incrementSequenceNumber by the record count), and a drained batch
// takes no more records.
void Producer::send_request(std::int32_t broker, std::vector<std::uint64_t> const& ids,
                            Output& out) {
  ProduceRequest req;
  std::uint64_t const number = next_request_++;
  req.request = number;
  req.acks = config_->acks;
  req.batches.reserve(ids.size());
  for (std::uint64_t id : ids) {
    ProducerBatch& b = batches_.at(id);
    if (config_->idempotence && b.sequence < 0) {
      b.sequence = sequences_[b.partition];
      sequences_[b.partition] += b.count();
    }
    b.open = false;
    if (open_[b.partition] == id) open_[b.partition] = 0;
    ProduceBatch& wire = req.batches.emplace_back();
    wire.partition = b.partition;
    wire.records.resize(b.records.size());
    for (std::size_t i = 0; i < b.records.size(); ++i) {
      wire.records[i].id = MessageId{b.records[i]};
      wire.records[i].producer = producer_id_;
      wire.records[i].timestamp = b.timestamps[i];
      wire.records[i].sequence = b.sequence < 0 ? -1 : b.sequence + static_cast<std::int32_t>(i);
    }
  }
  out.send(config_->cluster->broker_node(broker), std::move(req));
  if (config_->acks == Acks::none) {  // Done once it leaves: the client never hears back.
    for (std::uint64_t id : ids) finish(id, OpType::ok, Offset{-1}, {}, out);
    return;
  }
  ++in_flight_[static_cast<std::size_t>(broker)];
  requests_[number] = OpenRequest{broker, ids};
  for (std::uint64_t id : ids) {
    ProducerBatch& b = batches_.at(id);
    b.sent = true;
    b.awaiting_order = false;
    b.request = number;
    b.broker = broker;
  }
  out.set_timer(request_timer_kind | number, config_->request_timeout);
}

// Takes `batch` out of its open request; the request's slot frees once none is left.
void Producer::detach(std::uint64_t batch, Output& out) {
  ProducerBatch& b = batches_.at(batch);
  if (b.request == 0) return;
  auto const it = requests_.find(b.request);
  b.request = 0;
  if (it == requests_.end()) return;
  std::vector<std::uint64_t>& open = it->second.batches;
  open.erase(std::remove(open.begin(), open.end(), batch), open.end());
  if (!open.empty()) return;
  --in_flight_[static_cast<std::size_t>(it->second.broker)];
  out.cancel_timer(request_timer_kind | it->first);
  requests_.erase(it);
}

// Returns the oldest batch of `partition`, or 0 while any of its batches has a request open:
// Kafka bumps the epoch only once in-flight requests have completed.
std::uint64_t Producer::oldest_of(std::uint32_t partition) const {
  std::uint64_t oldest = 0;
  for (auto const& [id, b] : batches_) {
    if (b.partition != partition) continue;
    if (b.request != 0) return 0;
    if (oldest == 0) oldest = id;
  }
  return oldest;
}

// KIP-360 (Kafka 2.5+): after UNKNOWN_PRODUCER_ID the producer bumps its epoch (here: takes
// the next producer id, which the broker sees as new) and renumbers the partition's
// unacknowledged batches from sequence 0, oldest first. Requests still open under the old
// numbering are abandoned; their batches are resent.
void Producer::restart_sequences(std::uint32_t partition, Output& out) {
  ++producer_id_;
  std::int32_t next = 0;
  for (auto& [id, b] : batches_) {
    if (b.partition != partition || b.sequence < 0) continue;
    b.sequence = next;
    next += b.count();
    detach(id, out);
  }
  sequences_[partition] = next;
}

void Producer::on_response(ProduceResponse const& resp, Output& out) {
  auto const req = requests_.find(resp.request);
  if (req == requests_.end()) return;  // Answer to a request already given up on.
  std::vector<std::uint64_t> const& open = req->second.batches;
  auto const it = std::find_if(open.begin(), open.end(), [&](std::uint64_t id) {
    return batches_.at(id).partition == resp.partition;
  });
  if (it == open.end()) return;
  std::uint64_t const batch = *it;
  detach(batch, out);
  if (resp.error == Error::none) {
    finish(batch, OpType::ok, resp.offset, {}, out);
    return pump(out);
  }
  // TopicAuthorizationException is not retriable (an ApiException, not a RetriableException):
  // Sender.completeBatch fails the batch at once, and the broker wrote nothing.
  if (resp.error == Error::topic_authorization_failed) {
    finish(batch, OpType::fail, Offset{-1}, error_name(resp.error), out);
    return pump(out);
  }
  if (resp.error == Error::not_leader) refresh_metadata(out);
  // With something older still outstanding, a gap may yet be filled: just retry. Without,
  // the broker lost the producer's records or state: KIP-360's epoch bump. A lost state
  // (UNKNOWN_PRODUCER_ID) resends under the new epoch; a real gap fails the batch
  // (TransactionManager.handleFailedBatch) and the rest goes on.
  std::uint32_t const partition = batches_.at(batch).partition;
  bool const oldest = oldest_of(partition) == batch;
  if (oldest && resp.error == Error::unknown_producer_id) restart_sequences(partition, out);
  if (oldest && resp.error == Error::out_of_order_sequence) {
    restart_sequences(partition, out);
    finish(batch, OpType::fail, Offset{-1}, error_name(resp.error), out);
    return pump(out);
  }
  if (!oldest &&
      (resp.error == Error::out_of_order_sequence || resp.error == Error::unknown_producer_id)) {
    batches_.at(batch).awaiting_order = true;  // Resent in order (Sender: isNextSequence).
    return pump(out);
  }
  retry(batch, resp.error, out);
  pump(out);
}

// KIP-219 (2.0), the client's side: a response with throttle_time_ms > 0 throttles the
// connection to that broker until then (NetworkClient.maybeThrottle:
// connectionStates.throttle(nodeId, now + throttleTimeMs)); the sender sends nothing on it
// meanwhile (isReady needs !isThrottled), so the batches wait in the accumulator, where
// delivery.timeout.ms still runs, instead of in a muted channel, where request.timeout.ms
// would (ProduceResponse.shouldClientThrottle: from produce v6, Kafka 2.0).
void Producer::on_throttle(NodeId broker, std::int64_t throttle_ms, Output& out) {
  std::uint32_t const first = config_->cluster->first_broker_node;
  if (broker.value < first || broker.value - first >= throttled_until_.size()) return;
  std::size_t const b = broker.value - first;
  SimTimeUs const until = out.now() + milliseconds(throttle_ms);
  if (until <= throttled_until_[b]) return;
  throttled_until_[b] = until;
  out.set_timer(throttle_timer_kind | b, milliseconds(throttle_ms));
}

// request.timeout.ms: no answer; each batch of the request may or may not have been written.
void Producer::on_request_timeout(std::uint64_t request, Output& out) {
  auto const it = requests_.find(request);
  if (it == requests_.end()) return;
  std::vector<std::uint64_t> const ids = std::move(it->second.batches);
  --in_flight_[static_cast<std::size_t>(it->second.broker)];
  requests_.erase(it);
  refresh_metadata(out);
  for (std::uint64_t id : ids) {
    batches_.at(id).request = 0;
    retry(id, Error::none, out);
  }
  pump(out);
}

// Every error the model returns is retriable (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS,
// NOT_ENOUGH_REPLICAS_AFTER_APPEND, OUT_OF_ORDER_SEQUENCE_NUMBER for an idempotent producer,
// timeouts). Out of retries, a refusal before the append is a definite failure; anything
// else may have been written (the javadoc of NotEnoughReplicasAfterAppendException: "Producer
// retries will cause duplicates"). A retry resends the whole batch.
void Producer::retry(std::uint64_t batch, Error error, Output& out) {
  ProducerBatch& b = batches_.at(batch);
  if (b.attempts >= config_->retries) {
    OpType const type = error == Error::not_enough_replicas ? OpType::fail : OpType::info;
    return finish(batch, type, Offset{-1},
                  error == Error::none ? "request.timeout.ms expired" : error_name(error), out);
  }
  ++b.attempts;
  b.backing_off = true;
  out.set_timer(backoff_timer_kind | batch, config_->retry_backoff);
}

// Completes every record of `batch` alike: a batch succeeds, fails or expires as a whole;
// record i of a written batch is at base offset + i.
void Producer::finish(std::uint64_t batch, OpType type, Offset base, std::string const& detail,
                      Output& out) {
  detach(batch, out);
  auto const it = batches_.find(batch);
  ProducerBatch const& b = it->second;
  if (open_[b.partition] == batch) open_[b.partition] = 0;
  out.cancel_timer(delivery_timer_kind | batch);
  out.cancel_timer(backoff_timer_kind | batch);
  out.cancel_timer(linger_timer_kind | batch);
  PartitionInfo const& info = config_->cluster->partitions[b.partition];
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    // Built in the op's own record list (record_into): no Record is moved.
    history::Op& sent = out.complete_in_place(type, OpKind::send, {}, detail);
    history::Record& r = sent.value.emplace_back();
    record_into(r, b.records[i]);
    if (base.value >= 0) {
      r.offset = Offset{base.value + static_cast<std::int64_t>(i)};
      r.partition = info.number;
    }
    if (type == OpType::ok) note_acknowledged(b.records[i], out);
  }
  batches_.erase(it);
}

}  // namespace mqcheck::model::kafka
