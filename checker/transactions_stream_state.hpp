// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_stream_state.hpp (layer: checker)
// The transactions stream's state (checker/transactions_stream.cpp says what it proves and
// how): held messages, live transactions, the ids named outside them and which ended how, the
// readers that are not read_committed. Included by transactions_stream.cpp (transactions and
// their ends), transactions_stream_reads.cpp (reads and processings),
// transactions_stream_copies.cpp (messages sent again), transactions_stream_aborted.cpp
// (their earlier, aborted copies) and transactions_stream_unknown.cpp (an earlier copy of
// unknown status) only.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/id_set.hpp"
#include "checker/id_table.hpp"
#include "checker/transactions_ended.hpp"
#include "checker/transactions_pipeline_stream.hpp"
#include "checker/transactions_stream.hpp"

namespace mqcheck::checker {
namespace txn_stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

inline bool is_ok_read(Op const& op) {  // As transactions.cpp: an ok poll, deliver or process.
  return op.type == OpType::ok &&
         (op.f == OpKind::poll || op.f == OpKind::deliver || op.f == OpKind::process);
}

constexpr std::size_t txn_groups_max = 32;

/// A message sent in a transaction, held until its transaction is dropped.
struct Message {
  std::string const* txn = nullptr;  // Its transaction's name (a key of State::txns_).
  std::uint32_t required = 0;        // Bits of the read_committed groups that read its topic.
  std::uint32_t processed = 0;       // Bits of the groups that processed it (counted: yes).
};

struct UncommittedReader;

// Where a held copy's first `ok` send put it (transactions_table.cpp, add_attempt keeps the
// earliest): kept by its transaction until it commits (a committed copy is never sent again),
// so that an abort can hand it on (transactions_stream_aborted.cpp).
struct HeldAck {
  MessageId id;
  std::optional<std::int32_t> partition{};
  std::optional<Offset> offset{};  // None: pinned nowhere (transactions.cpp, candidates).
};

// Where an aborted copy of a message was acknowledged: a read there is pinned to it alone
// (transactions.cpp, candidates), unless another copy was acknowledged there too.
struct AbortedPlace {
  std::string const* topic = nullptr;  // A key of State::topic_required_.
  std::optional<std::int32_t> partition{};
  Offset offset{};
};

// A message's earlier copies, all aborted (or doomed: both read as aborted), every one known
// (transactions_stream_aborted.cpp): where those acknowledged were, and the latest one, whose
// acknowledgement may still come (Kafka completes the batches in flight while it aborts).
struct AbortedCopies {
  std::vector<AbortedPlace> places{};
  std::string last{};                       // The latest copy's transaction...
  std::string const* last_topic = nullptr;  // ...the topic it began in...
  bool last_acked = false;                  // ...and whether it was acknowledged.
};

// A read_committed read of a held copy after its transaction's commit request: `maybe` if the
// transaction ends unknown (State::count_maybe_reads), where it read.
struct WaitingRead {
  std::uint32_t bit = 0;  // Its group's.
  MessageId id;
  std::optional<std::int32_t> partition{};
  std::optional<Offset> offset{};
};

/// A transaction not dropped yet.
struct Txn {
  enum class Phase : std::uint8_t { open, requested, committed };
  Phase phase = Phase::open;
  std::vector<MessageId> members;
  bool failed_send = false;          // A send attempt in it failed: its commit is a doubt.
  bool doomed = false;               // A message of it was sent again: its commit is a doubt.
  bool commit_in_doubt = false;      // Its commit was retried or ended info: a failure is a doubt.
  bool commit_info = false;          // Its commit ended info: unknown, unless an ok or abort comes.
  std::uint64_t waiting_reads = 0;   // Reads after the commit request, before its ok...
  std::vector<WaitingRead> waiting;  // ...the first waiting_max of them.
  std::uint64_t missing = 0;         // Committed: (member, required group) pairs unprocessed.
  std::vector<std::pair<MessageId, std::uint32_t>> processings;  // In it: count if it commits.
  // Reads by groups not read_committed after the commit request: counted if it aborts.
  std::vector<std::pair<MessageId, UncommittedReader*>> uncommitted_reads;
  // Its members' acknowledgements, by id, until it commits; and the topic every member's
  // copy began in (null with none, or when they began in several: places then unknown).
  std::vector<HeldAck> acks;
  std::string const* topic = nullptr;
  bool mixed_topics = false;
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
  /// Of an aborted transaction, surely (a recent one): no committed copy, even one whose
  /// mark was forgotten (commits push it out of done_ sooner than aborts out of aborted_).
  bool aborted(MessageId id) const {
    return aborted_.contains(id) && !done_.contains(id) && !done_.forgot(id);
  }
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

// Where a copy of a dead transaction was acknowledged (ResentCopy::dead).
struct DeadPlace {
  std::string txn;
  std::string const* topic = nullptr;  // Of the copy's first op, its invoke.
  std::optional<std::int32_t> partition{};
  Offset offset{};
  std::uint64_t first = 0;  // The copy's invoke: its first send.
};

// A message sent again in a transaction after its earlier copies aborted (or were left open
// by a producer that died, Txn::doomed): where its live copy's first `ok` send put it. A read
// there is of that copy, whatever its earlier copies' acknowledgements (transactions.cpp,
// candidates); a read elsewhere may be pinned to an earlier copy (a doubt, unless its
// earlier copies are known, transactions_stream_aborted.cpp).
struct ResentCopy {
  std::string const* topic = nullptr;  // Of its live copy (a key of State::topic_required_).
  bool acked = false;
  std::optional<std::int32_t> partition{};
  std::optional<Offset> offset{};
  // Where copies of dead transactions were acknowledged by completions of later copies'
  // transactions that took their invokes (transactions_stream_copies.cpp, dead_ack); kept
  // while later copies come, since their acks there are a doubt.
  std::vector<DeadPlace> dead{};
  // Its earlier copies, when every one is known (transactions_stream_aborted.cpp), and the
  // places of reads judged as its copy's though no copy was acknowledged there (read_as_live).
  std::optional<AbortedCopies> aborted{};
  std::vector<AbortedPlace> read_places{};
  // Its earlier copy of unknown status (a commit ended info, transactions_stream_unknown.cpp),
  // where it was acknowledged: a read there is pinned to it (or to no copy), not to the live
  // one. None: acknowledged with no offset, or not at all (pinned nowhere). Reads compare its
  // partition and offset only (its topic is null when its copies began in several).
  std::optional<AbortedPlace> unknown_place{};
};

// How a transaction with a dead copy (above) ended, for its aborted-read's words
// (transactions.cpp, aborted_read; transactions_table.cpp, resolve): its first decisive end
// here (an abort op, or a failed commit), and the first abort ok after, which outranks it.
struct DeadEnd {
  std::optional<std::uint64_t> end{};
  bool by_commit = false;  // `end` is a txn-commit fail.
  std::optional<std::uint64_t> abort_ok{};
};

// A read_committed group's first read of a message at its dead copy's place: an aborted-read.
struct DeadRead {
  std::string group;
  MessageId id;
  std::uint64_t read = 0;
  OpKind f = OpKind::poll;
  std::string txn;  // The dead copy's (a key of State::dead_txns_).
  std::uint64_t first = 0;
};

// A transactional send invoke not completed yet, paired as send_outcomes.cpp pairs them: a
// completion takes the earliest open invoke of its process with the same ids. Its ids, sorted:
// the least, and the others (none for most sends, so that an invoke allocates nothing more).
struct OpenSend {
  MessageId least;
  std::vector<MessageId> more;
  std::string txn;
  std::uint64_t index = 0;
  std::string const* topic = nullptr;  // A key of State::topic_required_, or null.
  bool sourced = false;                // A record names a source: a pipeline output.
  // Of one message (transactions_stream_copies.cpp, pair_send): its transaction's first op
  // to name it; no copy of it acknowledged before but at dead places; the first op to name it
  // at all; and an ok completion of it since, whose place is not recorded.
  bool first = false;
  bool virgin = false;
  bool fresh = false;
  bool dirty = false;
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
  void start(bool named_before, std::uint64_t min_before, std::uint64_t max_before,
             bool sent_before, std::uint64_t max_sent_before);
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
  void on_send(Op const& op, Record const& record, std::string const& txn_name);
  void note_failed_send(Txn& txn);
  bool late_in_aborted(Op const& op, MessageId id) const;
  std::vector<OpenSend>& open_sends(std::string const& process);
  std::optional<OpenSend> pair_send(Op const& op);
  void on_taken(Op const& op, OpenSend const& taken);
  void mark_dirty(Op const& op);
  bool unacked(MessageId id) const;
  void note_highs(Op const& op);
  bool dead_ack(Op const& op, OpenSend const& taken);
  void note_dead_end(Op const& op);
  bool dead_clash(Record const& record) const;
  DeadPlace const* read_dead(Record const& record) const;
  void note_dead_read(Op const& op, MessageId id, DeadPlace const& place);
  void sweep_dead_txns();
  std::vector<Anomaly> dead_anomalies() const;
  bool resendable(std::string_view txn, MessageId id) const;
  bool resendable_unknown(Txn const& holder, MessageId id) const;
  bool has_unknown_copy(MessageId id) const;
  void note_unknown_copy(Txn const& holder, MessageId id, ResentCopy& next);
  bool read_unknown_elsewhere(Record const& record) const;
  bool in_doubt(std::string_view txn) const;
  void resend(Message* held, MessageId id);
  void note_ack(Op const& op, Record const& record);
  bool read_elsewhere(Record const& record) const;
  void forget_resent(MessageId id);
  void note_held_ack(std::map<std::string, Txn, std::less<>>::iterator txn, Op const& op,
                     Record const& record);
  void note_copy_topic(Txn& txn, std::string const* topic);
  std::optional<AbortedCopies> copies_of(std::string const& name, Txn const& txn,
                                         MessageId id) const;
  void keep_aborted(std::string const& name, Txn const& txn, MessageId id);
  void take_aborted(Message const* held, MessageId id, ResentCopy& next);
  void note_send_ok(Op const& op, std::string const& copy_txn);
  bool read_aborted_copy(Record const& record) const;
  bool read_as_live(Record const& record);
  std::size_t aborted_memory_bytes() const;
  std::size_t copies_memory_bytes() const;
  void on_read(Op const& op, Record const& record);
  void note_waiting(std::map<std::string, Txn, std::less<>>::iterator txn, Op const& op,
                    Record const& record);
  bool count_maybe_reads(Txn const& txn);
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
  bool named_before_ = false;     // Some op before the first transactional one named an id...
  std::uint64_t max_before_ = 0;  // ...up to this one...
  std::uint64_t min_before_ = 0;  // ...from this one.
  NamedIds ids_;  // Ids named outside held transactions, and which ended how (recent ones).
  std::uint64_t recent_ids_;  // The window of each UncommittedReader.
  std::map<std::string, UncommittedReader, std::less<>> uncommitted_;  // By group, once needed.
  // Messages sent again after their copies aborted (transactions_stream_copies.cpp): the
  // recent ones (RecentIds, in the window of ids_), and where the live or committed copy of the
  // latest of them is (resent_max entries); a read of one forgotten is a doubt.
  bool resent_any_ = false;
  RecentIds resent_ids_;
  std::map<MessageId, ResentCopy> resent_;
  // Messages sent again after a copy whose commit ended info (transactions_stream_unknown.cpp):
  // recent ones, in the window of ids_ (one forgotten is taken as one of them).
  bool unknown_any_ = false;
  RecentIds unknown_ids_;
  // The (group bit, message) pairs read `maybe` (count_maybe_reads, at the end).
  std::set<std::pair<std::uint32_t, MessageId>> maybe_reads_;
  // Messages whose every copy aborted, not sent again yet, with where those copies were
  // acknowledged (transactions_stream_aborted.cpp): the latest aborted_max of them.
  std::map<MessageId, AbortedCopies> aborted_places_;
  std::vector<std::pair<std::string, std::vector<OpenSend>>> open_sends_;  // By process.
  // Dead copies acknowledged by another transaction's completion (transactions_stream_copies.cpp,
  // dead_ack): the ids given one (recent ones: resending one forgotten is a doubt), the
  // transactions they are of, and the reads of them (aborted-reads, reported by finish()).
  bool dead_any_ = false;
  RecentIds dead_ids_;
  std::map<std::string, DeadEnd, std::less<>> dead_txns_;
  std::vector<DeadRead> dead_reads_;
  std::size_t open_retries_ = 0;  // Open invokes first but not fresh.
  // The highest offset acknowledged by a transactional send in each partition (of any topic),
  // and whether the ok completion being judged acknowledges above it (a place no copy had).
  std::vector<std::pair<std::optional<std::int32_t>, Offset>> ack_highs_;
  bool new_place_ = false;
  std::size_t last_sender_ = 0;  // The index in open_sends_ found last.
};

}  // namespace txn_stream_detail
}  // namespace mqcheck::checker
