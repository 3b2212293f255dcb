// SPDX-License-Identifier: Apache-2.0
// File: sim/run.cpp (layer: sim)
#include "sim/run.hpp"

namespace mqcheck::sim {

RunResult simulate(Scenario const& scenario, std::uint64_t seed) {
  switch (scenario.broker) {
    case BrokerKind::reference:
      return simulate_reference(scenario, seed);
    case BrokerKind::kafka:
      return simulate_kafka(scenario, seed);
    case BrokerKind::rabbitmq:
    case BrokerKind::rocketmq:
      break;
  }
  // The RabbitMQ and RocketMQ models arrive in their own issues; until then a scenario for
  // them is refused plainly rather than run against a stand-in.
  throw InputError({scenario.file, 0, 0}, "broker",
                   "this build of mqcheck has no model for this broker yet; the available "
                   "brokers are 'reference' and 'kafka'");
}

}  // namespace mqcheck::sim
