// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream.cpp (layer: checker)
// The streaming ordering pass. Each rule of check_ordering (checker/ordering*.cpp) is judged
// here by a sufficient condition for "no anomaly" that needs only open state:
//   inconsistent-offsets: an offset of a partition is claimed by one message only (the claimed
//     offsets of a partition are an interval set), a message at one or several offsets (a span:
//     ordering_stream_resends.cpp); or a second message's ok send claims it after a truncation
//     of the leader's log took the first back (ordering_stream_truncation.cpp), and the second
//     pass over the ops reports it;
//   nonmonotonic-poll, poll-skip: each process reads each partition contiguously (the next
//     poll starts right after the last one ended) until an assign, crash, restart or abort,
//     or jumps only offsets already held by messages its group's tag filter rejects, by
//     messages an ok txn-abort named, or (a read_committed group) by aborted data
//     (ordering_stream_txn.cpp). These two are not only proven absent but reported: a read
//     that steps back is a nonmonotonic-poll at once, and a gap not cleared so is judged by a
//     second pass over the ops (ordering_stream_skips.hpp; the report: ordering_stream_jumps.cpp);
//   reordered (consumers): each group's first processings in a partition come in increasing
//     offset order (each message's highest offset above every lowest before it), and none
//     comes before the message's offset is known;
//   reordered (producer): each producer's sends to a partition get increasing offsets; a
//     message sent more than once keeps the place of the attempt that may alone have written
//     it, or none (ordering_stream_resends.cpp).
// Where either order crosses at single offsets, the first pass records the offset range, and
// a second pass over the ops judges the messages there as check_ordering does
// (ordering_stream_resolver.hpp).
// Partition chains contain the key and producer chains, so checking them covers every scope.
// A message re-sent to a second topic (dead-letter, retry topics) is judged as check_ordering
// places it, in its first topic (ordering_stream_copies.cpp).
// Anything else (a resend whose attempts do not pair simply, a partition learnt after use, a
// record without topic, an op naming a forgotten message) is a doubt: the second pass loads
// the history.
// A consumer's reads are walked in ordering_stream_reads.cpp, and what is let go when in
// ordering_stream_forget.cpp.
#include "checker/ordering_stream.hpp"

#include <algorithm>
#include <iterator>

#include "checker/feature_common.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_offsets.hpp"
#include "checker/ordering_stream_state.hpp"
#include "checker/short_text.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;

namespace {

constexpr std::uint8_t unknown_bit = StreamState::unknown_group_bit;
constexpr std::size_t ordering_filters_max = 8;  // Entry::rejected_by's bits.

// Most records only restate what is known of their message (a poll, a processing invoke, a
// commit): no send, no first processing, no key, and a partition and offset, when given, equal
// to those held. Judging those only marks them placed; this is that shortcut's condition.
inline bool ordering_restates(Op const& op, Record const& record, Entry const& e) {
  if (op.f == OpKind::send || (op.f == OpKind::process && op.type == OpType::ok)) return false;
  if (!record.key.empty()) return false;
  if (record.partition && !(e.has_partition && e.partition == *record.partition)) return false;
  return !record.offset || (e.has_offset && e.offset == record.offset->value);
}

}  // namespace

static_assert(sizeof(void*) != 8 || sizeof(Entry) == 48);  // No id: the shared table's.

StreamState::StreamState(history::Header const& header, std::uint64_t settle_delay,
                         stream_detail::OpenTable* shared)
    : settle_delay_(settle_delay),
      settle_slack_(std::min<std::uint64_t>(settle_delay >> 8, 8)),
      header_(header),
      own_(shared == nullptr ? std::make_unique<stream_detail::OpenTable>() : nullptr),
      table_(shared == nullptr ? *own_ : *shared) {
  table_.enable_side();
  make_plans();
  for (auto const& [topic, scope] : header.ordering)
    ordered_ = ordered_ || scope != OrderingScope::none;
  for (auto const& [topic, groups] : header.subscriptions) {
    std::uint32_t& readers = subscribed_[names_.intern(topic)];
    for (std::string const& group : groups) readers |= group_bit(names_.intern(group));
  }
  for (auto const& [group, spec] : header.groups) {
    if (spec.filter.empty() || filters_.size() == ordering_filters_max) continue;
    std::uint32_t const id = names_.intern(group);
    if (filter_indices_.size() <= id) filter_indices_.resize(id + 1, no_filter);
    filter_indices_[id] = static_cast<std::uint8_t>(filters_.size());
    filters_.push_back(spec.filter);
    filter_group_bits_.push_back(group_bit(id));
  }
  for (auto const& [group, spec] : header.groups) {
    if (spec.isolation != history::GroupSpec::Isolation::read_committed) continue;
    std::uint32_t const id = names_.intern(group);
    if (read_committed_.size() <= id) read_committed_.resize(id + 1, 0);
    read_committed_[id] = 1;
  }
}

// What observe() does with an op is decided by its type and kind alone: once for each pair
// here, with the tests it used to make at every op.
void StreamState::make_plans() {
  for (std::size_t type = 0; type < plan_types; ++type) {
    for (std::size_t kind = 0; kind < plan_kinds; ++kind) {
      Op op;
      op.type = static_cast<OpType>(type);
      op.f = static_cast<OpKind>(kind);
      std::uint8_t plan = resets_position(op) ? plan_resets : 0;
      // The ops check_ordering reads records from: sends of any outcome (the message table),
      // and every other client op but failed ones and assigns (placements and claims; an
      // assign's records name partitions, not messages).
      if (history::is_client_op(op) && op.f != OpKind::assign &&
          (op.type != OpType::fail || op.f == OpKind::send))
        plan |= plan_records;
      // Neither a send nor a first processing: most records only restate their message.
      if (op.f != OpKind::send && !(op.f == OpKind::process && op.type == OpType::ok))
        plan |= plan_restates;
      if (op.type == OpType::ok && (op.f == OpKind::poll || op.f == OpKind::deliver))
        plan |= plan_walks;
      // How a transaction ended decides which offsets hold aborted data (TxnStatus).
      bool const ends =
          (op.type == OpType::ok && op.f == OpKind::txn_abort) ||
          (op.f == OpKind::txn_commit && (op.type == OpType::ok || op.type == OpType::fail));
      if (history::is_client_op(op) && ends) plan |= plan_txn_end;
      plans_[type * plan_kinds + kind] = plan;
    }
  }
}

// Every group with a tag filter was named (and given its index) when the stream began.
std::uint32_t StreamState::filter_index(std::string const& group) {
  std::uint32_t const id = names_.intern(group);
  return id < filter_indices_.size() ? filter_indices_[id] : no_filter;
}

// Groups are few; one bit each keeps an open message small. The 33rd group is a doubt.
std::uint32_t StreamState::look_up_group_index(std::uint32_t group) {
  if (group < group_bits_.size() && group_bits_[group] != unknown_bit) return group_bits_[group];
  if (group_bits_.size() <= group) group_bits_.resize(group + 1, unknown_bit);
  if (group_count_ == ordering_groups_max) {
    doubt();
    return ordering_groups_max;
  }
  group_bits_[group] = group_count_++;
  return group_bits_[group];
}

std::uint32_t StreamState::group_bit(std::uint32_t group) {
  std::uint32_t const index = group_index(group);
  return index == ordering_groups_max ? 0 : std::uint32_t{1} << index;
}

OrderingScope StreamState::look_up_scope(std::uint32_t topic) {
  if (scopes_.size() <= topic) scopes_.resize(topic + 1, unknown_scope);
  if (scopes_[topic] == unknown_scope) {
    auto const found = header_.ordering.find(names_.name(topic));
    OrderingScope const scope =
        found == header_.ordering.end() ? OrderingScope::none : found->second;
    scopes_[topic] = static_cast<std::uint8_t>(scope);
  }
  return static_cast<OrderingScope>(scopes_[topic]);
}

// touch() for a live message that `record` restates (ordering_restates: its op, neither a send
// nor an ok processing, names a process), inline and with the fewest loads: the same effects.
// Returns false, having changed nothing, when touch() must see the record.
[[gnu::always_inline]] inline bool StreamState::restate(Record const& record,
                                                        std::uint32_t position) {
  std::uint32_t const slot = table_.find_slot(record.id.value);
  if (slot == stream_detail::OpenTable::no_slot) return false;
  Entry& e = entry(slot);
  if (!e.live || !record.key.empty()) return false;
  if (record.partition && !(e.has_partition && e.partition == *record.partition)) return false;
  if (record.offset && !(e.has_offset && e.offset == record.offset->value)) return false;
  // A live entry's topic is never "": an empty record topic goes to touch(), which doubts.
  if (!same_text(names_.name(e.topic), record.topic)) return false;
  if (now_ - e.last_touch >= cold_gap) prefetch_after(record.id.value);
  e.last_touch = now_;
  if (record.offset) e.restated = true;
  slots_[position] = slot;
  // Neither its groups nor its filters changed: it owes what it owed, and is queued if due.
  if (record.offset && scope_of(e.topic) != OrderingScope::none) e.placed = true;
  return true;
}

void StreamState::observe(Op const& op) {
  if (!ordered_ || doubt_) return;
  now_ = op.index;
  std::uint8_t const plan = plan_of(op);
  if ((plan & plan_resets) != 0) {
    std::uint32_t const process = names_.intern(op.process);
    if (process < read_epochs_.size()) ++read_epochs_[process];
  }
  if ((plan & plan_records) != 0) {
    // The count once: recomputing a vector's size divides by sizeof(Record) at every turn.
    std::size_t const count = op.value.size();
    Record const* const records = op.value.data();
    if (slots_.size() < count) slots_.resize(count);
    // Two ops in three (polls, processing invokes, commits) only restate their messages: those
    // take restate(), inline, and the others touch().
    bool const restating = (plan & plan_restates) != 0 && !op.process.empty();
    if (count == 1) {  // Nearly every op of a long history: no loop.
      if (!restating || !restate(records[0], 0)) touch(op, records[0], 0);
    } else {
      // A send invoke naming no message may pair with any completion of its process
      // (send_outcomes.cpp).
      if (count == 0 && op.f == OpKind::send && op.type == OpType::invoke) note_unnamed_send();
      for (std::size_t i = 0; i < count; ++i) {
        auto const position = static_cast<std::uint32_t>(i);
        if (!restating || !restate(records[i], position)) touch(op, records[i], position);
      }
    }
    if ((plan & plan_walks) != 0) walk_poll(op);
  }
  if ((plan & plan_txn_end) != 0 && !doubt_) on_txn_end(op);
  if (doubt_) return let_go();
  if (!due_.empty() && due_.front().touched + settle_delay_ <= op.index) forget_due(op.index);
}

void StreamState::touch(Op const& op, Record const& record, std::uint32_t position) {
  // Placements take an empty topic from elsewhere, and producers are named by process.
  if (record.topic.empty() || op.process.empty()) return doubt();
  std::uint32_t slot = table_.find_slot(record.id.value);
  // Found but not live: the delivery pass's message alone (a shared table).
  bool const fresh = slot == stream_detail::OpenTable::no_slot || !entry(slot).live;
  bool copy = false;
  if (fresh) {
    // A held message was never forgotten, so only a new one is looked up there.
    if (forgotten_.contains(record.id)) return doubt();
    bool inserted = false;
    if (slot == stream_detail::OpenTable::no_slot) table_.insert(record.id.value, inserted, slot);
    Entry& e = entry(slot);  // Default-made: never live, or reset when let go.
    e.live = true;
    e.topic = names_.intern(record.topic);
    ++held_;
  } else if (!same_text(names_.name(entry(slot).topic), record.topic)) {
    // A placement's topic is its first send's: a record of another topic is a copy (a
    // dead-letter or retry topic), judged by judge_copy where it can be, else a doubt; after
    // a resend too, its send ops by none of the processes that sent the message (copies10:
    // note_copy_send), so that no copy's send pairs with an attempt of the first topic.
    // (Names are interned one to one, so comparing the text is comparing ids, with no lookup.)
    copy = true;
  } else if (op.f == OpKind::send && !copy_senders_.empty()) {
    // copies10: a send of a copied message that judge_copy cannot follow (own_send_apart).
    if (!own_send_apart(op, record.id.value)) return doubt();
  }
  slots_[position] = slot;  // For walk_poll, which needs no second lookup.
  Entry& e = entry(slot);   // Stays put while other entries come and go (IdTable).
  if (!fresh && now_ - e.last_touch >= cold_gap) prefetch_after(record.id.value);
  e.last_touch = now_;
  std::uint32_t const groups_before = e.groups;
  std::uint8_t const rejected_before = e.rejected_by;
  if (copy) {
    judge_copy(op, record, e, position);
    if (doubt_) return;
  } else if (ordering_restates(op, record, e)) {
    // As judge() would: an offset repeated places the message (when its topic is ordered).
    if (record.offset) e.restated = true;
    if (record.offset && scope_of(e.topic) != OrderingScope::none) e.placed = true;
  } else {
    judge(op, record, e, position);
  }
  // Once every subscribed group processed it (a group whose filter rejects it owes nothing),
  // it is due settle_delay ops after its last touch. It is queued once, by the touch that
  // settles it (only a first processing, or a send whose tag a filter rejects, changes what it
  // owes), settle_slack_ ops late: the touches that follow at once (a commit) then find it
  // already queued at their time. One touched later still goes back in the queue when its
  // entry pops (forget_due).
  if ((fresh || e.groups != groups_before || e.rejected_by != rejected_before) && settled(e))
    due_.push_back(Due{now_ + settle_slack_, record.id.value, slot});
}

// A message named again long after its last touch (a consumer lagging behind its producers)
// costs this touch its cache misses: the index cell, the delivery entry and this entry. Ids
// count up as messages are sent, and consumers read in send order, so the next such touch is
// likely of the next id: its lines are asked for now, in two steps a touch apart (the index
// line first, then the entry and side lines its home cell names), so that no step waits.
[[gnu::noinline]] void StreamState::prefetch_after(std::uint64_t id) {
  if (prefetch_pending_ == id + 1) table_.prefetch_guess(id + 1);
  table_.prefetch_index(id + 2);
  prefetch_pending_ = id + 2;
}

void StreamState::judge(Op const& op, Record const& record, Entry& e, std::uint32_t position) {
  OrderingScope const scope = scope_of(e.topic);
  if (op.f == OpKind::send) {
    on_send(op, record, e, position);
    if (op.type == OpType::ok && e.processed_unplaced && ordered_by_acks(scope)) return doubt();
    if (op.type == OpType::fail) return;  // A failed op places nothing.
  }
  if (scope == OrderingScope::none) return;
  place(record, e, scope);
  if (record.offset) {
    // The ok send of a message a consumer read early at a truncated offset: rule T's turn.
    bool const acked_early = op.f == OpKind::send && op.type == OpType::ok &&
                             !early_reads_.empty() &&
                             ack_read_early(op, record.id.value, e, record.offset->value);
    if (doubt_) return;
    // Most records repeat the offset already claimed (a poll, a processing, a commit): that
    // only marks the message placed, as claim() would, with no call.
    if (e.has_offset && e.offset == record.offset->value) {
      e.placed = true;
      // An ok send's claim is one a truncation may take back: kept with the recent ones.
      if (op.f == OpKind::send && op.type == OpType::ok) {
        if (!acked_early) note_ack_again(op, record.id.value, e);
      } else {
        e.restated = true;
      }
    } else {
      bool const first = !e.has_offset;
      claim(op, record.id.value, e, record.offset->value);
      if (e.has_offset && (first || e.spanned)) note_claim_form(e, record);
      // check_offsets' Claim::uncommitted: the first op to put it there is a send in a
      // transaction (kept only when a read_committed group may skip aborted data).
      if (first && e.has_offset && op.f == OpKind::send && !op.txn.empty() &&
          !read_committed_.empty() && !doubt_)
        note_txn_claim(op, record, e);
    }
  }
  if (op.f == OpKind::process && op.type == OpType::ok) process(op, e, scope);
}

void StreamState::on_send(Op const& op, Record const& record, Entry& e, std::uint32_t position) {
  e.has_send = true;
  // The first tag a send states is the message's (as feature::build_sent_table reads it).
  if (!e.tag_known && !record.tag.empty() && !filters_.empty()) learn_tag(record.tag, e);
  if (op.type == OpType::ok) e.acked = true;
  // A resend leaves the message in its producer's order only while the attempts paired so far
  // let one alone have written it (sent_position): ordering_stream_resends.cpp.
  if (e.send_invokes > 1) [[unlikely]]
    return on_resend_op(op, record.id.value, e, position);
  if (op.type != OpType::invoke) return note_first_outcome(op, e);
  if (e.send_invokes == 1) [[unlikely]]
    return start_resend(op, record.id.value, e, position);
  e.send_invokes = 1;
  if (op.value.size() != 1) e.send_unpaired = true;  // Paired by its ids: not followed.
  e.sent_op = op.index;
  e.sent_position = position;
  e.sender = names_.intern(op.process);
  if (e.has_offset && scope_of(e.topic) != OrderingScope::none) producer_order(e, unit_of(e));
}

void StreamState::learn_tag(std::string const& tag, Entry& e) {
  e.tag_known = true;
  for (std::size_t i = 0; i < filters_.size(); ++i)
    if (!feature::filter_accepts(filters_[i], tag)) e.rejected_by |= std::uint8_t(1u << i);
  if (e.has_offset && e.rejected_by != 0) note_rejected(e, unit_of(e));
}

// The groups whose filter rejects the message at e.offset may skip that offset (as
// check_offsets' known_between): the broker (RocketMQ) or the client (Kafka) filtered it out.
void StreamState::note_rejected(Entry const& e, std::uint32_t unit) {
  note_conflict_guard(units_[unit], e.offset);
  std::vector<IdSet>& rejected = units_[unit].rejected;
  for (std::size_t i = 0; i < filters_.size(); ++i) {
    if ((e.rejected_by & (1u << i)) == 0) continue;
    if (rejected.size() <= i) rejected.resize(i + 1);
    rejected[i].insert(MessageId{static_cast<std::uint64_t>(e.offset)});
  }
}

std::uint32_t StreamState::look_up_unit(std::uint32_t topic, bool has_partition,
                                        std::int32_t partition) {
  std::uint64_t const key = (std::uint64_t{topic} << 33) | (std::uint64_t{has_partition} << 32) |
                            static_cast<std::uint32_t>(partition);
  auto const [found, fresh] =
      unit_numbers_.try_emplace(key, static_cast<std::uint32_t>(units_.size()));
  if (fresh) {
    units_.emplace_back();
    units_.back().topic = topic;
    if (has_partition) units_.back().partition = partition;
  }
  std::size_t const column =
      has_partition ? std::size_t{static_cast<std::uint32_t>(partition)} + 1 : 0;
  if (column <= dense_partitions) {  // Else only the map knows it.
    if (dense_units_.size() <= topic) dense_units_.resize(topic + 1);
    std::vector<std::uint32_t>& row = dense_units_[topic];
    if (row.size() <= column) row.resize(column + 1, 0);
    row[column] = found->second + 1;
  }
  return found->second;
}

// As check_ordering's exercise(): a processed message of an ordered topic, and whether it has
// a broker position (chain_of) to compare.
void StreamState::note_exercise(Entry const& e) {
  if (!e.processed) return;
  OrderingScope const scope = static_cast<OrderingScope>(scopes_[e.topic]);
  if (scope == OrderingScope::none) return;
  processed_ = true;
  bool const member = scope == OrderingScope::key        ? e.has_key
                      : scope == OrderingScope::producer ? e.has_send
                                                         : true;
  if (member && (e.has_offset || (e.acked && ordered_by_acks(scope)))) positioned_ = true;
}

std::size_t StreamState::memory_bytes() const {
  constexpr std::size_t node = 2 * sizeof(void*) + 16;  // Links and malloc's overhead.
  // A shared table is the delivery pass's to count (its side chunks included).
  std::size_t bytes = (own_ != nullptr ? own_->memory_bytes() : 0) + names_.memory_bytes();
  bytes += due_.size() * sizeof(due_.front()) + forgotten_.memory_bytes();
  for (Unit const& unit : units_) {
    bytes += sizeof(Unit) + unit.claimed.memory_bytes() + unit.recent.size() * sizeof(RecentClaim);
    bytes += unit.conflicted.memory_bytes() + unit.read.memory_bytes();
    bytes += unit.processed_max.capacity() * sizeof(std::int64_t);
    for (IdSet const& rejected : unit.rejected) bytes += sizeof(IdSet) + rejected.memory_bytes();
    bytes += unit.aborted.memory_bytes() + unit.abort_named.memory_bytes();
    bytes += unit.readers.capacity() * sizeof(unit.readers.front());
  }
  bytes += unit_numbers_.size() * (node + 16);
  for (std::vector<std::uint32_t> const& row : dense_units_)
    bytes += sizeof(row) + row.capacity() * sizeof(std::uint32_t);
  bytes += order_numbers_.memory_bytes() + read_numbers_.memory_bytes();
  bytes += reads_.capacity() * sizeof(ReadMark);
  for (ProducerOrder const& order : orders_)
    bytes += sizeof(order) + order.held.size() * sizeof(order.held.front());
  bytes += reorder_bytes();
  bytes += read_epochs_.capacity() * sizeof(std::uint32_t) + group_bits_.capacity();
  bytes += txn_claims_.capacity() * sizeof(TxnClaim) + aborted_txns_.memory_bytes();
  for (TxnPrefix const& known : txn_prefixes_) bytes += sizeof(known) + known.prefix.capacity();
  for (TxnClaim const& claim : txn_claims_)
    if (claim.txn.capacity() > 15) bytes += claim.txn.capacity() + 1;  // Past the SSO buffer.
  bytes += jumped_.capacity() * sizeof(JumpedRead) + claim_forms_.capacity() + second_pass_bytes_;
  bytes += conflicts_.capacity() * sizeof(conflicts_.front()) + unplaced_.size() * (node + 16);
  bytes += copies_.size() * (node + sizeof(std::pair<std::uint64_t, Copy>));
  bytes += copy_units_.capacity() * sizeof(copy_units_.front());
  bytes += copy_senders_.capacity() * sizeof(copy_senders_.front());
  for (auto const& [id, resend] : resends_)
    bytes +=
        node + sizeof(id) + sizeof(resend) + resend.attempts.capacity() * sizeof(ResendAttempt);
  for (auto const& [key, span] : spans_)
    bytes += node + sizeof(key) + sizeof(span) + span.others.capacity() * sizeof(std::int64_t);
  bytes += span_log_.capacity() * sizeof(LoggedSpan);
  bytes += early_reads_.size() * (node + sizeof(decltype(early_reads_)::value_type));
  return bytes;
}

}  // namespace ordering_detail

OrderingStream::OrderingStream(history::Header const& header, std::uint64_t settle_delay)
    : state_(std::make_unique<ordering_detail::StreamState>(header, settle_delay, nullptr)) {}
OrderingStream::OrderingStream(history::Header const& header, std::uint64_t settle_delay,
                               DeliveryStream& share)
    : state_(std::make_unique<ordering_detail::StreamState>(header, settle_delay,
                                                            &share.first_pass().open_table())) {}
OrderingStream::~OrderingStream() = default;
void OrderingStream::observe(history::Op const& op) { state_->observe(op); }
bool OrderingStream::decided() const { return state_->decided() && !state_->gaps_pending(); }
bool OrderingStream::judged() const { return state_->decided(); }
bool OrderingStream::gaps_pending() const { return state_->gaps_pending(); }
std::vector<Verdict> OrderingStream::finish() { return state_->finish(); }
std::optional<std::vector<Verdict>> OrderingStream::finish(OpSource const& source,
                                                           std::uint64_t& reads) {
  return state_->finish(source, reads);
}
std::size_t OrderingStream::open_count() const { return state_->open_count(); }
std::size_t OrderingStream::memory_bytes() const { return state_->memory_bytes(); }

std::vector<Verdict> check_ordering_loaded(history::Header const& header, OpSource const& source) {
  history::History history(header);
  source([&](history::Op const& op) { history.append(op); });
  return check_ordering(history);
}

std::vector<Verdict> check_ordering_stream(history::Header const& header, OpSource const& source,
                                           StreamOptions options, StreamStats* stats) {
  OrderingStream stream(header, options.settle_delay);
  StreamStats seen;
  source([&](history::Op const& op) {
    stream.observe(op);
    ++seen.ops;
    seen.open_peak = std::max<std::uint64_t>(seen.open_peak, stream.open_count());
    if ((seen.ops & 4095) == 0)
      seen.memory_peak_bytes = std::max(seen.memory_peak_bytes, stream.memory_bytes());
  });
  seen.memory_peak_bytes = std::max(seen.memory_peak_bytes, stream.memory_bytes());
  seen.passes = 1;
  std::optional<std::vector<Verdict>> verdicts;
  if (stream.judged()) {
    std::uint64_t reads = 0;
    verdicts = stream.finish(source, reads);
    seen.passes += reads;  // The gaps' and crossings' second look (ordering_stream_skips.hpp).
  }
  if (!verdicts) {
    ++seen.passes;
    seen.loaded_for = "ordering";
  }
  seen.memory_peak_bytes = std::max(seen.memory_peak_bytes, stream.memory_bytes());
  if (stats != nullptr) *stats = seen;
  if (verdicts) return std::move(*verdicts);
  return check_ordering_loaded(header, source);
}

}  // namespace mqcheck::checker
