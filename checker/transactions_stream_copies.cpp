// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream_copies.cpp (layer: checker)
// A message the transactions stream (checker/transactions_stream.hpp) follows across copies:
// an application retrying an aborted transaction sends its records again under the same ids
// (Kafka EOS: the transaction of a crashed or fenced producer is aborted, or left open until
// transaction.timeout.ms, and the next one redoes its work, KIP-98). check_transactions judges
// per copy (transactions_table.cpp, add_attempt: "a copy is per transaction"), so the stream
// takes a new copy of message M in transaction B when every earlier copy of M counts as
// aborted for good:
//   - M is held by a transaction A whose commit was not requested: A is doomed, and any
//     txn-commit of A is a doubt, so A ends aborted or open (both read as aborted,
//     transactions.cpp classify; both count no as outputs once drained, which the pipeline pass
//     checks at the end);
//   - M is not held and was of an aborted transaction, recently (NamedIds::aborted).
// B's commit must not be requested yet: every read of M before B's first send then came before
// that request too, so B's copy reads as precommitted or aborted there, as every earlier copy
// does (the stream counts such reads, or doubts at a read_committed one, as before). Later
// reads of M are judged by B's copy, which is right whenever B's copy is the least severe
// candidate (transactions.cpp, candidates): always, unless the read's record is pinned to an
// earlier copy by its acknowledged (topic, partition, offset). So a read of a message sent
// again must name no offset, or the place of B's copy's acknowledgement; else it is a doubt.
// Copies are told apart by pairing each completion with its invoke as send_outcomes.cpp does
// (earliest open invoke of the same process with the same ids): a completion that pairs with
// another transaction's invoke joins that invoke's copy, and is a doubt.
#include <algorithm>

#include "checker/send_outcomes.hpp"
#include "checker/transactions_stream_state.hpp"

namespace mqcheck::checker::txn_stream_detail {

namespace {

// How many messages sent again the stream remembers the place of; a read of an older one is a
// doubt. Each is a few dozen bytes.
constexpr std::size_t resent_max = 128;

// How many producers' open invokes are kept before those with none are let go.
constexpr std::size_t senders_max = 64;

// `op`'s ids as an OpenSend of no transaction.
OpenSend send_ids(Op const& op) {
  OpenSend ids;
  if (op.value.size() == 1) {
    ids.least = op.value.front().id;
  } else if (!op.value.empty()) {
    ids.more = sorted_ids(op);
    ids.least = ids.more.front();
    ids.more.erase(ids.more.begin());
  }
  return ids;
}

}  // namespace

// The open send invokes of `process`, found by a scan of the few processes that sent in a
// transaction (the last one found first: an invoke's completion follows it closely). Processes
// with none open are let go when there come to be many (a producer per run, say).
std::vector<OpenSend>& State::open_sends(std::string const& process) {
  if (last_sender_ < open_sends_.size() && open_sends_[last_sender_].first == process)
    return open_sends_[last_sender_].second;
  for (last_sender_ = 0; last_sender_ < open_sends_.size(); ++last_sender_)
    if (open_sends_[last_sender_].first == process) return open_sends_[last_sender_].second;
  if (open_sends_.size() >= senders_max) {
    std::erase_if(open_sends_, [](auto const& sender) { return sender.second.empty(); });
    last_sender_ = open_sends_.size();
  }
  return open_sends_.emplace_back(process, std::vector<OpenSend>{}).second;
}

// Plain sends are not paired here: a plain copy of a message with a transactional one is a
// doubt already (State::on_send), whichever pairing joined them.
bool State::pair_send(Op const& op) {
  if (op.type == OpType::event) return true;
  std::vector<OpenSend>& invokes = open_sends(op.process);
  if (op.type == OpType::invoke) {
    invokes.push_back(send_ids(op));
    invokes.back().txn = op.txn;
    return true;
  }
  auto it = invokes.begin();
  if (op.value.size() == 1) {  // Most sends: nothing to sort.
    MessageId const id = op.value.front().id;
    while (it != invokes.end() && (it->least != id || !it->more.empty())) ++it;
  } else {
    OpenSend const ids = send_ids(op);
    while (it != invokes.end() && (it->least != ids.least || it->more != ids.more)) ++it;
  }
  if (it == invokes.end()) return true;  // Alone: a copy of its own transaction.
  bool const same = it->txn == op.txn;
  invokes.erase(it);
  return same;
}

bool State::resendable(std::string_view txn, MessageId id) const {
  if (txn.empty() || ended_.contains(txn)) return false;
  auto const live = txns_.find(txn);
  // Its commit requested, or itself doomed (its copy would merge earlier attempts): a doubt.
  if (live != txns_.end() && (live->second.phase != Txn::Phase::open || live->second.doomed))
    return false;
  Message const* const held = messages_.find(id.value);
  if (held == nullptr) return ids_.aborted(id);
  if (*held->txn == txn) return false;  // Its own copy.
  return txns_.find(*held->txn)->second.phase == Txn::Phase::open;
}

// Dooms the transaction holding `held` (if any) and lets its copy go: B's copy takes its place.
void State::resend(Message* held, MessageId id) {
  if (held != nullptr) {
    txns_.find(*held->txn)->second.doomed = true;
    messages_.erase(id.value);
  }
  resent_any_ = true;
  resent_ids_.insert(id);
  resent_.insert_or_assign(id, ResentCopy{});
  if (resent_.size() > resent_max) resent_.erase(resent_.begin());  // Its reads will doubt.
}

// The first `ok` completion of a held copy is its acknowledgement (transactions_table.cpp,
// add_attempt keeps the earliest), where its reads are pinned.
void State::note_ack(Op const& op, Record const& record) {
  if (op.type != OpType::ok || resent_.empty()) return;
  auto const it = resent_.find(record.id);
  if (it == resent_.end() || it->second.acked) return;
  it->second.acked = true;
  it->second.partition = record.partition;
  it->second.offset = record.offset;
}

// Whether a read of `record` may be of an earlier copy than the one the stream follows. A
// record with no offset is pinned to no copy: the least severe candidate explains it, the one
// the stream follows (every other copy reads as aborted).
bool State::read_elsewhere(Record const& record) const {
  if (!resent_any_ || !record.offset) return false;
  if (!resent_ids_.contains(record.id)) return resent_ids_.forgot(record.id);
  auto const it = resent_.find(record.id);
  if (it == resent_.end()) return true;  // Forgotten.
  ResentCopy const& copy = it->second;
  return !copy.acked || copy.offset != record.offset || copy.partition != record.partition ||
         copy.topic == nullptr || *copy.topic != record.topic;
}

void State::forget_resent(MessageId id) {
  if (!resent_.empty()) resent_.erase(id);
}

std::size_t State::copies_memory_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16;  // A map node's links and malloc's.
  std::size_t bytes =
      resent_ids_.memory_bytes() + resent_.size() * (node + sizeof(MessageId) + sizeof(ResentCopy));
  bytes += open_sends_.capacity() * sizeof(open_sends_.front());
  for (auto const& [process, invokes] : open_sends_) {
    bytes += (process.capacity() > 15 ? process.capacity() + 17 : 0) +
             invokes.capacity() * sizeof(OpenSend);
    for (OpenSend const& open : invokes) {
      bytes += open.more.capacity() * sizeof(MessageId) +
               (open.txn.capacity() > 15 ? open.txn.capacity() + 17 : 0);
    }
  }
  return bytes;
}

}  // namespace mqcheck::checker::txn_stream_detail
