// SPDX-License-Identifier: Apache-2.0
// File: viz/message_story.hpp (layer: viz)
// The story of one message, told from the history alone: every op that names it, in order,
// one line each, with the faults that struck meanwhile. It is how a person sees why a
// message was lost or processed twice, and it works on any history, simulated or real.
#pragma once

#include <string>

#include "checker/delivery.hpp"
#include "history/history.hpp"

namespace mqcheck::viz {

/// Returns the lines of `history` that concern `message`, plus the crash, power-loss,
/// restart, partition and heal events in between and the first three after, formatted as
/// "   12.500ms  #41  broker-0     event power-loss  3 unsynced writes lost". A record in
/// another topic than the first one named (a dead letter, a retry topic's copy) says where:
/// "ok send in orders-retry-100-1 offset 0".
std::string render_message_story(history::History const& history, MessageId message);

/// Returns a plain-text report: the verdict table, then for each anomaly (up to
/// `stories_max`) its explanation and its message's story.
std::string render_text_report(history::History const& history,
                               checker::DeliveryReport const& report, std::string const& table,
                               std::size_t stories_max = 5);

}  // namespace mqcheck::viz
