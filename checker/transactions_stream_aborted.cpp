// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream_aborted.cpp (layer: checker)
// A message sent again (transactions_stream_copies.cpp follows only its latest, live copy):
// where its earlier copies, all aborted or doomed (both read as aborted, transactions.cpp,
// classify), were acknowledged, so that the transactions stream (transactions_stream.hpp)
// judges a read with a place (topic, partition, offset) as check_transactions does. A read is
// pinned to the copy acknowledged there if exactly one was, else every copy is a candidate and
// the least severe explains it (transactions.cpp, candidates): the live copy, since the others
// read as aborted. So a read at a place of exactly one earlier copy, and not the live copy's,
// reads as aborted (read_aborted_copy: a group not read_committed counts it, "aborted or
// uncommitted (allowed)"; a read_committed one is still a doubt); a read at no earlier copy's
// place reads as the live copy, wherever the live copy is acknowledged (read_as_live). Both
// need every earlier copy known:
//   - its acknowledgement (its first `ok` send, transactions_table.cpp, add_attempt) is kept
//     by its transaction while held (HeldAck), handed on at its abort (aborted_places_) or when
//     the message is sent again (ResentCopy::aborted); the latest aborted copy's may come after
//     its abort (Kafka completes the batches in flight while it aborts, KIP-98): an `ok` send
//     taking its invoke is followed (note_send_ok);
//   - an `ok` send of any other copy not held (an older one's late completion, a plain send),
//     an evicted record, or copies begun in several topics in one transaction make the earlier
//     copies unknown, and such a read is a doubt as before;
// and both need the read to stay so: a later `ok` send of the live copy at an earlier copy's
// place, or of another copy at a place read as the live copy's (until the live copy is
// acknowledged there), is a doubt (note_send_ok).
#include <algorithm>

#include "checker/transactions_stream_state.hpp"

namespace mqcheck::checker::txn_stream_detail {

namespace {

// How many messages whose every copy aborted keep their places until sent again, and how many
// places one message keeps (a message retried more often has its places unknown).
constexpr std::size_t aborted_max = 64;
constexpr std::size_t aborted_places_max = 8;
// How many places of reads judged as the live copy's one message keeps (read_as_live).
constexpr std::size_t read_places_max = 8;

bool at_place(AbortedPlace const& place, Record const& record) {
  return record.offset && *place.topic == record.topic && place.partition == record.partition &&
         place.offset == *record.offset;
}

bool ack_before(HeldAck const& ack, MessageId id) { return ack.id < id; }

}  // namespace

// Keeps the first `ok` send of a held copy of `txn` (an earlier one wins, add_attempt). A
// committed transaction's copies are never sent again (State::resendable), so none is kept.
void State::note_held_ack(std::map<std::string, Txn, std::less<>>::iterator txn, Op const& op,
                          Record const& record) {
  if (op.type != OpType::ok || txn->second.phase == Txn::Phase::committed) return;
  std::vector<HeldAck>& acks = txn->second.acks;
  auto const at = std::lower_bound(acks.begin(), acks.end(), record.id, ack_before);
  if (at != acks.end() && at->id == record.id) return;
  auto const offset = at - acks.begin();
  edit_txn(txn, [&](Txn& t) {
    t.acks.insert(t.acks.begin() + offset, HeldAck{record.id, record.partition, record.offset});
  });
}

// A copy of `txn` began in `topic` (its first op's, transactions_table.cpp, add_attempt).
void State::note_copy_topic(Txn& txn, std::string const* topic) {
  if (txn.topic == nullptr) txn.topic = topic;
  txn.mixed_topics = txn.mixed_topics || txn.topic != topic;
}

// The copies of `id` up to that of `txn` (named `name`), which holds it, or nullopt if one is
// unknown.
std::optional<AbortedCopies> State::copies_of(std::string const& name, Txn const& txn,
                                              MessageId id) const {
  AbortedCopies copies;
  // Sent again once, its copy was made by State::resend, which kept the earlier ones; else its
  // copy is the first (State::on_send: a message named before is sent again).
  if (resent_ids_.contains(id) || resent_ids_.forgot(id)) {
    auto const before = resent_.find(id);
    if (before == resent_.end() || !before->second.aborted) return std::nullopt;
    copies = *before->second.aborted;
  }
  if (txn.mixed_topics || txn.topic == nullptr) return std::nullopt;
  copies.last = name;
  copies.last_topic = txn.topic;
  auto const ack = std::lower_bound(txn.acks.begin(), txn.acks.end(), id, ack_before);
  copies.last_acked = ack != txn.acks.end() && ack->id == id;
  if (!copies.last_acked || !ack->offset) return copies;  // None, or pinned nowhere.
  if (copies.places.size() == aborted_places_max) return std::nullopt;
  copies.places.push_back(AbortedPlace{txn.topic, ack->partition, *ack->offset});
  return copies;
}

// `txn` (named `name`) aborts, holding `id`: its copy and the earlier ones are kept until the
// message is sent again (take_aborted).
void State::keep_aborted(std::string const& name, Txn const& txn, MessageId id) {
  aborted_places_.erase(id);
  std::optional<AbortedCopies> copies = copies_of(name, txn, id);
  if (!copies) return;
  aborted_places_.insert_or_assign(id, std::move(*copies));
  if (aborted_places_.size() > aborted_max) aborted_places_.erase(aborted_places_.begin());
}

// `id` is sent again (State::resend), held by `held`'s open transaction (doomed now) or by none
// (every copy aborted): `next`, its new copy, learns its earlier copies, if known.
void State::take_aborted(Message const* held, MessageId id, ResentCopy& next) {
  if (held != nullptr) {
    auto const txn = txns_.find(*held->txn);
    next.aborted = copies_of(txn->first, txn->second, id);
  } else if (auto const kept = aborted_places_.find(id); kept != aborted_places_.end()) {
    next.aborted = std::move(kept->second);
    aborted_places_.erase(kept);
  }
}

namespace {

// An `ok` send of `record` in an attempt of the copy of `copy_txn` (its first op's), `copies`
// being the message's earlier copies: returns whether they are still known. The latest copy's
// first acknowledgement is its place (add_attempt); a later one changes nothing. Another
// copy's may be the first of a copy not followed (a late completion of an older one).
bool follow_ack(AbortedCopies& copies, std::string const& copy_txn, Record const& record) {
  if (copy_txn.empty() || copy_txn != copies.last) return false;
  if (copies.last_acked) return true;
  copies.last_acked = true;
  if (!record.offset) return true;
  if (copies.places.size() == aborted_places_max) return false;
  copies.places.push_back(AbortedPlace{copies.last_topic, record.partition, *record.offset});
  return true;
}

}  // namespace

// Follows `op`, an `ok` send, for messages whose earlier copies are kept. One at a kept place
// may be a copy's first there (the live copy's, or an earlier one's not acknowledged before):
// a read there, counted as pinned to one copy, would be pinned to two (a doubt). One at a
// place read as the live copy's may pin that read to another copy (a doubt).
void State::note_send_ok(Op const& op, std::string const& copy_txn) {
  if (op.type != OpType::ok) return;
  for (Record const& record : op.value) {
    if (auto const kept = aborted_places_.find(record.id); kept != aborted_places_.end()) {
      if (!follow_ack(kept->second, copy_txn, record)) aborted_places_.erase(kept);
    }
    if (!resent_any_) continue;
    auto const it = resent_.find(record.id);
    if (it == resent_.end()) continue;
    ResentCopy& copy = it->second;
    auto const here = [&](AbortedPlace const& place) { return at_place(place, record); };
    if (copy.aborted && std::any_of(copy.aborted->places.begin(), copy.aborted->places.end(), here))
      return doubt();
    Message const* const held = messages_.find(record.id.value);
    if (held != nullptr && *held->txn == copy_txn) {  // The live copy's.
      // Its acknowledgement: a read here is pinned to it, or to none (the same).
      if (!copy.acked) std::erase_if(copy.read_places, here);
      continue;
    }
    if (std::any_of(copy.read_places.begin(), copy.read_places.end(), here)) return doubt();
    if (copy.aborted && !follow_ack(*copy.aborted, copy_txn, record)) copy.aborted.reset();
  }
}

// Whether a read of `record` is pinned to one earlier, aborted copy of a message sent again.
bool State::read_aborted_copy(Record const& record) const {
  if (!resent_any_ || !record.offset) return false;
  auto const it = resent_.find(record.id);
  if (it == resent_.end() || !it->second.aborted) return false;
  ResentCopy const& copy = it->second;
  // Also the latest copy's place: judged as that copy's (read_elsewhere), as before.
  if (copy.acked && copy.topic != nullptr && *copy.topic == record.topic &&
      copy.partition == record.partition && copy.offset == record.offset)
    return false;
  std::vector<AbortedPlace> const& places = copy.aborted->places;
  return std::count_if(places.begin(), places.end(),
                       [&](AbortedPlace const& place) { return at_place(place, record); }) == 1;
}

// Whether a read of `record`, at no place of the live copy's, is judged as the live copy's:
// pinned to no copy (none acknowledged there so far, of the earlier copies all known), its
// candidates are every copy (transactions.cpp, candidates), and the live copy is the least
// severe (the others read as aborted); pinned to the live copy alone (its acknowledgement
// yet to come), it is the same. Only a later acknowledgement of another copy there could pin
// it elsewhere: the place is kept, and note_send_ok doubts at one.
bool State::read_as_live(Record const& record) {
  if (!resent_any_ || !record.offset || !resent_ids_.contains(record.id)) return false;
  auto const it = resent_.find(record.id);
  if (it == resent_.end() || !it->second.aborted) return false;
  ResentCopy& copy = it->second;
  std::vector<AbortedPlace> const& places = copy.aborted->places;
  if (std::any_of(places.begin(), places.end(),
                  [&](AbortedPlace const& place) { return at_place(place, record); }))
    return false;
  auto const topic = topic_required_.find(record.topic);
  if (topic == topic_required_.end() || copy.read_places.size() == read_places_max) return false;
  AbortedPlace const place{&topic->first, record.partition, *record.offset};
  bool const known = std::any_of(copy.read_places.begin(), copy.read_places.end(),
                                 [&](AbortedPlace const& kept) { return at_place(kept, record); });
  if (!known) copy.read_places.push_back(place);
  return true;
}

std::size_t State::aborted_memory_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16;  // A map node's links and malloc's.
  auto const bytes_of = [](AbortedCopies const& copies) {
    return copies.places.capacity() * sizeof(AbortedPlace) +
           (copies.last.capacity() > 15 ? copies.last.capacity() + 17 : 0);
  };
  std::size_t bytes = 0;
  for (auto const& [id, copies] : aborted_places_)
    bytes += node + sizeof(id) + sizeof(copies) + bytes_of(copies);
  for (auto const& [id, copy] : resent_) {
    bytes += copy.read_places.capacity() * sizeof(AbortedPlace);
    if (copy.aborted) bytes += bytes_of(*copy.aborted);
  }
  return bytes;
}

}  // namespace mqcheck::checker::txn_stream_detail
