// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream_settle.cpp (layer: checker)
// When a message settles, what a later op on a settled message means, and the passes. The
// rule that keeps the streaming report equal to the whole-history one: a settled message
// contributes to the counts and to nothing else, and any op that could make it contribute more
// (a second processing, an `info`, a transaction, a send that changes its outcome) sends it to
// the second pass, which rebuilds it from every op that names it. A message of a transaction
// that aborted for good (TxnFates::final_abort) settles as the whole-history table has it: an
// ok send in it unknown (KIP-98: it never becomes visible), a processing in it not counted.
#include <algorithm>
#include <memory>
#include <optional>

#include "checker/delivery_stream_state.hpp"
#include "checker/feature_common.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;

namespace {

// An attempt's outcome as export_open files it: an ok send in a transaction that did not commit
// may never become visible (KIP-98), so it is unknown.
OpType settle_outcome(Attempt const& a, TxnFates const& txns) {
  return a.outcome == OpType::ok && !txns.committed(a.txn) ? OpType::info : a.outcome;
}

// The outcome of a settleable message: its transactions all committed or aborted for good.
Category outcome_of(OpenMessage const& m, TxnFates const& txns) {
  bool info = false;
  for (Attempt const& a : m.sends()) {
    OpType const outcome = settle_outcome(a, txns);
    if (outcome == OpType::ok) return Category::ok;
    info = info || outcome == OpType::info;
  }
  return info ? Category::info : Category::fail;
}

// Whether a processing counts (counted_as_processed: yes), of a settleable message. One in a
// transaction that aborted for good counts not at all (no); settleable() holds any other.
bool settle_counts(Proc const& p, TxnFates const& txns) { return txns.committed(p.txn); }

// The outcome a message settled with, worked out from its attempts as a second pass rebuilt
// them, up to op `at` (the op that named it after its outcome was let go), and from `txns`, the
// status of the transactions they name (of `names`, the second pass's). At its settling every
// attempt had completed, in a transaction that had committed or aborted for good, as it has
// still (else TxnFates::late() rebuilt the report); an attempt completed since, before `at`,
// changed nothing (on_settled sends a message to the second pass at a send that could: an ok
// after unknown, any after failed, any in a transaction); so the attempts completed before `at`
// give that outcome.
Category outcome_before(OpenMessage const& m, std::uint64_t at, TxnFates const& names,
                        TxnTable const& txns) {
  bool info = false;
  for (Attempt const& a : m.sends()) {
    if (a.completion == no_op || a.completion >= at) continue;
    OpType outcome = a.outcome;
    if (a.txn != TxnFates::none && outcome == OpType::ok) {
      auto const txn = txns.find(names.name(a.txn));
      if (txn != txns.end() && txn->second.status != TxnStatus::committed) outcome = OpType::info;
    }
    if (outcome == OpType::ok) return Category::ok;
    info = info || outcome == OpType::info;
  }
  return info ? Category::info : Category::fail;
}

}  // namespace

std::optional<Category> Pass::category_of(MessageId id) const {
  MQCHECK_ASSERT(settled(id));
  if (id.value < detail_floor_) return std::nullopt;
  if (settled_info_.contains(id)) return Category::info;
  if (settled_fail_.contains(id)) return Category::fail;
  return Category::ok;
}

// Notes the outcome of `id`, settled now, when it is not ok (and recent). Past their bound,
// the two sets let their lowest interval go (the floor rises to the next one), so that they
// stay at the bound rather than swing below it: a later op naming a message below the floor
// sends it to the second pass (on_settled), whatever its outcome, and which units processed it
// is let go too (take_out_let_go counts them from the ops).
void Pass::note_category(MessageId id, Category category) {
  if (category == Category::ok || id.value < detail_floor_) return;
  (category == Category::info ? settled_info_ : settled_fail_).insert(id);
  std::size_t const bound = 2 * std::max<std::size_t>(options_.settled_recent_intervals, 1);
  while (settled_info_.intervals() + settled_fail_.intervals() > bound) {
    // The two sets' intervals are disjoint: the second lowest start of all ends the lowest.
    std::uint64_t lowest = ~std::uint64_t{0}, second = ~std::uint64_t{0};
    for (IdSet const* set : {&settled_info_, &settled_fail_}) {
      for (std::size_t i = 0; i < std::min<std::size_t>(set->intervals(), 2); ++i) {
        std::uint64_t const start = set->interval_first(i).value;
        second = std::min(second, std::max(lowest, start));
        lowest = std::min(lowest, start);
      }
    }
    detail_floor_ = std::max(detail_floor_, second);
    settled_info_.erase_below(MessageId{detail_floor_});
    settled_fail_.erase_below(MessageId{detail_floor_});
    for (IdSet& done : done_) done.erase_below(MessageId{detail_floor_});
  }
}

// Returns whether `m` can settle now. When it cannot only because one of its transactions has
// yet to end, sets `later`: no later op may name the message (an aborted transaction's is never
// read by a read_committed group), so the pass looks at it again later (settle_due), when that
// transaction may have aborted.
bool Pass::settleable(OpenMessage const& m, bool& later) const {
  later = false;
  if (focus_ != nullptr || m.sends().empty()) return false;
  std::vector<std::uint32_t> const* const readers = readers_of(m.topic);
  if (readers == nullptr) return false;  // Its readers are inferred at the end.
  // A transaction that committed counts as if there were none (export_open applies the
  // table: its ok sends are acknowledged and its processings count, KIP-98); one that aborted
  // for good makes its ok sends unknown and its processings void; any other may still end
  // either way, or stay open, and decides the message only later.
  bool aborted = false, ok = false, info = false;  // The outcome, as outcome_of's.
  for (Attempt const& a : m.sends()) {
    if (a.completion == no_op) return false;
    OpType outcome = a.outcome;
    if (!committed(a.txn)) {
      if (!txns_.final_abort(a.txn)) {
        later = txns_.may_end(a.txn);
        return false;
      }
      aborted = true;
      if (outcome == OpType::ok) outcome = OpType::info;
    }
    ok = ok || outcome == OpType::ok;
    info = info || outcome == OpType::info;
  }
  std::span<Proc const> const procs = m.procs();
  // Each reader (distinct: the constructor dedupes them) owes a processing of its own unless a
  // filter excuses it: fewer processings than readers is a quick no, which is most asks (a
  // send's completion, a first processing).
  if (!aborted && filters_.empty() && procs.size() < readers->size()) return false;
  std::size_t counted = 0;
  for (std::size_t i = 0; i < procs.size(); ++i) {
    Proc const& p = procs[i];
    if (p.type != OpType::ok) return false;
    if (!settle_counts(p, txns_)) {
      if (txns_.final_abort(p.txn)) continue;  // Rolled back with it (KIP-98): not counted.
      later = txns_.may_end(p.txn);
      return false;
    }
    ++counted;
    for (std::size_t j = 0; j < i; ++j)
      if (procs[j].unit == p.unit && settle_counts(procs[j], txns_)) return false;  // Twice.
  }
  if (!ok && !info && counted != 0) return false;  // Failed, and processed: unexpected.
  // Sent in an aborted transaction only, unknown or failed: no reader owes it anything.
  if (aborted && !ok) return true;
  for (std::uint32_t const group : *readers) {
    auto const filter = filters_.empty() ? filters_.end() : filters_.find(group);
    if (filter != filters_.end() &&
        !feature::filter_accepts(filter->second, names_.name(m.tag)))
      continue;  // The group's filter excuses it.
    bool read = false;
    for (Proc const& p : procs) read = read || (p.group == group && settle_counts(p, txns_));
    if (!read) return false;
  }
  return true;
}

void Pass::consider(MessageId id, OpenMessage const& m, std::uint64_t now, std::uint32_t slot) {
  bool later = false;
  if (settleable(m, later) || later) due_.push_back(Due{now, id, slot});
}

void Pass::settle_due(std::uint64_t now) {
  while (!due_.empty() && due_.front().at + options_.settle_delay <= now) {
    Due const due = due_.front();
    due_.pop_front();
    prefetch_next();
    // Once settled, an id is never opened again in this pass, so a slot that holds it (and a
    // message: a freed one is empty) holds the message that was queued.
    OpenMessage const& m = open_.at(due.slot);
    bool const held = open_.id_at(due.slot) == due.id.value && m.held();
    if (!held) continue;
    bool later = false;
    if (settleable(m, later)) {
      settle(due.id, due.slot);
    } else if (later) {
      due_.push_back(Due{now + 1, due.id, due.slot});  // Its transaction may abort meanwhile.
    }
  }
}

// The next message to come due was found settleable long ago: its lines are fetched now, a
// message's worth of ops (about sixteen) ahead of its time, rather than at every op.
void Pass::prefetch_next() const {
  if (due_.empty()) return;
  Due const& next = due_.front();
  // The queue itself, some ten entries ahead: its front was pushed a settle delay ago and is
  // cold (past a deque block's end the prefetch is harmless; ordering_stream_forget.cpp does
  // the same for its own queue).
  __builtin_prefetch(reinterpret_cast<char const*>(&next) + 256);
  open_.prefetch(next.slot);
  // Settling reads whether the ordering pass still holds it (a shared table).
  if (open_.side_enabled()) open_.prefetch_side(next.slot);
  open_.prefetch_index(next.id.value);  // Its erase starts there.
}

void Pass::settle(MessageId id, std::uint32_t slot) {
  OpenMessage& m = open_.at(slot);
  Counts& counts = settled_.counts;
  ++counts.sent;
  std::int64_t processed = 0;
  for (Proc const& p : m.procs()) {
    if (settle_counts(p, txns_)) {
      ++processed;
      if (done_.size() <= p.unit) done_.resize(p.unit + 1);
      done_[p.unit].insert(id);
    } else {
      txns_.settled_aborted(p.txn);  // A late commit of it would make it count.
    }
  }
  for (Attempt const& a : m.sends())
    if (!committed(a.txn)) txns_.settled_aborted(a.txn);  // Or its send acknowledged.
  counts.processed += processed;
  Category const category = outcome_of(m, txns_);
  switch (category) {
    case Category::ok:
      ++counts.acknowledged;
      if (readers_of(m.topic)->empty()) settled_.unread_topics.insert(names_.name(m.topic));
      break;
    case Category::info:
      ++counts.unknown;
      if (processed > 0) ++counts.recovered;
      break;
    case Category::fail:
      ++counts.failed;
      break;
  }
  settled_ids_.insert(id);
  note_category(id, category);
  ++settled_count_;
  if (options_.on_settle) options_.on_settle(id);
  // Every reader group processed it, so its dead-letter pairs can excuse nothing now.
  if (dead_letters_) dead_.forget(id);
  // Its transactions all committed; each goes once no other record names it.
  for (Attempt const& a : m.sends()) txns_.release(a.txn);
  for (Proc const& p : m.procs()) txns_.release(p.txn);
  open_heap_bytes_ -= m.heap_bytes();
  m.give_back(procs_pool_);
  --open_count_;
  // The ordering pass may still hold its entry beside it (a shared table): then only the
  // message goes (empty: not held), and the ordering pass erases the entry when it forgets it.
  if (open_.side_enabled() && open_.side(slot).live) {
    m = OpenMessage{};
  } else {
    open_.erase(id.value);  // Destroys `m`.
  }
}

// An op names a settled message. `unit` is the processing unit of a process op.
void Pass::on_settled(MessageId id, Op const& op, std::uint32_t unit) {
  std::optional<Category> const known = category_of(id);
  if (!known) {  // Its outcome was let go: rebuilt, and its share of the counts taken out later.
    if (replay_.insert(id).second) let_go_replays_.emplace(id, op.index);
    return;
  }
  Category const category = *known;
  if (!op.txn.empty() || category == Category::fail) return mark_replay(id, category);
  if (op.f == OpKind::send) {
    // More attempts change nothing once one was acknowledged; an ok after unknown does.
    if (category == Category::info && op.type == OpType::ok) mark_replay(id, category);
    return;
  }
  if (op.type != OpType::ok) return mark_replay(id, category);  // Maybe processed twice.
  if (done_.size() <= unit) done_.resize(unit + 1);
  // Duplicated: needs its witnesses.
  if (done_[unit].contains(id)) return mark_replay(id, category);
  if (category == Category::info) {
    bool const processed = std::any_of(done_.begin(), done_.end(),
                                       [&](IdSet const& s) { return s.contains(id); });
    if (!processed) ++settled_.counts.recovered;
  }
  done_[unit].insert(id);
  ++settled_.counts.processed;
}

// What a let-go replay contributed is worked out from the ops, as `second` rebuilt them, before
// `at` (the op that named it after its outcome was let go): its outcome (outcome_before), and
// its processings: at its settling each counted one was `ok`, by a unit of its own, outside
// any transaction or in a committed one (one in an aborted transaction counted not at all);
// since, until `at`, only such processings by new units were counted (on_settled sends any
// other to the second pass at once). Never-completed invokes (close) are `info`: not counted.
void Pass::take_out_let_go(Pass const& second, TxnTable const& txns) {
  for (auto const& [id, at] : let_go_replays_) {
    OpenMessage const* const m = second.open_.find(id.value);
    MQCHECK_ASSERT(m != nullptr);  // It was sent: the second pass rebuilt it.
    std::int64_t processed = 0;
    for (Proc const& p : m->procs()) {
      if (p.op >= at || p.type != OpType::ok) continue;
      if (p.txn != TxnFates::none) {
        auto const txn = txns.find(second.txns_.name(p.txn));
        if (txn == txns.end() || txn->second.status != TxnStatus::committed) continue;
      }
      ++processed;
    }
    take_out(outcome_before(*m, at, second.txns_, txns), processed);
  }
}

// Takes a settled message's contribution back out of the counts; the second pass recounts it.
void Pass::mark_replay(MessageId id, Category category) {
  if (replay_.insert(id).second) take_out(category, done_count(id));
}

// The units that processed settled `id`, as done_ has them: at its settling, and later by a
// unit new to it (on_settled). Only for an id whose outcome is kept (at or above the floor).
std::int64_t Pass::done_count(MessageId id) const {
  return std::count_if(done_.begin(), done_.end(), [&](IdSet const& s) { return s.contains(id); });
}

// Takes out what a settled message, whose outcome was `category` and which `processed` units
// processed, added to the counts: at its settling and at each later processing by a unit new
// to it (on_settled).
void Pass::take_out(Category category, std::int64_t processed) {
  Counts& counts = settled_.counts;
  --counts.sent;
  counts.processed -= processed;
  switch (category) {
    case Category::ok:
      --counts.acknowledged;
      break;
    case Category::info:
      --counts.unknown;
      if (processed > 0) --counts.recovered;
      break;
    case Category::fail:
      --counts.failed;
      break;
  }
}

OpType Pass::exported_outcome(Attempt const& a, TxnTable const& txns) const {
  if (a.txn == TxnFates::none || a.outcome != OpType::ok) return a.outcome;
  auto const txn = txns.find(txns_.name(a.txn));
  // KIP-98: a write in a transaction that never committed may never become visible.
  if (txn != txns.end() && txn->second.status != TxnStatus::committed) return OpType::info;
  return a.outcome;
}

Counted Pass::exported_count(Proc const& p, TxnTable const& txns) const {
  return counted_as_processed(p.type, txns_.name(p.txn), txns, header_->drained);
}

void Pass::export_open(TxnTable const& txns, MessageTable& table,
                       std::map<std::uint64_t, std::string>& processes) const {
  std::vector<std::uint64_t> ids;
  ids.reserve(open_.size());
  open_.for_each([&](std::uint64_t id, OpenMessage const& m) {
    if (m.held()) ids.push_back(id);  // Not those only the ordering pass holds.
  });
  std::sort(ids.begin(), ids.end());
  for (std::uint64_t const id : ids) {
    OpenMessage const& m = *open_.find(id);
    MessageFacts& facts = table[MessageId{id}];
    if (!m.sends().empty()) facts.topic = names_.name(m.topic);
    facts.tag = names_.name(m.tag);
    for (Attempt const& a : m.sends()) {
      SendAttempt attempt{std::nullopt, std::nullopt, exported_outcome(a, txns),
                          names_.name(a.process), txns_.name(a.txn)};
      if (a.invoke != no_op) attempt.invoke = a.invoke;
      if (a.completion != no_op) attempt.completion = a.completion;
      facts.sends.push_back(std::move(attempt));
    }
    for (Proc const& p : m.procs()) {
      Counted const counted = exported_count(p, txns);
      if (counted == Counted::no) continue;
      GroupProcessing& group = facts.groups[names_.name(p.group)];
      (counted == Counted::yes ? group.ok_ops : group.info_ops).push_back(p.op);
      group.topics.insert(names_.name(p.topic));
      processes[p.op] = names_.name(p.process);
    }
    for (auto& [name, group] : facts.groups) {
      std::sort(group.ok_ops.begin(), group.ok_ops.end());
      std::sort(group.info_ops.begin(), group.info_ops.end());
    }
  }
}

std::size_t Pass::memory_bytes() const {
  // The open messages' table and heap blocks are kept counted: sampling costs no walk over them.
  std::size_t bytes = open_.memory_bytes() + open_heap_bytes_ + procs_pool_.memory_bytes();
  bytes += due_.size() * sizeof(due_.front());
  for (auto const& invokes : invokes_) bytes += invokes.capacity() * sizeof(OpenInvoke);
  for (InvokeBatch const& b : batches_) {
    bytes += sizeof(InvokeBatch) + b.ids.capacity() * sizeof(MessageId) +
             b.records.capacity() * sizeof(b.records.front());
  }
  bytes += free_batches_.capacity() * sizeof(std::uint32_t);
  for (IdSet const* s : {&settled_ids_, &settled_info_, &settled_fail_}) bytes += s->memory_bytes();
  bytes += let_go_replays_.size() * (4 * sizeof(void*) + 16 + 2 * sizeof(std::uint64_t));
  for (IdSet const& s : done_) bytes += s.memory_bytes();
  bytes += txns_.memory_bytes();
  return bytes + names_.memory_bytes() + units_.memory_bytes() + dead_.memory_bytes();
}

}  // namespace stream_detail

using history::Op;

OpSource ops_of(history::History const& history) {
  return [&history](std::function<void(Op const&)> const& visit) {
    for (Op const& op : history.ops()) visit(op);
  };
}

DeliveryStream::DeliveryStream(history::Header const& header, StreamOptions options,
                               StreamStats* stats)
    : header_(&header),
      options_(options),
      stats_(stats != nullptr ? *stats : local_),
      sample_(stats != nullptr),
      first_(std::make_unique<stream_detail::Pass>(header, options, nullptr)) {}

DeliveryStream::~DeliveryStream() = default;

void DeliveryStream::observe(Op const& op) {
  first_->observe(op);
  StreamStats& s = stats_;
  ++s.ops;
  s.open_peak = std::max<std::uint64_t>(s.open_peak, first_->open_count());
  // memory_bytes() walks no open message, so a fine sampling costs little.
  if (sample_ && (s.ops & 0xfff) == 0)
    s.memory_peak_bytes = std::max(s.memory_peak_bytes, first_->memory_bytes());
}

DeliveryReport DeliveryStream::finish(OpSource const& source) {
  close_first();
  return report(source);
}

DeliveryFindings DeliveryStream::judge(OpSource const& source) {
  close_first();
  stream_detail::Pass const& first = *first_;
  if (first.txns().late() || !first.replay().empty()) return findings_of(report(source));
  TxnTable const txns = fates(source, nullptr);
  return first.findings(txns, first.dead().finish());
}

void DeliveryStream::reset(history::Header const& header) {
  header_ = &header;
  local_ = StreamStats{};
  stats_ = StreamStats{};
  first_->reset(header);
}

// Files the first pass's never-completed invokes: the end of its ops.
void DeliveryStream::close_first() {
  stream_detail::Pass& first = *first_;
  StreamStats& s = stats_;
  first.close();
  s.passes = 1;
  s.settled = first.settled_count();
  if (sample_) s.memory_peak_bytes = std::max(s.memory_peak_bytes, first.memory_bytes());
}

// finish()'s report, the first pass closed.
DeliveryReport DeliveryStream::report(OpSource const& source) {
  stream_detail::Pass& first = *first_;
  StreamStats& s = stats_;
  if (first.txns().late()) return rebuilt_whole(source);
  std::unique_ptr<stream_detail::Pass> second;
  if (!first.replay().empty()) {
    second = std::make_unique<stream_detail::Pass>(*header_, options_, &first.replay());
    source([&](Op const& op) { second->observe(op); });
    second->close();
    s.passes = 2;
    s.rebuilt = first.replay().size();
    s.outcomes_rebuilt = first.let_go_replays();
  }
  TxnTable const txns = fates(source, second.get());
  if (second != nullptr) first.take_out_let_go(*second, txns);
  MessageTable table;
  std::map<std::uint64_t, std::string> processes;
  first.export_open(txns, table, processes);
  if (second != nullptr) second->export_open(txns, table, processes);
  return delivery_detail::judge(
      *header_, table, first.dead().finish(),
      [&](std::uint64_t op) -> std::string const& { return processes.at(op); }, first.settled());
}

// A transaction some message settled under as aborted changed its status later (a late
// commit: TxnFates::late), so what those messages contributed is wrong, and which they are
// is no longer known. Rare (KIP-98: a commit after an abort is refused), so the report is
// rebuilt as the whole-history checker would make it: one more pass that settles nothing.
DeliveryReport DeliveryStream::rebuilt_whole(OpSource const& source) {
  StreamOptions whole = options_;
  whole.settle_delay = std::uint64_t{1} << 62;  // Past any history (and no overflow).
  whole.on_settle = {};
  StreamStats again;
  DeliveryStream stream(*header_, whole, &again);
  source([&](Op const& op) { stream.observe(op); });
  DeliveryReport report = stream.finish(source);
  StreamStats& s = stats_;
  s.passes += again.passes;
  s.memory_peak_bytes = std::max(s.memory_peak_bytes, again.memory_peak_bytes);
  s.open_peak = std::max(s.open_peak, again.open_peak);
  s.txns_reread += again.txns_reread;
  return report;
}

// The status of every transaction a held record names (of the first pass, and of `second`
// when given): from the first pass when it knows it exactly, else from the ops that name the
// transaction, read again (a transaction whose slot went and that a later record named).
TxnTable DeliveryStream::fates(OpSource const& source, stream_detail::Pass const* second) {
  stream_detail::TxnFates const& known = first_->txns();
  TxnTable txns;
  stream_detail::TxnNames unknown;
  known.export_named(txns, unknown);
  if (second != nullptr) {
    stream_detail::TxnNames named;
    second->txns().export_named(txns, named);  // Names only: a second pass traces no end.
    for (std::string const& name : named) {
      if (std::optional<TxnStatus> const status = known.exact_status(name)) {
        txns[name].status = *status;
      } else {
        unknown.insert(name);
      }
    }
  }
  if (unknown.empty()) return txns;
  TxnTableBuilder reread;
  source([&](Op const& op) {
    if (!op.txn.empty() && unknown.contains(op.txn)) reread.observe(op);
  });
  for (auto& [name, facts] : reread.finish()) txns[name] = facts;
  ++stats_.passes;
  stats_.txns_reread += unknown.size();
  return txns;
}

DeliveryReport check_delivery_stream(history::Header const& header, OpSource const& source,
                                     StreamOptions options, StreamStats* stats) {
  DeliveryStream stream(header, options, stats);
  source([&](Op const& op) { stream.observe(op); });
  return stream.finish(source);
}

}  // namespace mqcheck::checker
