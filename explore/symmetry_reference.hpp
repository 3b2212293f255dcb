// SPDX-License-Identifier: Apache-2.0
// File: explore/symmetry_reference.hpp (layer: explore)
// Which nodes of the reference queue are interchangeable. Producers whose scenario entries are
// equal but for their name are: a producer's behaviour depends on its identity only through
// the message ids it is given (model/reference/producer.cpp: ids first_id .. first_id +
// messages - 1, resend timer 1 + id), and the broker treats publishers alike (it answers
// `from`, model/reference/broker.cpp). Renaming two such producers together with their id
// ranges maps every run onto a run. Consumers are not: the broker pushes round-robin from a
// cursor that starts at the first consumer (Broker::deliver_one), so the initial state is not
// invariant under a swap of consumers, and inputs fingerprints need it to be (docs/explorer.md).
#pragma once

#include <algorithm>

#include "explore/symmetry_producers.hpp"
#include "model/reference/model.hpp"

namespace mqcheck::explore {

namespace producer_symmetry {

// A producer's resend timer is 1 + the id of the message it guards; timer 0 is the next send
// (model/reference/producer.hpp). Other nodes' timers (delivery tags, the consumer's two) name
// no message id.
inline model::TimerId reference_timer(NodeId n, model::TimerId id, Renaming const& r) {
  bool const producer = std::find(r.producer_nodes.begin(), r.producer_nodes.end(), n.value) !=
                        r.producer_nodes.end();
  if (id == 0 || !producer) return id;
  return 1 + r.message(MessageId{id - 1}).value;
}

}  // namespace producer_symmetry

template <>
struct SymmetryFinder<model::reference::Model> {
  static SymmetryGroup find(sim::Scenario const& s, std::vector<std::string> const& names,
                            std::vector<FaultOption> const& options) {
    SymmetryGroup g =
        producer_symmetry::alike_producers(s, names, options, [](sim::ProducerSpec const&) {
          return true;
        });
    g.rename_timer = &producer_symmetry::reference_timer;
    return g;
  }
};

}  // namespace mqcheck::explore
