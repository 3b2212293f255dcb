// SPDX-License-Identifier: Apache-2.0
// File: model/common/out.hpp (layer: model)
// The effects one step of a model produces, as data: messages to send, timers to set or
// cancel, disk writes and fsyncs, and history ops to record. A model fills an Out; the
// kernel (or the explorer) applies it. Out is reused between steps, so the hot path does
// not allocate once its vectors have grown; its recorded ops too are kept between steps (a
// step's ops are the first `observed_count_`), so an op's strings and record list keep their
// buffers for the next step's ops instead of being freed and allocated again.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/distribution.hpp"
#include "core/strong_id.hpp"
#include "core/time.hpp"
#include "history/op.hpp"
#include "model/common/disk.hpp"

namespace mqcheck::model {

/// A model-chosen timer name; setting a timer that is already set re-arms it.
using TimerId = std::uint64_t;

template <class Message>
struct Send {
  NodeId to;
  Message message;
};

struct SetTimer {
  TimerId id;
  Distribution delay;  // Drawn by the kernel; enumerated by the explorer.
};

template <class Entry>
struct DiskOp {
  enum class Kind : std::uint8_t { append, truncate, fsync };
  Kind kind;
  FileId file = 0;
  std::size_t length = 0;  // For truncate.
  Entry entry{};           // For append.
};

/// A history op to record. The kernel fills in index, time and process.
struct Observe {
  history::Op op;
  history::OpType on_crash = history::OpType::info;  // For invokes: the completion a crash gives.
};

template <class Message, class Entry>
class Out {
 public:
  /// The simulated time of the step this Out collects effects for: the model's clock. The
  /// kernel and the explorer set it before each input. A model reads time only here (model/
  /// stays pure: time is an input).
  SimTimeUs now() const {
    now_read_ = true;
    return now_;
  }
  void set_now(SimTimeUs now) {
    now_ = now;
    now_read_ = false;
  }
  /// Whether the model read now() since set_now: if not, the step's effects and the actor's
  /// new state do not depend on the time it ran at (the explorer's fingerprint relies on it).
  bool now_read() const { return now_read_; }

  // Built in place: a braced Send was a temporary moved into the vector, one more move of
  // every message (a settle sends one per step).
  void send(NodeId to, Message message) { sends_.emplace_back(to, std::move(message)); }
  void set_timer(TimerId id, Distribution delay) { timers_.push_back({id, delay}); }
  void set_timer(TimerId id, DurationUs delay) { set_timer(id, Distribution::constant(delay)); }
  void cancel_timer(TimerId id) { cancels_.push_back(id); }
  void append(FileId file, Entry entry) {
    // Built in place: an entry may be large (the Kafka model's is 144 bytes).
    DiskOp<Entry>& op = disk_.emplace_back();
    op.kind = DiskOp<Entry>::Kind::append;
    op.file = file;
    op.entry = std::move(entry);
  }
  void truncate(FileId file, std::size_t length) {
    disk_.push_back({DiskOp<Entry>::Kind::truncate, file, length, Entry{}});
  }
  void fsync() { disk_.push_back({DiskOp<Entry>::Kind::fsync, 0, 0, Entry{}}); }

  /// Records the start of a client op. A crash before its completion completes it with
  /// `on_crash`: info when the outcome is unknown, fail when the model knows it did not happen.
  void invoke(history::OpKind f, std::vector<history::Record> value, std::string_view group = {},
              history::OpType on_crash = history::OpType::info) {
    take(record(history::OpType::invoke, f, group, {}, on_crash), std::move(value));
  }
  /// Records the completion (ok, fail or info) of an earlier invoke.
  void complete(history::OpType type, history::OpKind f, std::vector<history::Record> value,
                std::string_view group = {}, std::string_view detail = {}) {
    take(record(type, f, group, detail), std::move(value));
  }
  /// Records an internal event for tracing.
  void event(history::OpKind f, std::vector<history::Record> value, std::string_view detail = {}) {
    take(record(history::OpType::event, f, {}, detail), std::move(value));
  }
  /// The same three, for a caller that writes the records (and an event's detail) into the
  /// returned op itself: they start empty, with the buffers an earlier step's op left, so
  /// filling them in place allocates nothing once grown and moves no Record. The reference
  /// is valid until the next op is recorded.
  history::Op& invoke_in_place(history::OpKind f, std::string_view group = {},
                               history::OpType on_crash = history::OpType::info) {
    return record(history::OpType::invoke, f, group, {}, on_crash);
  }
  history::Op& complete_in_place(history::OpType type, history::OpKind f,
                                 std::string_view group = {}, std::string_view detail = {}) {
    return record(type, f, group, detail);
  }
  history::Op& event_in_place(history::OpKind f) {
    return record(history::OpType::event, f, {}, {});
  }

  std::vector<Send<Message>>& sends() { return sends_; }
  std::vector<SetTimer> const& timers() const { return timers_; }
  std::vector<TimerId> const& cancels() const { return cancels_; }
  std::vector<DiskOp<Entry>>& disk() { return disk_; }
  /// This step's ops, in order. The kernel may move them out (their slots are reset when
  /// reused).
  std::span<Observe> observed() { return {observed_.data(), observed_count_}; }

  void clear() {
    sends_.clear();
    timers_.clear();
    cancels_.clear();
    disk_.clear();
    observed_count_ = 0;  // The Observes stay, with their buffers (see record).
  }

 private:
  // Returns the next op slot, reset to an empty op of `type` and `f` but keeping the buffers
  // of the op it held in an earlier step. Built in place: an Op is large (a vector and six
  // strings), and moving one costs more than filling it where it will stay.
  history::Op& record(history::OpType type, history::OpKind f, std::string_view group,
                      std::string_view detail, history::OpType on_crash = history::OpType::info) {
    if (observed_count_ == observed_.size()) observed_.emplace_back();
    Observe& o = observed_[observed_count_++];
    history::Op& op = o.op;
    op.index = 0;
    op.time = {};
    // op.process is left as the slot's last op had it: the kernel and the explorer name the
    // process of every op they take (an assign into the kept buffer), and no model reads it.
    op.type = type;
    op.f = f;
    op.value.clear();
    assign_text(op.group, group);
    assign_text(op.detail, detail);
    op.txn.clear();
    op.tenant.clear();
    op.principal.clear();
    o.on_crash = on_crash;
    return op;
  }

  // An empty list leaves the slot's (cleared) list and its buffer in place.
  static void take(history::Op& op, std::vector<history::Record>&& value) {
    if (!value.empty()) op.value = std::move(value);
  }
  // std::string::assign goes through a general replace; most texts here are empty or the
  // same group name again.
  static void assign_text(std::string& to, std::string_view from) {
    if (from.empty()) {
      to.clear();
    } else if (to != from) {
      to.assign(from);
    }
  }

  std::vector<Send<Message>> sends_;
  std::vector<SetTimer> timers_;
  std::vector<TimerId> cancels_;
  std::vector<DiskOp<Entry>> disk_;
  std::vector<Observe> observed_;  // Slots; this step's are the first observed_count_.
  std::size_t observed_count_ = 0;
  SimTimeUs now_{};
  mutable bool now_read_ = false;  // Set by now(): reading the clock is not a change of state.
};

}  // namespace mqcheck::model
