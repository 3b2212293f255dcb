// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/test_model.hpp
// A tiny model for kernel tests: a Writer that, every tick, writes an entry to its disk
// (fsyncing every `sync_every`-th), records an op and sends a numbered message to a Reader,
// which records each message it receives. On recovery the Writer records how many entries its
// disk still holds, so a test can tell a crash from a power loss.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "model/common/disk.hpp"
#include "model/common/out.hpp"
#include "sim/kernel.hpp"

namespace mqcheck::testing {

struct Ping {
  std::uint64_t n;
};
struct Tick {
  std::uint64_t n;
  bool operator==(Tick const&) const = default;
};

using TestOut = model::Out<Ping, Tick>;

inline history::Record rec(std::uint64_t n) {
  return history::Record::of(MessageId{n}, "t");
}

struct Writer {
  std::uint64_t ticks = 5;
  DurationUs every = milliseconds(1);
  std::uint64_t sync_every = 0;  // 0: never fsync.
  NodeId reader{1};
  std::uint64_t sent = 0;

  void on_start(TestOut& out) { out.set_timer(0, every); }
  void on_recover(model::Disk<Tick> const& disk, TestOut& out) {
    out.event(history::OpKind::restart, {}, "disk holds " + std::to_string(disk.entries(0).size()));
  }
  void on_message(NodeId, Ping const&, TestOut&) {}
  void on_timer(model::TimerId, TestOut& out) {
    ++sent;
    out.append(0, Tick{sent});
    if (sync_every != 0 && sent % sync_every == 0) out.fsync();
    out.invoke(history::OpKind::send, {rec(sent)});
    out.send(reader, Ping{sent});
    if (sent < ticks) out.set_timer(0, every);
  }
};

struct Reader {
  void on_start(TestOut&) {}
  void on_recover(model::Disk<Tick> const&, TestOut&) {}
  void on_message(NodeId, Ping const& p, TestOut& out) {
    out.complete(history::OpType::ok, history::OpKind::deliver, {rec(p.n)});
  }
  void on_timer(model::TimerId, TestOut&) {}
};

struct TestModel {
  using Message = Ping;
  using Entry = Tick;
  using Actor = std::variant<Writer, Reader>;
};

/// A plan for nodes "w" (writer) and "r" (reader) with the given network.
inline sim::RunPlan two_node_plan(sim::LinkParams link = {}) {
  sim::RunPlan plan;
  plan.nodes = {{"w", sim::NodeRole::producer}, {"r", sim::NodeRole::consumer}};
  plan.links.assign(4, link);
  plan.quiesce = SimTimeUs{0};
  plan.drain = seconds(10);
  return plan;
}

/// Returns the ops of `h` with the given kind and type.
inline std::vector<history::Op> ops_of(history::History const& h, history::OpKind f,
                                       history::OpType type) {
  std::vector<history::Op> out;
  for (history::Op const& op : h.ops()) {
    if (op.f == f && op.type == type) out.push_back(op);
  }
  return out;
}

}  // namespace mqcheck::testing
