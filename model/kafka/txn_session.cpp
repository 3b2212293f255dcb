// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/txn_session.cpp (layer: model)
#include "model/kafka/txn_session.hpp"

#include <algorithm>

#include "core/assert.hpp"
#include "core/overloaded.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

namespace {
// Session timers: timer_base + kind << 40 + value.
constexpr int kind_shift = 40;
constexpr TimerId init_kind = 1;
constexpr TimerId add_kind = 2;      // value: partition
constexpr TimerId produce_kind = 3;  // value: message id (request.timeout.ms)
constexpr TimerId backoff_kind = 4;  // value: message id (retry.backoff.ms)
constexpr TimerId offsets_kind = 5;
constexpr TimerId end_kind = 6;
constexpr TimerId expiry_kind = 7;  // value: message id (delivery.timeout.ms)
constexpr TimerId value_mask = (TimerId{1} << kind_shift) - 1;
}  // namespace

TxnSession::TxnSession(TxnClientConfig const* config, TimerId timer_base)
    : config_(config), timer_base_(timer_base), delivery_timeout_(config->delivery_timeout) {}

void TxnSession::tag(Output& out) const { out.observed().back().op.txn = txn_; }

void TxnSession::request(Message message, TimerId kind, std::uint64_t value, Output& out) {
  out.send(config_->cluster->controller, std::move(message));
  out.set_timer(timer_base_ + (kind << kind_shift) + value, config_->request_timeout);
}

void TxnSession::start(Output& out) {
  state_ = State::initializing;
  init_request_ = next_request_++;
  request(InitProducerIdRequest{init_request_, config_->txn_id, config_->timeout_ms}, init_kind, 0,
          out);
}

void TxnSession::set_leaders(std::vector<std::int32_t> const& leaders) { leaders_ = leaders; }

std::optional<bool> TxnSession::take_outcome() {
  std::optional<bool> const o = outcome_;
  outcome_.reset();
  return o;
}

// beginTransaction is local to the client; the coordinator learns of the transaction with its
// first AddPartitionsToTxn or TxnOffsetCommit.
void TxnSession::begin(Output& out) {
  MQCHECK_ASSERT(state_ == State::ready);
  ++count_;
  txn_ = config_->name + "/" + std::to_string(init_epoch_) + "." + std::to_string(count_);
  state_ = State::in_txn;
  added_.clear();
  abortable_ = false;
  offsets_added_ = false;
  out.invoke(OpKind::txn_begin, {});
  tag(out);
  out.complete(OpType::ok, OpKind::txn_begin, {});
  tag(out);
}

void TxnSession::send(history::Record record, std::uint32_t partition, Output& out) {
  MQCHECK_ASSERT(state_ == State::in_txn);
  out.invoke(OpKind::send, {record});
  tag(out);
  std::uint64_t const id = record.id.value;
  pending_[id] = Pending{std::move(record), partition, -1, 0, false, false};
  if (delivery_timeout_.us > 0) {  // From send(), as ProducerBatch.createdMs counts (KIP-91).
    out.set_timer(timer_base_ + (expiry_kind << kind_shift) + id, delivery_timeout_);
  }
  pump(out);
}

void TxnSession::send_offsets(std::uint32_t group, std::vector<PartitionOffset> offsets,
                              Output& out) {
  MQCHECK_ASSERT(state_ == State::in_txn);
  offsets_added_ = true;
  offsets_request_ = next_request_++;
  offsets_ = TxnOffsetCommitRequest{offsets_request_, config_->txn_id, producer_,
                                    epoch_,           group,           std::move(offsets)};
  request(offsets_, offsets_kind, 0, out);
}

void TxnSession::end(bool commit, Output& out) {
  MQCHECK_ASSERT(state_ == State::in_txn);
  state_ = State::ending;
  end_wanted_ = true;
  end_commit_ = commit;
  out.invoke(commit ? OpKind::txn_commit : OpKind::txn_abort, {});
  tag(out);
  maybe_send_end(out);
}

// Sends what can go: AddPartitionsToTxn before a partition's first record (the Java client
// adds partitions before it drains their batches), then the oldest record of each partition.
void TxnSession::pump(Output& out) {
  if (state_ != State::in_txn && state_ != State::ending) return;
  std::vector<std::uint32_t> seen;
  bool unknown_leader = false;
  for (auto& [id, p] : pending_) {
    if (std::find(seen.begin(), seen.end(), p.partition) != seen.end()) continue;
    seen.push_back(p.partition);
    if (p.request != 0 || p.backing_off) continue;
    if (std::find(added_.begin(), added_.end(), p.partition) == added_.end()) {
      bool adding = false;
      for (auto const& [req, part] : adding_) adding = adding || part == p.partition;
      if (!adding) send_add(p.partition, out);
      continue;
    }
    if (leaders_.empty() || leaders_[p.partition] == no_leader) {
      unknown_leader = true;
      continue;
    }
    send_produce(id, p, out);
  }
  if (unknown_leader) out.send(config_->cluster->controller, MetadataRequest{});
}

void TxnSession::send_add(std::uint32_t partition, Output& out) {
  std::uint64_t const req = next_request_++;
  adding_[req] = partition;
  request(AddPartitionsToTxnRequest{req, config_->txn_id, producer_, epoch_, partition}, add_kind,
          partition, out);
}

void TxnSession::send_produce(std::uint64_t id, Pending& p, Output& out) {
  if (p.sequence < 0) p.sequence = sequences_[p.partition]++;
  ProduceRequest req;
  req.request = next_request_++;
  req.partition = p.partition;
  req.acks = Acks::all;
  req.record.id = MessageId{id};
  req.record.producer = producer_;
  req.record.sequence = p.sequence;
  req.record.producer_epoch = epoch_;
  req.record.transactional = true;
  p.request = req.request;
  out.send(config_->cluster->broker_node(leaders_[p.partition]), req);
  out.set_timer(timer_base_ + (produce_kind << kind_shift) + id, config_->request_timeout);
}

bool TxnSession::on_message(Message const& message, Output& out) {
  if (state_ == State::idle || state_ == State::fenced) return false;
  return std::visit(Overloaded{
                        [&](MetadataResponse const& m) {
                          leaders_ = m.leaders;
                          pump(out);
                          return false;  // The owner reads it too.
                        },
                        [&](InitProducerIdResponse const& m) {
                          on_init(m, out);
                          return true;
                        },
                        [&](ProduceResponse const& m) {
                          on_produced(m, out);
                          return true;
                        },
                        [&](TxnResponse const& m) {
                          on_txn_response(m, out);
                          return true;
                        },
                        [](auto const&) { return false; },
                    },
                    message);
}

// InitProducerId: CONCURRENT_TRANSACTIONS (the previous instance's transaction is being
// completed) is retried after retry.backoff.ms, as the Java client does.
void TxnSession::on_init(InitProducerIdResponse const& resp, Output& out) {
  if (resp.request != init_request_ || state_ != State::initializing) return;
  TimerId const timer = timer_base_ + (init_kind << kind_shift);
  if (resp.error == Error::concurrent_transactions) {
    return out.set_timer(timer, config_->retry_backoff);
  }
  out.cancel_timer(timer);
  if (resp.error != Error::none) return fenced(out);
  producer_ = resp.producer;
  epoch_ = resp.producer_epoch;
  init_epoch_ = resp.producer_epoch;
  count_ = 0;
  sequences_.clear();
  reinit_ = false;
  state_ = State::ready;
}

// Produce answers. PRODUCER_FENCED is fatal; a sequence error makes the transaction abortable
// (the Java client's abortable errors) and the next init bumps the epoch (KIP-360);
// everything else is retried with the same sequence number.
void TxnSession::on_produced(ProduceResponse const& resp, Output& out) {
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](auto const& e) { return e.second.request == resp.request; });
  if (it == pending_.end()) return;
  std::uint64_t const id = it->first;
  Pending& p = it->second;
  p.request = 0;
  out.cancel_timer(timer_base_ + (produce_kind << kind_shift) + id);
  switch (resp.error) {
    case Error::none:
      p.record.offset = resp.offset;
      p.record.partition = config_->cluster->partitions[p.partition].number;
      finish_send(id, OpType::ok, {}, out);
      break;
    case Error::producer_fenced:  // Not written now; an earlier unanswered attempt may be.
      finish_send(id, p.maybe_written ? OpType::info : OpType::fail, error_name(resp.error), out);
      return fenced(out);
    // From 2.7 (KIP-588) a stale epoch on a produce is abortable, not fatal
    // (TransactionManager.maybeTransitionToErrorState: not a ProducerFencedException, so
    // transitionToAbortableError, with epochBumpRequired). The abort that follows sends EndTxn
    // with the stale epoch, which the coordinator fences (strict epoch equality for client
    // requests, TransactionCoordinator.handleEndTransaction) and EndTxnHandler makes fatal: a
    // zombie, or a producer whose transaction the coordinator timed out, still ends fenced.
    case Error::invalid_producer_epoch:
      abortable_ = true;
      reinit_ = true;
      finish_send(id, p.maybe_written ? OpType::info : OpType::fail, error_name(resp.error), out);
      break;
    case Error::out_of_order_sequence:
    case Error::unknown_producer_id:
    case Error::invalid_txn_state:  // KIP-890 part 1: the partition was not verified.
      abortable_ = true;
      reinit_ = true;
      finish_send(id, OpType::fail, error_name(resp.error), out);
      break;
    default:
      if (resp.error == Error::not_leader)
        out.send(config_->cluster->controller, MetadataRequest{});
      p.backing_off = true;
      out.set_timer(timer_base_ + (backoff_kind << kind_shift) + id, config_->retry_backoff);
      break;
  }
  pump(out);
  maybe_send_end(out);
}

void TxnSession::on_txn_response(TxnResponse const& resp, Output& out) {
  if (resp.error == Error::producer_fenced || resp.error == Error::invalid_txn_state) {
    bool const ours = adding_.contains(resp.request) || resp.request == offsets_request_ ||
                      resp.request == end_request_;
    if (ours) fenced(out);
    return;
  }
  bool const busy = resp.error == Error::concurrent_transactions;
  if (auto const it = adding_.find(resp.request); it != adding_.end()) {
    std::uint32_t const partition = it->second;
    adding_.erase(it);
    TimerId const timer = timer_base_ + (add_kind << kind_shift) + partition;
    if (busy) return out.set_timer(timer, config_->retry_backoff);
    out.cancel_timer(timer);
    added_.push_back(partition);
    pump(out);
  } else if (resp.request == offsets_request_ && offsets_request_ != 0) {
    TimerId const timer = timer_base_ + (offsets_kind << kind_shift);
    if (busy) return out.set_timer(timer, config_->retry_backoff);
    out.cancel_timer(timer);
    offsets_request_ = 0;
  } else if (resp.request == end_request_ && end_request_ != 0) {
    TimerId const timer = timer_base_ + (end_kind << kind_shift);
    if (busy) return out.set_timer(timer, config_->retry_backoff);
    out.cancel_timer(timer);
    if (resp.producer_epoch != epoch_) sequences_.clear();  // KIP-890: a new epoch per txn.
    epoch_ = resp.producer_epoch;
    bool const committed = end_commit_ && !abortable_;
    outcome_ = committed;
    finish_end(committed || !end_commit_ ? OpType::ok : OpType::fail,
               committed || !end_commit_ ? "" : "aborted after a failed send", out);
    state_ = State::ready;
    if (reinit_) start(out);
    return;
  }
  maybe_send_end(out);
}

// commitTransaction flushes: EndTxn goes once every record is acknowledged and the offsets
// and partitions are registered. abortTransaction does not wait for records never sent
// (they fail) but lets open requests finish. An empty transaction sends no EndTxn.
void TxnSession::maybe_send_end(Output& out) {
  if (!end_wanted_ || end_request_ != 0 || offsets_request_ != 0 || !adding_.empty()) return;
  bool const commit = end_commit_ && !abortable_;
  if (!commit) {
    std::vector<std::uint64_t> drop;
    for (auto const& [id, p] : pending_) {
      if (p.request == 0) drop.push_back(id);
    }
    for (std::uint64_t id : drop) {
      bool const maybe = pending_.at(id).maybe_written;
      finish_send(id, maybe ? OpType::info : OpType::fail, "transaction aborted", out);
    }
  }
  if (!pending_.empty()) return;
  if (added_.empty() && !offsets_added_) {
    outcome_ = commit;
    finish_end(commit || !end_commit_ ? OpType::ok : OpType::fail, {}, out);
    state_ = State::ready;
    if (reinit_) start(out);
    return;
  }
  end_request_ = next_request_++;
  request(EndTxnRequest{end_request_, config_->txn_id, producer_, epoch_, commit}, end_kind, 0,
          out);
}

void TxnSession::finish_send(std::uint64_t id, OpType type, std::string detail, Output& out) {
  auto const it = pending_.find(id);
  out.cancel_timer(timer_base_ + (produce_kind << kind_shift) + id);
  out.cancel_timer(timer_base_ + (backoff_kind << kind_shift) + id);
  if (delivery_timeout_.us > 0) out.cancel_timer(timer_base_ + (expiry_kind << kind_shift) + id);
  out.complete(type, OpKind::send, {it->second.record}, {}, std::move(detail));
  tag(out);
  pending_.erase(it);
}

void TxnSession::finish_end(OpType type, std::string detail, Output& out) {
  out.complete(type, end_commit_ ? OpKind::txn_commit : OpKind::txn_abort, {}, {},
               std::move(detail));
  tag(out);
  end_wanted_ = false;
  end_request_ = 0;
}

// ProducerFencedException is fatal (KafkaProducer javadoc: "the producer ... must be
// closed"): what is pending fails (or is unknown when it may have been written), and the
// session does nothing more.
void TxnSession::fenced(Output& out) {
  while (!pending_.empty()) {
    auto const& [id, p] = *pending_.begin();
    bool const maybe = p.request != 0 || p.maybe_written;
    finish_send(id, maybe ? OpType::info : OpType::fail, "PRODUCER_FENCED", out);
  }
  if (end_wanted_) finish_end(OpType::fail, "PRODUCER_FENCED", out);
  if (state_ == State::in_txn || state_ == State::ending) outcome_ = false;
  state_ = State::fenced;
  adding_.clear();
  offsets_request_ = 0;
}

// delivery.timeout.ms passed since send(): the Sender fails the batch with a TimeoutException,
// in flight or not (RecordAccumulator.expiredBatches, Sender.getExpiredInflightBatches), and
// TransactionManager.maybeTransitionToErrorState makes the transaction abortable and, as the
// broker supports it (KIP-360), sets epochBumpRequired: after the abort the client bumps its
// epoch with InitProducerId (reinit_). A request already sent is not recalled: it may still
// reach the leader, after the abort (the hanging transaction, txn_verify.hpp).
void TxnSession::expire(std::uint64_t id, Output& out) {
  auto const it = pending_.find(id);
  if (it == pending_.end()) return;
  bool const sent = it->second.request != 0 || it->second.maybe_written;
  abortable_ = true;
  reinit_ = true;
  finish_send(id, sent ? OpType::info : OpType::fail, "delivery.timeout.ms expired", out);
}

bool TxnSession::on_timer(TimerId timer, Output& out) {
  if (timer < timer_base_) return false;
  TimerId const kind = (timer - timer_base_) >> kind_shift;
  std::uint64_t const value = (timer - timer_base_) & value_mask;
  if (state_ == State::fenced || state_ == State::idle) return true;
  switch (kind) {
    case init_kind:
      if (state_ == State::initializing) start(out);
      return true;
    case add_kind:
      std::erase_if(adding_, [&](auto const& e) { return e.second == value; });
      break;
    case produce_kind:
    case backoff_kind: {
      auto const it = pending_.find(value);
      if (it == pending_.end()) return true;
      if (kind == produce_kind) {  // No answer: it may be written; resend the same sequence.
        it->second.request = 0;
        it->second.maybe_written = true;
        out.send(config_->cluster->controller, MetadataRequest{});
      }
      it->second.backing_off = false;
      break;
    }
    case offsets_kind:
      if (offsets_request_ == 0) return true;
      offsets_request_ = next_request_++;
      offsets_.request = offsets_request_;
      request(offsets_, offsets_kind, 0, out);
      return true;
    case end_kind:
      if (end_request_ == 0) return true;
      end_request_ = 0;
      maybe_send_end(out);
      return true;
    case expiry_kind:
      expire(value, out);
      break;
    default:
      return true;
  }
  pump(out);
  maybe_send_end(out);
  return true;
}

void TxnSession::hash_into(Hasher& h) const {
  h.add(static_cast<std::uint64_t>(state_));
  h.add(producer_);
  h.add(static_cast<std::uint64_t>(epoch_));
  h.add(static_cast<std::uint64_t>(init_epoch_));
  h.add(static_cast<std::uint64_t>(count_));
  h.add_each(sequences_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(static_cast<std::uint64_t>(e.second));
  });
  h.add_each(added_, [](Hasher& g, std::uint32_t p) { g.add(p); });
  h.add_each(adding_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(e.second);
  });
  h.add_each(pending_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(e.second.partition);
    g.add(static_cast<std::uint64_t>(e.second.sequence));
    g.add(e.second.request);
    g.add((e.second.backing_off ? 1 : 0) | (e.second.maybe_written ? 2 : 0));
  });
  h.add(offsets_request_);
  h.add((end_wanted_ ? 1 : 0) | (end_commit_ ? 2 : 0) | (abortable_ ? 4 : 0) | (reinit_ ? 8 : 0) |
        (offsets_added_ ? 16 : 0));
  h.add(end_request_);
  h.add(init_request_);
  h.add(outcome_ ? (*outcome_ ? 2 : 1) : 0);
}

}  // namespace mqcheck::model::kafka
