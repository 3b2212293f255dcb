// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream_unknown.cpp (layer: checker)
// A message the transactions stream (checker/transactions_stream.hpp) follows past a copy of
// unknown status: a transactional producer crashes while committing (its txn-commit ends
// `info`, the pipeline scenario's crash), and its restarted successor sends the same ids again
// in new transactions (KIP-98's consume-transform-produce loop redoes the inputs it had not
// committed). The held copy's transaction A stays requested (State::on_commit); its status is
// unknown (transactions_table.cpp, resolve: commit_info) unless a commit ok or an abort ok
// comes, and the stream dooms A when the message is sent again in B, so that either is a doubt
// (a commit ok: State::commit; an abort of a requested transaction: State::on_txn_op; a commit
// fail: commit_in_doubt). So A ends unknown, and its copy reads `maybe` at every read after its
// commit request (transactions.cpp, classify): unlike an aborted copy it can be the least
// severe candidate. B's copy is followed as transactions_stream_copies.cpp follows any copy
// sent again, with these limits, each a doubt otherwise:
//   - A's copy is the message's first (no copy sent again, aborted or dead before it), A sent
//     no attempt that failed, and no read of the message was counted for A after its commit
//     request by a group not read_committed (resendable_unknown): the message then has two
//     copies, A's and B's, and every earlier read of it was judged as the definition judges
//     it with both (before A's request both read precommitted; after it A reads `maybe`, and
//     such a read waits in A for good, a doubt at the end, or is not counted);
//   - no third copy comes: B's message is never sent again (resendable), B's abort is a doubt
//     (State::abort), a late attempt of an aborted transaction naming it is a doubt
//     (State::on_send), and so is an attempt taking A's invoke (State::dead_ack);
//   - a read of the message (any group) is judged by B's copy only when pinned to it: at the
//     place of B's acknowledgement, where A's copy was not acknowledged (transactions.cpp,
//     candidates). Any other read has A's `maybe` among its candidates (read_unknown_elsewhere).
// The pipeline pass counts A's output `maybe` for its input (transactions_pipeline.cpp,
// output_counted: unknown status), told by in_doubt().
#include <algorithm>

#include "checker/transactions_stream_state.hpp"

namespace mqcheck::checker::txn_stream_detail {

bool State::has_unknown_copy(MessageId id) const {
  return unknown_any_ && (unknown_ids_.contains(id) || unknown_ids_.forgot(id));
}

// Whether `holder`, which holds `id` and whose commit was requested, leaves its copy to a new
// one (the file comment says when).
bool State::resendable_unknown(Txn const& holder, MessageId id) const {
  if (holder.phase != Txn::Phase::requested || !holder.commit_info || holder.failed_send)
    return false;
  if (resent_ids_.contains(id) || resent_ids_.forgot(id)) return false;
  if (dead_any_ && (dead_ids_.contains(id) || dead_ids_.forgot(id))) return false;
  return std::none_of(holder.uncommitted_reads.begin(), holder.uncommitted_reads.end(),
                      [id](auto const& read) { return read.first == id; });
}

// `holder`'s copy of `id` gives way to `next`: where it was acknowledged is kept, since a read
// there is pinned to it (transactions.cpp, candidates), unless B's copy was acknowledged there
// too. Its topic is not compared (a read at its partition and offset in any topic is a doubt).
void State::note_unknown_copy(Txn const& holder, MessageId id, ResentCopy& next) {
  auto const ack = std::find_if(holder.acks.begin(), holder.acks.end(),
                                [id](HeldAck const& held) { return held.id == id; });
  if (ack != holder.acks.end() && ack->offset)
    next.unknown_place = AbortedPlace{holder.topic, ack->partition, *ack->offset};
  unknown_any_ = true;
  unknown_ids_.insert(id);
}

// Whether a read of `record` is of a message with a copy of unknown status and not pinned to
// its live copy alone.
bool State::read_unknown_elsewhere(Record const& record) const {
  if (!has_unknown_copy(record.id)) return false;
  if (!record.offset) return true;  // Pinned nowhere: A's `maybe` is a candidate.
  auto const it = resent_.find(record.id);
  if (it == resent_.end()) return true;  // Forgotten.
  ResentCopy const& copy = it->second;
  if (!copy.acked || copy.topic == nullptr || *copy.topic != record.topic ||
      copy.partition != record.partition || copy.offset != record.offset)
    return true;
  std::optional<AbortedPlace> const& unknown = copy.unknown_place;
  return unknown && unknown->partition == record.partition && unknown->offset == *record.offset;
}

// Whether the held transaction `txn`'s commit ended info and nothing decided it since: its
// outputs count maybe once sent again or at the end (PipelineStream::count_unknown).
bool State::in_doubt(std::string_view txn) const {
  auto const it = txns_.find(txn);
  return it != txns_.end() && it->second.phase == Txn::Phase::requested && it->second.commit_info;
}

}  // namespace mqcheck::checker::txn_stream_detail
