// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/pattern_dead_letter.cpp (layer: model)
// The dead-letter producer (PATTERN; pattern_dead_letter.hpp). Its rules are the Java
// producer's: a request unanswered for request.timeout.ms, or answered with a retriable
// error, is retried after retry.backoff.ms until delivery.timeout.ms has passed since send()
// (https://kafka.apache.org/documentation/#producerconfigs_delivery.timeout.ms); then the
// send fails with a TimeoutException, its outcome unknown when an attempt may have been
// written. NOT_LEADER_OR_FOLLOWER refreshes the metadata first.
#include "model/kafka/pattern_dead_letter.hpp"

#include <algorithm>
#include <string>

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

namespace {
// A publisher timer is timer_base + one of: a request id (request.timeout.ms), backoff_offset
// + the publish's key (retry.backoff.ms), expiry_offset + the key (delivery.timeout.ms).
constexpr TimerId backoff_offset = TimerId{1} << 40;
constexpr TimerId expiry_offset = TimerId{1} << 41;
constexpr TimerId metadata_offset = TimerId{1} << 42;  // Ask again for a missing leader.
}  // namespace

DeadLetterPublisher::DeadLetterPublisher(DeadLetterConfig const* config,
                                         ClusterConfig const* cluster, TimerId timer_base)
    : config_(config),
      cluster_(cluster),
      timer_base_(timer_base),
      leaders_(cluster->partitions.size(), no_leader) {}

// Producer ids: above the plain producers' ((index + 1) << 32 plus boots << 16) and below the
// transactional ones (2^56 + t); one per incarnation, as a restarted client gets a new one.
void DeadLetterPublisher::start(std::uint64_t incarnation) {
  if (!config_->idempotence) return;
  producer_ = (std::uint64_t{1} << 52) + (std::uint64_t{config_->producer_index} << 32) +
              (incarnation & 0xffff'ffffU);
  sequences_.clear();
}

history::Record DeadLetterPublisher::record(Pending const& p, Offset offset) const {
  PartitionInfo const& info = cluster_->partitions[p.partition];
  if (offset.value < 0) return history::Record::of(p.id, info.topic);
  return history::Record::of(p.id, info.topic, offset, info.number);
}

void DeadLetterPublisher::publish(MessageId id, std::int32_t number, Output& out) {
  auto const n = static_cast<std::int32_t>(config_->partitions.size());
  Pending p;
  p.id = id;
  p.partition = config_->partitions[static_cast<std::size_t>(number % n)];
  p.first = out.now();
  if (producer_ != 0) p.sequence = sequences_[p.partition]++;
  out.invoke(OpKind::send, {record(p, Offset{-1})});
  // The accumulator expires a record after delivery.timeout.ms even when no leader was ever
  // known to send it to (then the send certainly wrote nothing: fail, not info).
  out.set_timer(timer_base_ + expiry_offset + next_key_, config_->delivery_timeout);
  pending_.emplace(next_key_++, p);
  pump(out);
}

// Sends the oldest unsent record of every partition that has no request open. A partition
// without a known leader makes the producer ask for metadata again every retry.backoff.ms
// (the Java client's Sender requests an update for partitions with an unknown leader).
void DeadLetterPublisher::pump(Output& out) {
  std::vector<std::uint32_t> busy;
  bool leaderless = false;
  for (auto& [key, p] : pending_) {
    bool const blocked = std::find(busy.begin(), busy.end(), p.partition) != busy.end();
    busy.push_back(p.partition);
    if (blocked || p.request != 0 || p.backing_off) continue;
    if (leaders_[p.partition] == no_leader) {
      leaderless = true;  // Sent once metadata names a leader.
      continue;
    }
    send_request(p, out);
  }
  if (leaderless && !metadata_wanted_) {
    metadata_wanted_ = true;
    out.send(cluster_->controller, MetadataRequest{});
    out.set_timer(timer_base_ + metadata_offset, config_->retry_backoff);
  }
}

void DeadLetterPublisher::send_request(Pending& p, Output& out) {
  ProduceRequest req;
  req.request = next_request_++;
  req.partition = p.partition;
  req.acks = static_cast<Acks>(config_->acks);
  req.record.id = p.id;
  req.record.producer = producer_;
  req.record.sequence = p.sequence;
  // CreateTime, in ms: the Java producer stamps a record once, when send() is called
  // (KafkaProducer.doSend), not at each retry. A retry topic's consumer reads it as the time of
  // the failure its back-off counts from.
  req.record.timestamp = p.first.us / 1'000;
  p.request = req.request;
  out.send(cluster_->broker_node(leaders_[p.partition]), req);
  out.set_timer(timer_base_ + p.request, config_->request_timeout);
}

// A failed attempt: give up once delivery.timeout.ms has passed, otherwise back off.
void DeadLetterPublisher::retry(std::uint64_t key, Pending& p, Output& out) {
  p.request = 0;
  if (out.now().us - p.first.us >= config_->delivery_timeout.us) {
    OpType const type = p.maybe_written ? OpType::info : OpType::fail;
    return finish(key, type, Offset{-1}, "TimeoutException (delivery.timeout.ms expired)", out);
  }
  p.backing_off = true;
  out.set_timer(timer_base_ + backoff_offset + key, config_->retry_backoff);
}

void DeadLetterPublisher::finish(std::uint64_t key, OpType type, Offset offset, std::string detail,
                                 Output& out) {
  Pending const p = pending_.at(key);
  pending_.erase(key);
  out.cancel_timer(timer_base_ + expiry_offset + key);
  out.complete(type, OpKind::send, {record(p, offset)}, {}, std::move(detail));
  if (config_->wait_for_ack) outcomes_[p.id.value] = type == OpType::ok;
  if (type != OpType::ok && producer_ != 0) {
    // An expired record leaves a gap in its partition's sequence: like the Java producer
    // since KIP-360 (epoch bump and sequence reset), go on under a new producer id, numbering
    // what is still pending from 0.
    ++producer_;
    sequences_.clear();
    for (auto& [k, q] : pending_) q.sequence = sequences_[q.partition]++;
  }
  pump(out);
}

bool DeadLetterPublisher::on_message(Message const& message, Output& out) {
  auto const* resp = std::get_if<ProduceResponse>(&message);
  if (resp == nullptr) return false;
  for (auto& [key, p] : pending_) {
    if (p.request != resp->request) continue;
    out.cancel_timer(timer_base_ + p.request);
    switch (resp->error) {
      case Error::none:
        finish(key, OpType::ok, resp->offset, {}, out);
        return true;
      case Error::topic_authorization_failed:  // Not retriable.
        finish(key, OpType::fail, Offset{-1}, error_name(resp->error), out);
        return true;
      case Error::not_leader:
        out.send(cluster_->controller, MetadataRequest{});
        break;
      case Error::not_enough_replicas_after_append:  // Written, not replicated enough.
        p.maybe_written = true;
        break;
      default:
        break;
    }
    retry(key, p, out);
    return true;
  }
  return true;  // An answer to a request given up on.
}

bool DeadLetterPublisher::on_timer(TimerId timer, Output& out) {
  if (timer < timer_base_) return false;
  TimerId const local = timer - timer_base_;
  if (local == metadata_offset) {
    metadata_wanted_ = false;
    pump(out);
    return true;
  }
  if (local >= expiry_offset) {  // An open request decides when it ends (retry()).
    auto const it = pending_.find(local - expiry_offset);
    if (it == pending_.end() || it->second.request != 0) return true;
    OpType const type = it->second.maybe_written ? OpType::info : OpType::fail;
    finish(it->first, type, Offset{-1}, "TimeoutException (delivery.timeout.ms expired)", out);
    return true;
  }
  if (local >= backoff_offset) {
    auto const it = pending_.find(local - backoff_offset);
    if (it == pending_.end() || !it->second.backing_off) return true;
    it->second.backing_off = false;
    pump(out);
    return true;
  }
  for (auto& [key, p] : pending_) {
    if (p.request != local) continue;
    p.maybe_written = true;  // request.timeout.ms without an answer: it may be in the log.
    out.send(cluster_->controller, MetadataRequest{});
    retry(key, p, out);
    return true;
  }
  return true;
}

void DeadLetterPublisher::set_leaders(std::vector<std::int32_t> const& leaders, Output& out) {
  leaders_ = leaders;
  pump(out);
}

bool DeadLetterPublisher::pending(MessageId id) const {
  for (auto const& [key, p] : pending_) {
    if (p.id == id) return true;
  }
  return false;
}

std::optional<bool> DeadLetterPublisher::take_outcome(MessageId id) {
  auto const it = outcomes_.find(id.value);
  if (it == outcomes_.end()) return std::nullopt;
  bool const ok = it->second;
  outcomes_.erase(it);
  return ok;
}

void DeadLetterPublisher::hash_into(Hasher& h) const {
  h.add(producer_);
  h.add_each(sequences_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(static_cast<std::uint64_t>(e.second));
  });
  h.add_each(pending_, [](Hasher& g, auto const& e) {
    Pending const& p = e.second;
    g.add(e.first);
    g.add(p.id.value);
    g.add(p.partition);
    g.add(static_cast<std::uint64_t>(p.sequence));
    g.add(p.request);
    g.add(static_cast<std::uint64_t>(p.first.us));
    g.add((p.backing_off ? 1U : 0U) | (p.maybe_written ? 2U : 0U));
  });
  h.add_each(outcomes_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(e.second ? 1 : 0);
  });
  h.add(next_key_);
  h.add(next_request_);
  h.add(metadata_wanted_ ? 1 : 0);
}

}  // namespace mqcheck::model::kafka
