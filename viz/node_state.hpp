// SPDX-License-Identifier: Apache-2.0
// File: viz/node_state.hpp (layer: viz)
// Derives each node's state from a history, op by op, and says in plain words what each op
// did and why it matters for the delivery guarantees. Model-neutral: it knows the history
// vocabulary (docs/history-format.md) and the `state:` detail clause (docs/reports.md), not
// any broker model. Internal to the stepper; tested through it.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "history/history.hpp"
#include "viz/stepper.hpp"

namespace mqcheck::viz {

/// What one op did, in words.
struct Narration {
  std::string says;
  std::string why;
};

/// Parses the `state:` clause of an event detail: the words before it, then `key=value`
/// pairs (a value may be "quoted" with \" and \\ escapes; `key=` removes the row). Returns
/// false (and leaves `pairs` partly filled) when a pair is malformed.
bool parse_state_clause(std::string const& detail, std::string& words,
                        std::vector<std::pair<std::string, std::string>>& pairs);

/// Returns the words for a network or broker event that changes no tracked row beyond
/// redelivery and expiry bookkeeping (drop, duplicate, redeliver, expire, dispatch).
Narration event_words(history::Op const& op);

class StateTracker {
 public:
  /// Applies `op` to the state and returns its narration.
  Narration apply(history::Op const& op);
  NodeState const& state() const { return state_; }
  /// Returns the rows changed since the last call (merged, sorted), and forgets them.
  std::vector<StateChange> take_changes();

 private:
  struct Stored {     // A message as a broker node holds it.
    std::string key;  // Row key in the node's state.
    MessageId id;
    bool durable = false;
    std::string out;  // The consumer holding an unacked delivery, or "".
    bool acked = false;
  };
  void set(std::string const& node, std::string const& key, std::string const& value);
  void render(std::string const& node, Stored const& s);
  void count(std::string const& node, std::string const& key, int delta);
  Narration on_event(history::Op const& op);
  Narration on_store(history::Op const& op);
  Narration on_control(history::Op const& op);
  Narration on_truncate(history::Op const& op, std::string const& partition, std::int64_t to);
  Narration on_fsync(history::Op const& op);
  Narration on_down(history::Op const& op);
  Narration on_sent(history::Op const& op);
  Narration on_send(history::Op const& op);
  Narration on_receive(history::Op const& op);
  Narration on_process(history::Op const& op);
  Narration on_settle(history::Op const& op);
  Narration on_position(history::Op const& op);
  Narration on_txn(history::Op const& op);
  Narration on_state_clause(history::Op const& op, Narration n);

  NodeState state_;
  std::map<std::pair<std::string, std::string>, std::string> before_;  // Pending changes.
  std::map<std::string, std::map<std::string, Stored>> stored_;        // broker → key → message
  std::map<MessageId, std::pair<std::string, std::string>> where_;     // message → (broker, key)
  std::map<std::pair<std::string, MessageId>, int> processed_;         // (group, message) → n
  std::set<MessageId> confirmed_;                                      // Sends completed ok.
};

}  // namespace mqcheck::viz
