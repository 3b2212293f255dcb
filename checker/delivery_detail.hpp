// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_detail.hpp (layer: checker; private to checker/delivery*.cpp)
// The delivery judgements, shared by the whole-history path (check_delivery_whole) and the
// streaming one (checker/delivery_stream.hpp). Both hand over the messages still worth judging
// as a MessageTable; the streaming checker also hands over what it already settled (messages
// sent and processed exactly once by every group that must read them), in summary form, since
// a settled message can carry no delivery anomaly.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "checker/delivery.hpp"
#include "checker/send_outcomes.hpp"

namespace mqcheck::checker::delivery_detail {

/// (group, message) pairs that the group exhausted and dead-lettered (dead_lettered()).
using DeadLettered = std::set<std::pair<std::string, MessageId>>;

/// Returns the process (consumer instance) of the op at a history index of the table.
using ProcessOf = std::function<std::string const&(std::uint64_t op)>;

/// What the streaming checker settled and no longer holds message by message.
struct Settled {
  Counts counts;                         // Their contribution to every count.
  std::set<std::string> unread_topics;   // Topics of settled acknowledged messages that no
                                         // group must read (an unknown at-least-once reason).
};

/// Returns true when the header declares `group` a broadcast group.
bool is_broadcast(history::Header const& header, std::string const& group);

/// Judges the four delivery guarantees over `table` (transactions already applied) plus the
/// settled summary.
DeliveryReport judge(history::Header const& header, MessageTable const& table,
                     DeadLettered const& dead, ProcessOf const& process_of,
                     Settled const& settled);

}  // namespace mqcheck::checker::delivery_detail
