// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream.cpp (layer: checker)
// The streaming pass of transactional visibility (checker/transactions_stream.hpp). Each rule
// of check_transactions is judged by a sufficient condition for "no anomaly, no doubt":
//   aborted-read / precommitted-read: a read of a transactional message waits in its
//     transaction, once the commit was requested, until the commit is `ok` (Kafka writes the
//     commit markers after EndTxn is requested, KIP-98, so a read in between is legal); a read
//     before the request, or a transaction that then ends otherwise, is a doubt;
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

#include "checker/id_set.hpp"
#include "checker/id_table.hpp"
#include "checker/transactions_ended.hpp"
#include "checker/transactions_pipeline_stream.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace txn_stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

namespace {

bool is_ok_read(Op const& op) {  // As transactions.cpp: an ok poll, deliver or process.
  return op.type == OpType::ok &&
         (op.f == OpKind::poll || op.f == OpKind::deliver || op.f == OpKind::process);
}

constexpr std::size_t txn_groups_max = 32;

}  // namespace

/// A message sent in a transaction, held until its transaction is dropped.
struct Message {
  std::string const* txn = nullptr;  // Its transaction's name (a key of State::txns_).
  std::uint32_t required = 0;        // Bits of the read_committed groups that read its topic.
  std::uint32_t processed = 0;       // Bits of the groups that processed it (counted: yes).
};

struct UncommittedReader;

/// A transaction not dropped yet.
struct Txn {
  enum class Phase : std::uint8_t { open, requested, committed };
  Phase phase = Phase::open;
  std::vector<MessageId> members;
  std::uint64_t waiting_reads = 0;  // Reads after the commit request, before its ok.
  std::uint64_t missing = 0;        // Committed: (member, required group) pairs unprocessed.
  std::vector<std::pair<MessageId, std::uint32_t>> processings;  // In it: count if it commits.
  // Reads by groups not read_committed after the commit request: counted if it aborts.
  std::vector<std::pair<MessageId, UncommittedReader*>> uncommitted_reads;
};

// Ids marked in recent times only, the window measured in ids (not in intervals, which one
// abort in five among commits makes as many as ids): one bit per id, in pages of a power of two
// ids, at most `pages_max` of them. A mark in a page not held takes the page marked least
// recently, so that each id space in use keeps its latest pages (ids counted up, and a
// pipeline's outputs at output_base + input, model/kafka/consumer_transform.cpp), and the
// dropped page's number joins `dropped_`: there a miss is unknown (forgot()). Flat:
// `window` bits, and `dropped_` is one interval while ids count up.
class RecentIds {
 public:
  explicit RecentIds(std::uint64_t window) {
    window = std::clamp<std::uint64_t>(window, 1, max_window);
    // Pages of a word (64 ids) at least, unless the window is smaller (tests): one page then.
    pages_max_ = static_cast<std::size_t>(std::clamp<std::uint64_t>(window / 64, 1, 16));
    std::uint64_t const page_ids = std::bit_floor(window / pages_max_);
    shift_ = static_cast<unsigned>(std::countr_zero(page_ids));
    words_ = static_cast<std::size_t>((page_ids + 63) / 64);
  }
  bool contains(MessageId id) const {
    std::size_t const at = page_of(id.value >> shift_);
    if (at == absent) return false;
    std::uint64_t const bit = id.value & ((std::uint64_t{1} << shift_) - 1);
    return (bits_[at * words_ + bit / 64] >> (bit % 64) & 1) != 0;
  }
  bool forgot(MessageId id) const {
    return dropped_.contains(MessageId{id.value >> shift_}) && !contains(id);
  }
  void insert(MessageId id) {
    std::uint64_t const number = id.value >> shift_;
    std::size_t at = page_of(number);
    if (at == absent) at = make_page(number);
    ticks_[at] = ++tick_;
    std::uint64_t const bit = id.value & ((std::uint64_t{1} << shift_) - 1);
    bits_[at * words_ + bit / 64] |= std::uint64_t{1} << (bit % 64);
  }
  std::size_t memory_bytes() const {
    return (numbers_.capacity() + ticks_.capacity() + bits_.capacity()) * sizeof(std::uint64_t) +
           dropped_.memory_bytes();
  }

  static constexpr std::uint64_t max_window = std::uint64_t{1} << 24;  // 2 MB of bits.

 private:
  static constexpr std::size_t absent = ~std::size_t{0};
  std::size_t page_of(std::uint64_t number) const {
    if (last_ < numbers_.size() && numbers_[last_] == number) return last_;
    for (std::size_t at = 0; at < numbers_.size(); ++at) {
      if (numbers_[at] != number) continue;
      last_ = at;
      return at;
    }
    return absent;
  }
  std::size_t make_page(std::uint64_t number) {
    std::size_t at = numbers_.size();
    if (at == 0) {  // The whole window at once, so that its bytes stay as they start.
      numbers_.reserve(pages_max_);
      ticks_.reserve(pages_max_);
      bits_.assign(pages_max_ * words_, 0);
    }
    if (at < pages_max_) {
      numbers_.push_back(number);
      ticks_.push_back(0);
    } else {
      at =
          static_cast<std::size_t>(std::min_element(ticks_.begin(), ticks_.end()) - ticks_.begin());
      dropped_.insert(MessageId{numbers_[at]});
      numbers_[at] = number;
      std::fill_n(bits_.begin() + static_cast<std::ptrdiff_t>(at * words_), words_, 0);
    }
    last_ = at;
    return at;
  }

  unsigned shift_ = 0;     // A page holds 2^shift_ ids...
  std::size_t words_ = 1;  // ...in this many words of bits.
  std::size_t pages_max_ = 1;
  std::vector<std::uint64_t> numbers_;  // The pages held: id >> shift_...
  std::vector<std::uint64_t> ticks_;    // ...when each was last marked...
  std::vector<std::uint64_t> bits_;     // ...and their bits, words_ per page.
  std::uint64_t tick_ = 0;
  mutable std::size_t last_ = 0;  // The page found last (a transaction's ids come together).
  IdSet dropped_;                 // Numbers of pages dropped (a page made again stays in).
};

// What became of the ids named outside held transactions, in memory flat however plain and
// transactional ids take turns in the id space (a consume-transform-produce pipeline: plain
// inputs, transactional outputs). Most questions need only whether an id was named at all, and
// those ids, counted up, are one dense set. Whether a named id was of a dropped committed or of
// an aborted transaction is kept for recent ids only, each in its own window (RecentIds), so
// that commits do not push aborts out: a read needs only the aborted window, a plain send both.
// An op naming an id they forgot is a doubt (as the feature stream doubts at an op naming an id
// it forgot, checker/feature_stream.hpp).
class NamedIds {
 public:
  explicit NamedIds(std::uint64_t window) : done_(window), aborted_(window) {}
  bool named(MessageId id) const { return named_.contains(id); }
  /// Named, and maybe of an aborted transaction (or forgotten: a doubt either way).
  bool maybe_aborted(MessageId id) const {
    return named_.contains(id) && !done_.contains(id) &&
           (aborted_.contains(id) || aborted_.forgot(id));
  }
  /// Of an aborted transaction, surely (a recent one).
  bool aborted(MessageId id) const { return aborted_.contains(id) && !done_.contains(id); }
  /// Named by a plain send or a read only, as far as is known (else a plain send is a doubt).
  bool surely_plain(MessageId id) const {
    return !done_.contains(id) && !aborted_.contains(id) && !done_.forgot(id) &&
           !aborted_.forgot(id);
  }
  void name(MessageId id) { named_.insert(id); }  // Outside a held transaction (plain so far).
  void mark(MessageId id, bool committed) {       // Of a dropped committed or an aborted one.
    named_.insert(id);
    (committed ? done_ : aborted_).insert(id);
  }
  std::size_t memory_bytes() const {
    return named_.memory_bytes() + done_.memory_bytes() + aborted_.memory_bytes();
  }

 private:
  IdSet named_;        // Every id named outside a held transaction, or marked.
  RecentIds done_;     // Of dropped committed transactions, recent.
  RecentIds aborted_;  // Of aborted transactions, recent.
};

// A group not read_committed, and the messages it read that check_transactions counts as
// "aborted or uncommitted" (transactions.cpp, walk_reads: a read whose class is aborted or
// precommitted): each id once, if a read of it came before its transaction's commit request
// (counted at once: precommitted if it commits, aborted if not) or after it in a transaction
// that then aborts (counted at the abort; none when it commits or ends unknown, a `maybe` read
// that walk_reads leaves out), or after the abort. Which ids it counted is kept for recent ids
// only (RecentIds, counted ids alone mark it): counting an id it forgot is a doubt.
struct UncommittedReader {
  explicit UncommittedReader(std::uint64_t window) : counted(window) {}
  RecentIds counted;
  std::uint64_t n = 0;  // Ids counted.
};

class State {
 public:
  State(history::Header const& header, std::size_t recent_intervals, std::uint64_t recent_ids);
  void send_before(Op const& op, bool sent_before, std::uint64_t max_sent_before);
  bool process_before(Op const& op) {  // Returns whether later ops of its pair are quiet.
    pipeline_.observe(op);
    return pipeline_.dormant_quiet(op);
  }
  bool read_before(Op const& op);
  void start(bool named_before, std::uint64_t max_before, bool sent_before,
             std::uint64_t max_sent_before);
  bool watches_reads() const { return !group_bits_.empty(); }
  void observe(Op const& op);
  bool decided();
  std::vector<Verdict> finish() const;
  std::size_t open_count() const {
    return txns_.size() + messages_.size() + pipeline_.open_count();
  }
  std::size_t memory_bytes() const;
  static std::size_t txn_bytes(std::string const& name, Txn const& txn);
  std::size_t pipeline_memory_bytes() const { return pipeline_.memory_bytes(); }
  std::size_t ended_memory_bytes() const { return ended_.memory_bytes(); }

 private:
  void doubt() { doubt_ = true; }
  bool known_txn(Op const& op);
  bool open(std::string_view name) const;
  bool plain(MessageId id) const;
  void on_txn_op(Op const& op);
  void on_commit(Op const& op, Txn& txn, std::string const& name);
  void commit(Txn& txn, std::string const& name);
  void abort(std::string const& name);
  void on_send(Op const& op, Record const& record);
  void on_read(Record const& record);
  void on_uncommitted_read(std::string_view group, Record const& record,
                           UncommittedReader*& reader);
  UncommittedReader& uncommitted_reader(std::string_view group, UncommittedReader*& reader);
  void count_uncommitted(UncommittedReader& reader, MessageId id);
  void on_process(Op const& op, Record const& record, std::uint32_t bit);
  void mark_processed(MessageId id, std::uint32_t bit);
  void drop_if_complete(std::string const& name);
  bool complete_or_untouched(Txn const& txn) const;
  std::uint32_t group_bit(std::string const& group) const;
  // The live transaction `name`, made if need be (txn_bytes_ counts it then).
  std::map<std::string, Txn, std::less<>>::iterator txn_entry(std::string const& name) {
    auto const [it, made] = txns_.try_emplace(name);
    if (made) txn_bytes_ += txn_bytes(it->first, it->second);
    return it;
  }
  // Runs `edit` on the live transaction `it`, keeping txn_bytes_ in step with its vectors.
  template <class Edit>
  void edit_txn(std::map<std::string, Txn, std::less<>>::iterator it, Edit edit) {
    txn_bytes_ -= txn_bytes(it->first, it->second);
    edit(it->second);
    txn_bytes_ += txn_bytes(it->first, it->second);
  }
  // Lets the live transaction `it` go.
  void erase_txn(std::map<std::string, Txn, std::less<>>::iterator it) {
    txn_bytes_ -= txn_bytes(it->first, it->second);
    txns_.erase(it);
  }

  history::Header const& header_;
  bool doubt_ = false;
  bool transactional_ = false;
  bool exercised_ = false;  // A read_committed group subscribes or read something.
  std::map<std::string, std::uint32_t, std::less<>> group_bits_;      // read_committed groups.
  std::map<std::string, std::uint32_t, std::less<>> topic_required_;  // Subscribed topics.
  std::map<std::string, Txn, std::less<>> txns_;                      // Live, by name.
  // The sum of txn_bytes over txns_, kept as they change: memory_bytes is sampled every few
  // thousand ops, and walking thousands of held transactions each time took 38% of a check
  // with read_committed readers (bench --txn --ordered --aborts, session 14).
  std::size_t txn_bytes_ = 0;
  EndedTxns ended_;          // Name -> committed (else aborted), compact for counted names.
  PipelineStream pipeline_;  // Told of each decisive end (commit, abort) of ended_.
  IdTable<Message> messages_;
  bool named_before_ = false;  // Some op before the first transactional one named an id...
  std::uint64_t max_before_ = 0;  // ...up to this one.
  NamedIds ids_;  // Ids named outside held transactions, and which ended how (recent ones).
  std::uint64_t recent_ids_;  // The window of each UncommittedReader.
  std::map<std::string, UncommittedReader, std::less<>> uncommitted_;  // By group, once needed.
};

State::State(history::Header const& header, std::size_t recent_intervals, std::uint64_t recent_ids)
    : header_(header),
      ended_(recent_intervals),
      pipeline_(header, ended_, [this](std::string_view name) { return open(name); }),
      ids_(recent_ids),
      recent_ids_(recent_ids) {
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
  pipeline_.observe(op);
  if (op.f == OpKind::txn_begin || op.f == OpKind::txn_commit || op.f == OpKind::txn_abort)
    return on_txn_op(op);
  if (op.f == OpKind::send) {
    // A send's copy takes the transaction of its attempt's first op (transactions_table.cpp,
    // add_attempt): an invoke naming no message gives its own to the messages its completion
    // names. Rare, and left to the whole-history checker.
    if (op.type == OpType::invoke && op.value.empty()) return doubt();
    for (Record const& record : op.value) on_send(op, record);
    return;
  }
  if (!is_ok_read(op)) return;
  std::uint32_t const bit = group_bit(op.group);
  exercised_ = exercised_ || bit != 0;
  UncommittedReader* reader = nullptr;  // Looked up at its first need.
  for (Record const& record : op.value) {
    if (bit != 0) {
      on_read(record);
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

void State::start(bool named_before, std::uint64_t max_before, bool sent_before,
                  std::uint64_t max_sent_before) {
  transactional_ = true;  // Even after a doubt: decided() then says so.
  named_before_ = named_before;
  max_before_ = max_before;
  pipeline_.sent_before(sent_before, max_sent_before);
}

bool State::plain(MessageId id) const {
  return (named_before_ && id.value <= max_before_) || ids_.named(id);
}

void State::on_txn_op(Op const& op) {
  if (op.txn.empty()) return;  // Names no transaction: the table skips it.
  if (std::optional<bool> const committed = ended_.find(op.txn)) {
    // A commit ok wins over everything (resolve), so a committed one stays committed; an
    // aborted one could still turn committed or unknown.
    if (!*committed && op.f == OpKind::txn_commit) doubt();
    return;
  }
  auto const it = txn_entry(op.txn);
  if (op.f == OpKind::txn_commit) return on_commit(op, it->second, it->first);
  if (op.f == OpKind::txn_abort) {
    // An abort after the commit request leaves the status to the commit's outcome.
    if (it->second.phase == Txn::Phase::requested) return doubt();
    abort(it->first);
  }
}

void State::on_commit(Op const& op, Txn& txn, std::string const& name) {
  switch (op.type) {
    case OpType::invoke:
      if (txn.phase == Txn::Phase::requested) return doubt();  // A retried commit.
      txn.phase = Txn::Phase::requested;
      return;
    case OpType::ok:
      return commit(txn, name);
    case OpType::fail:
      return abort(name);  // Aborted, unless a later commit says otherwise: a doubt then.
    case OpType::info:
    case OpType::event:
      return doubt();  // Unknown: a read of it would be neither proof nor acquittal.
  }
}

void State::commit(Txn& txn, std::string const& name) {
  std::string const key = name;  // `name` is txns_'s key: a processing below may drop it.
  txn_bytes_ -= txn_bytes(key, txn);
  txn.phase = Txn::Phase::committed;
  txn.waiting_reads = 0;  // They came after the request: fine now.
  std::vector<std::pair<MessageId, UncommittedReader*>>().swap(txn.uncommitted_reads);  // Fine.
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
    ids_.mark(id, false);
    messages_.erase(id.value);
  }
  for (auto const& [id, reader] : it->second.uncommitted_reads) count_uncommitted(*reader, id);
  ended_.add(name, false);
  pipeline_.on_abort(name);
  erase_txn(it);
}

void State::on_send(Op const& op, Record const& record) {
  MessageId const id = record.id;
  Message* const held = messages_.find(id.value);
  if (op.txn.empty()) {
    // A copy outside transactions (its reads are always fine), unless the id had one in a
    // transaction, or may have had (forgotten: a late retry).
    if (held != nullptr || (ids_.named(id) && !ids_.surely_plain(id))) return doubt();
    ids_.name(id);
    return;
  }
  // A failed attempt, a second copy or a send into a transaction that ended: rare, and judged
  // by the whole-history checker.
  if (op.type == OpType::fail || ended_.contains(op.txn)) return doubt();
  if (held != nullptr) {
    if (*held->txn != op.txn) doubt();
    return;
  }
  if (plain(id)) return doubt();  // Named outside a held transaction (ids_ has them all).
  auto const topic = topic_required_.find(record.topic);
  if (topic == topic_required_.end()) return doubt();  // Its readers are inferred at the end.
  auto const txn = txn_entry(op.txn);
  bool fresh = false;
  Message& m = messages_.insert(id.value, fresh);
  m.txn = &txn->first;
  m.required = topic->second;
  edit_txn(txn, [id](Txn& t) { t.members.push_back(id); });
}

void State::on_read(Record const& record) {
  Message const* const held = messages_.find(record.id.value);
  if (held == nullptr) {
    // Sent outside transactions, by a committed one, or not yet: a later send in a
    // transaction would make this read one of it (plain() then doubts). Of an aborted one, or
    // forgotten (a late read): a doubt.
    if (ids_.maybe_aborted(record.id)) return doubt();
    ids_.name(record.id);
    return;
  }
  Txn& txn = txns_.find(*held->txn)->second;
  if (txn.phase == Txn::Phase::open) return doubt();  // Before the commit request.
  if (txn.phase == Txn::Phase::requested) ++txn.waiting_reads;
}

// A read by a group not read_committed (its reader found at its first need): never a doubt
// for what it saw, only counted (UncommittedReader says when).
void State::on_uncommitted_read(std::string_view group, Record const& record,
                                UncommittedReader*& reader) {
  MessageId const id = record.id;
  Message const* const held = messages_.find(id.value);
  if (held == nullptr) {
    // As on_read, but a message of an aborted transaction is counted; one whose fate was
    // forgotten (a late read) is still a doubt.
    if (ids_.maybe_aborted(id)) {
      if (!ids_.aborted(id)) return doubt();
      return count_uncommitted(uncommitted_reader(group, reader), id);
    }
    ids_.name(id);
    return;
  }
  auto const txn = txns_.find(*held->txn);
  if (txn->second.phase == Txn::Phase::open)
    return count_uncommitted(uncommitted_reader(group, reader), id);
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
  for (auto const& [name, txn] : txns_) {
    if (doubt_) break;
    // Still requested at the end: its status is unknown, and what read it read maybe.
    if (txn.waiting_reads > 0) doubt();
    if (txn.phase == Txn::Phase::committed && !complete_or_untouched(txn)) doubt();
  }
  return !doubt_ && pipeline_.decided();
}

std::vector<Verdict> State::finish() const {
  std::vector<Verdict> verdicts = pipeline_.finish();  // At most one, after visibility.
  if (!transactional_) return verdicts;
  Verdict verdict{.guarantee = "transactional-visibility"};
  std::vector<std::string> reasons;
  if (!exercised_) {  // As transactions.cpp words it.
    verdict.validity = Validity::unknown;
    reasons.emplace_back("no read_committed group read anything: visibility was not exercised");
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
         txn.uncommitted_reads.capacity() * sizeof(txn.uncommitted_reads.front());
}

std::size_t State::memory_bytes() const {
  std::size_t bytes = messages_.memory_bytes() + ids_.memory_bytes() + txn_bytes_;
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
  state_->start(named_before_, max_before_, sent_before_, max_sent_before_);
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
