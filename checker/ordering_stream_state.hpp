// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_state.hpp (layer: checker; private to checker/ordering_stream*)
// The state of the streaming ordering pass: per open message its topic, partition, offset and
// what was done with it (names interned to 32-bit ids); per (topic, partition) the offsets
// claimed so far as an interval set, each group's highest first-processed offset and each
// producer's recent sends; per consumer process the last offset it read of each
// partition (and in which op), and the reads that jumped back or over a gap. A message is forgotten
// (its id joins an interval set) once every subscribed group processed it and settle_delay ops went
// by without an op naming it.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/delivery_stream.hpp"
#include "checker/delivery_stream_state.hpp"
#include "checker/id_set.hpp"
#include "checker/id_table.hpp"
#include "checker/ordering_entry.hpp"
#include "checker/ordering_keys.hpp"
#include "checker/ordering_offsets.hpp"
#include "checker/ordering_stream_skips.hpp"
#include "checker/short_text.hpp"
#include "checker/transactions_ended.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::ordering_detail {

struct ReorderTruncations;  // ordering_stream_resolver.hpp

/// Groups the pass tells apart: one bit each in Entry::groups. The 33rd group is a doubt.
inline constexpr std::uint8_t ordering_groups_max = 32;

/// Scopes whose chains fall back on the real-time order of acknowledged sends (chain_of).
inline bool ordered_by_acks(history::OrderingScope scope) {
  return scope == history::OrderingScope::queue || scope == history::OrderingScope::producer;
}

/// One producer's sends to one partition, keyed by (invoke index, position in the invoke),
/// with their offsets: increasing along the keys while nothing is reordered. Sorted by key;
/// sends arrive nearly in key order and leave oldest first, so a deque takes both at its ends.
struct ProducerOrder {
  using Key = std::pair<std::uint64_t, std::uint32_t>;
  std::deque<std::pair<Key, std::int64_t>> held;
  bool forgot = false;             // Some entries were dropped (older than the settle delay)...
  Key forgot_key{};                // ...the highest key among them...
  std::int64_t forgot_offset = 0;  // ...and the highest offset.
};

/// A claim of an offset by a message, kept while recent (Unit::recent): `op` is the claiming
/// op, `by_ack` whether it was the message's ok send, `gone` whether a truncation took it back.
struct RecentClaim {
  std::int64_t offset = 0;
  std::uint64_t id = 0;
  std::uint64_t op : 62 = 0;  // Op indices stay far below 2^62.
  std::uint64_t by_ack : 1 = 0;
  std::uint64_t gone : 1 = 0;
};

/// One (topic, partition): an ordering unit. Units are numbered densely as they appear
/// (StreamState::unit_of); what is kept per unit and group, producer or consumer process is
/// found by that number, in flat tables rather than maps searched at every op.
struct Unit {
  /// Every offset some message was claimed at (as ids: offsets are >= 0). A partition's offsets
  /// are dense, so this is a few intervals; a second message at one of them is a doubt
  /// unless a truncation explains it (StreamState::reclaim).
  IdSet claimed;
  /// By group index (StreamState::group_index): the highest first-processed offset, or
  /// no_offset while the group processed nothing here.
  std::vector<std::int64_t> processed_max;
  static constexpr std::int64_t no_offset = -1;  // Claimed offsets are >= 0.
  /// By filter index (StreamState::filter_index): offsets holding a message that group's tag
  /// filter rejects, which its consumers may skip. Pruned below where the group last read.
  std::vector<IdSet> rejected;
  /// Offsets first claimed by a send in a transaction that ended without committing (an ok
  /// txn-abort, a failed txn-commit) and never committed since: aborted data, which a
  /// read_committed group's consumers skip (KIP-98: the fetcher drops aborted batches).
  IdSet aborted;
  /// Offsets of messages an ok txn-abort named, which any group may skip (check_offsets'
  /// skippable). Both sets are pruned below where every reader of the unit last read.
  IdSet abort_named;
  std::size_t prune_at = 64;  // Prune both when they hold more intervals than this.
  /// (read mark number in reads_, process name id) of every process that read the unit.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> readers;
  std::uint32_t topic = 0;                // Its name id...
  std::optional<std::int32_t> partition;  // ...and partition: for the reports of its reads.
  /// The latest claims of the unit, oldest first (ordering_stream_truncation.cpp): what a
  /// truncation takes back. recent_evicted_max is the highest offset among those let go.
  std::deque<RecentClaim> recent;
  std::int64_t recent_evicted_max = -1;
  IdSet conflicted;  // Offsets that hold two messages (inconsistent-offsets), as ids.
  /// Offsets an ok poll or delivery read, above recent_evicted_max (StreamState::note_read):
  /// a consumer read a message there, which voids a later ack claim of another.
  IdSet read;
};

/// An offset claimed by a send in a transaction that has not ended (as far as the stream
/// knows): it becomes aborted data if the transaction aborts.
struct TxnClaim {
  std::string txn;
  std::uint64_t id = 0;  // The message.
  std::uint32_t unit = 0;
  std::int64_t offset = 0;
};

/// Where one consumer process last stopped reading one unit, and in which of its reading
/// epochs (StreamState::read_epochs_): a mark of an older epoch is no mark.
struct ReadMark {
  std::int64_t last = 0;
  std::uint64_t op = 0;  // The poll that read `last`: a witness when the next read jumps.
  std::uint32_t epoch = 0;
};

/// A read that did not start where the process's last read of the unit ended: a step back (a
/// nonmonotonic-poll, decided at once) or a gap no offset of which the first pass could clear
/// (a poll-skip or nothing: ordering_stream_skips.hpp decides).
struct JumpedRead {
  std::uint64_t op = 0;
  std::uint32_t unit = 0;
  std::uint32_t process = 0;  // Name ids.
  std::uint32_t group = 0;
  std::int64_t before_offset = 0;
  std::uint64_t before_op = 0;
  std::int64_t first = 0;
  MessageId first_id;
  bool step_back = false;
};

class StreamState {
 public:
  /// With `shared`, the entries ride beside the delivery pass's open messages (it must be fed
  /// the same ops, each before this stream); without, the stream keeps a table of its own.
  StreamState(history::Header const& header, std::uint64_t settle_delay,
              stream_detail::OpenTable* shared);
  void observe(history::Op const& op);
  bool decided() const { return !doubt_; }
  /// Precondition: decided(), and no gap or conflicted offset awaits a second pass
  /// (gaps_pending()).
  std::vector<Verdict> finish();
  /// Precondition: decided(). Reads `source` again when gaps_pending(); returns nothing when
  /// that pass could not judge them (the caller loads). `read_again` says whether it read.
  std::optional<std::vector<Verdict>> finish(OpSource const& source, std::uint64_t& reads);
  bool gaps_pending() const { return gaps_ > 0 || !conflicts_.empty() || !reorders_.empty(); }
  std::size_t open_count() const { return held_; }
  std::size_t memory_bytes() const;
  static constexpr std::uint8_t unknown_group_bit = 0xff;  // In group_bits_: no bit yet.
  // A unit's rejected offsets of one filter are pruned below the read once they are this many
  // intervals: a consumer of the group that lags further behind doubts at its next gap.
  static constexpr std::size_t rejected_keep = 64;

 private:
  void doubt() { doubt_ = true; }
  void let_go();
  void forget(std::uint32_t slot);
  Entry& entry(std::uint32_t slot) { return table_.side(slot); }
  // Always inline: every record asks, and GCC 12 called it out of line from restate().
  [[gnu::always_inline]] history::OrderingScope scope_of(std::uint32_t topic) {
    if (topic < scopes_.size() && scopes_[topic] != unknown_scope)
      return static_cast<history::OrderingScope>(scopes_[topic]);
    return look_up_scope(topic);
  }
  history::OrderingScope look_up_scope(std::uint32_t topic);
  static constexpr std::uint8_t unknown_scope = 0xff;
  // An op's plan (plan_of): bits of what observe() does with it.
  static constexpr std::uint8_t plan_resets = 1;    // Bumps its process's reading epoch.
  static constexpr std::uint8_t plan_records = 2;   // Its records are touched...
  static constexpr std::uint8_t plan_restates = 4;  // ...most only restating their message...
  static constexpr std::uint8_t plan_walks = 8;     // ...and its reads walked (an ok poll).
  static constexpr std::uint8_t plan_txn_end =
      16;  // An ok txn-abort or txn-commit, a failed commit.
  static constexpr std::size_t plan_types = 8, plan_kinds = 32;  // Powers of two: masks.
  void make_plans();
  std::uint8_t plan_of(history::Op const& op) const {
    std::size_t const type = static_cast<std::size_t>(op.type) & (plan_types - 1);
    return plans_[type * plan_kinds + (static_cast<std::size_t>(op.f) & (plan_kinds - 1))];
  }
  void touch(history::Op const& op, history::Record const& record, std::uint32_t position);
  bool restate(history::Record const& record, std::uint32_t position);
  void prefetch_after(std::uint64_t id);
  // A touch this many ops after the last one finds the message's lines cold (prefetch_after).
  static constexpr std::uint64_t cold_gap = 1024;
  void on_send(history::Op const& op, history::Record const& record, Entry& e,
               std::uint32_t position);
  void learn_tag(std::string const& tag, Entry& e);
  void note_rejected(Entry const& e, std::uint32_t unit);
  void place(history::Record const& record, Entry& e, history::OrderingScope scope);
  void claim(history::Op const& op, std::uint64_t id, Entry& e, std::int64_t offset);
  // ordering_stream_truncation.cpp: a second message at a claimed offset. A reclaim is refused
  // (a doubt), places the message, or leaves it without an offset (its claim gone at once).
  enum class Reclaim : std::uint8_t { refused, placed, pending };
  void note_recent(history::Op const& op, std::uint64_t id, std::int64_t offset, Unit& unit);
  Reclaim reclaim(history::Op const& op, std::uint64_t id, Entry const& e, std::uint32_t unit,
                  std::int64_t offset);
  bool holder_known(RecentClaim const& claim, std::uint64_t begun, bool read_here);
  bool leave_unplaced(history::Op const& op, std::uint64_t id, Entry const& e, std::uint32_t unit,
                      std::int64_t offset);
  bool read_again(history::Op const& op, std::uint64_t id, std::uint32_t unit, std::int64_t offset);
  bool take_back(RecentClaim& claim, std::uint32_t unit);
  void note_ack_again(history::Op const& op, std::uint64_t id, Entry const& e);
  bool held_at(RecentClaim const& claim);
  bool claimed_again(RecentClaim const& claim, Unit const& unit) const;
  // ordering_stream_early_reads.cpp: a consumer's read of a message at an offset another's ack
  // claim holds, before the message's own ok send (rule R decided at the read, T at the ok).
  bool read_early(history::Op const& op, std::uint64_t id, Entry const& e, std::uint32_t unit,
                  std::int64_t offset);
  bool ack_read_early(history::Op const& op, std::uint64_t id, Entry const& e, std::int64_t offset);
  void sweep_early_reads();
  // By message id: the offset a read placed it at early, until its ok send (at most
  // early_reads_max; swept of the messages let go when it reaches early_sweep_at_).
  std::map<std::uint64_t, std::int64_t> early_reads_;
  std::size_t early_sweep_at_ = 64;
  static constexpr std::size_t early_reads_max = std::size_t{1} << 12;
  bool tied(Entry const& e, std::int64_t processed_max);
  // A consumer read `offset` of `unit` (walk_poll). Inline: every polled record passes here.
  void note_read(std::uint32_t unit, std::int64_t offset) {
    Unit& here = units_[unit];
    if (offset > here.recent_evicted_max)
      here.read.insert(MessageId{static_cast<std::uint64_t>(offset)});
  }
  // Unit::read is pruned below the recent claims once it holds this many intervals.
  static constexpr std::size_t read_keep = 512;
  // By message id: the offset of its ack claim that a truncation voided, while it has no other
  // (a consumer's read there places it again). At most unplaced_max; past it, such a read is a
  // doubt.
  std::map<std::uint64_t, std::int64_t> unplaced_;
  static constexpr std::size_t unplaced_max = std::size_t{1} << 12;
  void note_conflict_guard(Unit const& unit, std::int64_t offset);
  bool skippable_offset(Unit const& unit, std::int64_t offset) const;
  // Claims kept per unit (Unit::recent); a truncation reaching past them is a doubt. A message
  // read before its ok has two (note_ack_again): 512 keep a truncation of 256 such offsets.
  static constexpr std::size_t recent_keep = 512;
  // Offsets holding two messages kept at most (conflicts_); past it, a doubt.
  static constexpr std::size_t conflicts_max = std::size_t{1} << 12;
  // (unit, offset) of each offset claimed by a second message, in the order seen.
  std::vector<std::pair<std::uint32_t, std::int64_t>> conflicts_;
  // ordering_stream_copies.cpp: a message re-sent to other topics (a dead-letter topic, a
  // chain of retry topics), judged where check_ordering places it. One copy per topic.
  static constexpr std::int64_t no_copy_offset = -1;  // Claimed offsets are >= 0.
  struct CopyAt {
    std::uint32_t topic = 0;  // The copy's topic's name id...
    std::int32_t partition = 0;
    std::int64_t offset = no_copy_offset;  // ...and its one claim there, once known.
  };
  // Topics a message may be copied to (Spring Kafka's retry topics: two or three, then a DLT);
  // one more is a doubt, which keeps a message's copies inline.
  static constexpr std::size_t copy_topics_max = 4;
  struct Copy {  // A held message's copies, one per topic, in the order the topics came.
    std::array<CopyAt, copy_topics_max> at{};
    std::uint8_t count = 0;
    // copies10: a copy's ok send came before any of the message's own (place_by_copy).
    bool acked_first = false;
  };
  void judge_copy(history::Op const& op, history::Record const& record, Entry& e,
                  std::uint32_t position);
  CopyAt* copy_in(std::uint64_t id, std::uint32_t topic);
  void claim_copy(history::Record const& record, CopyAt& copy, std::uint32_t unit);
  void walk_copies(history::Op const& op);
  // By message id: the copies of each held message that has some (erased when it is let go).
  std::map<std::uint64_t, Copy> copies_;
  // The op whose records copy_units_ describes: (record position, unit) of its copies' reads.
  std::uint64_t copy_op_ = no_op;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> copy_units_;
  static constexpr std::uint32_t no_copy_unit = ~std::uint32_t{0};  // An unordered topic's.
  // copies10: copies sent before the message's own acknowledgement, and who sends copies
  // (ordering_stream_copies.cpp says why these keep the pass exact). copy_senders_ holds the
  // name ids of every process that sent a copy; past copy_senders_max of them, a doubt.
  void place_by_copy(history::Record const& record, Entry const& e);
  void note_copy_send(history::Op const& op, std::uint64_t id, Entry const& e);
  bool copy_sender(std::string const& process) const;
  bool own_send_apart(history::Op const& op, std::uint64_t id) const;
  bool copy_acked_first(std::uint64_t id) const;
  std::vector<std::uint32_t> copy_senders_;
  static constexpr std::size_t copy_senders_max = 64;
  // ordering_stream_resends.cpp: a message sent more than once, or stored at several offsets.
  // Its send attempts, paired as send_outcomes.cpp pairs them, decide whether it may keep a
  // place in its producer's order (ordering_facts.cpp's sent_position) and which; a message at
  // several offsets spans them all (span_log_), and counts at its first offset in its groups'
  // orders.
  struct ResendAttempt {
    std::uint64_t invoke = 0;
    std::uint32_t position = 0;  // Its record's, in the invoke.
    std::uint32_t process = 0;   // Name id.
    std::uint8_t outcome = 0;    // An outcome_* code.
  };
  struct Resend {
    std::vector<ResendAttempt> attempts;  // In invoke order.
    bool out = false;  // Some attempt other than a failed one has no place: never in order.
    // trunc10: once out, its attempts are still paired for begun_of while that stays simple
    // (one record per invoke, at most resend_attempts_max); false when it no longer is.
    bool paired = true;
    bool lone_ok = false;  // trunc10: an ok completion took no attempt (acked_twice).
  };
  static constexpr std::uint8_t outcome_open = 0, outcome_ok = 1, outcome_info = 2,
                                outcome_fail = 3;
  static std::uint8_t outcome_of(history::OpType type) {
    return type == history::OpType::ok     ? outcome_ok
           : type == history::OpType::fail ? outcome_fail
                                           : outcome_info;
  }
  // A completion of the message's one attempt so far (send_invokes == 1): pairs with it when
  // send_outcomes.cpp would, else may have written it too (Entry::send_unpaired). Inline: every
  // send completion asks.
  [[gnu::always_inline]] void note_first_outcome(history::Op const& op, Entry& e) {
    if (!read_placed_.empty()) [[unlikely]]
      watch_ack(op, e);  // trunc10.
    if (e.send_invokes == 1 && e.first_outcome == outcome_open && op.value.size() == 1 &&
        same_text(names_.name(e.sender), op.process)) {
      e.first_outcome = outcome_of(op.type);
    } else if (op.type != history::OpType::fail) {
      e.send_unpaired = true;
    }
  }
  void start_resend(history::Op const& op, std::uint64_t id, Entry& e, std::uint32_t position);
  void on_resend_op(history::Op const& op, std::uint64_t id, Entry& e, std::uint32_t position);
  void place_resent(Resend& resend, Entry& e);
  void drop_sent(Entry const& e);
  void note_unnamed_send();
  void claim_again(history::Op const& op, std::uint64_t id, Entry& e, std::int64_t offset);
  struct SpanOffsets;
  SpanOffsets* start_span(std::pair<std::uint32_t, std::int64_t> key, std::uint64_t id);
  // Every offset of every message stored at several offsets, kept when it is let go (spans_
  // is swept): one entry per offset besides its first, with the first (Entry::offset), so the
  // second pass names it at each of them inside the ranges (name_spans). Past span_log_max
  // entries, a range is a doubt.
  struct LoggedSpan {
    std::uint32_t unit = 0;
    std::int64_t first = 0;  // Entry::offset.
    std::int64_t other = 0;  // Another offset of it.
    std::uint64_t id = 0;
  };
  std::vector<LoggedSpan> span_log_;
  bool span_log_full_ = false;
  static constexpr std::size_t span_log_max = std::size_t{1} << 12;
  // A message's offsets in its unit, its first one included: one more is a doubt. (Kafka's
  // simulated retries store a batch up to six times.)
  static constexpr std::size_t span_offsets_max = 64;
  static constexpr std::size_t resend_attempts_max = 64;
  bool held_as(std::uint64_t id, bool (*still)(Entry const&));
  void process(history::Op const& op, Entry& e, history::OrderingScope scope);
  void producer_order(Entry const& e, std::uint32_t unit);
  // ordering_stream_reorders.cpp: where orders crossed. Per unit, offset ranges that cover
  // every inversion seen (a group's first processing below its highest, a send stored below
  // an earlier send of its producer), merged, and the messages known at their offsets (an id
  // per offset, kept from the live entries while they are held). The second pass over the
  // ops (ReorderResolver) rebuilds those messages' chains as check_ordering does.
  struct ReorderUnit {
    std::map<std::int64_t, std::int64_t> ranges;  // first -> last, disjoint, not adjacent.
    // (offset, message) inside the ranges: two at an offset a truncation claimed again.
    std::set<std::pair<std::int64_t, std::uint64_t>> known;
  };
  std::map<std::uint32_t, ReorderUnit> reorders_;  // By unit number.
  std::size_t reorder_ranges_ = 0;
  std::uint64_t reorder_width_ = 0;  // Offsets in all ranges.
  static constexpr std::size_t reorder_ranges_max = std::size_t{1} << 12;
  static constexpr std::uint64_t reorder_width_max = std::uint64_t{1} << 18;
  std::uint64_t reorder_walked_ = 0;  // Held messages visited by learn_reordered's walks.
  static constexpr std::uint64_t reorder_walk_max = std::uint64_t{1} << 26;
  // Truncations, for the second pass over a reordering: every message claimed at a conflicted
  // offset, named there (one may be forgotten before a range covers it), and each ack claim
  // rule T took back, with its op (the second pass drops it from placements, as place_messages
  // drops truncated_claims' set). `op` is no_op for a name alone.
  struct TruncationNote {
    std::uint64_t id = 0;
    std::uint64_t op = 0;
    std::uint32_t unit = 0;
    std::int64_t offset = 0;
  };
  std::vector<TruncationNote> truncation_notes_;
  bool truncation_notes_full_ = false;
  static constexpr std::size_t truncation_notes_max = std::size_t{1} << 14;
  void note_truncation(std::uint32_t unit, RecentClaim const& claim, bool taken);
  void note_reorder(std::uint32_t unit, std::int64_t lo, std::int64_t hi);
  void learn_reordered(std::map<std::uint32_t, ReorderUnit>::iterator only);
  bool reordered_known();
  bool name_spans();
  bool name_truncated();
  ReorderTruncations reorder_truncations() const;
  std::optional<std::vector<Anomaly>> reread(OpSource const& source);
  std::size_t reorder_bytes() const;
  void walk_poll(history::Op const& op);
  void read_run(std::uint32_t process, std::uint32_t unit, std::int64_t first, std::int64_t last,
                MessageId first_id, std::uint32_t filter, history::Op const& op);
  void note_jump(std::uint32_t process, std::uint32_t unit, ReadMark const& mark,
                 std::int64_t first, MessageId first_id, history::Op const& op, bool step_back);
  // ordering_stream_skips.cpp's side of finish(): the verdict from the jumped reads.
  void note_claim_form(Entry const& e, history::Record const& record);
  // `source` reads the ops for the gaps' pass; `plain` (when not `source`) reads them alone,
  // for the pass over a filtered gap's sent tags (reread's `source` also feeds its resolver).
  std::optional<std::vector<Anomaly>> jumped_anomalies(OpSource const* source,
                                                       OpSource const* plain = nullptr);
  ReadJump jump_of(JumpedRead const& read) const;
  bool exercised();  // check_ordering's exercise(): some message of an ordered topic processed.
  bool exercise_known_ = false;
  std::size_t second_pass_bytes_ = 0;  // The gaps' second pass held this much at its end.
  bool skippable_gap(std::uint32_t unit, std::int64_t from, std::int64_t to, std::uint32_t filter,
                     history::Op const& op);
  void prune_skips(Unit& unit);
  // ordering_stream_txn.cpp: which offsets hold aborted data, or messages an abort named.
  void note_txn_claim(history::Op const& op, history::Record const& record, Entry const& e);
  void on_txn_end(history::Op const& op);
  void end_txn(std::string const& txn, bool committed);
  bool read_committed(std::string const& group);
  bool txn_rises(std::string_view txn);
  // Open transactions' claims kept at most; past this the oldest half go (their offsets
  // are then never skippable: a gap over one is a doubt).
  static constexpr std::size_t txn_claims_keep = std::size_t{1} << 12;
  // A gap longer than this is a doubt rather than a walk over its offsets.
  static constexpr std::int64_t skip_walk_max = std::int64_t{1} << 16;
  std::uint32_t filter_index(std::string const& group);  // Or no_filter.
  static constexpr std::uint32_t no_filter = 0xff;
  /// The number of the unit (topic, partition), made when new. Inline: most ops ask, and a
  /// partition below dense_partitions is found in its topic's row with no search.
  std::uint32_t unit_of(std::uint32_t topic, bool has_partition, std::int32_t partition) {
    // Column 0 is the topic without a partition; a negative partition is never dense.
    std::size_t const column =
        has_partition ? std::size_t{static_cast<std::uint32_t>(partition)} + 1 : 0;
    if (topic < dense_units_.size() && column < dense_units_[topic].size()) {
      std::uint32_t const known = dense_units_[topic][column];
      if (known != 0) return known - 1;
    }
    return look_up_unit(topic, has_partition, partition);
  }
  std::uint32_t unit_of(Entry const& e) { return unit_of(e.topic, e.has_partition, e.partition); }
  std::uint32_t look_up_unit(std::uint32_t topic, bool has_partition, std::int32_t partition);
  static constexpr std::size_t dense_partitions = 4096;
  bool settled(Entry const& e) {  // Inline: every touch asks.
    if (e.rejected_by == 0 && e.topic < readers_.size() && readers_[e.topic] != unknown_readers)
      return (e.groups & readers_[e.topic]) == readers_[e.topic];
    return look_up_settled(e);
  }
  bool look_up_settled(Entry const& e);
  void judge(history::Op const& op, history::Record const& record, Entry& e,
             std::uint32_t position);
  std::uint32_t group_bit(std::uint32_t group);
  // 0..31, or ordering_groups_max (a doubt). Inline: every ok processing asks.
  std::uint32_t group_index(std::uint32_t group) {
    if (group < group_bits_.size() && group_bits_[group] != unknown_group_bit)
      return group_bits_[group];
    return look_up_group_index(group);
  }
  std::uint32_t look_up_group_index(std::uint32_t group);
  void forget_due(std::uint64_t now);
  void note_exercise(Entry const& e);

  std::array<std::uint8_t, plan_types * plan_kinds> plans_{};  // By (type, kind): plan_of.
  std::uint64_t settle_delay_;
  // See due_: a few ops (8 at the default delay), under 1/256 of the delay; 0 below 256.
  std::uint64_t settle_slack_;
  bool ordered_ = false;  // Some topic promises an order.
  bool doubt_ = false;    // Stop: the second pass decides.
  bool processed_ = false;
  bool positioned_ = false;
  history::Header const& header_;
  stream_detail::Names names_;
  std::vector<std::uint8_t> scopes_;                   // By name id; unknown_scope until looked up.
  std::map<std::uint32_t, std::uint32_t> subscribed_;  // Topic -> its groups' bits.
  static constexpr std::uint64_t unknown_readers = ~std::uint64_t{0};
  std::vector<std::uint64_t> readers_;    // By name id: subscribed_'s bits, read through.
  std::vector<std::uint8_t> group_bits_;  // By name id: the group's bit, or unknown_bit.
  std::uint8_t group_count_ = 0;          // Bits handed out (32 at most: then a doubt).
  // The filters of the first 8 groups with a tag filter, by filter index (Entry::rejected_by);
  // a gap read by another group is a doubt. filter_indices_ is by group name id, read through.
  std::vector<std::vector<std::string>> filters_;
  std::vector<std::uint8_t> filter_indices_;
  std::vector<std::uint32_t> filter_group_bits_;  // By filter index: the group's bit.
  // Id -> open message (the side values of table_, `live` while held); iterated only where
  // order cannot matter.
  std::unique_ptr<stream_detail::OpenTable> own_;  // The table, when none is shared.
  stream_detail::OpenTable& table_;
  std::size_t held_ = 0;  // Live entries.
  // (touched at, id, slot in table_) for each message every subscribed group processed:
  // queued once when it settles (at its time + settle_slack_), again when it popped while
  // touched since. Nearly in time order: a message is forgotten between settle_delay and
  // settle_delay + settle_slack_ ops after its last touch, or up to settle_delay more when
  // queued again behind later entries. Entries whose slot was let go and reused are passed over.
  struct Due {
    std::uint64_t touched = 0;
    std::uint64_t id = 0;
    std::uint32_t slot = 0;
  };
  std::deque<Due> due_;
  IdSet forgotten_;
  // By unit number. (A vector: indexing a deque divides; no Unit& is held while one is made.)
  std::vector<Unit> units_;
  // (topic, has partition, partition) -> unit number: every unit, and the rows below.
  std::map<std::uint64_t, std::uint32_t> unit_numbers_;
  // By topic name id, then partition + 1 (0: no partition): unit number + 1, or 0 (not yet).
  std::vector<std::vector<std::uint32_t>> dense_units_;
  // By (unit << 32 | sender name id): the sender's order in that unit, in orders_.
  KeyNumbers order_numbers_;
  std::vector<ProducerOrder> orders_;  // As units_.
  // By (consumer process name id << 32 | unit): where it last stopped reading the unit.
  KeyNumbers read_numbers_;
  std::vector<ReadMark> reads_;
  // By process name id: its reading epoch, bumped when its position resets (an assign, a
  // crash...), which voids its marks at once with nothing erased.
  std::vector<std::uint32_t> read_epochs_;
  std::uint64_t now_ = 0;
  struct Run {  // What one poll read of one unit: its first and last offset.
    std::uint32_t unit;
    std::int64_t first;
    std::int64_t last;
    MessageId first_id;  // The record at `first`.
  };
  // Adds the record of message `id` at `offset` of `unit` to one poll's `runs`: the first
  // offset listed for a unit starts its run, each later one moves its end (check_offsets'
  // PollWalk).
  static void add_to_run(std::vector<Run>& runs, std::uint32_t unit, std::int64_t offset,
                         MessageId id) {
    auto const run =
        std::find_if(runs.begin(), runs.end(), [&](Run const& r) { return r.unit == unit; });
    if (run == runs.end()) {
      runs.push_back(Run{unit, offset, offset, id});
    } else {
      run->last = offset;
    }
  }
  // Reads that jumped (JumpedRead), in the order seen; gaps_ of them are gaps. At most
  // jumped_max of them and gap_width_max offsets of gaps: past either, a doubt.
  std::vector<JumpedRead> jumped_;
  std::size_t gaps_ = 0;
  std::uint64_t gap_width_ = 0;
  static constexpr std::size_t jumped_max = std::size_t{1} << 12;
  static constexpr std::uint64_t gap_width_max = SkipResolver::claims_max;
  // By topic name id: how its offsets were first claimed (claim_form_* bits). A gap is left to
  // the second pass only in a topic whose claims all name their partition, or all name none.
  std::vector<std::uint8_t> claim_forms_;
  static constexpr std::uint8_t claim_form_named = 1;    // The record named the partition.
  static constexpr std::uint8_t claim_form_none = 2;     // Neither it nor the message had one.
  static constexpr std::uint8_t claim_form_implied = 4;  // Only the message had one.
  std::vector<Run> runs_;
  // Claims of sends in transactions not ended yet, oldest first (TxnClaim).
  std::vector<TxnClaim> txn_claims_;
  // The transactions whose abort made offsets skippable: a commit of one afterwards is a doubt.
  EndedTxns aborted_txns_;
  // Per name prefix, the highest counter a transaction's claim or end showed (txn_rises):
  // a claim is kept only for a transaction named above it, which cannot have ended before.
  struct TxnPrefix {
    std::string prefix;
    std::uint64_t key = 0;  // txn_prefix_key(prefix): most prefixes differ in it.
    std::uint64_t max = 0;
  };
  std::vector<TxnPrefix> txn_prefixes_;
  std::size_t txn_prefix_last_ = 0;  // The prefix found last: producers take turns.
  bool txn_prefixes_full_ = false;   // Some prefix was not kept: its names never rise.
  static constexpr std::size_t txn_prefixes_max = 64;
  bool marked_aborted_ = false;               // Some offset joined a unit's `aborted`.
  std::vector<std::uint8_t> read_committed_;  // By group name id: 1 for read_committed.
  std::vector<std::uint32_t> slots_;          // By record position in the current op: its entry.
  std::uint64_t prefetch_pending_ = 0;        // The id whose index line prefetch_after asked for.
  // ordering_stream_resends.cpp's, last: the members above are the hot ones.
  // By message id: the messages with two send invokes or more (Entry::send_invokes == 2).
  std::map<std::uint64_t, Resend> resends_;
  // By (unit, Entry::offset): the other offsets of each message stored at several offsets
  // (Entry::spanned), and the message's id. Its first offset is its own in the unit
  // (Unit::claimed), unless a truncation claimed it again: then the id tells them apart.
  struct SpanOffsets {
    std::uint64_t id = 0;
    std::vector<std::int64_t> others;  // In the order claimed; fewer than span_offsets_max.
  };
  std::map<std::pair<std::uint32_t, std::int64_t>, SpanOffsets> spans_;
  // Both maps keep the entries of messages let go until they hold this many, then drop them.
  std::size_t resends_sweep_at_ = 64;
  std::size_t spans_sweep_at_ = 64;
  // Some send invoke named no message: send_outcomes.cpp may pair a completion with it, so
  // attempts are no longer paired here (a resend is a doubt).
  bool unnamed_send_ = false;
  // trunc10: the invoke of the send attempt an ok send completed, for truncated_claims' rule
  // T (begun_of). The last completion of a resent message that on_resend_op paired (its op
  // index: it names that message alone) and its attempt's invoke, or no_op when it stood alone.
  std::uint64_t resend_paired_op_ = no_op;
  std::uint64_t resend_paired_invoke_ = no_op;
  std::optional<std::uint64_t> begun_of(history::Op const& op, std::uint64_t id,
                                        Entry const& e) const;
  // Which ack claims rule T voids: from the offset up, at it only, none (no earlier ack claim
  // there), none either (the earlier one is the message's own: front_again).
  enum class Reach : std::uint8_t { up, here, none, again };
  std::uint64_t truncating_from(history::Op const& op, std::uint64_t id, Entry const& e,
                                Unit const& unit, std::int64_t offset, Reach& reach) const;
  bool truncate_claims(std::uint64_t id, std::uint32_t unit, std::int64_t offset,
                       std::uint64_t begun, Reach reach, bool read_here);
  Reclaim first_ack(history::Op const& op, std::uint64_t id, Entry const& e, std::uint32_t unit,
                    std::int64_t offset, bool read_here);
  Reclaim front_again(history::Op const& op, std::uint64_t id, Entry const& e, std::uint32_t unit,
                      std::int64_t offset, bool read_here);
  // (unit, offset) of every first_ack: at most conflicts_max, as they are conflicted offsets.
  std::set<std::pair<std::uint32_t, std::int64_t>> read_placed_;
  void watch_ack(history::Op const& op, Entry const& e);
  bool acked_again(history::Op const& op, std::uint64_t id, Unit const& unit,
                   std::int64_t offset) const;
  bool filed_alone(history::Op const& op, std::uint64_t id) const;
  bool acked_twice(std::uint64_t id) const;
};

}  // namespace mqcheck::checker::ordering_detail
