// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream.cpp (layer: checker)
// One pass of the streaming delivery checker: pairing completions with invokes (as
// build_message_table does, docs/history-format.md) and filing each record under its message.
// Settling and the passes' orchestration are in delivery_stream_settle.cpp.
#include <algorithm>

#include "checker/delivery_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::stream_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

std::uint32_t Names::intern(std::string_view text) {
  if (text.empty()) return 0;  // Most ops name no transaction, many no group.
  for (std::uint32_t const id : recent_)  // Names repeat op after op; a hash costs more.
    if (names_[id] == text) return id;
  auto const found = index_.find(text);
  if (found != index_.end()) {
    remember(found->second);
    return found->second;
  }
  auto const id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(text);
  index_.emplace(names_.back(), id);
  remember(id);
  return id;
}

void Names::remember(std::uint32_t id) {
  recent_[next_recent_] = id;
  next_recent_ = (next_recent_ + 1) % recent_.size();
}

std::size_t Names::memory_bytes() const {
  std::size_t bytes = index_.bucket_count() * sizeof(void*);
  for (std::string const& name : names_) bytes += 2 * (sizeof(std::string) + 16) + name.capacity();
  return bytes;
}

Pass::Pass(history::Header const& header, StreamOptions options, std::set<MessageId> const* focus)
    : header_(header), options_(options), focus_(focus), dead_(header) {
  for (auto const& [topic, groups] : header.subscriptions) {
    std::vector<std::uint32_t>& readers = readers_[names_.intern(topic)];
    for (std::string const& group : groups) readers.push_back(names_.intern(group));
  }
  for (auto const& [group, spec] : header.groups) {
    std::uint32_t const id = names_.intern(group);
    if (!spec.filter.empty()) filters_[id] = spec.filter;
    if (spec.mode == history::GroupSpec::Mode::broadcast) broadcast_.insert(id);
  }
}

void Pass::observe(Op const& op) {
  if (focus_ == nullptr) {  // Transactions and dead letters are whole-history facts.
    txns_.observe(op);
    dead_.observe(op);
  }
  if (history::is_client_op(op) && (op.f == OpKind::send || op.f == OpKind::process))
    pair_and_file(op);
  settle_due(op.index);
}

void Pass::pair_and_file(Op const& op) {
  std::uint32_t const process = names_.intern(op.process);
  if (op.type == OpType::invoke) {
    if (invokes_.size() <= process) invokes_.resize(process + 1);
    OpenInvoke invoke{op.index, op.f, names_.intern(op.group), names_.intern(op.txn), {}, {}};
    for (Record const& record : op.value) {
      invoke.ids.push_back(record.id);
      if (op.f == OpKind::process) invoke.records.emplace_back(record.id, names_.intern(record.topic));
    }
    std::sort(invoke.ids.begin(), invoke.ids.end());
    invokes_[process].push_back(std::move(invoke));
    if (op.f == OpKind::send) {
      for (Record const& record : op.value) on_send_invoke(op, record);
    }
    return;
  }
  std::uint64_t const invoke = take_open_invoke(op, process);
  if (op.f == OpKind::send) {
    for (Record const& record : op.value) on_send_completion(op, record, invoke);
  } else if (op.type != OpType::fail) {  // A failed process did not happen.
    std::uint32_t const group = names_.intern(op.group);
    for (Record const& record : op.value)
      on_process(op, record, op.index, group, process, op.type);
  }
}

// Removes and returns the earliest open invoke that `op` completes, or no_op.
std::uint64_t Pass::take_open_invoke(Op const& op, std::uint32_t process) {
  if (invokes_.size() <= process || invokes_[process].empty()) return no_op;
  std::vector<OpenInvoke>& open = invokes_[process];
  scratch_.clear();
  for (Record const& record : op.value) scratch_.push_back(record.id);
  std::sort(scratch_.begin(), scratch_.end());
  // An invoke that names no message (docs/history-format.md: a poll's) pairs on f alone.
  auto const it = std::find_if(open.begin(), open.end(), [&](OpenInvoke const& invoke) {
    return invoke.f == op.f && (invoke.ids.empty() || invoke.ids == scratch_);
  });
  if (it == open.end()) return no_op;
  std::uint64_t const index = it->index;
  open.erase(it);
  return index;
}

bool Pass::wanted(MessageId id) const {
  if (focus_ != nullptr) return focus_->contains(id);
  return replay_.empty() || !replay_.contains(id);
}

OpenMessage* Pass::open_for(MessageId id) {
  if (!wanted(id)) return nullptr;
  auto const found = open_.find(id.value);
  if (found != open_.end()) return &found->second;
  if (focus_ == nullptr && settled_as(id)) return nullptr;
  return &open_[id.value];
}

void Pass::on_send_invoke(Op const& op, Record const& record) {
  OpenMessage* const m = open_for(record.id);
  if (m == nullptr) {
    if (wanted(record.id)) on_settled(record.id, op, 0);
    return;
  }
  if (m->sends.empty()) m->topic = names_.intern(record.topic);
  if (m->tag == 0 && !record.tag.empty()) m->tag = names_.intern(record.tag);
  m->sends.push_back(
      Attempt{op.index, no_op, names_.intern(op.process), names_.intern(op.txn), OpType::info});
}

void Pass::on_send_completion(Op const& op, Record const& record, std::uint64_t invoke) {
  OpenMessage* const m = open_for(record.id);
  if (m == nullptr) {
    if (wanted(record.id)) on_settled(record.id, op, 0);
    return;
  }
  if (m->tag == 0 && !record.tag.empty()) m->tag = names_.intern(record.tag);
  auto const filed = std::find_if(m->sends.begin(), m->sends.end(), [&](Attempt const& a) {
    return invoke != no_op && a.invoke == invoke && a.completion == no_op;
  });
  if (filed != m->sends.end()) {
    filed->completion = op.index;
    filed->outcome = op.type;
    if (!op.txn.empty()) filed->txn = names_.intern(op.txn);
  } else {
    // No attempt was filed: the completion stands alone, or its invoke named no message.
    if (m->sends.empty()) m->topic = names_.intern(record.topic);
    m->sends.push_back(Attempt{invoke, op.index, names_.intern(op.process),
                               names_.intern(op.txn), op.type});
  }
  consider(record.id, *m, op.index);
}

void Pass::on_process(Op const& op, Record const& record, std::uint64_t op_index,
                      std::uint32_t group, std::uint32_t process, OpType type) {
  std::uint32_t const unit = unit_of(group, process);
  OpenMessage* const m = open_for(record.id);
  if (m == nullptr) {
    if (wanted(record.id)) on_settled(record.id, op, unit);
    return;
  }
  m->procs.push_back(Proc{op_index, group, process, unit, names_.intern(record.topic),
                          names_.intern(op.txn), type});
  consider(record.id, *m, op_index);
}

std::uint32_t Pass::unit_of(std::uint32_t group, std::uint32_t process) {
  if (!broadcast_.contains(group)) {
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
      op.type = OpType::info;
      op.f = OpKind::process;
      op.txn = names_.name(invoke.txn);
      for (auto const& [id, topic] : invoke.records) {
        Record record;
        record.id = id;
        record.topic = names_.name(topic);
        on_process(op, record, invoke.index, invoke.group,
                   static_cast<std::uint32_t>(process), OpType::info);
      }
    }
    invokes_[process].clear();
  }
}

}  // namespace mqcheck::checker::stream_detail
