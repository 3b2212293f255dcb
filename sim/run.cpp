// SPDX-License-Identifier: Apache-2.0
// File: sim/run.cpp (layer: sim)
#include "sim/run.hpp"

#include "core/input_error.hpp"

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

// The world builders construct their kernel inside simulate(); RunSink hands it the sink.
RunResult simulate_streaming(Scenario const& scenario, std::uint64_t seed, OpSink const& sink) {
  struct Restore {  // Also when the world builder throws InputError.
    OpSink const* before = RunSink::sink;
    ~Restore() { RunSink::sink = before; }
  } const restore;
  RunSink::sink = &sink;
  return simulate(scenario, seed);
}

}  // namespace mqcheck::sim
