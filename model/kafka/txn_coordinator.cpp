// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/txn_coordinator.cpp (layer: model)
// The transaction coordinator of KIP-98 (hosted on the controller, as the group coordinator
// is): InitProducerId bumps a transactional id's epoch and so fences older producers with the
// same id; AddPartitionsToTxn opens a transaction; TxnOffsetCommit (KIP-447) attaches consumed
// offsets to it; EndTxn logs PrepareCommit or PrepareAbort, answers, then writes a marker to
// every partition of the transaction (WriteTxnMarkers) and logs Complete once all are written.
// transaction.timeout.ms after the transaction began it is aborted with a bumped epoch.
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-98+-+Exactly+Once+Delivery+and+Transactional+Messaging
#include <algorithm>

#include "core/overloaded.hpp"
#include "model/kafka/controller.hpp"

namespace mqcheck::model::kafka {

namespace {
bool preparing(TxnPhase p) { return p == TxnPhase::prepare_commit || p == TxnPhase::prepare_abort; }
}  // namespace

void Controller::on_txn_message(NodeId from, Message const& message, Output& out) {
  std::visit(Overloaded{
                 [&](InitProducerIdRequest const& m) { on_init_producer_id(from, m, out); },
                 [&](AddPartitionsToTxnRequest const& m) { on_add_partition(from, m, out); },
                 [&](TxnOffsetCommitRequest const& m) { on_txn_offsets(from, m, out); },
                 [&](EndTxnRequest const& m) { on_end_txn(from, m, out); },
                 [&](WriteTxnMarkerResponse const& m) { on_marker_written(m, out); },
                 [&](VerifyTxnRequest const& m) {
                   // KIP-890 part 1 (txn_verify.hpp): is the partition in the transaction?
                   // (AddPartitionsToTxn with VerifyOnly; handleVerifyPartitionsInTransaction.)
                   // A stale epoch is fenced; otherwise the partition must be among the
                   // transaction's, else INVALID_TXN_STATE (KAFKA-14402). The phase is not
                   // checked (KAFKA-14904): the partitions go once the markers are written.
                   Txn const& txn = txns_[m.txn_id];
                   Error e = check_producer(txn, m.producer, m.producer_epoch);
                   if (e == Error::none && !std::binary_search(txn.partitions.begin(),
                                                               txn.partitions.end(), m.partition)) {
                     e = Error::invalid_txn_state;
                   }
                   out.send(from, VerifyTxnResponse{m.verify, m.partition, m.producer,
                                                    m.producer_epoch, e});
                 },
                 [](auto const&) {},
             },
             message);
}

// Every transaction state change is appended to the transaction log and fsynced before it is
// acted on (TransactionStateManager.appendTransactionToLog writes with acks=all).
void Controller::log_txn(std::uint32_t t, Output& out) {
  Txn const& txn = txns_[t];
  Entry e = Entry::of(Entry::Kind::txn_state);
  e.group = t;
  e.record.producer = txn.producer;
  e.record.producer_epoch = txn.producer_epoch;
  e.phase = txn.phase;
  EntryExtra& x = e.extra.edit();
  x.partitions = txn.partitions;
  x.offsets = txn.offsets;
  x.offsets_group = txn.group;
  e.offset = Offset{txn.timeout_ms};
  out.append(txn_file, std::move(e));
  out.fsync();
}

void Controller::recover_txns(Disk<Entry> const& disk, Output& out) {
  for (Entry const& e : disk.entries(txn_file)) {
    Txn& txn = txns_[e.group];
    txn.producer = e.record.producer;
    txn.producer_epoch = e.record.producer_epoch;
    txn.phase = e.phase;
    EntryExtra const& x = e.extra.get();
    txn.partitions = x.partitions;
    txn.offsets = x.offsets;
    txn.group = x.offsets_group;
    txn.timeout_ms = e.offset.value;
  }
  for (std::uint32_t t = 0; t < txns_.size(); ++t) {
    Txn& txn = txns_[t];
    // A transaction left preparing completes (its markers are written again); one left open
    // gets a full timeout again (the coordinator's timer restarts on load).
    if (preparing(txn.phase)) txn.unmarked = txn.partitions;
    if (txn.phase == TxnPhase::ongoing) {
      out.set_timer(txn_timer_base + t, milliseconds(txn.timeout_ms));
    }
    send_markers(t, out);
  }
}

// The epoch check of every transactional request: an older epoch of the same producer id is
// a zombie (PRODUCER_FENCED; KIP-98 "zombie fencing").
Error Controller::check_producer(Txn const& txn, std::uint64_t producer, std::int32_t epoch) const {
  if (producer != txn.producer || epoch < txn.producer_epoch) return Error::producer_fenced;
  if (epoch > txn.producer_epoch) return Error::invalid_txn_state;
  return Error::none;
}

// InitProducerId (KIP-98): the first call gives the transactional id its producer id; every
// call bumps the epoch, fencing any older instance. An ongoing transaction of the previous
// instance is aborted first, with the bumped epoch so its late writes are fenced at the
// partitions too; meanwhile, and while a transaction completes, the answer is
// CONCURRENT_TRANSACTIONS and the producer retries (TransactionCoordinator.handleInitProducerId).
void Controller::on_init_producer_id(NodeId from, InitProducerIdRequest const& req, Output& out) {
  Txn& txn = txns_[req.txn_id];
  InitProducerIdResponse resp{req.request, Error::none, 0, 0};
  if (txn.phase == TxnPhase::ongoing) {
    ++txn.producer_epoch;
    prepare_end(req.txn_id, false, out);
  }
  if (preparing(txn.phase)) {
    resp.error = Error::concurrent_transactions;
    return out.send(from, resp);
  }
  txn.producer = cluster_->txn_producer_id(req.txn_id);
  ++txn.producer_epoch;  // From -1: the first epoch is 0.
  txn.phase = TxnPhase::empty;
  txn.partitions.clear();
  txn.offsets.clear();
  txn.timeout_ms = req.timeout_ms;
  log_txn(req.txn_id, out);
  resp.producer = txn.producer;
  resp.producer_epoch = txn.producer_epoch;
  out.send(from, resp);
}

// A request that adds to a transaction (a partition, or consumed offsets) is refused while
// the producer is stale or a commit or abort is under way. The first one accepted turns the
// transaction Ongoing and starts the transaction.timeout.ms clock, which runs from the
// transaction's start (txnStartTimestamp, TransactionMetadata), not from the last request.
TxnResponse Controller::join_txn(std::uint32_t txn_id, std::uint64_t request,
                                 std::uint64_t producer, std::int32_t epoch, Output& out) {
  Txn& txn = txns_[txn_id];
  TxnResponse resp{request, check_producer(txn, producer, epoch), txn.producer_epoch};
  if (resp.error == Error::none && preparing(txn.phase)) {
    resp.error = Error::concurrent_transactions;
  }
  if (resp.error != Error::none || txn.phase == TxnPhase::ongoing) return resp;
  txn.phase = TxnPhase::ongoing;
  txn.partitions.clear();
  txn.offsets.clear();
  out.set_timer(txn_timer_base + txn_id, milliseconds(txn.timeout_ms));
  return resp;
}

// AddPartitionsToTxn.
void Controller::on_add_partition(NodeId from, AddPartitionsToTxnRequest const& req, Output& out) {
  TxnResponse const resp = join_txn(req.txn_id, req.request, req.producer, req.producer_epoch, out);
  if (resp.error != Error::none) return out.send(from, resp);
  Txn& txn = txns_[req.txn_id];
  auto const at = std::lower_bound(txn.partitions.begin(), txn.partitions.end(), req.partition);
  if (at == txn.partitions.end() || *at != req.partition) txn.partitions.insert(at, req.partition);
  log_txn(req.txn_id, out);
  out.send(from, resp);
}

// AddOffsetsToTxn + TxnOffsetCommit (KIP-98, KIP-447 sendOffsetsToTransaction): the consumed
// positions wait in the transaction and become the group's committed offsets only if it
// commits.
void Controller::on_txn_offsets(NodeId from, TxnOffsetCommitRequest const& req, Output& out) {
  TxnResponse const resp = join_txn(req.txn_id, req.request, req.producer, req.producer_epoch, out);
  if (resp.error != Error::none) return out.send(from, resp);
  Txn& txn = txns_[req.txn_id];
  txn.group = req.group;
  for (PartitionOffset const& po : req.offsets) {
    auto const it =
        std::find_if(txn.offsets.begin(), txn.offsets.end(),
                     [&](PartitionOffset const& o) { return o.partition == po.partition; });
    if (it == txn.offsets.end()) {
      txn.offsets.push_back(po);
    } else {
      it->offset = po.offset;
    }
  }
  log_txn(req.txn_id, out);
  out.send(from, resp);
}

// EndTxn: answered once PrepareCommit/PrepareAbort is in the transaction log, before the
// markers are written (TransactionCoordinator.handleEndTransaction); the outcome is decided
// from then on. A retried EndTxn of the same decision is answered again.
void Controller::on_end_txn(NodeId from, EndTxnRequest const& req, Output& out) {
  Txn& txn = txns_[req.txn_id];
  bool const kip890 = cluster_->version.at_least(4, 0);
  TxnPhase const same_prepare = req.commit ? TxnPhase::prepare_commit : TxnPhase::prepare_abort;
  TxnPhase const same_complete = req.commit ? TxnPhase::complete_commit : TxnPhase::complete_abort;
  bool const retry = (txn.phase == same_prepare || txn.phase == same_complete) &&
                     req.producer == txn.producer &&
                     (req.producer_epoch == txn.producer_epoch ||
                      (kip890 && req.producer_epoch + 1 == txn.producer_epoch));
  TxnResponse resp{req.request, Error::none, txn.producer_epoch};
  if (retry) return out.send(from, resp);
  resp.error = check_producer(txn, req.producer, req.producer_epoch);
  if (resp.error == Error::none && preparing(txn.phase)) {
    resp.error = Error::concurrent_transactions;
  }
  if (resp.error == Error::none && txn.phase != TxnPhase::ongoing) {
    resp.error = Error::invalid_txn_state;
  }
  if (resp.error != Error::none) return out.send(from, resp);
  // KIP-890 part 2 (Kafka 4.0, transaction.version 2): the epoch is bumped at every
  // transaction end and the markers carry the new epoch, so a late produce of the ended
  // transaction is fenced instead of joining the next one.
  if (kip890) ++txn.producer_epoch;
  prepare_end(req.txn_id, req.commit, out);
  resp.producer_epoch = txn.producer_epoch;
  out.send(from, resp);
}

// PrepareCommit/PrepareAbort. On commit the transaction's offsets become the group's committed
// offsets in the same fsync: the group coordinator lives on this node, so this stands for the
// COMMIT marker the coordinator writes to __consumer_offsets (simplification, documented).
void Controller::prepare_end(std::uint32_t t, bool commit, Output& out) {
  Txn& txn = txns_[t];
  out.cancel_timer(txn_timer_base + t);
  txn.phase = commit ? TxnPhase::prepare_commit : TxnPhase::prepare_abort;
  if (commit) {
    for (PartitionOffset const& po : txn.offsets) {
      committed_[{txn.group, po.partition}] = po.offset;
      Entry e = Entry::of(Entry::Kind::committed);
      e.group = txn.group;
      e.partition = po.partition;
      e.offset = po.offset;
      out.append(offsets_file, std::move(e));
    }
  }
  txn.offsets.clear();
  txn.unmarked = txn.partitions;
  log_txn(t, out);
  send_markers(t, out);
  if (txn.unmarked.empty())
    on_marker_written(WriteTxnMarkerResponse{t, 0, txn.producer_epoch, Error::none}, out);
}

// WriteTxnMarkers to each partition's current leader; re-sent at controller ticks until
// acknowledged (TransactionMarkerChannelManager retries until the markers are written), but
// not at the tick right after a send, so an answer on its way is not overtaken by a resend.
void Controller::send_markers(std::uint32_t t, Output& out) {
  Txn& txn = txns_[t];
  if (!preparing(txn.phase)) return;
  txn.marked_at = tick_;
  for (std::uint32_t p : txn.unmarked) {
    std::int32_t const leader = partitions_[p].leader;
    if (leader == no_leader) continue;
    out.send(cluster_->broker_node(leader),
             WriteTxnMarkerRequest{t, p, txn.producer, txn.producer_epoch,
                                   txn.phase == TxnPhase::prepare_commit});
  }
}

void Controller::on_marker_written(WriteTxnMarkerResponse const& resp, Output& out) {
  Txn& txn = txns_[resp.txn_id];
  if (!preparing(txn.phase) || resp.producer_epoch != txn.producer_epoch) return;
  if (resp.error != Error::none) return;  // Sent again at the next tick.
  std::erase(txn.unmarked, resp.partition);
  if (!txn.unmarked.empty()) return;
  txn.phase =
      txn.phase == TxnPhase::prepare_commit ? TxnPhase::complete_commit : TxnPhase::complete_abort;
  txn.partitions.clear();
  log_txn(resp.txn_id, out);
}

// transaction.timeout.ms
// (https://kafka.apache.org/documentation/#producerconfigs_transaction.timeout.ms, default 60000):
// the coordinator aborts a transaction open that long, bumping the epoch so the producer is fenced
// (TransactionCoordinator.abortTimedOutTransactions).
void Controller::on_txn_timeout(std::uint32_t t, Output& out) {
  Txn& txn = txns_[t];
  if (txn.phase != TxnPhase::ongoing) return;
  ++txn.producer_epoch;
  prepare_end(t, false, out);
}

}  // namespace mqcheck::model::kafka
