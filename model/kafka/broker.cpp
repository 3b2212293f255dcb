// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/broker.cpp (layer: model)
// Produce, fetch and the leader's side of replication. Follower and controller-facing
// handlers are in broker_replication.cpp.
#include "model/kafka/broker.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "core/assert.hpp"
#include "core/overloaded.hpp"
#include "model/kafka/acl_check.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;

Broker::Broker(ClusterConfig const* cluster, std::int32_t index)
    : cluster_(cluster),
      index_(index),
      replicas_(cluster->partitions.size()),
      unflushed_(cluster->partitions.size(), 0),
      quotas_(&cluster->quotas, quota_timers) {
  for (std::size_t p = 0; p < replicas_.size(); ++p) {
    auto const& rs = cluster->partitions[p].replicas;
    replicas_[p].hosted = std::find(rs.begin(), rs.end(), index) != rs.end();
    replicas_[p].log.configure(cluster->partitions[p].retention);
  }
}

void Broker::records(std::uint32_t p, Offset from, Offset to,
                     std::vector<history::Record>& into) const {
  PartitionInfo const& info = cluster_->partitions[p];
  into.reserve(into.size() +
               static_cast<std::size_t>(std::max<std::int64_t>(to.value - from.value, 0)));
  for (Offset o = from; o < to; o.value += 1) {
    LogRecord const& r = replicas_[p].log.at(o);
    if (r.control != Control::data) continue;  // Markers are no messages.
    history::Record& record = into.emplace_back();  // Filled in place: a Record is large.
    record.id = r.id;
    record.topic = info.topic;
    record.offset = o;
    record.partition = info.number;
  }
}

namespace {
// The detail is written into a stack buffer and appended to the op's text once: appending
// piece by piece (eleven appends, four numbers) cost ~500 instructions per event.
char* broker_detail_put(char* at, std::string_view text) {
  std::memcpy(at, text.data(), text.size());
  return at + text.size();
}
constexpr std::size_t broker_detail_number_max = 20;  // An int64 in decimal, with its sign.
char* broker_detail_number(char* at, std::int64_t n) {
  return std::to_chars(at, at + broker_detail_number_max, n).ptr;
}
}  // namespace

void Broker::state_detail(std::string& text, std::string_view head, PartitionInfo const& partition,
                          std::string_view middle, std::int64_t number, PartitionLog const& log) {
  std::size_t const name_max = partition.topic.size() + 1 + broker_detail_number_max;
  std::size_t const bound = head.size() + middle.size() + 3 * name_max +
                            2 * broker_detail_number_max + sizeof " state: .leo= .hw=";
  char stack[512];
  std::string large;  // Only for a topic name too long for the stack buffer.
  char* const start = bound <= sizeof stack ? stack : (large.resize(bound), large.data());
  char* at = broker_detail_put(start, head);
  char* const name = at;  // PartitionInfo::name(), written once and copied.
  at = broker_detail_put(at, partition.topic);
  *at++ = '-';
  at = broker_detail_number(at, partition.number);
  std::string_view const name_text(name, static_cast<std::size_t>(at - name));
  at = broker_detail_put(at, middle);
  at = broker_detail_number(at, number);
  at = broker_detail_put(at, " state: ");
  at = broker_detail_put(at, name_text);
  at = broker_detail_put(at, ".leo=");
  at = broker_detail_number(at, log.leo().value);
  *at++ = ' ';
  at = broker_detail_put(at, name_text);
  at = broker_detail_put(at, ".hw=");
  at = broker_detail_number(at, log.hw().value);
  text.append(start, at);
}

// The flush policy (log.flush.interval.messages, default Long.MAX_VALUE: Kafka leaves
// flushing to the OS and relies on replication for durability;
// https://kafka.apache.org/documentation/#brokerconfigs_log.flush.interval.messages). The
// kernel's fsync syncs every file of the node, a superset of Kafka's per-log flush.
void Broker::write(std::uint32_t p, LogRecord const& r, Output& out) {
  Entry e = Entry::of(Entry::Kind::record);
  e.record = r;
  if (e.record.timestamp < 0) e.record.timestamp = replicas_[p].log.clock_ms();  // As appended.
  e.partition = p;
  out.append(p, std::move(e));
  if (++unflushed_[p] >= cluster_->flush_interval_messages) {
    out.fsync();
    std::fill(unflushed_.begin(), unflushed_.end(), 0);
  }
}

void Broker::on_message(NodeId from, Message const& message, Output& out) {
  if (quotas_.defer(from, message, out)) return;  // quota.cpp: a muted channel (KIP-219).
  std::visit(Overloaded{
                 [&](ProduceRequest const& m) { on_produce(from, m, out); },
                 [&](FetchRequest const& m) { on_fetch(from, m, out); },
                 [&](FetchResponse const& m) { on_fetched(m, out); },
                 [&](LeaderAndIsr const& m) { on_leader_and_isr(m, out); },
                 [&](WriteTxnMarkerRequest const& m) { on_marker(from, m, out); },
                 [&](VerifyTxnResponse const& m) {  // KIP-890 part 1 (txn_verify.hpp).
                   auto const held = verifier_.answer(m, out);
                   if (!held) return;
                   append_batch(held->from, held->request, m.partition,
                                std::span(&held->request.record, 1), held->throttle_ms, out);
                 },
                 [&](ListOffsetsRequest const& m) {
                   Replica const& r = replicas_[m.partition];
                   Error const e = r.leader == index_ ? Error::none : Error::not_leader;
                   out.send(from, ListOffsetsResponse{m.request, m.partition, e,
                                                      r.log.list_offset(m.timestamp)});
                 },
                 [](auto const&) {},
             },
             message);
}

// A throttled client's requests wait, in order, until its channel is unmuted (KIP-219).
void Broker::unmute(TimerId timer, Output& out) {
  for (auto& [from, message] : quotas_.on_timer(timer, out)) on_message(from, message, out);
}

// The quota's throttle time travels in each answer to the request (KIP-219; quota.cpp). Kafka
// records it in KafkaApis.handleProduceRequest's sendResponseCallback, when the answer is
// sent; the model records it on arrival, and the channel is muted from then.
void Broker::on_produce(NodeId from, ProduceRequest const& req, Output& out) {
  std::int64_t const throttle = quotas_.record_produce(from, produce_request_bytes(req), out);
  if (req.batches.empty()) {  // One record: how the transactional session sends.
    return append_batch(from, req, req.partition, std::span(&req.record, 1), throttle, out);
  }
  for (ProduceBatch const& b : req.batches) {
    append_batch(from, req, b.partition, b.records, throttle, out);
  }
}

namespace {
// A resent batch whose first record fell out of the last few the log remembers: found by
// scanning back from the end for the producer's record with that sequence, stopping at an
// older sequence of the same epoch. Kafka keeps the last 5 batches per producer
// (ProducerStateManager); the model's producer never has more than 5 batches of a partition
// unacknowledged, so every duplicate it sends is within those, as in Kafka.
bool find_duplicate(PartitionLog const& log, LogRecord const& first, Offset& original) {
  for (std::int64_t o = log.leo().value - 1; o >= 0; --o) {
    LogRecord const& r = log.at(Offset{o});
    if (r.producer != first.producer || r.producer_epoch != first.producer_epoch) continue;
    if (r.sequence < first.sequence) return false;
    if (r.sequence == first.sequence) {
      original = Offset{o};
      return true;
    }
  }
  return false;
}
}  // namespace

// Partition.appendRecordsToLeader: with acks=all and an ISR smaller than min.insync.replicas
// the leader refuses before appending (NotEnoughReplicas); acks 0 and 1 are never refused
// for the ISR (https://kafka.apache.org/documentation/#topicconfigs_min.insync.replicas).
// A batch is appended whole or refused whole (one RecordBatch, one validation: the check
// is on its base sequence, ProducerAppendInfo.checkSequence), and its records get consecutive
// offsets; the answer carries the base offset.
void Broker::append_batch(NodeId from, ProduceRequest const& req, std::uint32_t p,
                          std::span<LogRecord const> batch, std::int64_t throttle_ms,
                          Output& out) {
  Replica& r = replicas_[p];
  auto respond = [&](Error e, Offset o) {
    if (req.acks != Acks::none) out.send(from, ProduceResponse{req.request, p, e, o, throttle_ms});
  };
  // The authorizer decides before the partition is even looked up (acl_check.hpp).
  if (Error const denied = authorize_produce(*cluster_, from, p); denied != Error::none) {
    return respond(denied, Offset{-1});
  }
  if (r.leader != index_) return respond(Error::not_leader, Offset{-1});
  PartitionInfo const& info = cluster_->partitions[p];
  if (req.acks == Acks::all && broker_count(r.isr) < effective_min_isr(info, cluster_->version)) {
    return respond(Error::not_enough_replicas, Offset{-1});
  }
  auto const count = static_cast<std::int64_t>(batch.size());
  LogRecord const& first = batch.front();
  if (first.producer != 0) {
    Offset original{-1};
    SequenceCheck check =
        r.log.check_sequence(first.producer, first.producer_epoch, first.sequence, original);
    if (check == SequenceCheck::out_of_order && find_duplicate(r.log, first, original)) {
      check = SequenceCheck::duplicate;
    }
    switch (check) {
      case SequenceCheck::fenced:
        // ProducerStateManager.checkProducerEpoch: "Starting from 2.7, we replaced
        // ProducerFenced error with InvalidProducerEpoch in the producer send response callback
        // to differentiate from the former fatal exception, letting client abort the ongoing
        // transaction and retry" (KIP-588, KAFKA-9803).
        return respond(cluster_->version.at_least(2, 7) ? Error::invalid_producer_epoch
                                                        : Error::producer_fenced,
                       Offset{-1});
      case SequenceCheck::duplicate: {  // KIP-98: acknowledge the stored copy, store nothing.
        Offset const last{original.value + count - 1};
        if (req.acks != Acks::all || last < r.log.hw()) return respond(Error::none, original);
        r.waiting.push_back(Waiting{from, req.request, last, false, 0, 0, original, throttle_ms});
        return;
      }
      case SequenceCheck::out_of_order:
        return respond(Error::out_of_order_sequence, Offset{-1});
      case SequenceCheck::unknown_producer:
        return respond(Error::unknown_producer_id, Offset{-1});
      case SequenceCheck::append:
        break;
    }
  }
  if (verifier_.must_verify(*cluster_, p, r.log, first)) {  // KIP-890 part 1 (txn_verify.hpp)
    return verifier_.hold(*cluster_, from, req, p, throttle_ms, out);
  }
  Offset const base = r.log.leo();
  r.log.advance_clock(out.now().us / 1'000);
  for (LogRecord const& one : batch) {
    LogRecord record = one;
    record.epoch = r.epoch;
    // LogAppendTime: the leader overwrites the producer's CreateTime with its clock
    // (https://kafka.apache.org/documentation/#topicconfigs_message.timestamp.type).
    if (info.retention.log_append_time) record.timestamp = r.log.clock_ms();
    r.log.append(record);
    write(p, record, out);
  }
  // The `state:` clause feeds the report stepper (docs/reports.md); checkers never read it.
  history::Op& appended = out.event_in_place(OpKind::append);
  records(p, base, r.log.leo(), appended.value);
  state_detail(appended.detail, "leader ", info, " epoch ", r.epoch, r.log);
  if (req.acks == Acks::leader) respond(Error::none, base);
  if (req.acks == Acks::all) {
    Offset const last{base.value + count - 1};
    r.waiting.push_back(Waiting{from, req.request, last, false, 0, 0, base, throttle_ms});
  }
  maybe_advance_hw(p, out);
  answer_parked(p, out);
}

void Broker::on_fetch(NodeId from, FetchRequest const& req, Output& out) {
  if (req.replica >= 0) return on_replica_fetch(from, req, out);
  Replica const& r = replicas_[req.partition];
  FetchResponse resp;
  resp.request = req.request;
  resp.partition = req.partition;
  resp.offset = req.offset;
  resp.leader_epoch = r.epoch;
  resp.high_watermark = r.log.hw();
  if (Error const denied = authorize_fetch(*cluster_, from, req.partition);
      denied != Error::none) {
    resp.error = denied;  // Authorized before anything else (acl_check.hpp).
  } else if (r.leader != index_) {
    resp.error = Error::not_leader;
  } else if (leader_epochs(cluster_->version) && req.last_epoch >= 0 &&
             r.log.end_offset_for_epoch(req.last_epoch) < req.offset) {
    // KIP-320: the consumer read records this leader does not have (they were truncated).
    resp.diverging =
        Offset{std::max<std::int64_t>(r.log.end_offset_for_epoch(req.last_epoch).value, 0)};
  } else if (req.offset < r.log.log_start() || req.offset > r.log.leo()) {
    resp.error = Error::offset_out_of_range;  // Below the log start: retention deleted it.
    resp.log_start = r.log.log_start();
  } else {
    // Consumers never read at or above the HW (the "committed" messages only); read_committed
    // ones stop at the LSO and get the aborted transactions of the range to drop (KIP-98;
    // ConsumerConfig isolation.level: "consumer.poll() will only return messages up to the
    // last stable offset (LSO)").
    Offset const limit = req.read_committed ? r.log.lso() : r.log.hw();
    std::int64_t const max = quotas_.fetch_max_records(from, req.max_records);  // quota.cpp
    Offset const end{std::min(limit.value, req.offset.value + max)};
    for (Offset o = req.offset; o < end; o.value += 1) resp.records.push_back(r.log.at(o));
    if (req.read_committed) resp.aborted = r.log.aborted_between(req.offset, end);
  }
  quotas_.throttle_fetch(from, resp, out);  // quota.cpp: over consumer_byte_rate, empty.
  out.send(from, std::move(resp));
}

// The leader side of replication. A follower's fetch offset is its LEO, so the leader learns
// it here; the HW is the smallest LEO in the ISR. A follower that reaches the leader's LEO is
// caught up (Replica.updateFetchState); one at or above the HW rejoins the ISR
// (Partition.maybeExpandIsr). A fetch whose last epoch ends earlier in the leader's log is
// told where to truncate (KIP-101; since 2.7 inside the fetch response, KIP-595 style).
void Broker::on_replica_fetch(NodeId from, FetchRequest const& req, Output& out) {
  Replica& r = replicas_[req.partition];
  if (r.leader != index_) {
    FetchResponse resp;
    resp.request = req.request;
    resp.partition = req.partition;
    resp.error = Error::not_leader;
    return out.send(from, std::move(resp));
  }
  Offset diverging{-1};
  if (req.last_epoch >= 0) {
    Offset const end = r.log.end_offset_for_epoch(req.last_epoch);
    if (end < req.offset) diverging = Offset{std::max<std::int64_t>(end.value, 0)};
  }
  if (diverging.value < 0 && req.offset > r.log.leo()) diverging = r.log.leo();
  if (diverging.value >= 0) {
    FetchResponse resp;
    resp.request = req.request;
    resp.partition = req.partition;
    resp.offset = req.offset;
    resp.leader_epoch = r.epoch;
    resp.high_watermark = r.log.hw();
    resp.diverging = diverging;
    return out.send(from, std::move(resp));
  }
  if (req.offset < r.log.log_start()) {  // Retention deleted it: the follower restarts there.
    FetchResponse resp;
    resp.request = req.request;
    resp.partition = req.partition;
    resp.offset = req.offset;
    resp.error = Error::offset_out_of_range;
    resp.log_start = r.log.log_start();
    return out.send(from, std::move(resp));
  }
  // Replica.updateFetchState: a fetch that reaches the leader's LEO as of the previous fetch
  // means the follower was caught up then, so a follower that keeps pace under steady writes
  // stays in sync.
  Follower& f = r.followers[static_cast<std::size_t>(req.replica)];
  if (req.offset >= f.fetch_leo || req.offset >= r.log.leo()) f.caught_up = true;
  f.fetch_leo = r.log.leo();
  f.leo = req.offset;
  f.parked = false;
  BrokerSet const me = broker_bit(req.replica);
  if ((r.isr & me) == 0 && r.proposed == 0 && req.offset >= r.log.hw()) {
    propose_isr(req.partition, r.isr | me, out);
  }
  maybe_advance_hw(req.partition, out);
  if (req.offset < r.log.leo())
    return reply_fetch(req.partition, from, req.request, req.offset, out);
  f.parked = true;
  f.parked_request = req.request;
}

void Broker::reply_fetch(std::uint32_t p, NodeId to, std::uint64_t request, Offset from,
                         Output& out) {
  Replica const& r = replicas_[p];
  FetchResponse resp;
  resp.request = request;
  resp.partition = p;
  resp.offset = from;
  resp.leader_epoch = r.epoch;
  resp.high_watermark = r.log.hw();
  resp.log_start = r.log.log_start();
  if (from < r.log.log_start()) {  // Deleted by retention meanwhile: the follower restarts.
    resp.error = Error::offset_out_of_range;
    return out.send(to, std::move(resp));
  }
  constexpr std::int64_t batch_max = 500;
  Offset const end{std::min(r.log.leo().value, from.value + batch_max)};
  if (end > from) resp.records.reserve(static_cast<std::size_t>(end.value - from.value));
  for (Offset o = from; o < end; o.value += 1) resp.records.push_back(r.log.at(o));
  out.send(to, std::move(resp));
}

// Answers every parked follower fetch of `p`: new data arrived, the HW moved, or
// replica.fetch.wait.max.ms passed.
void Broker::answer_parked(std::uint32_t p, Output& out) {
  Replica& r = replicas_[p];
  if (r.leader != index_) return;
  for (std::size_t b = 0; b < r.followers.size(); ++b) {
    Follower& f = r.followers[b];
    if (!f.parked) continue;
    f.parked = false;
    reply_fetch(p, cluster_->broker_node(static_cast<std::int32_t>(b)), f.parked_request, f.leo,
                out);
  }
}

// The HW is the smallest LEO among the ISR, counting a proposed ISR too while the controller
// has not confirmed it (KIP-497's "maximal ISR"). Waiting acks=all produces at or below it
// complete; if the ISR has meanwhile fallen below min.insync.replicas the record is written
// but answered NotEnoughReplicasAfterAppend (Partition.checkEnoughReplicasReachOffset;
// https://kafka.apache.org/42/javadoc/org/apache/kafka/common/errors/NotEnoughReplicasAfterAppendException.html).
void Broker::maybe_advance_hw(std::uint32_t p, Output& out) {
  Replica& r = replicas_[p];
  PartitionInfo const& info = cluster_->partitions[p];
  std::int32_t const min_isr = effective_min_isr(info, cluster_->version);
  // From 3.7 the HW stays while the ISR is under min.insync.replicas (Partition.
  // maybeIncrementLeaderHW, KAFKA-15583): what is below it then lives on min ISR replicas.
  bool const held = strict_min_isr(cluster_->version) && broker_count(r.isr) < min_isr;
  Offset hw = held ? r.log.hw() : r.log.leo();
  BrokerSet const maximal = r.isr | r.proposed;
  for (std::size_t b = 0; b < r.followers.size(); ++b) {
    if (static_cast<std::int32_t>(b) == index_) continue;
    if ((maximal & broker_bit(static_cast<std::int32_t>(b))) == 0) continue;
    hw = std::min(hw, r.followers[b].leo);
  }
  Offset const before = r.log.hw();
  r.log.advance_hw(hw);
  if (r.log.hw() == before && r.waiting.empty()) return;
  Error const e =
      broker_count(r.isr) < min_isr ? Error::not_enough_replicas_after_append : Error::none;
  auto const done = std::stable_partition(r.waiting.begin(), r.waiting.end(),
                                          [&](Waiting const& w) { return w.offset >= r.log.hw(); });
  for (auto it = done; it != r.waiting.end(); ++it) {
    if (it->marker) {  // A marker is written whatever the ISR did after its append.
      out.send(it->from, WriteTxnMarkerResponse{it->txn_id, p, it->producer_epoch, Error::none});
    } else {
      out.send(it->from, ProduceResponse{it->request, p, e, it->base, it->throttle_ms});
    }
  }
  r.waiting.erase(done, r.waiting.end());
  if (r.log.hw() != before) answer_parked(p, out);
}

// WriteTxnMarkers (KIP-98): the partition leader appends a COMMIT or ABORT control record for
// the producer, which closes its open transaction here (and moves the LSO), and answers once
// the marker is replicated: KafkaApis.handleWriteTxnMarkersRequest appends markers with
// requiredAcks = -1, so min.insync.replicas applies as to an acks=all produce.
void Broker::on_marker(NodeId from, WriteTxnMarkerRequest const& req, Output& out) {
  Replica& r = replicas_[req.partition];
  auto refuse = [&](Error e) {
    out.send(from, WriteTxnMarkerResponse{req.txn_id, req.partition, req.producer_epoch, e});
  };
  if (r.leader != index_) return refuse(Error::not_leader);
  PartitionInfo const& info = cluster_->partitions[req.partition];
  if (broker_count(r.isr) < effective_min_isr(info, cluster_->version)) {
    return refuse(Error::not_enough_replicas);
  }
  r.log.advance_clock(out.now().us / 1'000);  // The marker is stamped as appended.
  LogRecord marker;
  marker.epoch = r.epoch;
  marker.producer = req.producer;
  marker.producer_epoch = req.producer_epoch;
  marker.transactional = true;
  marker.control = req.commit ? Control::commit : Control::abort;
  Offset const offset = r.log.append(marker);
  write(req.partition, marker, out);
  verifier_.on_marker(req.partition, req.producer);
  out.event(OpKind::append, {},
            std::string(req.commit ? "COMMIT" : "ABORT") + " marker " + info.name() + " producer " +
                std::to_string(req.producer) + " epoch " + std::to_string(req.producer_epoch) +
                " at " + std::to_string(offset.value) + " state: " + info.name() +
                ".leo=" + std::to_string(r.log.leo().value) + " " + info.name() +
                ".hw=" + std::to_string(r.log.hw().value));
  r.waiting.push_back(Waiting{from, 0, offset, true, req.txn_id, req.producer_epoch, offset});
  maybe_advance_hw(req.partition, out);
  answer_parked(req.partition, out);
}

void Broker::hash_into(Hasher& h) const {
  h.add(static_cast<std::uint64_t>(index_));
  h.add_each(replicas_, [](Hasher& g, Replica const& r) {
    g.add(r.hosted ? 1 : 0);
    r.log.hash_into(g);
    g.add(static_cast<std::uint64_t>(r.leader));
    g.add(static_cast<std::uint64_t>(r.epoch));
    g.add(r.isr);
    g.add(r.proposed);
    g.add(r.waiting.size());
    g.add(r.fetch_request);
  });
  h.add(registering_ ? 1 : 0);
  quotas_.hash_into(h);
  verifier_.hash_into(h);
}

}  // namespace mqcheck::model::kafka
