// SPDX-License-Identifier: Apache-2.0
// File: model/reference/messages.hpp (layer: model)
// The reference queue's wire protocol and disk records. Inputs are named in the past tense
// where they report something that happened; all are plain values.
#pragma once

#include <cstdint>
#include <variant>

#include "core/strong_id.hpp"

namespace mqcheck::model::reference {

/// A delivery's identity. Tags carry the broker's boot epoch, so an ack for a delivery made
/// before a broker restart can never acknowledge a different delivery after it.
using DeliveryTag = std::uint64_t;

struct Publish {  // Producer -> broker. A resend after a timeout repeats the id.
  MessageId id;
  bool operator==(Publish const&) const = default;
};
struct Confirmed {  // Broker -> producer: the message is stored (publisher confirm).
  MessageId id;
  Offset offset;  // Position in the broker's log.
  bool operator==(Confirmed const&) const = default;
};
struct Delivered {  // Broker -> consumer (push).
  MessageId id;
  Offset offset;
  DeliveryTag tag;
  bool redelivered;
  bool operator==(Delivered const&) const = default;
};
struct Acked {  // Consumer -> broker.
  DeliveryTag tag;
  bool operator==(Acked const&) const = default;
};

using Message = std::variant<Publish, Confirmed, Delivered, Acked>;

/// One record of the broker's log, or of a producer's progress file. An `acked` record names
/// the log offset of the copy it acknowledges: without dedup one id can be stored twice.
struct Entry {
  enum class Kind : std::uint8_t { enqueued, acked, boot, sent };
  Kind kind = Kind::enqueued;
  MessageId id;
  Offset offset;
  bool operator==(Entry const&) const = default;
};

}  // namespace mqcheck::model::reference
