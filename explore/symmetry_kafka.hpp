// SPDX-License-Identifier: Apache-2.0
// File: explore/symmetry_kafka.hpp (layer: explore)
// Which nodes of the Kafka model are interchangeable: producers whose scenario entries are
// equal but for their name, when they are neither idempotent nor transactional. Such a
// producer depends on its identity only through the message ids it is given
// (model/kafka/producer.cpp: first_id + index); its timers are named after its own batch and
// request counters (producer_batch.cpp), which run alike, so no timer id moves. An idempotent
// producer is not: its producer id is derived from its index (producer.cpp, on_start and
// on_recover) and travels in every ProduceRequest as a plain number, which no renaming
// reaches; a transactional one carries its transactional.id. Brokers are not interchangeable
// (the controller elects the first eligible replica of the assignment,
// controller_election.cpp, so replica order matters), nor are consumers of a group (the range
// assignor orders members by id).
#pragma once

#include "explore/symmetry_producers.hpp"
#include "model/kafka/model.hpp"

namespace mqcheck::explore {

template <>
struct SymmetryFinder<model::kafka::Model> {
  static SymmetryGroup find(sim::Scenario const& s, std::vector<std::string> const& names,
                            std::vector<FaultOption> const& options) {
    return producer_symmetry::alike_producers(s, names, options, &plain);
  }

 private:
  // Idempotence is on by default since Kafka 3.0 (KIP-679): only an explicit "false" moves.
  static bool plain(sim::ProducerSpec const& p) {
    auto const idempotence = p.config.find("enable.idempotence");
    return idempotence != p.config.end() && idempotence->second.text == "false" &&
           !p.config.contains("transactional.id") && p.txn_messages == 0;
  }
};

}  // namespace mqcheck::explore
