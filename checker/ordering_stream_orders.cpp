// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_orders.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp) where a record places its message
// and orders it: its partition (place), its offset (claim: a second message at one is
// inconsistent-offsets, ordering_stream_truncation.cpp), a group's first processing against
// the highest offset it processed there (process), and a producer's send against its
// neighbours in send order (producer_order). A crossing of either order is recorded for the
// second pass (ordering_stream_reorders.cpp).
#include "checker/ordering_stream_state.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OrderingScope;
using history::Record;

void StreamState::place(Record const& record, Entry& e, OrderingScope /*scope*/) {
  if (!record.key.empty()) e.has_key = true;
  if (!record.partition) return;
  if (e.has_partition) {
    if (e.partition != *record.partition) doubt();
    return;
  }
  if (e.placed) return doubt();  // Judged in the wrong unit so far.
  e.has_partition = true;
  e.partition = *record.partition;
}

void StreamState::claim(Op const& op, std::uint64_t id, Entry& e, std::int64_t offset) {
  e.placed = true;
  if (offset < 0) return doubt();
  if (e.has_offset) {
    if (e.offset != offset) claim_again(op, id, e, offset);  // Stored twice: a span.
    return;
  }
  if (e.processed_unplaced) return doubt();  // A group processed it before we knew where.
  std::uint32_t const number = unit_of(e);
  Unit& unit = units_[number];
  // This message had no offset, so an earlier claim of this one was another's:
  // inconsistent-offsets, judged when a truncation explains it (reclaim), else a doubt.
  MessageId const slot{static_cast<std::uint64_t>(offset)};
  if (unit.claimed.contains(slot)) {
    Reclaim const how = reclaim(op, id, e, number, offset);
    if (how == Reclaim::refused) return doubt();
    if (how == Reclaim::pending) return;  // Its claim is gone already: it stays unplaced.
  } else {
    unit.claimed.insert(slot);
  }
  Unit& here = units_[number];
  note_recent(op, id, offset, here);
  e.has_offset = true;
  e.offset = offset;
  if (e.rejected_by != 0) note_rejected(e, number);
  if (e.abort_named) {
    note_conflict_guard(here, offset);
    here.abort_named.insert(slot);
  }
  if (e.sent_op != no_op) producer_order(e, number);
}

void StreamState::process(Op const& op, Entry& e, OrderingScope scope) {
  std::uint32_t const index = group_index(names_.intern(op.group));
  if (index == ordering_groups_max) return;  // A doubt.
  std::uint32_t const bit = std::uint32_t{1} << index;
  // Redeliveries are at-most-once's business: only the first processing orders.
  if ((e.groups & bit) != 0) return;
  e.groups |= bit;
  e.processed = true;
  e.placed = true;
  if (!e.has_offset) {
    e.processed_unplaced = true;
    if (e.acked && ordered_by_acks(scope)) doubt();  // A real-time chain: not judged here.
    return;
  }
  std::vector<std::int64_t>& maxima = units_[unit_of(e)].processed_max;
  if (maxima.size() <= index) maxima.resize(index + 1, Unit::no_offset);
  // Processed after a later offset: orders crossed, somewhere in [offset, maximum]. A message
  // stored twice counts at its first offset (ordering_stream_resends.cpp, name_spans say why).
  if (e.offset < maxima[index]) return note_reorder(unit_of(e), e.offset, maxima[index]);
  // An equal one is a tie at a conflicted offset (no order), else a doubt.
  if (e.offset == maxima[index] && !tied(e, maxima[index])) return doubt();
  maxima[index] = e.offset;
}

void StreamState::producer_order(Entry const& e, std::uint32_t unit) {
  bool fresh = false;
  std::uint32_t const number = order_numbers_.number(std::uint64_t{unit} << 32 | e.sender, fresh);
  if (fresh) orders_.emplace_back();
  ProducerOrder& order = orders_[number];
  ProducerOrder::Key const key{e.sent_op, e.sent_position};
  while (!order.held.empty() && order.held.front().first.first + settle_delay_ <= now_) {
    order.forgot = true;
    order.forgot_key = std::max(order.forgot_key, order.held.front().first);
    order.forgot_offset = std::max(order.forgot_offset, order.held.front().second);
    order.held.pop_front();
  }
  // The front was pushed settle_delay ops ago, and is cold by now: ask for the line the front
  // reaches a few sends from now (past a deque block's end, a useless but harmless prefetch).
  if (!order.held.empty())
    __builtin_prefetch(reinterpret_cast<char const*>(&order.held.front()) + 128);
  if (order.forgot && (key <= order.forgot_key || e.offset <= order.forgot_offset)) return doubt();
  // Usually the newest send: it goes at the back, with no search.
  auto const next = !order.held.empty() && order.held.back().first < key
                        ? order.held.end()
                        : std::lower_bound(order.held.begin(), order.held.end(), key,
                                           [](auto const& held, ProducerOrder::Key const& k) {
                                             return held.first < k;
                                           });
  if (next != order.held.end() && (next->first == key || next->second == e.offset)) return doubt();
  if (next != order.held.begin() && std::prev(next)->second == e.offset) return doubt();
  // Stored below the next send or above the previous one: orders crossed. The neighbours'
  // offsets bound a range that, with those recorded before, covers every crossing pair of the
  // new send (ordering_stream_reorders.cpp).
  std::int64_t const lo = next == order.held.end() ? e.offset : std::min(e.offset, next->second);
  std::int64_t const hi =
      next == order.held.begin() ? e.offset : std::max(e.offset, std::prev(next)->second);
  if (lo < hi) {
    note_reorder(unit, lo, hi);
    if (doubt_) return;
  }
  order.held.emplace(next, key, e.offset);
}

}  // namespace mqcheck::checker::ordering_detail
