// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/model.hpp (layer: model)
// The Kafka model as the kernel runs it: its message and disk-entry types and the closed set
// of its actors (producers, brokers, the controller, consumers). docs/kafka-model.md says
// what is modelled, with citations, and what is not.
#pragma once

#include <span>
#include <variant>

#include "core/time.hpp"
#include "model/common/quiet.hpp"
#include "model/kafka/broker.hpp"
#include "model/kafka/consumer.hpp"
#include "model/kafka/controller.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/producer.hpp"

namespace mqcheck::model::kafka {

struct Model {
  using Message = kafka::Message;
  using Entry = kafka::Entry;
  using Actor = std::variant<Producer, Broker, Controller, Consumer>;
  /// Whether the world `nodes` can record no client op a delivery verdict reads before `end`,
  /// and its idle traffic takes at most 4 steps per armed timer and millisecond (the
  /// explorer's early end of a settle: model/common/quiet.hpp; model/kafka/quiet.cpp).
  static bool quiet(std::span<model::QuietNode<Actor> const> nodes, SimTimeUs end);
};

}  // namespace mqcheck::model::kafka
