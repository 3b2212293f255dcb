// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_reads.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp), a consumer's reads: each poll's
// runs per partition, which must start where the process's last read of that partition ended
// (nonmonotonic-poll, poll-skip), except across offsets its group's tag filter rejects.
#include <algorithm>

#include "checker/ordering_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OrderingScope;
using history::Record;

// As check_offsets' PollWalk: per partition, the first and the last offset the poll listed.
void StreamState::walk_poll(Op const& op) {
  if (doubt_) return;  // touch() may have left slots_ unset.
  std::uint32_t const process = names_.intern(op.process);
  std::uint32_t const filter = filters_.empty() ? no_filter : filter_index(op.group);
  if (op.value.size() == 1) {  // Most polls of a long history: one record, one run, no list.
    Record const& record = op.value.front();
    if (!record.offset) return;
    MQCHECK_ASSERT(table_.id_at(slots_[0]) == record.id.value);
    Entry const& e = entry(slots_[0]);
    if (scope_of(e.topic) == OrderingScope::none) return;
    return read_run(process, unit_of(e), record.offset->value, record.offset->value, filter);
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
    std::int64_t const offset = record.offset->value;
    auto const run =
        std::find_if(runs.begin(), runs.end(), [&](Run const& r) { return r.unit == unit; });
    if (run == runs.end()) {
      runs.push_back(Run{unit, offset, offset});
    } else {
      run->last = offset;
    }
  }
  if (doubt_) return;
  for (Run const& run : runs) {
    read_run(process, run.unit, run.first, run.last, filter);
    if (doubt_) return;
  }
}

// `process` (of the group with filter index `filter`) read offsets first..last of `unit` in
// one poll: contiguous with its last read of it, unless its position was reset since (another
// epoch), it never read there, or every offset it jumped holds a message its filter rejects.
void StreamState::read_run(std::uint32_t process, std::uint32_t unit, std::int64_t first,
                           std::int64_t last, std::uint32_t filter) {
  if (read_epochs_.size() <= process) read_epochs_.resize(process + 1, 0);
  std::uint32_t const epoch = read_epochs_[process];
  bool fresh = false;
  std::uint32_t const number = read_numbers_.number(std::uint64_t{process} << 32 | unit, fresh);
  if (fresh) reads_.emplace_back();
  ReadMark& mark = reads_[number];
  // Not contiguous: a nonmonotonic-poll, or a gap that may be a poll-skip.
  if (!fresh && mark.epoch == epoch && first != mark.last + 1) {
    std::vector<IdSet> const& rejected = units_[unit].rejected;
    bool const filtered =
        first > mark.last + 1 && filter < rejected.size() &&
        rejected[filter].contains_all(MessageId{static_cast<std::uint64_t>(mark.last + 1)},
                                      MessageId{static_cast<std::uint64_t>(first - 1)});
    if (!filtered) return doubt();
  }
  mark.last = last;
  mark.epoch = epoch;
  if (filter != no_filter && filter < units_[unit].rejected.size()) {
    IdSet& rejected = units_[unit].rejected[filter];
    if (rejected.intervals() > StreamState::rejected_keep)
      rejected.erase_below(MessageId{static_cast<std::uint64_t>(first)});
  }
}

}  // namespace mqcheck::checker::ordering_detail
