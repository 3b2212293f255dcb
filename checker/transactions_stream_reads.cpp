// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream_reads.cpp (layer: checker)
// The transactions stream's reads and processings (checker/transactions_stream.cpp says what
// the stream proves): a read_committed read waits in its transaction or doubts; another
// group's read is only counted (UncommittedReader); processings count toward a committed
// transaction's readers (torn-transaction).
#include <bit>

#include "checker/transactions_stream_state.hpp"

namespace mqcheck::checker::txn_stream_detail {

void State::on_read(Op const& op, Record const& record) {
  // A copy of unknown status may explain it (transactions_stream_unknown.cpp).
  if (read_unknown_elsewhere(record)) return doubt();
  // Pinned to a dead copy (transactions_stream_copies.cpp, read_dead): aborted, whatever the
  // others.
  if (DeadPlace const* dead = read_dead(record)) return note_dead_read(op, record.id, *dead);
  Message const* const held = messages_.find(record.id.value);
  if (held == nullptr) {
    // Sent outside transactions, by a committed one, or not yet: a later send in a
    // transaction would make this read one of it (plain() then doubts). Of an aborted one, or
    // forgotten (a late read): a doubt.
    if (ids_.maybe_aborted(record.id)) return doubt();
    if (read_elsewhere(record) && !read_as_live(record)) return doubt();
    ids_.name(record.id);
    return;
  }
  auto const txn = txns_.find(*held->txn);
  if (txn->second.phase == Txn::Phase::open) return doubt();  // Before the commit request.
  // Maybe of an earlier copy, aborted.
  if (read_elsewhere(record) && !read_as_live(record)) return doubt();
  if (txn->second.phase == Txn::Phase::requested) note_waiting(txn, op, record);
}

// A read judged as `txn`'s copy's after its commit request: fine if it commits, a doubt if it
// aborts, `maybe` if it ends unknown (count_maybe_reads).
void State::note_waiting(std::map<std::string, Txn, std::less<>>::iterator txn, Op const& op,
                         Record const& record) {
  constexpr std::size_t waiting_max = 256;  // Beyond, an unknown end is a doubt.
  ++txn->second.waiting_reads;
  if (txn->second.waiting.size() >= waiting_max) return;
  edit_txn(txn, [&](Txn& t) {
    t.waiting.push_back(
        WaitingRead{group_bit(op.group), record.id, record.partition, record.offset});
  });
}

// `txn` is still requested at the end: unless its commit ended info (transactions_table.cpp,
// resolve: unknown), or some of its reads were not kept, returns false (a doubt). Else its
// reads read its copy `maybe` (transactions.cpp, classify: each was judged as its copy's, the
// least severe candidate, State::on_read), and walk_reads counts each (group, message) once;
// unless the message was sent again (transactions_stream_unknown.cpp) and the read is pinned
// to that copy alone, by its place, which reads precommitted there (a doubt).
bool State::count_maybe_reads(Txn const& txn) {
  if (!txn.commit_info || txn.waiting.size() != txn.waiting_reads) return false;
  for (WaitingRead const& read : txn.waiting) {
    if (has_unknown_copy(read.id)) {
      auto const it = resent_.find(read.id);
      if (it == resent_.end()) return false;  // Forgotten.
      ResentCopy const& copy = it->second;
      std::optional<AbortedPlace> const& unknown = copy.unknown_place;
      bool const at_live = read.offset && copy.acked && copy.partition == read.partition &&
                           copy.offset == read.offset;
      bool const at_unknown = read.offset && unknown && unknown->partition == read.partition &&
                              unknown->offset == *read.offset;
      if (at_live && !at_unknown) return false;
    }
    maybe_reads_.emplace(read.bit, read.id);
  }
  return true;
}

// A read by a group not read_committed (its reader found at its first need): never a doubt
// for what it saw, only counted (UncommittedReader says when).
void State::on_uncommitted_read(std::string_view group, Record const& record,
                                UncommittedReader*& reader) {
  MessageId const id = record.id;
  // A copy of unknown status may explain it, `maybe` (transactions_stream_unknown.cpp).
  if (read_unknown_elsewhere(record)) return doubt();
  // Pinned to a dead copy, or to an earlier aborted one (transactions_stream_aborted.cpp):
  // aborted, whatever the others.
  if (read_dead(record) || read_aborted_copy(record))
    return count_uncommitted(uncommitted_reader(group, reader), id);
  Message const* const held = messages_.find(id.value);
  if (held == nullptr) {
    // As on_read, but a message of an aborted transaction is counted; one whose fate was
    // forgotten (a late read) is still a doubt.
    if (ids_.maybe_aborted(id)) {
      if (!ids_.aborted(id)) return doubt();
      return count_uncommitted(uncommitted_reader(group, reader), id);
    }
    // Of a committed copy, or an earlier one.
    if (read_elsewhere(record) && !read_as_live(record)) return doubt();
    ids_.name(id);
    return;
  }
  auto const txn = txns_.find(*held->txn);
  // Open: counted whichever copy it read (each reads as precommitted or aborted).
  if (txn->second.phase == Txn::Phase::open)
    return count_uncommitted(uncommitted_reader(group, reader), id);
  if (read_elsewhere(record) && !read_as_live(record)) return doubt();
  if (txn->second.phase == Txn::Phase::requested) {
    UncommittedReader* const counter = &uncommitted_reader(group, reader);
    edit_txn(txn, [id, counter](Txn& t) { t.uncommitted_reads.emplace_back(id, counter); });
  }
}

UncommittedReader& State::uncommitted_reader(std::string_view group, UncommittedReader*& reader) {
  if (reader == nullptr) {
    auto it = uncommitted_.find(group);
    if (it == uncommitted_.end())
      it = uncommitted_.emplace(std::string(group), UncommittedReader(recent_ids_)).first;
    reader = &it->second;
  }
  return *reader;
}

void State::count_uncommitted(UncommittedReader& reader, MessageId id) {
  if (reader.counted.contains(id)) return;        // Counted once per group.
  if (reader.counted.forgot(id)) return doubt();  // Counted maybe, long ago.
  reader.counted.insert(id);
  ++reader.n;
}

void State::on_process(Op const& op, Record const& record, std::uint32_t bit) {
  if (bit == 0 || messages_.find(record.id.value) == nullptr) return;  // Nothing owed.
  if (op.txn.empty()) return mark_processed(record.id, bit);
  if (std::optional<bool> const committed = ended_.find(op.txn)) {
    if (*committed) mark_processed(record.id, bit);  // Aborted: rolled back (KIP-98).
    return;
  }
  edit_txn(txn_entry(op.txn),
           [&record, bit](Txn& t) { t.processings.emplace_back(record.id, bit); });
}

void State::mark_processed(MessageId id, std::uint32_t bit) {
  Message* const m = messages_.find(id.value);
  if (m == nullptr || (m->processed & bit) != 0) return;
  m->processed |= bit;
  if ((m->required & bit) == 0) return;
  auto const txn = txns_.find(*m->txn);
  if (txn->second.phase != Txn::Phase::committed) return;  // Counted at its commit.
  --txn->second.missing;
  drop_if_complete(txn->first);
}

}  // namespace mqcheck::checker::txn_stream_detail
