// SPDX-License-Identifier: Apache-2.0
// File: bench/kafka_throughput.cpp
// Issue 4's benchmark: the Kafka model with 3 brokers, 12 partitions, replication factor 3,
// acks=all, min.insync.replicas 2, 4 producers (5,000 messages/s each: a load the cluster
// sustains; an overloaded one builds backlogs whose cost grows faster than linearly) and one
// consumer group of 4 instances committing after processing (auto.offset.reset=earliest: the
// first records may land before the group has its offsets); N messages (argv[1], default
// 100,000; issue 4 names 1,000,000) produced and consumed, no faults. The run lasts until the
// last send (quiesce) plus a 2 s drain, so every message is produced and consumed; the bench
// counts the messages the group processed (ok process ops) and says so when any is missing.
// Prints simulated messages per wall second and, from the same run, the kernel-only reference
// workload's events per second (bench/kernel_workload.hpp), so the ratio between the two says
// how much the model costs over the bare kernel. The simulator holds the whole history in
// memory (about 6 ops per message, a few hundred bytes each), which bounds N by the machine's
// memory: 1,000,000 messages take about 4 GB. argv[2] = "model" skips the kernel workload
// (for profiling; anything else runs it); "stream" runs the model through
// sim::simulate_streaming, counting the ops as they come and keeping none (bounded memory),
// then the kernel workload, and "stream-model" streams without the kernel workload;
// argv[3] = "digest" prints a digest of the kept history, to compare builds; argv[4] is the
// producers' linger.ms (default 5, Kafka 4.0's default, KIP-1030; 0 is the 3.x default, where
// records batch only while the request slots are taken). A benchmark, not a test: nothing
// fails on timing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>

#include "bench/kernel_workload.hpp"
#include "history/history_io.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace {

using namespace mqcheck;

constexpr long long producer_rate = 5000;  // Messages per simulated second, per producer.

std::string scenario_text(long long messages, long long linger_ms) {
  long long const per_producer = messages / 4;
  std::string producers;
  for (int p = 0; p < 4; ++p) {
    producers += "  - {id: p" + std::to_string(p) + ", topic: orders, messages: " +
                 std::to_string(per_producer) + ", rate_per_s: " + std::to_string(producer_rate) +
                 ", config: {acks: all, linger.ms: " + std::to_string(linger_ms) + "}}\n";
  }
  // Without faults the run would end at quiesce (0) + drain: quiesce when the last send is due.
  long long const sending_ms = per_producer * 1000 / producer_rate + 1;
  return "name: kafka throughput\nbroker: kafka\nversion: \"3.7\"\ncluster: {brokers: 3}\n"
         "broker_config: {min.insync.replicas: 2}\n"
         "topics:\n  - {name: orders, partitions: 12, config: {replication.factor: 3}}\n"
         "producers:\n" +
         producers +
         "consumers:\n  - {group: billing, topic: orders, instances: 4, processing: 10us,\n"
         "     commit: after-processing,\n"
         "     config: {enable.auto.commit: false, auto.offset.reset: earliest}}\n"
         "quiesce: " +
         std::to_string(sending_ms) + "ms\ndrain: 2s\n";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Messages the group processed: one ok process op each (no faults, so no duplicates).
bool counts(history::Op const& op) {
  return op.type == history::OpType::ok && op.f == history::OpKind::process;
}
long long processed(history::History const& h) {
  long long n = 0;
  for (history::Op const& op : h.ops()) n += counts(op) ? 1 : 0;
  return n;
}

// FNV-1a of the history's JSON Lines: equal digests across builds mean the same history, byte
// for byte (an optimisation must not change it).
std::uint64_t digest(history::History const& h) {
  std::ostringstream text;
  history::write_history(text, h);
  std::uint64_t d = 0xcbf29ce484222325ull;
  for (char c : text.str()) d = (d ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return d;
}

double cpu_seconds_since(std::clock_t start) {
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

}  // namespace

int main(int argc, char** argv) {
  long long const messages = argc > 1 ? std::atoll(argv[1]) : 100'000;
  std::string const mode = argc > 2 ? argv[2] : "";
  bool const model_only = mode == "model" || mode == "stream-model";
  bool const streaming = mode == "stream" || mode == "stream-model";
  long long const linger_ms = argc > 4 ? std::atoll(argv[4]) : 5;
  sim::Scenario const scenario =
      sim::parse_scenario(scenario_text(messages, linger_ms), "bench.yaml");
  auto start = std::chrono::steady_clock::now();
  std::clock_t const cpu_start = std::clock();
  long long streamed_ops = 0, streamed_processed = 0;
  sim::RunResult const run =
      streaming ? sim::simulate_streaming(scenario, 1,
                                          [&](history::Op const& op) {
                                            ++streamed_ops;
                                            streamed_processed += counts(op) ? 1 : 0;
                                          })
                : sim::simulate(scenario, 1);
  double const model_s = seconds_since(start);
  double const model_cpu_s = cpu_seconds_since(cpu_start);
  long long const consumed = streaming ? streamed_processed : processed(run.history);
  long long const ops = streaming ? streamed_ops : static_cast<long long>(run.history.size());
  std::printf("kafka model%s, linger.ms %lld: %lld messages, %lld processed, %lld history ops, "
              "%llu kernel steps (%.2f per message), drained %s\n",
              streaming ? " (ops streamed, none kept)" : "", linger_ms, messages, consumed, ops,
              static_cast<unsigned long long>(run.steps),
              static_cast<double>(run.steps) / static_cast<double>(std::max(messages, 1LL)),
              run.drained ? "yes" : "no");
  if (consumed != messages / 4 * 4) std::printf("  WARNING: not every message was processed\n");
  // The machine may be shared: CPU time says what one core does, wall time what we waited.
  double const rate = static_cast<double>(consumed) / model_s;
  double const cpu_rate = static_cast<double>(consumed) / model_cpu_s;
  std::printf("  %.0f messages/s wall (target 1,000,000), %.0f messages per CPU second, "
              "%.2f M steps/s wall, %.2f s wall, %.2f s CPU\n",
              rate, cpu_rate, static_cast<double>(run.steps) / model_s / 1e6, model_s,
              model_cpu_s);
  if (!streaming && argc > 3 && std::string(argv[3]) == "digest") {
    std::printf("  history digest %016llx\n", static_cast<unsigned long long>(digest(run.history)));
  }
  if (model_only) return 0;
  start = std::chrono::steady_clock::now();
  std::clock_t const kernel_cpu_start = std::clock();
  std::uint64_t const kernel_events = bench::run_kernel(1);
  double const kernel_s = seconds_since(start);
  double const kernel_rate = static_cast<double>(kernel_events) / kernel_s;
  double const kernel_cpu_rate =
      static_cast<double>(kernel_events) / cpu_seconds_since(kernel_cpu_start);
  std::printf("kernel-only reference workload: %.2f M events/s wall, %.2f M per CPU second\n",
              kernel_rate / 1e6, kernel_cpu_rate / 1e6);
  std::printf("ratio (CPU) model messages/s / kernel events/s: %.3f\n", cpu_rate / kernel_cpu_rate);
  std::printf("ratio (wall) model messages/s / kernel events/s: %.3f; model steps/s / kernel "
              "events/s: %.2f\n",
              rate / kernel_rate, (static_cast<double>(run.steps) / model_s) / kernel_rate);
}
