// SPDX-License-Identifier: Apache-2.0
// File: model/common/out.hpp (layer: model)
// The effects one step of a model produces, as data: messages to send, timers to set or
// cancel, disk writes and fsyncs, and history ops to record. A model fills an Out; the
// kernel (or the explorer) applies it. Out is reused between steps, so the hot path does
// not allocate once its vectors have grown.
#pragma once

#include <cstdint>
#include <string>
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

  void send(NodeId to, Message message) { sends_.push_back({to, std::move(message)}); }
  void set_timer(TimerId id, Distribution delay) { timers_.push_back({id, delay}); }
  void set_timer(TimerId id, DurationUs delay) { set_timer(id, Distribution::constant(delay)); }
  void cancel_timer(TimerId id) { cancels_.push_back(id); }
  void append(FileId file, Entry entry) {
    disk_.push_back({DiskOp<Entry>::Kind::append, file, 0, std::move(entry)});
  }
  void truncate(FileId file, std::size_t length) {
    disk_.push_back({DiskOp<Entry>::Kind::truncate, file, length, Entry{}});
  }
  void fsync() { disk_.push_back({DiskOp<Entry>::Kind::fsync, 0, 0, Entry{}}); }

  /// Records the start of a client op. A crash before its completion completes it with
  /// `on_crash`: info when the outcome is unknown, fail when the model knows it did not happen.
  void invoke(history::OpKind f, std::vector<history::Record> value, std::string group = {},
              history::OpType on_crash = history::OpType::info) {
    record(history::OpType::invoke, f, std::move(value), std::move(group), {}, on_crash);
  }
  /// Records the completion (ok, fail or info) of an earlier invoke.
  void complete(history::OpType type, history::OpKind f, std::vector<history::Record> value,
                std::string group = {}, std::string detail = {}) {
    record(type, f, std::move(value), std::move(group), std::move(detail));
  }
  /// Records an internal event for tracing.
  void event(history::OpKind f, std::vector<history::Record> value, std::string detail = {}) {
    record(history::OpType::event, f, std::move(value), {}, std::move(detail));
  }

  std::vector<Send<Message>>& sends() { return sends_; }
  std::vector<SetTimer> const& timers() const { return timers_; }
  std::vector<TimerId> const& cancels() const { return cancels_; }
  std::vector<DiskOp<Entry>>& disk() { return disk_; }
  std::vector<Observe>& observed() { return observed_; }

  void clear() {
    sends_.clear();
    timers_.clear();
    cancels_.clear();
    disk_.clear();
    observed_.clear();
  }

 private:
  void record(history::OpType type, history::OpKind f, std::vector<history::Record> value,
              std::string group, std::string detail,
              history::OpType on_crash = history::OpType::info) {
    // Built in place: an Op is large (a vector and six strings), and moving one costs more
    // than filling it where it will stay.
    Observe& o = observed_.emplace_back();
    o.op.type = type;
    o.op.f = f;
    o.op.value = std::move(value);
    o.op.group = std::move(group);
    o.op.detail = std::move(detail);
    o.on_crash = on_crash;
  }

  std::vector<Send<Message>> sends_;
  std::vector<SetTimer> timers_;
  std::vector<TimerId> cancels_;
  std::vector<DiskOp<Entry>> disk_;
  std::vector<Observe> observed_;
  SimTimeUs now_{};
  mutable bool now_read_ = false;  // Set by now(): reading the clock is not a change of state.
};

}  // namespace mqcheck::model
