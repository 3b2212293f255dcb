// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/txn_verify.cpp (layer: model)
#include "model/kafka/txn_verify.hpp"

#include <algorithm>

#include "core/assert.hpp"

namespace mqcheck::model::kafka {

namespace {
// The transactional id behind a coordinator-given producer id (ClusterConfig::txn_producer_id).
std::uint32_t txn_id_of_producer(std::uint64_t producer) {
  return static_cast<std::uint32_t>(producer - ClusterConfig::txn_producer_id(0));
}
}  // namespace

// Kafka verifies only a partition with no ongoing transaction of the producer
// (ReplicaManager asks the log whether it needs verification: a transactional batch while
// the producer's currentTxnFirstOffset is empty); a record joining an open one goes straight.
bool TxnVerifier::must_verify(ClusterConfig const& cluster, std::uint32_t p,
                              PartitionLog const& log, LogRecord const& first) {
  if (!cluster.txn_verification || !first.transactional || first.producer == 0) {
    return false;
  }
  if (log.in_transaction(first.producer)) return false;
  Verified const mine{p, first.producer, first.producer_epoch};
  auto const it = std::find(verified_.begin(), verified_.end(), mine);
  if (it == verified_.end()) return true;
  verified_.erase(it);  // Removed on the append it allowed, as the guard is.
  return false;
}

void TxnVerifier::hold(ClusterConfig const& cluster, NodeId from, ProduceRequest const& req,
                       std::uint32_t p, std::int64_t throttle_ms, Output& out) {
  // The transactional session sends one record per request (txn_session.hpp), the only
  // form held: the answer appends `req.record`.
  MQCHECK_ASSERT(req.batches.empty() && req.partition == p);
  std::uint64_t const verify = next_verify_++;
  held_.push_back(HeldProduce{verify, from, req, throttle_ms, false});
  LogRecord const& r = req.record;
  out.send(cluster.controller, VerifyTxnRequest{verify, txn_id_of_producer(r.producer), r.producer,
                                                r.producer_epoch, p});
}

std::optional<HeldProduce> TxnVerifier::answer(VerifyTxnResponse const& resp, Output& out) {
  auto const it = std::find_if(held_.begin(), held_.end(), [&](HeldProduce const& h) {
    LogRecord const& r = h.request.record;
    return h.verify == resp.verify && h.request.partition == resp.partition &&
           r.producer == resp.producer && r.producer_epoch == resp.producer_epoch;
  });
  if (it == held_.end()) return std::nullopt;
  HeldProduce held = std::move(*it);
  held_.erase(it);
  // A marker written while the question was out ended the transaction it was asked about.
  Error const error =
      held.voided && resp.error == Error::none ? Error::invalid_txn_state : resp.error;
  if (error == Error::none) {
    LogRecord const& r = held.request.record;
    verified_.push_back(Verified{resp.partition, r.producer, r.producer_epoch});
    return held;
  }
  if (held.request.acks != Acks::none) {
    out.send(held.from, ProduceResponse{held.request.request, resp.partition, error, Offset{-1},
                                        held.throttle_ms});
  }
  return std::nullopt;
}

void TxnVerifier::on_marker(std::uint32_t p, std::uint64_t producer) {
  for (HeldProduce& h : held_) {
    if (h.request.partition == p && h.request.record.producer == producer) h.voided = true;
  }
  std::erase_if(verified_,
                [&](Verified const& v) { return v.partition == p && v.producer == producer; });
}

void TxnVerifier::hash_into(Hasher& h) const {
  h.add_each(held_, [](Hasher& g, HeldProduce const& held) {
    g.add(held.verify);
    g.add(held.from.value);
    g.add(held.request.request);
    g.add(held.request.partition);
    g.add(held.request.record.id.value);
    g.add(held.voided ? 1 : 0);
  });
  h.add_each(verified_, [](Hasher& g, Verified const& v) {
    g.add(v.partition);
    g.add(v.producer);
    g.add(static_cast<std::uint64_t>(v.producer_epoch));
  });
  h.add(next_verify_);
}

}  // namespace mqcheck::model::kafka
