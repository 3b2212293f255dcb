// SPDX-License-Identifier: Apache-2.0
// File: model/reference/model.hpp (layer: model)
// The reference queue as a model the kernel can run: its message and disk-entry types and
// the closed set of its actors.
#pragma once

#include <variant>

#include "model/reference/broker.hpp"
#include "model/reference/consumer.hpp"
#include "model/reference/messages.hpp"
#include "model/reference/producer.hpp"

namespace mqcheck::model::reference {

struct Model {
  using Message = reference::Message;
  using Entry = reference::Entry;
  using Actor = std::variant<Producer, Broker, Consumer>;
};

}  // namespace mqcheck::model::reference
