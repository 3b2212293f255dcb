// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/quota_scenario.hpp (tests, layer: sim)
// The head of the quota tests' scenarios: one Kafka 3.7 broker, topic "orders" of one
// partition, quota windows of 1 s (two of them), and a drain of `drain`. The tests append
// `quotas:`, producers and consumers.
#pragma once

#include <string>

namespace mqcheck::sim::testing {

inline std::string quota_scenario_base(std::string const& drain) {
  return "name: q\n"
         "broker: kafka\n"
         "version: \"3.7\"\n"
         "cluster: {brokers: 1}\n"
         "broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50,\n"
         "  quota.window.size.seconds: 1, quota.window.num: 2}\n"
         "topics: [{name: orders, partitions: 1}]\n"
         "drain: " +
         drain + "\n";
}

}  // namespace mqcheck::sim::testing
