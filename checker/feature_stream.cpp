// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_stream.cpp (layer: checker)
// The one-pass feature checker: the send table built as the sends arrive (the same fields,
// from the same ops, as feature::build_sent_table), process invokes paired as the delivery
// checker pairs them (send_outcomes.hpp), and every doubt that would make its verdicts differ
// from check_features' turned into decided() == false.
#include "checker/feature_stream.hpp"

#include <algorithm>
#include <utility>

#include "checker/check.hpp"
#include "checker/send_outcomes.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

std::size_t heap_of(std::string const& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

}  // namespace

FeatureStream::FeatureStream(history::Header const& header)
    : header_(header),
      judges_(feature::all_judges(header)),
      priority_(header),
      active_(features_declared(header)) {
  auto dead_letters = std::make_unique<feature::DeadLetterJudge>(header);
  if (dead_letters->exercised()) dead_letters_ = std::move(dead_letters);
  auto broadcast = std::make_unique<feature::BroadcastStream>(header);
  if (broadcast->exercised()) broadcast_ = std::move(broadcast);
}

// With no feature declared, the stream holds nothing until an op carries one; if client ops
// came before it, their send records were not kept, so the stream cannot judge.
void FeatureStream::observe_inactive(Op const& op) {
  if (doubt_) return;
  if (!carries_feature(op)) {
    client_ops_seen_ = client_ops_seen_ || history::is_client_op(op);
    return;
  }
  if (client_ops_seen_) {
    doubt_ = true;
    return;
  }
  active_ = true;
  observe_active(op);
}

void FeatureStream::observe_active(Op const& op) {
  if (doubt_) return;
  for (auto const& judge : judges_) judge->on_op(op);
  priority_.on_op(op);
  doubt_ = doubt_ || priority_.doubt();
  if (doubt_) return;
  if (broadcast_) {
    broadcast_->on_op(op);
    doubt_ = doubt_ || broadcast_->doubt();
    if (doubt_) return;
  }
  if (dead_letters_) {
    dead_letters_->on_op(op);
    doubt_ = doubt_ || dead_letters_->late();
    if (doubt_) return;
  }
  if (!history::is_client_op(op)) return;
  if (op.f == OpKind::send) return on_send(op);
  if (op.f == OpKind::process) {
    if (op.type == OpType::invoke) return on_process_invoke(op);
    on_process_completion(op);
  }
  if (!feature::is_consume(op.f) || (op.type != OpType::ok && op.type != OpType::info)) return;
  for (std::size_t r = 0; r < op.value.size(); ++r) consume(op, r, op.type == OpType::ok);
}

// As feature::build_sent_table: the first send op naming a message sets first_send and
// process; each field comes from the first send op that states it.
void FeatureStream::on_send(Op const& op) {
  for (history::Record const& record : op.value) {
    if (dropped_.contains(record.id)) {
      doubt_ = true;
      return;
    }
    auto const [it, first] = sent_.try_emplace(record.id.value);
    Sent& sent = it->second;
    feature::SentMessage& m = sent.message;
    std::size_t const before = first ? 0 : heap_of(m.record.topic) + heap_of(m.record.tag) +
                                               heap_of(m.process) + heap_of(m.tenant);
    bool changed = false;
    if (first) {
      doubt_ = doubt_ || consumed_unsent_.count(record.id) != 0;
      m.first_send = op.index;
      m.process = op.process;
      m.record.id = record.id;
      m.record.topic = record.topic;
      m.record.tag = record.tag;
      m.record.deliver_after = record.deliver_after;
    } else {
      changed = (m.record.topic.empty() && !record.topic.empty()) ||
                (m.record.tag.empty() && !record.tag.empty()) ||
                (!m.record.deliver_after && record.deliver_after);
      if (m.record.topic.empty()) m.record.topic = record.topic;
      if (m.record.tag.empty()) m.record.tag = record.tag;
      if (!m.record.deliver_after) m.record.deliver_after = record.deliver_after;
    }
    if (m.tenant.empty() && !op.tenant.empty()) {
      m.tenant = op.tenant;
      m.tenant_op = op.index;
      changed = true;
    }
    doubt_ = doubt_ || (changed && sent.consumed);
    sent_string_bytes_ += heap_of(m.record.topic) + heap_of(m.record.tag) + heap_of(m.process) +
                          heap_of(m.tenant) - before;
  }
}

void FeatureStream::on_process_invoke(Op const& op) {
  open_[op.process].push_back(OpenInvoke{sorted_ids(op), op});
  ++open_count_;
}

// Pairs as the delivery checker does: the earliest open invoke of the same process with the
// same ids, or one that names none.
void FeatureStream::on_process_completion(Op const& op) {
  auto const found = open_.find(op.process);
  if (found == open_.end()) return;
  std::vector<OpenInvoke>& invokes = found->second;
  std::vector<MessageId> const ids = sorted_ids(op);
  auto const it = std::find_if(invokes.begin(), invokes.end(), [&](OpenInvoke const& open) {
    return open.ids.empty() || open.ids == ids;
  });
  if (it == invokes.end()) return;
  invokes.erase(it);
  --open_count_;
  if (invokes.empty()) open_.erase(found);
}

void FeatureStream::consume(Op const& op, std::size_t record, bool certain) {
  MessageId const id = op.value[record].id;
  if (dropped_.contains(id)) {
    doubt_ = true;
    return;
  }
  auto const found = sent_.find(id.value);
  feature::SentMessage const* sent = nullptr;
  if (found == sent_.end()) {
    consumed_unsent_.insert(id);
  } else {
    found->second.consumed = true;
    sent = &found->second.message;
  }
  for (auto const& judge : judges_) judge->on_consumption(op, record, certain, sent);
  if (broadcast_) {
    broadcast_->on_consumption(op, record, certain);
    doubt_ = doubt_ || broadcast_->doubt();
  }
}

void FeatureStream::forget_held(MessageId id) {
  if (dead_letters_) dead_letters_->settle(id);  // Its nacks and copies are judged now.
  if (broadcast_) broadcast_->settle(id);  // And whether each broadcast instance processed it.
  priority_.settle(id);
  auto const found = sent_.find(id.value);
  if (found == sent_.end()) return;
  feature::SentMessage const& m = found->second.message;
  sent_string_bytes_ -= heap_of(m.record.topic) + heap_of(m.record.tag) + heap_of(m.process) +
                        heap_of(m.tenant);
  sent_.erase(found);
  dropped_.insert(id);
}

std::vector<Verdict> FeatureStream::finish() {
  std::vector<Verdict> verdicts;
  if (!active_ || doubt_) return verdicts;
  // A process invoke never completed maybe happened (feature::consumptions).
  for (auto const& [process, invokes] : open_)
    for (OpenInvoke const& open : invokes)
      for (std::size_t r = 0; r < open.op.value.size(); ++r) consume(open.op, r, false);
  if (doubt_) return verdicts;
  for (auto const& judge : judges_)
    if (std::optional<Verdict> verdict = judge->finish()) verdicts.push_back(std::move(*verdict));
  if (dead_letters_) verdicts.push_back(dead_letters_->finish());  // compose orders the rows.
  if (broadcast_) verdicts.push_back(broadcast_->finish());
  if (std::optional<Verdict> verdict = priority_.finish()) verdicts.push_back(std::move(*verdict));
  return verdicts;
}

std::size_t FeatureStream::memory_bytes() const {
  // A hash node holds the entry, the key and a next pointer; the buckets are one pointer each.
  std::size_t const node = sizeof(Sent) + 2 * sizeof(void*);
  std::size_t bytes = sent_.size() * node + sent_.bucket_count() * sizeof(void*) +
                      sent_string_bytes_ + dropped_.memory_bytes() +
                      consumed_unsent_.size() * (sizeof(MessageId) + 4 * sizeof(void*));
  bytes += open_count_ * (sizeof(OpenInvoke) + 4 * sizeof(void*));
  if (dead_letters_) bytes += dead_letters_->memory_bytes();
  if (broadcast_) bytes += broadcast_->memory_bytes();
  bytes += priority_.memory_bytes();
  return bytes;
}

}  // namespace mqcheck::checker
