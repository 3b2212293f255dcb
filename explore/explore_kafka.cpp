// SPDX-License-Identifier: Apache-2.0
// File: explore/explore_kafka.cpp (layer: explore)
// The explorer instantiated for the Kafka model (explore/explore_model.hpp).
#include "explore/explore_model.hpp"
#include "explore/symmetry_kafka.hpp"
#include "model/kafka/model.hpp"

namespace mqcheck::explore::detail {

ExploreResult explore_kafka(sim::Scenario const& scenario, Bounds const& bounds) {
  return explore_model<model::kafka::Model>(scenario, bounds);
}

Counterexample replay_kafka(sim::Scenario const& scenario, Trace const& trace) {
  return replay_model<model::kafka::Model>(scenario, trace);
}

}  // namespace mqcheck::explore::detail
