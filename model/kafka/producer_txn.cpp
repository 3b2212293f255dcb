// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/producer_txn.cpp (layer: model)
// A transactional producer application (transactional.id set): initTransactions, then
// transactions of `transaction.messages` records, one record per `interval`, each transaction
// committed, or aborted when it is the `abort_every`-th. A restarted producer re-inits with the
// same transactional.id, which aborts the transaction its previous incarnation left open and
// fences it (KIP-98); its progress file says where to go on. A fenced producer stops. A record
// that expires (delivery.timeout.ms) makes the transaction abortable: the application's
// commitTransaction then fails and it goes on with the next transaction, as after an abort.
#include "model/kafka/producer.hpp"

namespace mqcheck::model::kafka {

void Producer::txn_start(Output& out) {
  session_.emplace(&config_->txn, session_timers);  // Its delivery.timeout.ms is config_->txn's.
  session_->start(out);
  out.send(config_->cluster->controller, MetadataRequest{});
  out.set_timer(metadata_timer, config_->metadata_max_age);
}

void Producer::txn_drive(Output& out) {
  if (!session_) return;           // Not started yet.
  (void)session_->take_outcome();  // The application goes on either way.
  if (!send_due_ || next_ >= config_->messages) return;
  if (session_->state() == TxnSession::State::ready) {
    session_->begin(out);
    txn_sent_ = 0;
    ++txns_;
  }
  if (session_->state() != TxnSession::State::in_txn) return;  // Busy or fenced: wait.
  send_due_ = false;
  MessageId const id{config_->first_id.value + static_cast<std::uint64_t>(next_)};
  std::string key;
  std::uint32_t const partition = pick_partition(key);
  ++next_;
  ++txn_sent_;
  out.append(progress_file, Entry::of(Entry::Kind::sent));
  session_->send(record(id, key), partition, out);
  if (next_ < config_->messages) out.set_timer(next_send_timer, config_->interval);
  if (txn_sent_ >= config_->txn_messages || next_ >= config_->messages) {
    bool const abort = config_->abort_every > 0 && txns_ % config_->abort_every == 0;
    session_->end(!abort, out);
  }
}

}  // namespace mqcheck::model::kafka
