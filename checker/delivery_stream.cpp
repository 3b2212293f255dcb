// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream.cpp (layer: checker)
// One pass of the streaming delivery checker: pairing completions with invokes (as
// build_message_table does, docs/history-format.md) and filing each record under its message.
// Settling and the passes' orchestration are in delivery_stream_settle.cpp.
#include <algorithm>
#include <bit>
#include <tuple>
#include <utility>

#include "checker/delivery_stream_state.hpp"
#include "checker/short_text.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

std::uint64_t Names::hash(std::string_view text) {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  if (text.size() >= 8) {
    std::tie(first, last) = text_ends<std::uint64_t>(text);
  } else if (text.size() >= 4) {
    std::tie(first, last) = text_ends<std::uint32_t>(text);
  } else {
    first = static_cast<unsigned char>(text.front());
    last = static_cast<unsigned char>(text.back()) |
           std::uint64_t{static_cast<unsigned char>(text[text.size() / 2])} << 8;
  }
  std::uint64_t const mixed = (first * 0x9E3779B97F4A7C15ULL) ^ (last + text.size());
  return (mixed * 0xBF58476D1CE4E5B9ULL) >> 32;
}

std::uint32_t Names::intern_slow(std::string_view text) {
  std::size_t const mask = index_.size() - 1;
  std::uint32_t found = 0;
  for (std::size_t at = hash(text) & mask;; at = (at + 1) & mask) {
    std::uint32_t const id = index_[at];
    if (id == 0) break;
    if (same_text(names_[id], text)) {
      found = id;
      break;
    }
  }
  if (found == 0) found = add(text);
  if (text.size() <= 16) {  // The next lookup of this name takes the inline path.
    Key const key = key_of(text);
    recent_[slot_of(key)] = Recent{key, found};
  }
  return found;
}

// Adds a name not seen before; the index stays at most half full.
std::uint32_t Names::add(std::string_view text) {
  auto const id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(text);
  if (names_.size() * 2 > index_.size()) {
    index_.assign(index_.size() * 2, 0);
    for (std::uint32_t old = 1; old < id; ++old) {
      std::size_t at = hash(names_[old]) & (index_.size() - 1);
      while (index_[at] != 0) at = (at + 1) & (index_.size() - 1);
      index_[at] = old;
    }
  }
  std::size_t at = hash(text) & (index_.size() - 1);
  while (index_[at] != 0) at = (at + 1) & (index_.size() - 1);
  index_[at] = id;
  return id;
}

std::size_t Names::memory_bytes() const {
  std::size_t bytes = index_.capacity() * sizeof(std::uint32_t);
  for (std::string const& name : names_) bytes += sizeof(std::string) + 16 + name.capacity();
  return bytes;
}

Pass::Pass(history::Header const& header, StreamOptions options, std::set<MessageId> const* focus)
    : header_(&header),
      options_(options),
      focus_(focus),
      txns_(focus == nullptr, options.txn_recent_intervals),
      dead_(header),
      dead_letters_(!header.groups.empty()) {
  read_header();
}

// Interns the header's subscribed topics, their groups and the declared groups, and notes
// their readers, filters and broadcast mode.
void Pass::read_header() {
  history::Header const& header = *header_;
  for (auto const& [topic, groups] : header.subscriptions) {
    std::vector<std::uint32_t>& readers = readers_[names_.intern(topic)];
    for (std::string const& group : groups) readers.push_back(names_.intern(group));
    std::sort(readers.begin(), readers.end());  // Distinct: settleable counts them.
    readers.erase(std::unique(readers.begin(), readers.end()), readers.end());
  }
  for (auto const& [topic, readers] : readers_) {  // The map is complete: its nodes stay put.
    if (reader_rows_.size() <= topic) reader_rows_.resize(topic + 1, nullptr);
    reader_rows_[topic] = &readers;
  }
  for (auto const& [group, spec] : header.groups) {
    std::uint32_t const id = names_.intern(group);
    if (!spec.filter.empty()) filters_[id] = spec.filter;
    if (spec.mode == history::GroupSpec::Mode::broadcast) broadcast_.insert(id);
  }
}

void Pass::pair_and_file(Op const& op) {
  std::uint32_t const process = names_.intern(op.process);
  // The op's transaction, looked up once: each record filed under it holds its slot. Made for
  // every send and process that names one, so that the first pass knows each such name (a
  // second pass asks it about those its rebuilt messages name). Held while the op is filed:
  // the completed invoke lets go of its own reference meanwhile, maybe to the same slot.
  std::uint32_t const txn = op.txn.empty() ? TxnFates::none : txns_.slot_of(op.txn);
  txns_.hold(txn);
  if (op.type == OpType::invoke) {
    file_invoke(op, process, txn);
    if (op.f == OpKind::send)
      for (Record const& record : op.value) on_send_invoke(op, record, process, txn);
  } else {
    std::uint64_t const invoke = take_open_invoke(op, process);
    if (op.f == OpKind::send) {
      for (Record const& record : op.value) on_send_completion(op, record, invoke, txn);
    } else if (op.type != OpType::fail) {  // A failed process did not happen.
      std::uint32_t const group = names_.intern(op.group);
      for (Record const& record : op.value) {
        on_process(op, record.id, names_.intern(record.topic), op.index, group, process, txn,
                   op.type);
      }
    }
  }
  txns_.release(txn);  // Goes when no record took it and nothing else needs it.
}

// Files the invoke `op` of `process` to wait for its completion.
void Pass::file_invoke(Op const& op, std::uint32_t process, std::uint32_t txn) {
  if (invokes_.size() <= process) invokes_.resize(process + 1);
  OpenInvoke& invoke = invokes_[process].emplace_back();
  invoke.index = op.index;
  invoke.f = op.f;
  invoke.group = names_.intern(op.group);
  // A process invoke never completed counts in its transaction (close()); a send's attempt
  // holds its own.
  if (op.f == OpKind::process) {
    invoke.txn = txn;
    txns_.hold(txn);
  }
  invoke.count = static_cast<std::uint32_t>(op.value.size());
  if (op.value.size() == 1) {
    invoke.id = op.value[0].id;
    if (op.f == OpKind::process) invoke.topic = names_.intern(op.value[0].topic);
    return;
  }
  if (op.value.empty()) return;
  if (free_batches_.empty()) {
    free_batches_.push_back(static_cast<std::uint32_t>(batches_.size()));
    batches_.emplace_back();
  }
  invoke.batch = free_batches_.back();
  free_batches_.pop_back();
  InvokeBatch& batch = batches_[invoke.batch];
  for (Record const& record : op.value) {
    batch.ids.push_back(record.id);
    if (op.f == OpKind::process) batch.records.emplace_back(record.id, names_.intern(record.topic));
  }
  std::sort(batch.ids.begin(), batch.ids.end());
}

// Returns true when `op` completes `invoke`: the same f, and the same ids in any order, or an
// invoke that names no message (docs/history-format.md: a poll's) pairs on f alone. Inline in
// take_open_invoke, its only caller: most invokes name one message.
[[gnu::always_inline]] inline bool Pass::pairs_with(OpenInvoke const& invoke, Op const& op) {
  if (invoke.f != op.f) return false;
  if (invoke.count == 0) return true;
  if (invoke.count != op.value.size()) return false;
  if (invoke.count == 1) return invoke.id == op.value[0].id;
  return batch_pairs_with(invoke, op);
}

// pairs_with() for an invoke of several messages: the ids compared sorted.
bool Pass::batch_pairs_with(OpenInvoke const& invoke, Op const& op) {
  if (!scratch_sorted_) {
    scratch_.clear();
    for (Record const& record : op.value) scratch_.push_back(record.id);
    std::sort(scratch_.begin(), scratch_.end());
    scratch_sorted_ = true;
  }
  return batches_[invoke.batch].ids == scratch_;
}

// Removes and returns the earliest open invoke that `op` completes, or no_op.
std::uint64_t Pass::take_open_invoke(Op const& op, std::uint32_t process) {
  if (invokes_.size() <= process || invokes_[process].empty()) return no_op;
  std::vector<OpenInvoke>& open = invokes_[process];
  scratch_sorted_ = false;
  auto const it = std::find_if(open.begin(), open.end(), [&](OpenInvoke const& invoke) {
    return pairs_with(invoke, op);
  });
  if (it == open.end()) return no_op;
  std::uint64_t const index = it->index;
  txns_.release(it->txn);
  if (it->batch != OpenInvoke::no_batch) {  // Back to the pool, capacity kept.
    batches_[it->batch].ids.clear();
    batches_[it->batch].records.clear();
    free_batches_.push_back(it->batch);
  }
  open.erase(it);
  return index;
}

bool Pass::wanted(MessageId id) const {
  if (focus_ != nullptr) return focus_->contains(id);
  // Replayed ids are old ones, and every record asks: an id above them all (most: new ones)
  // is answered from the set's rightmost node, in constant time, not by a walk that deepens
  // as duplicates pile up over a long history.
  return replay_.empty() || *replay_.rbegin() < id || !replay_.contains(id);
}

OpenMessage* Pass::open_for(MessageId id, std::uint32_t& slot) {
  if (!wanted(id)) return nullptr;
  slot = open_.find_slot(id.value);
  if (slot != OpenTable::no_slot && open_.at(slot).held()) return &open_.at(slot);
  // Not held: new, settled, or named so far by the ordering pass only (a shared table).
  if (focus_ == nullptr && settled(id)) return nullptr;
  ++open_count_;  // Every caller files an attempt or a processing in it at once.
  if (slot != OpenTable::no_slot) return &open_.at(slot);
  bool fresh = false;
  return &open_.insert(id.value, fresh, slot);
}

void Pass::on_send_invoke(Op const& op, Record const& record, std::uint32_t process,
                          std::uint32_t txn) {
  std::uint32_t slot = 0;
  OpenMessage* const m = open_for(record.id, slot);
  if (m == nullptr) {
    if (wanted(record.id)) on_settled(record.id, op, 0);
    return;
  }
  if (m->sends().empty()) m->topic = names_.intern(record.topic);
  if (m->tag == 0 && !record.tag.empty()) m->tag = names_.intern(record.tag);
  open_heap_bytes_ += m->add_send(Attempt{op.index, no_op, process, txn, OpType::info});
  txns_.hold(txn);
}

void Pass::on_send_completion(Op const& op, Record const& record, std::uint64_t invoke,
                              std::uint32_t txn) {
  std::uint32_t slot = 0;
  OpenMessage* const m = open_for(record.id, slot);
  if (m == nullptr) {
    if (wanted(record.id)) on_settled(record.id, op, 0);
    return;
  }
  if (m->tag == 0 && !record.tag.empty()) m->tag = names_.intern(record.tag);
  std::span<Attempt> const sends = m->sends();
  auto const filed = std::find_if(sends.begin(), sends.end(), [&](Attempt const& a) {
    return invoke != no_op && a.invoke == invoke && a.completion == no_op;
  });
  if (filed != sends.end()) {
    filed->completion = op.index;
    filed->outcome = op.type;
    if (txn != TxnFates::none) {  // The completion's transaction replaces the invoke's.
      txns_.hold(txn);
      txns_.release(filed->txn);
      filed->txn = txn;
    }
  } else {
    // No attempt was filed: the completion stands alone, or its invoke named no message.
    if (sends.empty()) m->topic = names_.intern(record.topic);
    open_heap_bytes_ +=
        m->add_send(Attempt{invoke, op.index, names_.intern(op.process), txn, op.type});
    txns_.hold(txn);
  }
  consider(record.id, *m, op.index, slot);
}

void Pass::on_process(Op const& op, MessageId id, std::uint32_t topic, std::uint64_t op_index,
                      std::uint32_t group, std::uint32_t process, std::uint32_t txn, OpType type) {
  std::uint32_t const unit = unit_of(group, process);
  std::uint32_t slot = 0;
  OpenMessage* const m = open_for(id, slot);
  if (m == nullptr) {
    if (wanted(id)) on_settled(id, op, unit);
    return;
  }
  open_heap_bytes_ +=
      m->add_proc(Proc{op_index, group, process, unit, topic, txn, type}, procs_pool_);
  txns_.hold(txn);
  consider(id, *m, op_index, slot);
}

std::uint32_t Pass::unit_of(std::uint32_t group, std::uint32_t process) {
  if (broadcast_.empty() || !broadcast_.contains(group)) {
    if (group_units_.size() <= group) group_units_.resize(group + 1, no_unit);
    if (group_units_[group] == no_unit) group_units_[group] = units_.intern(names_.name(group));
    return group_units_[group];
  }
  // A broadcast group's instances each must process every message once (RocketMQ
  // MessageModel.BROADCASTING): each is its own unit. '\x1f' cannot occur in JSON-read names
  // unescaped, and escaped it is still one unit name per (group, instance).
  return units_.intern(names_.name(group) + '\x1f' + names_.name(process));
}

void Pass::close() {
  for (std::size_t process = 0; process < invokes_.size(); ++process) {
    for (OpenInvoke const& invoke : invokes_[process]) {
      if (invoke.f != OpKind::process) continue;
      Op op;  // Stands for the invoke: an op never completed counts as info.
      op.index = no_op;  // Met at the end of the history (on_settled: all that came before).
      op.type = OpType::info;
      op.f = OpKind::process;
      op.txn = txns_.name(invoke.txn);
      auto const file = [&](MessageId id, std::uint32_t topic) {
        on_process(op, id, topic, invoke.index, invoke.group, static_cast<std::uint32_t>(process),
                   invoke.txn, OpType::info);
      };
      if (invoke.count == 1) file(invoke.id, invoke.topic);
      if (invoke.batch != OpenInvoke::no_batch)
        for (auto const& [id, topic] : batches_[invoke.batch].records) file(id, topic);
      txns_.release(invoke.txn);  // Its processings hold it now, if any was filed.
    }
    invokes_[process].clear();
  }
}

OpenMessage& OpenMessage::operator=(OpenMessage&& other) noexcept {
  if (this == &other) return *this;
  release();
  topic = other.topic;
  tag = other.tag;
  sends_ = std::exchange(other.sends_, 0);
  procs_ = std::exchange(other.procs_, 0);
  one_ = other.one_;
  procs_heap_ = std::exchange(other.procs_heap_, nullptr);
  return *this;
}

namespace {

constexpr std::size_t malloc_overhead = 16;

// The capacity of a heap block holding `n` items: blocks double from 2.
std::size_t capacity_for(std::uint32_t n) { return n == 0 ? 0 : std::bit_ceil(std::max(n, 2u)); }

// Copies `n` items from `from` into a new block of capacity_for(n + 1) items.
template <class T>
T* grown(T const* from, std::uint32_t n) {
  T* const to = new T[capacity_for(n + 1)];
  std::copy(from, from + n, to);
  return to;
}

}  // namespace

// An IdTable entry of 64 bytes: a cache line holds a whole open message.
static_assert(sizeof(void*) != 8 || sizeof(OpenMessage) == 56);

std::size_t OpenMessage::add_send(Attempt const& attempt) {
  std::size_t bytes = 0;
  if (sends_ == 0) {
    one_.first = attempt;
  } else {
    if (sends_ == 1 || capacity_for(sends_) == sends_) {  // Full: spill or double.
      Attempt* const from = sends_ == 1 ? &one_.first : one_.many;
      Attempt* const to = grown(from, sends_);
      bytes = capacity_for(sends_ + 1) * sizeof(Attempt) + malloc_overhead;
      if (sends_ > 1) {
        bytes -= capacity_for(sends_) * sizeof(Attempt) + malloc_overhead;
        delete[] one_.many;
      }
      one_.many = to;
    }
    one_.many[sends_] = attempt;
  }
  ++sends_;
  return bytes;
}

// A pool block holds up to ProcPool::items processings; past that they move to the heap, in a
// block doubled when full (capacity_for).
// Two processings fill a block's line.
static_assert(sizeof(void*) != 8 || sizeof(Proc) == 32);

std::size_t OpenMessage::add_proc(Proc const& proc, ProcPool& pool) {
  std::size_t bytes = 0;
  if (procs_ == 0) {
    procs_heap_ = pool.take();
  } else if (procs_ == ProcPool::items) {  // Out of the pool's block, onto the heap.
    Proc* const to = grown(procs_heap_, procs_);
    bytes = capacity_for(procs_ + 1) * sizeof(Proc) + malloc_overhead;
    pool.give(procs_heap_);
    procs_heap_ = to;
  } else if (procs_ > ProcPool::items && capacity_for(procs_) == procs_) {  // Full: double.
    Proc* const to = grown(procs_heap_, procs_);
    bytes = (capacity_for(procs_ + 1) - capacity_for(procs_)) * sizeof(Proc);
    delete[] procs_heap_;
    procs_heap_ = to;
  }
  procs_heap_[procs_++] = proc;
  return bytes;
}

void OpenMessage::give_back(ProcPool& pool) {
  if (procs_ == 0 || procs_ > ProcPool::items) return;
  pool.give(procs_heap_);
  procs_heap_ = nullptr;
  procs_ = 0;
}

std::size_t OpenMessage::heap_bytes() const {
  std::size_t bytes = 0;
  if (sends_ > 1) bytes += capacity_for(sends_) * sizeof(Attempt) + malloc_overhead;
  if (procs_ > ProcPool::items) bytes += capacity_for(procs_) * sizeof(Proc) + malloc_overhead;
  return bytes;
}

void OpenMessage::release() {
  if (sends_ > 1) delete[] one_.many;
  if (procs_ > ProcPool::items) delete[] procs_heap_;  // A pool's block is the pool's.
  procs_heap_ = nullptr;
  sends_ = procs_ = 0;
}

}  // namespace mqcheck::checker::stream_detail
