// SPDX-License-Identifier: Apache-2.0
// File: bench/kafka_acks_scenario.hpp
// The Kafka acks model of issue 5's benchmark (bench/explore_spin.cpp, beside
// bench/spin/kafka_acks.pml): 3 brokers, one partition replicated 3 times, `producers` x
// `messages`, one consumer group, the partition leader crashed at 50 ms. Short intervals keep
// the model small (replica fetches, heartbeats and polls every 10 ms). The explorer's tests of
// the quiet settle (tests/explore/settle_quiet_test.cpp) judge the same scenario.
#pragma once

#include <sstream>
#include <string>

inline std::string kafka_acks_scenario(bool acks_all, int producers, int messages) {
  std::ostringstream s;
  s << "name: bench kafka acks=" << (acks_all ? "all" : "1") << ", one leader crash\n"
    << "broker: kafka\nversion: \"3.7\"\ncluster: {brokers: 3}\n"
    << "broker_config: {min.insync.replicas: 2, replica.lag.time.max.ms: 200, "
       "replica.fetch.wait.max.ms: 10, broker.heartbeat.interval.ms: 10, "
       "broker.session.timeout.ms: 50}\n"
    << "topics: [{name: orders, partitions: 1, config: {replication.factor: 3}}]\n"
    << "producers:\n";
  for (int p = 1; p <= producers; ++p) {
    s << "  - {id: p" << p << ", topic: orders, messages: " << messages
      << ", rate_per_s: 1000, config: {acks: " << (acks_all ? "all" : "1")
      << ", enable.idempotence: false, retries: 0, max.in.flight.requests.per.connection: 1, "
         "request.timeout.ms: 30, delivery.timeout.ms: 100, retry.backoff.ms: 10, "
         "metadata.max.age.ms: 100}}\n";
  }
  s << "consumers:\n  - {group: billing, topic: orders, commit: after-processing, config: "
       "{enable.auto.commit: false, auto.offset.reset: earliest, fetch.max.wait.ms: 10, "
       "request.timeout.ms: 30, metadata.max.age.ms: 100}}\n"
    << "faults:\n  - {at: 50ms, crash: leader(orders-0)}\nquiesce: 100ms\ndrain: 300ms\n";
  return s.str();
}
