// SPDX-License-Identifier: Apache-2.0
// File: bench/kafka_throughput.cpp
// Issue 4's benchmark: the Kafka model with 3 brokers, 12 partitions, replication factor 3,
// acks=all, min.insync.replicas 2, 4 producers (5,000 messages/s each: a load the cluster
// sustains; an overloaded one builds backlogs whose cost grows faster than linearly) and one
// consumer group of 4 instances committing after processing; N messages (argv, default
// 100,000; issue 4 names 1,000,000) produced and consumed, no faults. Prints simulated messages per wall second and, from the
// same run, the kernel-only reference workload's events per second (bench/kernel_workload.hpp),
// so the ratio between the two says how much the model costs over the bare kernel. The
// simulator holds the whole history in memory today (about 10 ops per message), which bounds N
// on this machine. A benchmark, not a test: nothing fails on timing.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "bench/kernel_workload.hpp"
#include "sim/run.hpp"
#include "sim/scenario.hpp"

namespace {

using namespace mqcheck;

std::string scenario_text(long long messages) {
  long long const per_producer = messages / 4;
  std::string producers;
  for (int p = 0; p < 4; ++p) {
    producers += "  - {id: p" + std::to_string(p) + ", topic: orders, messages: " +
                 std::to_string(per_producer) +
                 ", rate_per_s: 5000, config: {acks: all}}\n";
  }
  return "name: kafka throughput\nbroker: kafka\nversion: \"3.7\"\ncluster: {brokers: 3}\n"
         "broker_config: {min.insync.replicas: 2}\n"
         "topics:\n  - {name: orders, partitions: 12, config: {replication.factor: 3}}\n"
         "producers:\n" +
         producers +
         "consumers:\n  - {group: billing, topic: orders, instances: 4, processing: 10us,\n"
         "     commit: after-processing, config: {enable.auto.commit: false}}\n"
         "drain: 2s\n";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  long long const messages = argc > 1 ? std::atoll(argv[1]) : 100'000;
  sim::Scenario const scenario = sim::parse_scenario(scenario_text(messages), "bench.yaml");
  auto start = std::chrono::steady_clock::now();
  sim::RunResult const run = sim::simulate(scenario, 1);
  double const model_s = seconds_since(start);
  start = std::chrono::steady_clock::now();
  std::uint64_t const kernel_events = bench::run_kernel(1);
  double const kernel_s = seconds_since(start);
  std::printf("kafka model: %lld messages, %zu history ops, %llu kernel steps, drained %s\n",
              messages, run.history.size(), static_cast<unsigned long long>(run.steps),
              run.drained ? "yes" : "no");
  std::printf("  %.0f messages/s (target 1,000,000), %.2f M steps/s\n",
              static_cast<double>(messages) / model_s,
              static_cast<double>(run.steps) / model_s / 1e6);
  std::printf("kernel-only reference workload: %.2f M events/s\n",
              static_cast<double>(kernel_events) / kernel_s / 1e6);
  std::printf("ratio model steps/s / kernel events/s: %.2f\n",
              (static_cast<double>(run.steps) / model_s) /
                  (static_cast<double>(kernel_events) / kernel_s));
}
