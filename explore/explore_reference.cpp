// SPDX-License-Identifier: Apache-2.0
// File: explore/explore_reference.cpp (layer: explore)
// The explorer instantiated for the reference queue model (explore/explore_model.hpp).
#include "explore/explore_model.hpp"
#include "explore/symmetry_reference.hpp"
#include "model/reference/model.hpp"

namespace mqcheck::explore::detail {

ExploreResult explore_reference(sim::Scenario const& scenario, Bounds const& bounds) {
  return explore_model<model::reference::Model>(scenario, bounds);
}

Counterexample replay_reference(sim::Scenario const& scenario, Trace const& trace) {
  return replay_model<model::reference::Model>(scenario, trace);
}

}  // namespace mqcheck::explore::detail
