// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_reads.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp), a consumer's reads: each poll's
// runs per partition, which must start where the process's last read of that partition ended
// (nonmonotonic-poll, poll-skip), except across offsets its group may skip: rejected by its tag
// filter, aborted data (read_committed), a message an ok txn-abort named. A read that does not
// is kept (note_jump): a step back is a nonmonotonic-poll, a gap goes to the second pass.
// The offsets read are noted (note_read): a truncation judges its claims by them.
#include <algorithm>
#include <limits>

#include "checker/ordering_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OrderingScope;
using history::Record;

// As check_offsets' PollWalk: per partition, the first and the last offset the poll listed.
void StreamState::walk_poll(Op const& op) {
  if (doubt_) return;  // touch() may have left slots_ unset.
  if (copy_op_ == op.index) return walk_copies(op);  // Some record is a copy's.
  std::uint32_t const process = names_.intern(op.process);
  std::uint32_t const filter = filters_.empty() ? no_filter : filter_index(op.group);
  if (op.value.size() == 1) {  // Most polls of a long history: one record, one run, no list.
    Record const& record = op.value.front();
    if (!record.offset) return;
    MQCHECK_ASSERT(table_.id_at(slots_[0]) == record.id.value);
    Entry const& e = entry(slots_[0]);
    if (scope_of(e.topic) == OrderingScope::none) return;
    std::uint32_t const unit = unit_of(e);
    note_read(unit, record.offset->value);
    return read_run(process, unit, record.offset->value, record.offset->value, record.id, filter,
                    op);
  }
  std::vector<Run>& runs = runs_;  // Reused: no allocation per poll once warm.
  runs.clear();
  std::size_t const count = op.value.size();
  for (std::size_t i = 0; i < count; ++i) {
    Record const& record = op.value[i];
    if (!record.offset || doubt_) continue;
    // touch() filed it at slots_[i] (no erase comes between), or doubted.
    MQCHECK_ASSERT(table_.id_at(slots_[i]) == record.id.value);
    Entry const& e = entry(slots_[i]);
    if (scope_of(e.topic) == OrderingScope::none) continue;
    std::uint32_t const unit = unit_of(e);
    note_read(unit, record.offset->value);
    add_to_run(runs, unit, record.offset->value, record.id);
  }
  if (doubt_) return;
  for (Run const& run : runs) {
    read_run(process, run.unit, run.first, run.last, run.first_id, filter, op);
    if (doubt_) return;
  }
}

// `process` (of the group with filter index `filter`, reading for `op`) read offsets first..last
// of `unit` in one poll (`first_id` at first): contiguous with its last read of it, unless its
// position was reset since (another epoch), it never read there, or every offset it jumped may
// be skipped (skippable_gap). Else it jumped: back (a nonmonotonic-poll), or over a gap left to
// the second pass (note_jump).
void StreamState::read_run(std::uint32_t process, std::uint32_t unit, std::int64_t first,
                           std::int64_t last, MessageId first_id, std::uint32_t filter,
                           Op const& op) {
  if (read_epochs_.size() <= process) read_epochs_.resize(process + 1, 0);
  std::uint32_t const epoch = read_epochs_[process];
  bool fresh = false;
  std::uint32_t const number = read_numbers_.number(std::uint64_t{process} << 32 | unit, fresh);
  if (fresh) {
    reads_.emplace_back();
    units_[unit].readers.emplace_back(number, process);
  }
  ReadMark& mark = reads_[number];
  // Not contiguous: a nonmonotonic-poll, or a gap that may be a poll-skip.
  if (!fresh && mark.epoch == epoch && first != mark.last + 1) {
    if (first <= mark.last) {
      note_jump(process, unit, mark, first, first_id, op, true);
    } else if (!skippable_gap(unit, mark.last + 1, first - 1, filter, op)) {
      note_jump(process, unit, mark, first, first_id, op, false);
    }
    if (doubt_) return;
  }
  mark.last = last;
  mark.op = op.index;
  mark.epoch = epoch;
  Unit& here = units_[unit];
  if (filter != no_filter && filter < here.rejected.size()) {
    IdSet& rejected = here.rejected[filter];
    if (rejected.intervals() > StreamState::rejected_keep)
      rejected.erase_below(MessageId{static_cast<std::uint64_t>(first)});
  }
  if (here.aborted.intervals() + here.abort_named.intervals() > here.prune_at) prune_skips(here);
}

// Keeps a jumped read for finish(): a step back is a nonmonotonic-poll already; a gap is left to
// the second pass (ordering_stream_skips.hpp), within the bounds on jumps and gap width (a gap
// read by a group with a tag filter too: that pass then reads its claims' sent tags).
void StreamState::note_jump(std::uint32_t process, std::uint32_t unit, ReadMark const& mark,
                            std::int64_t first, MessageId first_id, Op const& op, bool step_back) {
  if (jumped_.size() == jumped_max) return doubt();
  if (!step_back) {
    gap_width_ += static_cast<std::uint64_t>(first - mark.last - 1);
    if (gap_width_ > gap_width_max) return doubt();
    ++gaps_;
  }
  jumped_.push_back(JumpedRead{op.index, unit, process, names_.intern(op.group), mark.last, mark.op,
                               first, first_id, step_back});
}

// Every offset of from..to (a gap in one consumer's reads) may be jumped, as check_offsets'
// known_between allows: its group's tag filter rejects the message there, an ok txn-abort named
// that message, or the group is read_committed and the offset holds aborted data. Offsets no
// message claimed (yet) are a doubt: a later claim there may be a poll-skip.
bool StreamState::skippable_gap(std::uint32_t unit, std::int64_t from, std::int64_t to,
                                std::uint32_t filter, Op const& op) {
  Unit const& here = units_[unit];
  auto const id = [](std::int64_t offset) { return MessageId{static_cast<std::uint64_t>(offset)}; };
  IdSet const* const rejected = filter < here.rejected.size() ? &here.rejected[filter] : nullptr;
  if (rejected != nullptr && rejected->contains_all(id(from), id(to))) return true;
  if (to - from >= skip_walk_max) return false;
  bool const committed_only = read_committed(op.group);
  if (committed_only && here.aborted.contains_all(id(from), id(to))) return true;
  for (std::int64_t offset = from; offset <= to; ++offset) {
    if (here.abort_named.contains(id(offset))) continue;
    if (committed_only && here.aborted.contains(id(offset))) continue;
    if (rejected != nullptr && rejected->contains(id(offset))) continue;
    return false;
  }
  return true;
}

// Drops the skippable offsets below every reader's position in its current epoch: a gap
// starts right after a mark, and a process without a current mark reads afresh. Amortised:
// the next prune waits until the sets double.
void StreamState::prune_skips(Unit& unit) {
  std::int64_t low = std::numeric_limits<std::int64_t>::max();
  for (auto const& [number, process] : unit.readers) {
    ReadMark const& mark = reads_[number];
    if (mark.epoch == read_epochs_[process]) low = std::min(low, mark.last + 1);
  }
  MessageId const below{static_cast<std::uint64_t>(low)};
  unit.aborted.erase_below(below);
  unit.abort_named.erase_below(below);
  unit.prune_at =
      std::max<std::size_t>(64, 2 * (unit.aborted.intervals() + unit.abort_named.intervals()));
}

}  // namespace mqcheck::checker::ordering_detail
