// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_transform.cpp (layer: model)
// The consume-transform-produce loop of Kafka's exactly-once pattern (KIP-98, KIP-447):
//   poll; beginTransaction; for each record: process, send its output;
//   sendOffsetsToTransaction(positions, group); commitTransaction.
// The outputs and the input offsets commit atomically, so a crash or an abort makes the
// application redo exactly the uncommitted inputs: after an abort it seeks back to the
// committed offsets (the Java examples' resetToLastCommittedPositions), and a restarted
// instance re-inits with the same transactional.id, which aborts what its predecessor left
// open. Every `abort_every`-th transaction the application aborts instead of committing. An
// output unanswered after the transform's delivery.timeout.ms expires (txn_session.cpp, as in
// the transactional producer: the Java Sender fails the expired batch and the transaction
// becomes abortable), so commitTransaction aborts and the application rewinds as after an abort.
// An output has id output_base + the input's id (so a redone input resends the same message),
// `source` = the input's id, and goes to output partition (input partition number mod the
// output's partition count).
#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;

void Consumer::transform_begin(Output& out) {
  session_->begin(out);
  ++txns_;
  phase_ = Phase::processing;
  process_next(out);
}

void Consumer::transform_output(Polled const& input, Output& out) {
  PartitionInfo const& in = config_->cluster->partitions[assigned_[input.slot]];
  std::size_t const n = config_->output_partitions.size();
  std::uint32_t const partition =
      config_->output_partitions[static_cast<std::size_t>(in.number) % n];
  history::Record r =
      history::Record::of(MessageId{config_->output_base + input.id.value}, config_->output_topic);
  r.source = input.id;
  session_->send(std::move(r), partition, out);
}

// sendOffsetsToTransaction with the positions (the next offsets to read), then commit.
void Consumer::transform_end(Output& out) {
  std::vector<PartitionOffset> offsets;
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    if (positions_[s].value >= 0) offsets.push_back({assigned_[s], positions_[s]});
  }
  session_->send_offsets(config_->group_index, std::move(offsets), out);
  bool const abort = config_->abort_every > 0 && txns_ % config_->abort_every == 0;
  phase_ = Phase::committing;
  session_->end(!abort, out);
}

// Called after every session message or timer: start once initTransactions is done, go on
// after a commit, seek back after an abort, stop when fenced.
void Consumer::transform_progress(Output& out) {
  if (session_->state() == TxnSession::State::fenced) {
    phase_ = Phase::stopped;
    return;
  }
  if (phase_ == Phase::starting) return maybe_begin(out);
  std::optional<bool> const outcome = session_->take_outcome();
  if (!outcome || phase_ != Phase::committing) return;
  if (*outcome) {
    phase_ = Phase::waiting;
    return start_poll(out);
  }
  rewind(out);
}

// After an abort the positions go back to the committed offsets (OffsetFetch again), as an
// exactly-once application must before its next transaction.
void Consumer::rewind(Output& out) {
  phase_ = Phase::starting;
  offsets_known_ = false;
  batch_.clear();
  next_ = 0;
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    positions_[s] = Offset{unknown};
    last_[s] = Polled{};
    last_epochs_[s] = -1;
  }
  fetch_offsets(out);
}

}  // namespace mqcheck::model::kafka
