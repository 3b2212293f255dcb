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
// again must name no offset, or the place of B's copy's acknowledgement (or a dead place, see
// dead_ack; or one judged by transactions_stream_aborted.cpp); else it is a doubt.
// Copies are told apart by pairing each completion with its invoke as send_outcomes.cpp does
// (earliest open invoke of the same process with the same ids): a completion that pairs with
// another transaction's invoke joins that invoke's copy (add_attempt takes the copy from the
// attempt's first op), and is judged as an op of that transaction (on_taken). One such case
// is common: a producer retries an aborted transaction A as B while A's send of M is still in
// flight, so B's acknowledgement of M takes A's invoke and becomes A's copy's acknowledgement;
// a read at its place is then pinned to A's copy and is an aborted-read (transactions.cpp,
// candidates), while B's copy keeps only its own attempts (dead_ack says when it streams).
#include <algorithm>
#include <set>

#include "checker/send_outcomes.hpp"
#include "checker/transactions_stream_state.hpp"

namespace mqcheck::checker::txn_stream_detail {

namespace {

// How many messages sent again the stream remembers the place of; a read of an older one is a
// doubt. Each is a few dozen bytes.
constexpr std::size_t resent_max = 128;

// How many producers' open invokes are kept before those with none are let go.
constexpr std::size_t senders_max = 64;

// How many read_committed reads of dead copies (each an aborted-read to report) are kept, and
// how many transactions with dead copies, before a doubt.
constexpr std::size_t dead_reads_max = 256;
constexpr std::size_t dead_txns_max = 512;
// How many dead places one message keeps (a transaction retried that often is a doubt).
constexpr std::size_t dead_places_max = 4;

bool has_source(Record const& record) { return record.source.has_value(); }

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
// doubt already (State::on_send), whichever pairing joined them. Returns the invoke a
// completion took, if any.
std::optional<OpenSend> State::pair_send(Op const& op) {
  if (op.type == OpType::event) return std::nullopt;
  std::vector<OpenSend>& invokes = open_sends(op.process);
  if (op.type == OpType::invoke) {
    OpenSend& open = invokes.emplace_back(send_ids(op));
    open.txn = op.txn;
    open.index = op.index;
    open.sourced = std::any_of(op.value.begin(), op.value.end(), has_source);
    if (op.value.size() == 1) {
      Record const& record = op.value.front();
      auto const topic = topic_required_.find(record.topic);
      if (topic != topic_required_.end()) open.topic = &topic->first;
      Message const* const held = messages_.find(record.id.value);
      open.fresh = held == nullptr && !plain(record.id);
      // Its copy begins here (the message is not its transaction's already: a transaction
      // naming it again after it left the transaction is a doubt, State::on_send); none was
      // acknowledged yet but at dead places if the first op to name it is still open and
      // clean (an ok completion of it since would have made that dirty).
      open.first = open.fresh || held == nullptr || *held->txn != op.txn;
      // A late invoke of an ended transaction (State::late_in_aborted lets one of an aborted
      // transaction pass) may name a message its transaction sent before: its copy need not
      // begin here, so a completion taking it is judged by on_send, never as a dead ack.
      if (open.first && !open.fresh && ended_.find(op.txn)) open.first = false;
      open.virgin = open.fresh || (open.first && unacked(record.id));
      if (open.first && !open.fresh) ++open_retries_;
    }
    return std::nullopt;
  }
  auto it = invokes.begin();
  if (op.value.size() == 1) {  // Most sends: nothing to sort.
    MessageId const id = op.value.front().id;
    while (it != invokes.end() && (it->least != id || !it->more.empty())) ++it;
  } else {
    OpenSend const ids = send_ids(op);
    while (it != invokes.end() && (it->least != ids.least || it->more != ids.more)) ++it;
  }
  std::optional<OpenSend> taken;
  if (it != invokes.end()) {  // Else alone: a copy of its own transaction.
    taken = std::move(*it);
    invokes.erase(it);
    if (taken->first && !taken->fresh) --open_retries_;
  }
  if (op.type != OpType::ok) return taken;
  note_highs(op);
  // An ok completion acknowledges a copy where nothing records it, making the open first
  // invokes of its ids dirty; but one taking another transaction's first invoke may be a dead
  // ack (on_taken decides). Taking its own fresh invoke, it leaves no other fresh one of its id.
  if (taken && taken->first && taken->txn != op.txn) return taken;
  if (!taken || !taken->fresh || open_retries_ > 0) mark_dirty(op);
  return taken;
}

void State::mark_dirty(Op const& op) {
  for (auto& [process, invokes] : open_sends_) {
    for (OpenSend& open : invokes) {
      if (!open.first) continue;
      for (Record const& record : op.value) open.dirty = open.dirty || open.least == record.id;
    }
  }
}

// Keeps ack_highs_ (and new_place_ for `op`, an ok completion of one record).
void State::note_highs(Op const& op) {
  constexpr std::size_t partitions_max = 256;  // Beyond, a new partition is no new place.
  new_place_ = false;
  for (Record const& record : op.value) {
    if (!record.offset) continue;
    auto const it = std::find_if(ack_highs_.begin(), ack_highs_.end(),
                                 [&](auto const& high) { return high.first == record.partition; });
    if (it == ack_highs_.end()) {
      new_place_ = ack_highs_.size() < partitions_max;
      if (new_place_) ack_highs_.emplace_back(record.partition, *record.offset);
    } else {
      new_place_ = it->second < *record.offset;
      if (new_place_) it->second = *record.offset;
    }
  }
  new_place_ = new_place_ && op.value.size() == 1;
}

// Whether no copy of `id` was acknowledged yet, as far as an open fresh invoke of it tells.
bool State::unacked(MessageId id) const {
  return std::any_of(open_sends_.begin(), open_sends_.end(), [&](auto const& sender) {
    return std::any_of(sender.second.begin(), sender.second.end(), [&](OpenSend const& open) {
      return open.fresh && !open.dirty && open.least == id;
    });
  });
}

// `op` took the invoke `taken` of another transaction: it is an attempt of that invoke's copy
// (transactions_table.cpp, add_attempt), judged as an op of it (its own transaction has only
// named itself, as TxnTableBuilder sees it). A record with a source, in either op, is left to
// the whole history: the pipeline pass follows outputs (whose outcome counts,
// transactions_pipeline.cpp, output_counted) by the op's transaction.
void State::on_taken(Op const& op, OpenSend const& taken) {
  if (taken.sourced || std::any_of(op.value.begin(), op.value.end(), has_source)) return doubt();
  bool recorded = false;
  Message const* const held = messages_.find(taken.least.value);
  if (taken.first && !taken.dirty && (held == nullptr || *held->txn != taken.txn)) {
    recorded = dead_ack(op, taken);
  } else {
    // Held, or ended and known: else a new transaction, or one whose end was forgotten.
    if (!txns_.contains(taken.txn) && !ended_.find(taken.txn)) return doubt();
    for (Record const& record : op.value) on_send(op, record, taken.txn);
  }
  if (op.type == OpType::ok && !recorded) mark_dirty(op);
}

// B's completion of message M took the invoke of A, A's first op to name M, while A holds M
// no more (another transaction sent it again after A aborted, or dooming A, State::resend):
// the attempt is A's copy's, and B gets no copy from it (as on_send never hears of it).
// A ends aborted or open (its commit is a doubt), so the attempt changes only where A's copy
// is acknowledged: here, its first ok completion (A's copy begins at that invoke, `first`, and
// no ok completion of M came since but dead acks, else it is dirty). No other copy was
// acknowledged here: no transactional send was acknowledged this high in the partition yet
// (new_place_), or none of M was before A's invoke (`virgin`) and since then only at the dead
// places (other places); an ack of a later copy here is a doubt (dead_clash). Else the place
// is not recorded (a read there is a doubt, read_elsewhere). So a read here is pinned to A's copy
// (transactions.cpp, candidates) and reads as aborted: an aborted-read for a read_committed
// group (note_dead_read), an allowed one for another. B's copy keeps its own attempts: its
// invoke left open (`info`), or completed later. Returns whether the place was recorded.
bool State::dead_ack(Op const& op, OpenSend const& taken) {
  auto const live = txns_.find(taken.txn);
  std::optional<bool> const committed = ended_.find(taken.txn);
  // A copy of unknown status (transactions_stream_unknown.cpp) would not read as aborted.
  if (has_unknown_copy(op.value.front().id) ||
      (live != txns_.end() ? !live->second.doomed || live->second.commit_info
                           : committed != false)) {
    doubt();
    return false;
  }
  Record const& record = op.value.front();
  if (op.type != OpType::ok || !record.offset) return false;  // No place a read is pinned to.
  if (!taken.virgin && !new_place_) return false;             // Maybe another copy's place.
  auto copy = resent_.find(record.id);
  if (copy == resent_.end()) {
    // Every copy aborted, let go by forget_resent: kept again, for the copies to come. Else
    // forgotten (a read of it by place is a doubt), or never sent again (every read of it is
    // of an aborted copy): not recorded, and later invokes of it are dirty (on_taken).
    MessageId const id = record.id;
    if (messages_.find(id.value) != nullptr || !resent_ids_.contains(id) ||
        dead_ids_.contains(id) || dead_ids_.forgot(id) || resent_.size() >= resent_max)
      return false;
    copy = resent_.try_emplace(id).first;
  }
  ResentCopy& c = copy->second;
  bool const clash = std::any_of(c.dead.begin(), c.dead.end(), [&](DeadPlace const& place) {
    return place.partition == record.partition && place.offset == *record.offset;
  });
  if (taken.topic == nullptr || clash || c.dead.size() == dead_places_max) {
    doubt();
    return false;
  }
  if (!dead_txns_.contains(taken.txn)) {
    if (live == txns_.end()) {  // Its end was not kept (note_dead_end).
      doubt();
      return false;
    }
    dead_txns_.emplace(taken.txn, DeadEnd{});
  }
  c.dead.push_back(
      DeadPlace{taken.txn, taken.topic, record.partition, *record.offset, taken.index});
  dead_any_ = true;
  dead_ids_.insert(record.id);
  sweep_dead_txns();
  return true;
}

// `op` ends its transaction here (an abort op, or a failed commit), or is an abort ok of one
// ended: kept for a transaction with a dead copy, or with an open fresh invoke that may take
// another transaction's acknowledgement later.
void State::note_dead_end(Op const& op) {
  auto it = dead_txns_.find(op.txn);
  if (it == dead_txns_.end()) {
    if (ended_.find(op.txn)) return;  // Ended before with no such invoke.
    bool const open = std::any_of(open_sends_.begin(), open_sends_.end(), [&](auto const& p) {
      return std::any_of(p.second.begin(), p.second.end(), [&](OpenSend const& send) {
        return send.first && !send.dirty && send.txn == op.txn;
      });
    });
    if (!open) return;
    it = dead_txns_.emplace(op.txn, DeadEnd{}).first;
  }
  DeadEnd& end = it->second;
  if (!end.end) {
    end.end = op.index;
    end.by_commit = op.f == OpKind::txn_commit;
  }
  if (op.f == OpKind::txn_abort && op.type == OpType::ok && !end.abort_ok) end.abort_ok = op.index;
  if (dead_txns_.size() > dead_txns_max) sweep_dead_txns();
}

// Lets go the transactions nothing refers to any more; a doubt if too many still are.
void State::sweep_dead_txns() {
  if (dead_txns_.size() <= dead_txns_max) return;
  std::set<std::string_view> used;
  for (auto const& [process, invokes] : open_sends_)
    for (OpenSend const& open : invokes) used.insert(open.txn);
  for (auto const& [id, copy] : resent_)
    for (DeadPlace const& place : copy.dead) used.insert(place.txn);
  for (DeadRead const& read : dead_reads_) used.insert(read.txn);
  std::erase_if(dead_txns_, [&](auto const& entry) { return !used.contains(entry.first); });
  if (dead_txns_.size() > dead_txns_max) doubt();
}

// Whether an ok completion of `record` may acknowledge a copy at one of its message's dead
// places (a read there would no longer be pinned to the dead copy alone), or they were let go.
bool State::dead_clash(Record const& record) const {
  if (!dead_any_ || (!dead_ids_.contains(record.id) && !dead_ids_.forgot(record.id))) return false;
  auto const it = resent_.find(record.id);
  if (it == resent_.end() || it->second.dead.empty()) return true;
  return std::any_of(it->second.dead.begin(), it->second.dead.end(), [&](DeadPlace const& place) {
    return place.partition == record.partition && place.offset == record.offset;
  });
}

DeadPlace const* State::read_dead(Record const& record) const {
  if (!dead_any_ || !record.offset) return nullptr;
  auto const it = resent_.find(record.id);
  if (it == resent_.end()) return nullptr;
  for (DeadPlace const& place : it->second.dead) {
    if (*place.topic == record.topic && place.partition == record.partition &&
        place.offset == *record.offset)
      return &place;
  }
  return nullptr;
}

// An aborted-read of a dead copy (transactions.cpp, find_reads: the first read per group,
// message and class; any earlier aborted read of it by the group was a doubt).
void State::note_dead_read(Op const& op, MessageId id, DeadPlace const& place) {
  for (DeadRead const& read : dead_reads_)
    if (read.id == id && read.group == op.group) return;
  if (dead_reads_.size() == dead_reads_max) return doubt();
  dead_reads_.push_back(DeadRead{op.group, id, op.index, op.f, place.txn, place.first});
}

// As transactions.cpp, aborted_read, with the end resolve() gives the dead copy's transaction:
// a first abort ok outranks the end this pass saw (an abort invoke, or a failed commit).
std::vector<Anomaly> State::dead_anomalies() const {
  std::vector<Anomaly> anomalies;
  for (DeadRead const& r : dead_reads_) {
    DeadEnd const& end = dead_txns_.find(r.txn)->second;
    std::string const read = "group " + r.group + " (read_committed) read " + message_name(r.id) +
                             " in a " + std::string(history::to_string(r.f)) + " (op " +
                             std::to_string(r.read) + ") of transaction " + r.txn;
    std::optional<std::uint64_t> const by = end.abort_ok ? end.abort_ok : end.end;
    if (!by) {
      anomalies.push_back(
          Anomaly{"aborted-read", r.id, r.group, unique_sorted({r.first, r.read}),
                  read + ", which never committed (no txn-commit or txn-abort in the history)"});
      continue;
    }
    bool const commit_failed = !end.abort_ok && end.by_commit;
    anomalies.push_back(
        Anomaly{"aborted-read", r.id, r.group, unique_sorted({r.read, *by}),
                read + (commit_failed ? ", whose commit failed (op " : ", which was aborted (op ") +
                    std::to_string(*by) + ")"});
  }
  sort_anomalies(anomalies);
  return anomalies;
}

bool State::resendable(std::string_view txn, MessageId id) const {
  // One copy of unknown status is followed, no more (transactions_stream_unknown.cpp).
  if (txn.empty() || ended_.contains(txn) || has_unknown_copy(id)) return false;
  auto const live = txns_.find(txn);
  // Its commit requested, or itself doomed (its copy would merge earlier attempts): a doubt.
  if (live != txns_.end() && (live->second.phase != Txn::Phase::open || live->second.doomed))
    return false;
  Message const* const held = messages_.find(id.value);
  if (held == nullptr) return ids_.aborted(id);
  if (*held->txn == txn) return false;  // Its own copy.
  Txn const& holder = txns_.find(*held->txn)->second;
  // A requested one: only if its commit ended info (transactions_stream_unknown.cpp).
  return holder.phase == Txn::Phase::open || resendable_unknown(holder, id);
}

// Dooms the transaction holding `held` (if any) and lets its copy go: B's copy takes its place.
void State::resend(Message* held, MessageId id) {
  ResentCopy next;
  Txn const* const holder = held == nullptr ? nullptr : &txns_.find(*held->txn)->second;
  if (holder != nullptr && holder->commit_info) {
    note_unknown_copy(*holder, id, next);  // Not aborted: its earlier copies stay unknown.
  } else {
    take_aborted(held, id, next);  // Where its earlier copies are: held's is let go below.
  }
  if (held != nullptr) {
    txns_.find(*held->txn)->second.doomed = true;
    messages_.erase(id.value);
  }
  resent_any_ = true;
  resent_ids_.insert(id);
  // A dead place stays (dead_clash doubts at an ack there); one let go is a doubt.
  auto const before = resent_.find(id);
  // A read judged as the copy let go (read_as_live) would be judged anew: unreachable, as that
  // copy's commit was requested or it was let go, and neither is sent again (resendable).
  if (before != resent_.end() && !before->second.read_places.empty()) doubt();
  if (before != resent_.end() && !before->second.dead.empty()) {
    next.dead = std::move(before->second.dead);
  } else if (dead_any_ && (dead_ids_.contains(id) || dead_ids_.forgot(id))) {
    doubt();
  }
  resent_.insert_or_assign(id, std::move(next));
  if (resent_.size() > resent_max) {  // Its reads will doubt.
    // A read judged as its live copy's (read_as_live) could be pinned elsewhere by a later
    // acknowledgement, unseen now.
    if (!resent_.begin()->second.read_places.empty()) doubt();
    resent_.erase(resent_.begin());
  }
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
  auto const it = resent_.find(id);
  if (it == resent_.end()) return;
  if (it->second.dead.empty()) {
    resent_.erase(it);
  } else {  // Its dead place stays for copies to come (resend).
    it->second.topic = nullptr;
    it->second.acked = false;
    it->second.partition.reset();
    it->second.offset.reset();
    it->second.aborted.reset();  // Kept by State::keep_aborted, if known.
    std::vector<AbortedPlace>().swap(it->second.read_places);  // Every copy reads as aborted.
  }
}

std::size_t State::copies_memory_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16;  // A map node's links and malloc's.
  std::size_t bytes = resent_ids_.memory_bytes() + unknown_ids_.memory_bytes() +
                      resent_.size() * (node + sizeof(MessageId) + sizeof(ResentCopy));
  bytes += open_sends_.capacity() * sizeof(open_sends_.front());
  auto const text = [](std::string const& name) {
    return name.capacity() > 15 ? name.capacity() + 17 : 0;
  };
  for (auto const& [id, copy] : resent_) {
    bytes += copy.dead.capacity() * sizeof(DeadPlace);
    for (DeadPlace const& place : copy.dead) bytes += text(place.txn);
  }
  bytes += dead_ids_.memory_bytes() + dead_reads_.capacity() * sizeof(DeadRead) +
           ack_highs_.capacity() * sizeof(ack_highs_.front());
  for (DeadRead const& read : dead_reads_) bytes += text(read.group) + text(read.txn);
  for (auto const& [name, end] : dead_txns_)
    bytes += node + sizeof(name) + text(name) + sizeof(end);
  for (auto const& [process, invokes] : open_sends_) {
    bytes += (process.capacity() > 15 ? process.capacity() + 17 : 0) +
             invokes.capacity() * sizeof(OpenSend);
    for (OpenSend const& open : invokes) {
      bytes += open.more.capacity() * sizeof(MessageId) +
               (open.txn.capacity() > 15 ? open.txn.capacity() + 17 : 0);
    }
  }
  return bytes + aborted_memory_bytes();
}

}  // namespace mqcheck::checker::txn_stream_detail
