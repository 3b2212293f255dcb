// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_detail.hpp (layer: checker; private to checker/transactions*.cpp)
// What the two transaction judgements share: the message table, the transaction table and
// each message's copies, one per transaction it was sent in. A message id may be sent in
// several transactions (an application retries an aborted transaction with the same records),
// so visibility and pipeline outputs are judged per copy, never per id alone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/send_outcomes.hpp"
#include "checker/transactions.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::txn_detail {

/// One copy of a message: its send attempts inside one transaction ("" = outside any).
struct Copy {
  MessageId id;
  std::string txn;
  std::string topic;                      // From its first send op.
  std::string process;                    // The producer of its first attempt.
  std::optional<MessageId> source;        // The input it was made from (pipelines).
  std::uint64_t first_send = 0;           // Its earliest send op.
  std::optional<std::uint64_t> ack;       // Its first ok send completion.
  std::optional<std::int32_t> partition;  // Where that ack says it was stored.
  std::optional<Offset> offset;
  SendOutcome outcome = SendOutcome::info;  // As MessageFacts::outcome(), over this copy.
};

/// Every message's copies, by message id; a message's copies by ascending txn id.
using Copies = std::map<MessageId, std::vector<Copy>>;

/// Everything both judgements read, built once.
struct Facts {
  history::History const* history = nullptr;
  MessageTable table;
  TxnTable txns;
  Copies copies;
  bool drained = false;
};

/// Builds the facts of `history` (which must outlive them).
Facts gather(history::History const& history);

/// A group's process ops of one message, split by counted_as_processed (the `no` ones are
/// dropped). Both ascending.
struct Processing {
  std::vector<std::uint64_t> yes;
  std::vector<std::uint64_t> maybe;
};

/// Returns how `group` processed message `id`.
Processing processing_of(Facts const& facts, MessageId id, std::string const& group);

/// Returns the transaction of `copy`; asserts that it has one.
TxnFacts const& txn_of(Facts const& facts, Copy const& copy);

/// The two judgements (checker/transactions.cpp, checker/transactions_pipeline.cpp).
Verdict judge_visibility(Facts const& facts);
Verdict judge_pipeline(Facts const& facts);

/// Text helpers (checker/verdict.hpp): "3 messages", "message 7", "ops 3, 9", "; "-joined
/// parts, witnesses ascending and once each.
using checker::join;
using checker::message_name;
using checker::op_list;
using checker::plural;
using checker::unique_sorted;

}  // namespace mqcheck::checker::txn_detail
