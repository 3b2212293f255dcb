// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream.cpp (layer: checker)
// The streaming pass of transactional visibility (checker/transactions_stream.hpp). Each rule
// of check_transactions is judged by a sufficient condition for "no anomaly, no doubt":
//   aborted-read / precommitted-read: a read of a transactional message waits in its
//     transaction, once the commit was requested, until the commit is `ok` (Kafka writes the
//     commit markers after EndTxn is requested, KIP-98, so a read in between is legal); a read
//     before the request, or a transaction that then ends otherwise, is a doubt, but for one
//     whose commit ended info and stays unknown: its reads read `maybe`, counted per (group,
//     message) at the end (transactions_stream_reads.cpp, count_maybe_reads);
//   torn-transaction: per committed transaction, the (member, read_committed reader) pairs not
//     yet processed; it is dropped at zero, and at the end each group must have processed all
//     of it or none.
// Only read_committed groups are held to visibility. Any other group (read_uncommitted, Kafka's
// default isolation.level, or a group the header does not declare) may read a transaction's
// records as soon as they are written, and aborted ones (KIP-98, and
// https://kafka.apache.org/documentation/#consumerconfigs_isolation.level): its reads are
// never a doubt, only counted for the verdict's reason, as check_transactions counts them
// (UncommittedReader).
// A transaction's status is final at its first decisive end (commit ok; abort; commit fail):
// a later op that could change it under the table's precedence (transactions_table.cpp,
// resolve) is a doubt, so nothing judged early is undone. Ended transactions keep their name
// and status (as TxnTableBuilder does), compactly: a producer's counted names are intervals,
// recent ones only (checker/transactions_ended.hpp: an op naming a forgotten one is a doubt);
// held messages and open transactions are the rest.
#include "checker/transactions_stream.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "checker/transactions_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace txn_stream_detail {

State::State(history::Header const& header, std::size_t recent_intervals, std::uint64_t recent_ids)
    : header_(header),
      ended_(recent_intervals),
      pipeline_(
          header, ended_, [this](std::string_view name) { return open(name); },
          [this](std::string_view txn, MessageId id) { return resendable(txn, id); },
          [this](std::string_view txn) { return in_doubt(txn); }),
      ids_(recent_ids),
      recent_ids_(recent_ids),
      resent_ids_(recent_ids),
      unknown_ids_(recent_ids),
      dead_ids_(recent_ids) {
  for (auto const& [group, spec] : header.groups) {
    if (spec.isolation != history::GroupSpec::Isolation::read_committed) continue;
    if (group_bits_.size() == txn_groups_max) {
      doubt();
      break;
    }
    group_bits_.emplace(group, std::uint32_t{1} << group_bits_.size());
  }
  for (auto const& [topic, groups] : header.subscriptions) {
    std::uint32_t& required = topic_required_[topic];
    for (std::string const& group : groups) required |= group_bit(group);
    exercised_ = exercised_ || required != 0;
  }
}

std::uint32_t State::group_bit(std::string const& group) const {
  auto const found = group_bits_.find(group);
  return found == group_bits_.end() ? 0 : found->second;
}

void State::observe(Op const& op) {
  // TransactionsStream calls it from the first transactional op on (start()).
  if (doubt_ || !history::is_client_op(op)) return;
  // A transaction whose end was forgotten: a late op on it could change what was judged.
  if (!op.txn.empty() && !known_txn(op)) return doubt();
  if (op.f == OpKind::send && op.txn.empty()) note_send_ok(op, op.txn);
  if (op.f == OpKind::send && !op.txn.empty()) {
    // A completion taking another transaction's invoke is an attempt of that invoke's copy.
    std::optional<OpenSend> const taken = pair_send(op);
    note_send_ok(op, taken ? taken->txn : op.txn);
    if (taken && taken->txn != op.txn) {
      pipeline_.observe(op);
      return on_taken(op, *taken);
    }
  }
  pipeline_.observe(op);
  if (op.f == OpKind::txn_begin || op.f == OpKind::txn_commit || op.f == OpKind::txn_abort)
    return on_txn_op(op);
  if (op.f == OpKind::send) {
    // A send's copy takes the transaction of its attempt's first op (transactions_table.cpp,
    // add_attempt): an invoke naming no message gives its own to the messages its completion
    // names. Rare, and left to the whole-history checker.
    if (op.type == OpType::invoke && op.value.empty()) return doubt();
    for (Record const& record : op.value) on_send(op, record, op.txn);
    return;
  }
  if (!is_ok_read(op)) return;
  std::uint32_t const bit = group_bit(op.group);
  exercised_ = exercised_ || bit != 0;
  UncommittedReader* reader = nullptr;  // Looked up at its first need.
  for (Record const& record : op.value) {
    if (bit != 0) {
      on_read(op, record);
    } else {
      on_uncommitted_read(op.group, record, reader);
    }
    if (op.f == OpKind::process) on_process(op, record, bit);
  }
}

// Whether this pass knows what became of the transaction `op` names, so far: held, ended and
// remembered, or new. A counted name in its prefix's window is new above the window's floor
// and forgotten below it (a doubt). A loose name (checker/transactions_ended.hpp: uncounted, or
// of a prefix dropped or made again since) that is neither remembered nor held open is new or
// forgotten, except at its txn-begin: by docs/history-format.md a transaction's first op is its
// txn-begin and its name is unique, so the name is a new transaction's (were it reused, the
// table would merge both transactions into one, and this pass would judge them apart). A
// transaction that starts without a txn-begin makes every name kept from then on (EndedTxns::
// keep_names), or is a doubt when one was forgotten already.
bool State::known_txn(Op const& op) {
  bool loose = false;
  EndedTxns::Fate const fate = ended_.fate(op.txn, &loose);
  if (!loose) return fate != EndedTxns::Fate::forgotten;
  if (fate == EndedTxns::Fate::committed || fate == EndedTxns::Fate::aborted) return true;
  if (op.f == OpKind::txn_begin || open(op.txn)) return true;
  // Not held open, nor known to have ended: new (its first op, not a txn-begin), or forgotten.
  ended_.keep_names();
  return fate == EndedTxns::Fate::none;
}

// Held and not committed yet: its end is still to come, so no forgotten end hides behind its
// name. (A committed one stays held until its readers are done; its end may be forgotten.)
bool State::open(std::string_view name) const {
  auto const it = txns_.find(name);
  return it != txns_.end() && it->second.phase != Txn::Phase::committed;
}

// Until the first transactional op every copy is a plain one, and TransactionsStream::observe
// keeps inline only what a later op is judged against; this is all of it, by what each part of
// the pass holds (what else they would hold stays empty without a transactional op):
//   - visibility: only how far the ids named so far reach (plain() takes every id up to there
//     as plain: a doubt at worst), whether a read_committed group read (finish()'s wording),
//     and a send invoke naming no message (a doubt, should a transaction come);
//   - the pipeline pass (checker/transactions_pipeline_stream.hpp), until a record has a
//     source: how far the ids sent reach (its "fresh" test; handed over here and at start()),
//     and from each process op, which group each process first processed for and the buffers
//     of groups that may still turn transformer. It holds no output, transformer or
//     transaction before a source, so a send without one, a read or a commit changes nothing
//     else in it.
// Such a send goes to the pipeline pass whole, with how far the sends before it reached.
void State::send_before(Op const& op, bool sent_before, std::uint64_t max_sent_before) {
  if (op.type == OpType::invoke && op.value.empty()) doubt();
  pipeline_.sent_before(sent_before, max_sent_before);
  pipeline_.observe(op);
}

// Returns whether a read_committed group has read (then no later read before the first
// transactional op changes anything).
bool State::read_before(Op const& op) {
  exercised_ = exercised_ || group_bit(op.group) != 0;
  return exercised_;
}

void State::start(bool named_before, std::uint64_t min_before, std::uint64_t max_before,
                  bool sent_before, std::uint64_t max_sent_before) {
  transactional_ = true;  // Even after a doubt: decided() then says so.
  named_before_ = named_before;
  min_before_ = min_before;
  max_before_ = max_before;
  pipeline_.sent_before(sent_before, max_sent_before);
}

bool State::plain(MessageId id) const {
  return (named_before_ && id.value >= min_before_ && id.value <= max_before_) || ids_.named(id);
}

void State::on_txn_op(Op const& op) {
  if (op.txn.empty()) return;  // Names no transaction: the table skips it.
  if (std::optional<bool> const committed = ended_.find(op.txn)) {
    // A commit ok wins over everything (resolve), so a committed one stays committed; an
    // aborted one could still turn committed or unknown.
    if (!*committed && op.f == OpKind::txn_commit) doubt();
    if (!*committed && op.f == OpKind::txn_abort && op.type == OpType::ok) note_dead_end(op);
    return;
  }
  auto const it = txn_entry(op.txn);
  if (op.f == OpKind::txn_commit) return on_commit(op, it->second, it->first);
  if (op.f == OpKind::txn_abort) {
    // An abort after the commit request leaves the status to the commit's outcome.
    if (it->second.phase == Txn::Phase::requested) return doubt();
    note_dead_end(op);
    abort(it->first);
  }
}

void State::on_commit(Op const& op, Txn& txn, std::string const& name) {
  switch (op.type) {
    case OpType::invoke:
      // One of a doomed transaction could end committed or unknown.
      if (txn.doomed) return doubt();
      // A retried commit (Kafka's producer retries EndTxn, KIP-98, KIP-360; or a duplicated
      // line): the request stays the first one (resolve keeps commit_request first), and a
      // commit ok still decides (it wins over everything). Only a failure decides otherwise:
      // an invoke it leaves open makes the status unknown (resolve), so that is a doubt.
      if (txn.phase == Txn::Phase::requested) txn.commit_in_doubt = true;
      txn.phase = Txn::Phase::requested;
      return;
    case OpType::ok:
      return commit(txn, name);
    case OpType::fail:
      if (txn.commit_in_doubt) return doubt();  // Unknown, or aborted: by invokes still open.
      note_dead_end(op);
      return abort(name);  // Aborted, unless a later commit says otherwise: a doubt then.
    case OpType::info:
      // Unknown (resolve: commit_info), unless a commit ok or an abort ok comes later (they
      // win), as for a commit request left open: so it stays requested, its commit request
      // the first commit op (resolve keeps it first, or this one when none came before). A
      // read_committed read of it from the request on is `maybe` (waiting_reads: a doubt at
      // the end, decided()), and a read_uncommitted one is not counted (walk_reads counts
      // only reads whose class is not `maybe`; uncommitted_reads are counted at an abort
      // only). A failure after it leaves the status unknown: a doubt (commit_in_doubt).
      // A crashed transactional producer ends its commit so (the pipeline scenario's crash).
      // Its messages may be sent again (transactions_stream_unknown.cpp).
      txn.commit_in_doubt = true;
      txn.commit_info = true;
      txn.phase = Txn::Phase::requested;
      return;
    case OpType::event:
      return doubt();
  }
}

// A send completing after its transaction aborted (the stream ends a transaction at its
// txn-abort invoke; Kafka completes or fails the batches in flight while it aborts, KIP-98),
// of a message whose every copy is of an aborted transaction and none is held: the attempt
// joins one of them (transactions_table.cpp, add_attempt: its invoke's), or makes one of its
// own in the aborted transaction when it stands alone. Every copy stays aborted, so every read
// of it is judged as before (a read of an aborted copy whatever the copy, pinned or not). A
// later send of the message in another transaction is still a doubt (plain()), so an
// acknowledgement kept by an aborted copy never decides a read. An invoke is left to the
// whole-history checker, and so is a completion whose record names a source (the pipeline
// pass doubts: it could give an aborted copy made by another process a source, and make that
// process's group a transformer, transactions_pipeline.cpp, collect_inputs).
// A late invoke (a line logged or re-appended after the abort) is such an attempt too: it
// joins its transaction's copy (first_send is the least, unchanged; outcome merges to info or
// ok, and an aborted copy reads as aborted whatever its outcome), or makes one of its own,
// aborted and acknowledged nowhere, so no read is pinned to it. It stays open: a completion
// taking it is judged here again, never as a dead ack (pair_send: it is not `first`). One
// naming a source is left to the whole-history checker, as above.
bool State::late_in_aborted(Op const& op, MessageId id) const {
  auto const sourced = [](Record const& record) { return record.source.has_value(); };
  if (op.type == OpType::invoke && std::any_of(op.value.begin(), op.value.end(), sourced))
    return false;
  return messages_.find(id.value) == nullptr && ids_.aborted(id);
}

// A failed attempt makes its copy's outcome `fail` if no other attempt of it succeeded
// (transactions_table.cpp, merge), and such a copy is no member of a committed transaction
// (transactions.cpp, committed_members) nor a counted output (transactions_pipeline.cpp,
// output_counted). Either way it counts as not written while the transaction aborts or stays
// open (aborted and open copies count no, and are read as aborted, whatever their outcome), as
// Kafka's own transactions do when a send fails: the commit fails, and the producer aborts
// (KafkaProducer#commitTransaction javadoc; the zombie fencing and transaction timeout
// patterns of KIP-98). So only its commit is a doubt, and which attempt failed need not be
// kept.
void State::note_failed_send(Txn& txn) { txn.failed_send = true; }

void State::commit(Txn& txn, std::string const& name) {
  if (txn.failed_send || txn.doomed) return doubt();
  std::string const key = name;  // `name` is txns_'s key: a processing below may drop it.
  txn_bytes_ -= txn_bytes(key, txn);
  txn.phase = Txn::Phase::committed;
  txn.waiting_reads = 0;  // They came after the request: fine now.
  std::vector<WaitingRead>().swap(txn.waiting);
  std::vector<std::pair<MessageId, UncommittedReader*>>().swap(txn.uncommitted_reads);  // Fine.
  std::vector<HeldAck>().swap(txn.acks);  // Its copies are never sent again.
  ended_.add(key, true);
  pipeline_.on_commit(key);
  for (MessageId const id : txn.members) {
    Message const& m = *messages_.find(id.value);
    txn.missing += static_cast<std::uint64_t>(std::popcount(m.required & ~m.processed));
  }
  // Processings inside this transaction count now (counted_as_processed: committed keeps them).
  std::vector<std::pair<MessageId, std::uint32_t>> const processings = std::move(txn.processings);
  txn.processings = {};               // Moved from: empty, and its buffer gone with the move.
  txn_bytes_ += txn_bytes(key, txn);  // Before a processing below may let it go.
  for (auto const& [id, bit] : processings) mark_processed(id, bit);
  drop_if_complete(key);
}

void State::abort(std::string const& name) {
  auto const it = txns_.find(name);
  // A read waiting for the commit read an aborted transaction.
  if (it->second.waiting_reads > 0) return doubt();
  for (MessageId const id : it->second.members) {
    Message const* const m = messages_.find(id.value);
    // Sent again in another transaction (transactions_stream_copies.cpp): that copy decides.
    if (m == nullptr || m->txn != &it->first) continue;
    // Its earlier copy of unknown status would be the least severe candidate of its reads.
    if (has_unknown_copy(id)) return doubt();
    keep_aborted(it->first, it->second, id);
    ids_.mark(id, false);
    messages_.erase(id.value);
    forget_resent(id);  // Aborted again: every copy is (no read of it is judged by a place).
  }
  for (auto const& [id, reader] : it->second.uncommitted_reads) count_uncommitted(*reader, id);
  ended_.add(name, false);
  pipeline_.on_abort(name);
  erase_txn(it);
}

// `txn_name` is the op's transaction, or that of the invoke a completion took (on_taken).
void State::on_send(Op const& op, Record const& record, std::string const& txn_name) {
  MessageId const id = record.id;
  Message* const held = messages_.find(id.value);
  if (op.type == OpType::ok && dead_clash(record)) return doubt();
  if (txn_name.empty()) {
    // A copy outside transactions (its reads are always fine), unless the id had one in a
    // transaction, or may have had (forgotten: a late retry).
    if (held != nullptr || (ids_.named(id) && !ids_.surely_plain(id))) return doubt();
    ids_.name(id);
    return;
  }
  if (std::optional<bool> const committed = ended_.find(txn_name)) {
    if (*committed) return doubt();
    // A completion of an aborted transaction, the message held by another's copy (sent
    // again, transactions_stream_copies.cpp): it joins a copy of the aborted one (its
    // invoke's, or its own), which reads as aborted wherever a read is pinned and adds nothing
    // less severe to the candidates of a read pinned nowhere. If it is an acknowledgement, the
    // held copy must be one sent again: a read at that place is a doubt then (read_elsewhere),
    // unless the held copy was acknowledged there too (pinned to neither: the held copy is the
    // least severe candidate, as judged).
    bool const joins = held != nullptr && op.type != OpType::invoke &&
                       (op.type != OpType::ok || resent_ids_.contains(id));
    if (!joins && !late_in_aborted(op, id)) return doubt();
    // A third copy of a message with one of unknown status (transactions_stream_unknown.cpp).
    if (has_unknown_copy(id)) return doubt();
    return;
  }
  if (held != nullptr && *held->txn == txn_name) {  // Another attempt of the held copy.
    auto const txn = txns_.find(txn_name);
    if (op.type == OpType::fail) note_failed_send(txn->second);
    note_held_ack(txn, op, record);
    return note_ack(op, record);
  }
  // A second copy (transactions_stream_copies.cpp says when it is followed), or an id named
  // outside a held transaction (ids_ has them all).
  bool const again = held != nullptr || plain(id);
  if (again && !resendable(txn_name, id)) return doubt();
  auto const topic = topic_required_.find(record.topic);
  if (topic == topic_required_.end()) return doubt();  // Its readers are inferred at the end.
  if (again) resend(held, id);
  auto const txn = txn_entry(txn_name);
  if (op.type == OpType::fail) note_failed_send(txn->second);
  bool fresh = false;
  Message& m = messages_.insert(id.value, fresh);
  m.txn = &txn->first;
  m.required = topic->second;
  edit_txn(txn, [id](Txn& t) { t.members.push_back(id); });
  note_copy_topic(txn->second, &topic->first);
  note_held_ack(txn, op, record);
  auto const resent = resent_.find(id);
  if (!again || resent == resent_.end()) return;  // Plain, or forgotten at once (resent_max).
  resent->second.topic = &topic->first;
  note_ack(op, record);
}

void State::drop_if_complete(std::string const& name) {
  auto const it = txns_.find(name);
  if (it == txns_.end() || it->second.missing != 0) return;  // Dropped already, or owed.
  for (MessageId const id : it->second.members) {
    ids_.mark(id, true);
    messages_.erase(id.value);
  }
  erase_txn(it);
}

// Every read_committed group processed all of the transaction's messages it reads, or none.
bool State::complete_or_untouched(Txn const& txn) const {
  for (auto const& [group, bit] : group_bits_) {
    std::size_t owed = 0, processed = 0;
    for (MessageId const id : txn.members) {
      Message const& m = *messages_.find(id.value);
      if ((m.required & bit) == 0) continue;
      ++owed;
      if ((m.processed & bit) != 0) ++processed;
    }
    if (processed != 0 && processed != owed) return false;
  }
  return true;
}

bool State::decided() {
  // With no transactional op check_transactions judges visibility not at all: a doubt of
  // visibility's before that op is moot.
  if (!transactional_) return pipeline_.decided();
  maybe_reads_.clear();  // Counted anew (decided() may be asked again).
  for (auto const& [name, txn] : txns_) {
    if (doubt_) break;
    // Still requested at the end: its status is unknown (if its commit ended info), and what
    // read it read maybe.
    if (txn.waiting_reads > 0 && !count_maybe_reads(txn)) doubt();
    if (txn.phase == Txn::Phase::committed && !complete_or_untouched(txn)) doubt();
  }
  return !doubt_ && pipeline_.decided();
}

std::vector<Verdict> State::finish() const {
  std::vector<Verdict> verdicts = pipeline_.finish();  // At most one, after visibility.
  if (!transactional_) return verdicts;
  Verdict verdict{.guarantee = "transactional-visibility", .anomalies = dead_anomalies()};
  std::vector<std::string> reasons;
  if (!verdict.anomalies.empty()) {  // As judge_visibility: kinds first, then the rest.
    verdict.validity = Validity::invalid;
    reasons.push_back(plural(verdict.anomalies.size(), "aborted-read"));
  }
  if (!exercised_) {  // As transactions.cpp words it.
    if (verdict.anomalies.empty()) verdict.validity = Validity::unknown;
    reasons.emplace_back("no read_committed group read anything: visibility was not exercised");
  }
  if (!maybe_reads_.empty()) {  // As transactions.cpp, unknown_reasons.
    if (verdict.anomalies.empty()) verdict.validity = Validity::unknown;
    reasons.push_back(
        "commit outcome unknown (txn-commit info): " + plural(maybe_reads_.size(), "message") +
        " read by a read_committed group after the commit request");
  }
  for (auto const& [group, reader] : uncommitted_) {  // By name, as walk_reads' std::map.
    if (reader.n == 0) continue;
    reasons.push_back("read_uncommitted group " + group + " read " +
                      plural(reader.n, "aborted or uncommitted message") + " (allowed)");
  }
  verdict.reason = join(reasons);
  verdicts.insert(verdicts.begin(), std::move(verdict));
  return verdicts;
}

namespace {

// A std::map node holding a string key (and its heap text when not inline) and a `value`.
constexpr std::size_t map_node = 4 * sizeof(void*) + 16;  // Links, colour, malloc's overhead.
std::size_t name_bytes(std::string const& name) {
  return sizeof(std::string) + (name.capacity() > 15 ? name.capacity() + 1 + 16 : 0);
}

}  // namespace

std::size_t State::txn_bytes(std::string const& name, Txn const& txn) {
  return map_node + name_bytes(name) + sizeof(Txn) + txn.members.capacity() * sizeof(MessageId) +
         txn.processings.capacity() * sizeof(txn.processings.front()) +
         txn.uncommitted_reads.capacity() * sizeof(txn.uncommitted_reads.front()) +
         txn.acks.capacity() * sizeof(HeldAck) + txn.waiting.capacity() * sizeof(WaitingRead);
}

std::size_t State::memory_bytes() const {
  std::size_t bytes =
      messages_.memory_bytes() + ids_.memory_bytes() + txn_bytes_ + copies_memory_bytes();
#ifndef NDEBUG  // The kept sum is the walked one (the tests run Debug builds too).
  std::size_t walked = 0;
  for (auto const& [name, txn] : txns_) walked += txn_bytes(name, txn);
  MQCHECK_ASSERT(walked == txn_bytes_);
#endif
  for (auto const& [group, reader] : uncommitted_)
    bytes += map_node + name_bytes(group) + sizeof(reader) + reader.counted.memory_bytes();
  return bytes + ended_.memory_bytes() + pipeline_.memory_bytes();
}

}  // namespace txn_stream_detail

TransactionsStream::TransactionsStream(history::Header const& header, std::size_t recent_intervals,
                                       std::uint64_t recent_ids)
    : state_(std::make_unique<txn_stream_detail::State>(header, recent_intervals, recent_ids)),
      watch_reads_(state_->watches_reads()) {}
TransactionsStream::~TransactionsStream() = default;
void TransactionsStream::send_before(history::Op const& op) {
  // After a record with a source the pipeline pass judges every send (outputs, and the ids
  // they settle) and every process op; it keeps how far the sends reach from then on.
  if (std::any_of(op.value.begin(), op.value.end(), has_source)) pipeline_sends_ = true;
  state_->send_before(op, sent_before_, max_sent_before_);
}
void TransactionsStream::process_before(history::Op const& op) {
  if (!state_->process_before(op) || pipeline_sends_) return;
  QuietPair pair;
  // Names of other sizes are not kept: their process ops call each time.
  if (!name_key(op.process, pair.process) || !name_key(op.group, pair.group)) return;
  quiet_[quiet_slot(pair.process)] = pair;
}
void TransactionsStream::read_before(history::Op const& op) {
  if (state_->read_before(op)) watch_reads_ = false;
}
void TransactionsStream::start() {
  active_ = true;
  state_->start(named_before_, min_before_, max_before_, sent_before_, max_sent_before_);
}
void TransactionsStream::observe_active(history::Op const& op) { state_->observe(op); }
bool TransactionsStream::decided() { return state_->decided(); }
std::vector<Verdict> TransactionsStream::finish() const { return state_->finish(); }
std::size_t TransactionsStream::open_count() const { return state_->open_count(); }
std::size_t TransactionsStream::memory_bytes() const { return state_->memory_bytes(); }
std::size_t TransactionsStream::pipeline_memory_bytes() const {
  return state_->pipeline_memory_bytes();
}
std::size_t TransactionsStream::ended_memory_bytes() const { return state_->ended_memory_bytes(); }

}  // namespace mqcheck::checker
