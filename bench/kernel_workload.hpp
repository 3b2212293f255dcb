// SPDX-License-Identifier: Apache-2.0
// File: bench/kernel_workload.hpp
// The kernel-only reference workload of issue 2 (see kernel_events.cpp): 4 producers with
// exponential inter-arrival (mean 1 ms each), one broker routing message id mod 8 to 8
// consumers with exponential service (mean 0.45 ms), exponential hops (mean 0.1 ms), until
// 1,000,000 messages are consumed. Shared by the benchmarks that print the kernel's events per
// second beside their own figure, so that every ratio is measured in the same run.
#pragma once

#include <deque>
#include <string>
#include <variant>
#include <vector>

#include "sim/kernel.hpp"

namespace mqcheck::bench {

constexpr int producers = 4, partitions = 8;
constexpr std::int64_t messages_total = 1'000'000;
constexpr std::int64_t per_producer = messages_total / producers;
Distribution const arrival{Distribution::Kind::exponential, microseconds(1000), {}, {}, {}};
Distribution const service{Distribution::Kind::exponential, microseconds(450), {}, {}, {}};
Distribution const hop{Distribution::Kind::exponential, microseconds(100), {}, {}, {}};

// ---- The kernel version: three actors exchanging messages through Out effects. ----
struct Msg {
  std::uint64_t id;
};
struct NoEntry {
  bool operator==(NoEntry const&) const = default;
};
using BenchOut = model::Out<Msg, NoEntry>;
inline constexpr std::uint32_t broker_node = producers;

struct Producer {
  std::uint64_t index = 0, sent = 0;
  void on_start(BenchOut& out) { out.set_timer(0, arrival); }
  void on_recover(model::Disk<NoEntry> const&, BenchOut&) {}
  void on_message(NodeId, Msg const&, BenchOut&) {}
  void on_timer(model::TimerId, BenchOut& out) {
    out.send(NodeId{broker_node}, Msg{sent++ * producers + index});
    if (static_cast<std::int64_t>(sent) < per_producer) out.set_timer(0, arrival);
  }
};
struct Broker {
  void on_start(BenchOut&) {}
  void on_recover(model::Disk<NoEntry> const&, BenchOut&) {}
  void on_message(NodeId, Msg const& m, BenchOut& out) {
    out.send(NodeId{broker_node + 1 + static_cast<std::uint32_t>(m.id % partitions)}, m);
  }
  void on_timer(model::TimerId, BenchOut&) {}
};
struct Consumer {
  std::uint64_t waiting = 0, consumed = 0;
  bool busy = false;
  void on_start(BenchOut&) {}
  void on_recover(model::Disk<NoEntry> const&, BenchOut&) {}
  void on_message(NodeId, Msg const&, BenchOut& out) {
    if (busy) return void(++waiting);
    busy = true;
    out.set_timer(0, service);
  }
  void on_timer(model::TimerId, BenchOut& out) {
    ++consumed;
    if (waiting == 0) return void(busy = false);
    --waiting;
    out.set_timer(0, service);
  }
};
struct BenchModel {
  using Message = Msg;
  using Entry = NoEntry;
  using Actor = std::variant<Producer, Broker, Consumer>;
};

/// Runs the workload on the kernel; returns the events (steps) it took.
inline std::uint64_t run_kernel(std::uint64_t seed) {
  sim::RunPlan plan;
  std::vector<BenchModel::Actor> actors;
  for (std::uint64_t p = 0; p < producers; ++p) {
    plan.nodes.push_back({"p" + std::to_string(p), sim::NodeRole::producer});
    actors.emplace_back(Producer{p, 0});
  }
  plan.nodes.push_back({"broker", sim::NodeRole::broker});
  actors.emplace_back(Broker{});
  for (int c = 0; c < partitions; ++c) {
    plan.nodes.push_back({"c" + std::to_string(c), sim::NodeRole::consumer});
    actors.emplace_back(Consumer{});
  }
  std::size_t const n = plan.nodes.size();
  plan.links.assign(n * n, sim::LinkParams{hop, {}, {}, {}});
  plan.drain = seconds(1'000'000);
  sim::Kernel<BenchModel> kernel(std::move(plan), std::move(actors), seed);
  return kernel.run().steps;
}

}  // namespace mqcheck::bench
