// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream_state.hpp (layer: checker; private to checker/delivery_stream*)
// The state of one pass of the streaming delivery checker: open messages in compact form
// (names interned to 32-bit ids, one small vector of send attempts and one of processings per
// message), open invokes per process for pairing, and the settled summary: interval sets of ids
// per send outcome and per consumer unit (a group, or one instance of a broadcast group).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/delivery_detail.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/delivery_txn.hpp"
#include "checker/id_set.hpp"
#include "checker/id_table.hpp"
#include "checker/ordering_entry.hpp"
#include "checker/send_outcomes.hpp"
#include "checker/transactions.hpp"

namespace mqcheck::checker::stream_detail {

inline constexpr std::uint64_t no_op = ~std::uint64_t{0};

/// Interned strings; id 0 is "". Every op interns its process, group and topic names, so the
/// common case is inline: a name of up to sixteen bytes is known exactly by its length and its
/// first and last eight (or four) bytes, which are looked up in a small direct-mapped cache of
/// recent names, with no string compare and no call. Others take an open-addressing index.
class Names {
 public:
  std::uint32_t intern(std::string_view text) {
    if (text.empty()) return 0;  // Most ops name no transaction, many no group.
    if (text.size() <= 16) {
      Key const key = key_of(text);
      Recent const& recent = recent_[slot_of(key)];
      if (recent.id != 0 && recent.key == key) return recent.id;
    }
    return intern_slow(text);
  }
  std::string const& name(std::uint32_t id) const { return names_[id]; }
  std::size_t memory_bytes() const;
  /// Forgets every name but "" (id 0), keeping the storage.
  void clear();

 private:
  /// A name of at most sixteen bytes, exactly: its length and its first and last words.
  struct Key {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    std::uint64_t size = 0;
    bool operator==(Key const&) const = default;
  };
  struct Recent {
    Key key;
    std::uint32_t id = 0;
  };
  static constexpr std::size_t recent_slots = 64;

  static Key key_of(std::string_view text) {
    Key key{0, 0, text.size()};
    char const* const p = text.data();
    std::size_t const n = text.size();
    if (n >= 8) {
      std::memcpy(&key.first, p, 8);
      std::memcpy(&key.last, p + n - 8, 8);
    } else if (n >= 4) {
      std::uint32_t first = 0;
      std::uint32_t last = 0;
      std::memcpy(&first, p, 4);
      std::memcpy(&last, p + n - 4, 4);
      key.first = first;
      key.last = last;
    } else {  // One to three bytes: the first, the middle and the last are all of them.
      key.first = static_cast<unsigned char>(p[0]) |
                  std::uint64_t{static_cast<unsigned char>(p[n / 2])} << 8 |
                  std::uint64_t{static_cast<unsigned char>(p[n - 1])} << 16;
    }
    return key;
  }
  static std::size_t slot_of(Key const& key) {
    std::uint64_t const mixed =
        (key.first * 0x9E3779B97F4A7C15ULL) ^ ((key.last + key.size) * 0xBF58476D1CE4E5B9ULL);
    return static_cast<std::size_t>(mixed >> 58);  // 64 slots.
  }
  static std::uint64_t hash(std::string_view text);
  std::uint32_t intern_slow(std::string_view text);
  std::uint32_t add(std::string_view text);

  std::array<Recent, recent_slots> recent_{};
  std::vector<std::string> names_{std::string()};
  std::vector<std::uint32_t> index_ = std::vector<std::uint32_t>(64, 0);  // Ids; 0 = empty.
};

/// One send attempt: an invoke and its completion, as SendAttempt, names interned (its
/// transaction as a TxnFates slot, which it holds).
struct Attempt {
  std::uint64_t invoke = no_op;
  std::uint64_t completion = no_op;
  std::uint32_t process = 0;
  std::uint32_t txn = 0;
  history::OpType outcome = history::OpType::info;
};

/// One record of an ok or info process op (or a never-completed process invoke) naming it.
struct Proc {
  std::uint64_t op = 0;
  std::uint32_t group = 0;
  std::uint32_t process = 0;
  std::uint32_t unit = 0;
  std::uint32_t topic = 0;
  std::uint32_t txn = 0;  // A TxnFates slot, which it holds.
  history::OpType type = history::OpType::ok;
};

/// Blocks of two processings, one cache line each, handed to open messages: nearly every
/// message is processed by one or two groups. Until session 13 each message took its block from
/// malloc (80 bytes with its header, and across two lines most times); the pool takes and gives
/// back in a few instructions, and its blocks start on a line. It only grows (to the most blocks
/// held at once); a block not given back returns with the pool, which must outlive the messages
/// holding its blocks.
class ProcPool {
 public:
  static constexpr std::uint32_t items = 2;  // Processings per block.
  Proc* take() {
    if (!free_.empty()) {
      Proc* const block = free_.back();
      free_.pop_back();
      return block;
    }
    if (used_ == chunk_blocks * chunks_.size())
      chunks_.push_back(std::make_unique<Block[]>(chunk_blocks));
    Block& block = chunks_[used_ / chunk_blocks][used_ % chunk_blocks];
    ++used_;
    return block.items;
  }
  void give(Proc* block) { free_.push_back(block); }
  /// Takes every block back, as new, keeping the chunks: no message may hold one any more.
  void reset() {
    used_ = 0;
    free_.clear();
  }
  /// Every block, held or free, and the free list.
  std::size_t memory_bytes() const {
    return chunks_.size() * chunk_blocks * sizeof(Block) + free_.capacity() * sizeof(Proc*);
  }

 private:
  struct alignas(64) Block {
    Proc items[ProcPool::items];
  };
  static constexpr std::size_t chunk_blocks = 64;
  std::vector<std::unique_ptr<Block[]>> chunks_;
  std::size_t used_ = 0;  // Blocks ever handed out of chunks_.
  std::vector<Proc*> free_;
};

/// An open message: its send attempts and its processings. Most messages are sent once, so
/// the first attempt is held inline; a second moves them all to the heap (where the inline one
/// was, a pointer goes). Up to two processings live in a ProcPool block, more in one heap block
/// grown by doubling. 56 bytes, so that an IdTable entry is 64.
class OpenMessage {
 public:
  std::uint32_t topic = 0;  // Of its first send; 0 ("") before one.
  std::uint32_t tag = 0;    // The first non-empty tag a send gave it.

  OpenMessage() = default;
  OpenMessage(OpenMessage const&) = delete;
  OpenMessage& operator=(OpenMessage const&) = delete;
  OpenMessage& operator=(OpenMessage&& other) noexcept;
  ~OpenMessage() { release(); }

  std::span<Attempt> sends() { return {sends_ <= 1 ? &one_.first : one_.many, sends_}; }
  std::span<Attempt const> sends() const {
    return {sends_ <= 1 ? &one_.first : one_.many, sends_};
  }
  std::span<Proc const> procs() const { return {procs_heap_, procs_}; }
  /// Holds something: a message the delivery pass has not let go of (one it settled, or one
  /// only the ordering pass named in a shared table, is empty).
  bool held() const { return sends_ != 0 || procs_ != 0; }
  /// Adds an attempt or a processing; returns the heap bytes that took (0 most times).
  std::size_t add_send(Attempt const& attempt);
  /// Up to ProcPool::items processings go in a block of `pool`'s, more on the heap.
  std::size_t add_proc(Proc const& proc, ProcPool& pool);
  /// Gives its pool block back to `pool` (the one add_proc took it from), if it holds one;
  /// before it is emptied or destroyed, else the block returns only with the pool.
  void give_back(ProcPool& pool);
  /// Returns the heap bytes held (blocks and malloc's overhead; not a pool's block).
  std::size_t heap_bytes() const;

 private:
  void release();
  union Sends {
    Attempt first;
    Attempt* many;
    Sends() : first{} {}
  };
  std::uint32_t sends_ = 0;
  std::uint32_t procs_ = 0;
  Sends one_;
  Proc* procs_heap_ = nullptr;
};

/// The open messages of the first delivery pass by id, each with the ordering pass's entry
/// beside it when an ordering stream shares the table (IdTable's side values, enabled by it):
/// one lookup's cache misses, one id and one index cell serve both passes. A message is held
/// by the delivery pass while its OpenMessage is not empty, by the ordering pass while its
/// Entry is `live`; each pass erases the entry when it lets go of the last part held.
using OpenTable = IdTable<OpenMessage, 32, ordering_detail::Entry>;

/// An invoke of a send or process waiting for its completion. One that names a single
/// message (nearly all) holds it inline; a batch keeps its ids in a pooled InvokeBatch. Either
/// way it is 40 trivially copied bytes: pairing allocates nothing.
struct OpenInvoke {
  static constexpr std::uint32_t no_batch = ~std::uint32_t{0};
  std::uint64_t index = 0;
  MessageId id{};             // Its only record, when count == 1.
  std::uint32_t group = 0;
  std::uint32_t txn = 0;      // A process invoke's transaction (a TxnFates slot it holds).
  std::uint32_t count = 0;    // Records it names.
  std::uint32_t topic = 0;    // The topic of its only record (process invokes).
  std::uint32_t batch = no_batch;  // Its InvokeBatch, when count > 1.
  history::OpKind f = history::OpKind::send;
};

/// The records of an invoke that names several messages.
struct InvokeBatch {
  std::vector<MessageId> ids;                                // Sorted: pairing ignores order.
  std::vector<std::pair<MessageId, std::uint32_t>> records;  // In order, with their topics
                                                             // (process invokes).
};

enum class Category : std::uint8_t { ok, info, fail };

/// One pass over the ops. The first pass (no focus) settles what it can; a second pass is
/// given the ids to rebuild (`focus`) and holds exactly those, never settling them.
class Pass {
 public:
  Pass(history::Header const& header, StreamOptions options, std::set<MessageId> const* focus);
  /// Inline: every op comes here (through DeliveryStream::observe), and most do nothing more.
  void observe(history::Op const& op) {
    using history::OpKind;
    if (focus_ == nullptr) {  // How transactions end and dead letters are whole-history facts.
      if (!op.txn.empty() &&
          (op.f == OpKind::txn_commit || op.f == OpKind::txn_abort || op.f == OpKind::txn_begin) &&
          history::is_client_op(op))
        txns_.observe_end(op);
      if (dead_letters_) dead_.observe(op);
    }
    if (history::is_client_op(op) && (op.f == OpKind::send || op.f == OpKind::process))
      pair_and_file(op);
    if (!due_.empty() && due_.front().at + options_.settle_delay <= op.index) settle_due(op.index);
  }
  /// Files the invokes never completed (as info processings); call once, after the last op.
  void close();
  /// Adds the open messages to `table` with `txns` applied, and their processes to `processes`.
  /// `txns` must hold every transaction a held record names (TxnFates::export_named).
  void export_open(TxnTable const& txns, MessageTable& table,
                   std::map<std::uint64_t, std::string>& processes) const;
  /// What judging the open messages as export_open files them (plus the settled summary)
  /// finds, as delivery_detail::judge would: for a first pass that rebuilt nothing. `txns` as
  /// for export_open; `dead` the dead-lettered pairs (dead().finish()).
  DeliveryFindings findings(TxnTable const& txns, delivery_detail::DeadLettered const& dead) const;
  /// Makes the pass as new (a first pass, no focus) for `header`, keeping storage it grew.
  void reset(history::Header const& header);

  std::set<MessageId> const& replay() const { return replay_; }
  /// Takes out of the counts what the replayed messages whose send outcome was let go
  /// contributed (settled_recent_intervals), working their outcome out from `second`, the
  /// pass that rebuilt them, and `txns`, the status of each transaction it names. Call once,
  /// after `second` saw every op.
  void take_out_let_go(Pass const& second, TxnTable const& txns);
  std::size_t let_go_replays() const { return let_go_replays_.size(); }
  delivery_detail::Settled const& settled() const { return settled_; }
  /// The transactions the held records name, and (first pass) how each ended so far.
  TxnFates const& txns() const { return txns_; }
  DeadLetterTracker const& dead() const { return dead_; }
  std::size_t open_count() const { return open_count_; }
  /// The open messages, for an ordering stream fed the same ops to share (before the first op).
  OpenTable& open_table() { return open_; }
  std::uint64_t settled_count() const { return settled_count_; }
  std::size_t memory_bytes() const;

 private:
  void read_header();
  // An attempt's outcome and a processing's count as export_open files them.
  history::OpType exported_outcome(Attempt const& a, TxnTable const& txns) const;
  Counted exported_count(Proc const& p, TxnTable const& txns) const;
  void pair_and_file(history::Op const& op);
  void on_send_invoke(history::Op const& op, history::Record const& record,
                      std::uint32_t process, std::uint32_t txn);
  void file_invoke(history::Op const& op, std::uint32_t process, std::uint32_t txn);
  void on_send_completion(history::Op const& op, history::Record const& record,
                          std::uint64_t invoke, std::uint32_t txn);
  void on_process(history::Op const& op, MessageId id, std::uint32_t topic, std::uint64_t op_index,
                  std::uint32_t group, std::uint32_t process, std::uint32_t txn,
                  history::OpType type);
  std::uint64_t take_open_invoke(history::Op const& op, std::uint32_t process);
  // Null when the id is settled or not wanted; else sets `slot` to its slot in open_.
  OpenMessage* open_for(MessageId id, std::uint32_t& slot);
  bool wanted(MessageId id) const;
  bool settled(MessageId id) const { return settled_ids_.contains(id); }
  // The send outcome a settled message had, or none when it was let go (below detail_floor_).
  std::optional<Category> category_of(MessageId id) const;
  void note_category(MessageId id, Category category);
  void on_settled(MessageId id, history::Op const& op, std::uint32_t unit);
  void mark_replay(MessageId id, Category category);
  void take_out(Category category, std::int64_t processed);
  std::int64_t done_count(MessageId id) const;
  std::uint32_t unit_of(std::uint32_t group, std::uint32_t process);
  bool settleable(OpenMessage const& m, bool& later) const;
  bool committed(std::uint32_t txn) const {  // No transaction (0), or one known committed.
    return txns_.committed(txn);
  }
  void consider(MessageId id, OpenMessage const& m, std::uint64_t now, std::uint32_t slot);
  void settle_due(std::uint64_t now);
  void prefetch_next() const;
  void settle(MessageId id, std::uint32_t slot);
  bool pairs_with(OpenInvoke const& invoke, history::Op const& op);
  bool batch_pairs_with(OpenInvoke const& invoke, history::Op const& op);

  history::Header const* header_;  // A pointer: reset() may name another.
  StreamOptions options_;
  std::set<MessageId> const* focus_;
  Names names_;
  Names units_;
  std::map<std::uint32_t, std::vector<std::uint32_t>> readers_;  // Subscribed topic -> groups.
  // readers_ by topic name id, read through (null: not subscribed): settleable() asks at every
  // completion and settling, and the map's search was most of its cost when it says no.
  std::vector<std::vector<std::uint32_t> const*> reader_rows_;
  std::vector<std::uint32_t> const* readers_of(std::uint32_t topic) const {
    return topic < reader_rows_.size() ? reader_rows_[topic] : nullptr;
  }
  std::map<std::uint32_t, std::vector<std::string>> filters_;    // Group -> its tag filter.
  std::set<std::uint32_t> broadcast_;                            // Broadcast groups.
  static constexpr std::uint32_t no_unit = ~std::uint32_t{0};
  std::vector<std::uint32_t> group_units_;                       // Group -> unit, when plain.
  ProcPool procs_pool_;            // Before open_: its messages hold blocks of it.
  OpenTable open_;                 // Export sorts its ids.
  std::size_t open_count_ = 0;     // Messages held (not empty) in open_.
  std::size_t open_heap_bytes_ = 0;  // What the open messages hold on the heap, kept current.
  bool scratch_sorted_ = false;      // scratch_ holds the current completion's ids, sorted.
  std::vector<std::vector<OpenInvoke>> invokes_;                 // By process name id.
  // Messages found settleable, in op order: (eligible at, id, its slot in open_). A message may
  // be queued more than once, and settled or changed meanwhile: the slot is checked to hold
  // it still (a freed slot holds an empty message), then whether it is settleable still.
  struct Due {
    std::uint64_t at = 0;
    MessageId id{};
    std::uint32_t slot = 0;
  };
  std::deque<Due> due_;
  // Every settled id (dense: ids count up), and those whose send outcome was unknown or
  // failed, at or above detail_floor_ only; the others' outcome was ok. Recording the
  // acknowledged ones instead would leave a hole per unknown send: a set growing with the
  // history when unknown sends are frequent.
  IdSet settled_ids_, settled_info_, settled_fail_;
  std::uint64_t detail_floor_ = 0;  // Below it, a settled id's outcome was let go.
  // Replayed ids whose outcome was let go -> the op that named them: what they contributed to
  // the counts is taken out at the end (take_out_let_go).
  std::map<MessageId, std::uint64_t> let_go_replays_;
  // By unit id: settled ids the unit processed, at or above detail_floor_ (below it, an op
  // naming one takes the let-go path, which counts from the ops): so the holes an aborted
  // transaction's message leaves, never processed, stay as few as the floor keeps.
  std::vector<IdSet> done_;
  std::set<MessageId> replay_;
  delivery_detail::Settled settled_;
  std::uint64_t settled_count_ = 0;
  TxnFates txns_;  // Slots named by Attempt::txn, Proc::txn and OpenInvoke::txn.
  DeadLetterTracker dead_;
  bool dead_letters_ = false;  // Some group is declared (DeadLetterTracker reads only those).
  std::vector<InvokeBatch> batches_;       // Pooled: an invoke's batch returns when it pairs.
  std::vector<std::uint32_t> free_batches_;
  std::vector<MessageId> scratch_;
};

}  // namespace mqcheck::checker::stream_detail
