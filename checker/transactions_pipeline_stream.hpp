// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_pipeline_stream.hpp (layer: checker; private to
// checker/transactions_stream.cpp)
// Exactly-once-pipeline over a stream of ops, in memory bounded by open state. As the
// visibility pass beside it, it rebuilds no anomaly: it proves op by op that the whole-history
// judgement (checker/transactions_pipeline.cpp) finds every (transformer group, input) with
// exactly one counted output, or none and no counted processing, with nothing uncertain; and
// otherwise doubts, so that the caller loads the history. The sufficient conditions:
//   - an output (a send record with a `source`) names a fresh id (above every id sent so far),
//     so its first record is its first attempt, or is a new copy the visibility pass takes
//     (checker/transactions_stream_copies.cpp: every other copy of the id stays aborted, and
//     attempts of an aborted output that complete late join it); its later records carry the
//     same source and transaction; its process already has a group (of its first process op);
//   - per (group, input) at most one output is live at a time, and none comes once one
//     counted (a committed or acknowledged one: that would be a duplicate, or maybe one);
//   - at the end each live output counts `no` (every attempt failed, or its transaction never
//     ended in a drained history), and every input a transformer group processed so that it
//     counts (`ok`, outside or in a committed transaction) has a counted output;
//   - but an output of a transaction whose commit ended info and stays unknown (the visibility
//     pass doubts at any other end, checker/transactions_stream_unknown.cpp) counts `maybe`
//     when sent again or at the end, its input then "uncertain" whatever else counts for it
//     (count_unknown), which finish() words as judge_pipeline does.
// A group is a transformer from its first output on. Until then its processings wait in a
// bounded buffer (pipe_buffer_max, 16): a transformer usually sends an output for what it just
// processed, and a group that overflowed and then turns transformer is a doubt. A transformer
// keeps per input only what is owed; inputs whose output counted join `settled` (an interval
// set), as do ids sent to topics it does not read (the header's subscriptions), so the set
// stays a few intervals. A later output for a settled id is a doubt; a processing of one
// changes nothing when its topic is one the group reads (its output counted), and is a doubt
// otherwise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checker/delivery_stream_state.hpp"
#include "checker/id_set.hpp"
#include "checker/short_text.hpp"
#include "checker/transactions_ended.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::txn_stream_detail {

class PipelineStream {
 public:
  /// `header` and `ended` (the visibility pass's ended transactions) must outlive it. `open`
  /// says whether the visibility pass holds a transaction open (not ended): an uncounted name
  /// EndedTxns reports forgotten is not one then.
  /// `resendable` says whether the visibility pass takes a send of message `id` in
  /// transaction `txn` for a new copy of a message whose every other copy counts as aborted
  /// for good (checker/transactions_stream_copies.cpp), or of unknown status for good
  /// (checker/transactions_stream_unknown.cpp): then an output may be sent again. `in_doubt`
  /// says whether a live transaction's commit ended info (the latter: its output counts maybe).
  PipelineStream(history::Header const& header, EndedTxns const& ended,
                 std::function<bool(std::string_view)> open,
                 std::function<bool(std::string_view, MessageId)> resendable,
                 std::function<bool(std::string_view)> in_doubt);

  /// Takes a client op (only sends, processings and transaction ends are its business).
  /// Inline until a record has a source: until then it holds no output, transformer or
  /// transaction, so a send without a source only says how far sent ids reach, a commit or an
  /// abort changes nothing, and most process ops change nothing either (quiet()).
  void observe(history::Op const& op) {
    if (doubt_) return;
    if (!seen_) {
      if (op.f == history::OpKind::send) {
        if (plain_sends(op)) return;
      } else if (op.f != history::OpKind::process || quiet(op)) {
        return;
      }
    }
    observe_all(op);
  }
  /// Whether a process op of the same process and group as `op` would change nothing, for
  /// good: no record had a source yet, and the pass finds `op` quiet (see TransactionsStream::
  /// QuietPair for why that lasts until a source).
  bool dormant_quiet(history::Op const& op) {
    return !seen_ && !doubt_ && !op.group.empty() && quiet(op);
  }
  /// The sends before this pass saw any (TransactionsStream keeps how far they reach until
  /// the pass needs it): some named a message, up to id `max_sent`. Ids the pass saw since
  /// count too (it keeps the larger).
  void sent_before(bool sent, std::uint64_t max_sent) {
    if (!sent) return;
    max_sent_ = sent_any_ ? std::max(max_sent_, max_sent) : max_sent;
    sent_any_ = true;
  }
  /// Its transaction `name` committed (ok) or aborted, for good (the visibility pass doubts
  /// at any op that could change that).
  void on_commit(std::string_view name);
  void on_abort(std::string_view name);
  /// Returns true when no doubt arose and every live output counts `no` at the end.
  [[nodiscard]] bool decided();
  /// Returns the pipeline verdict when some record had a source. Precondition: decided().
  [[nodiscard]] std::vector<Verdict> finish() const;
  /// Returns the outputs, transactions and owed inputs held (not the fixed buffers).
  [[nodiscard]] std::size_t open_count() const;
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  struct Owed {              // One input of a transformer group, not settled.
    bool processed = false;  // A processing that counts (ok, outside or in a committed txn).
    bool output = false;     // A live output names it.
  };
  struct Buffered {  // A processing by a group not (yet) a transformer.
    MessageId input;
    std::string txn;
    bool unread = false;  // Of a topic the header says the group does not read.
  };
  struct Group {
    bool transformer = false;
    bool overflowed = false;  // Its buffer lost a processing.
    std::vector<Buffered> buffer;
    std::map<MessageId, Owed> owed;
    IdSet settled;
    IdSet uncertain;  // Inputs with an output that counts maybe (supersede): "uncertain".
  };
  struct Output {  // A live output: not counted yet.
    std::size_t group = 0;
    MessageId input;
    std::string txn;
    bool maybe = false;      // An info attempt.
    bool acked = false;      // An ok attempt.
    std::uint32_t open = 0;  // Attempts invoked, not completed.
  };
  struct TxnWork {  // What a live transaction decides.
    std::vector<std::pair<std::size_t, MessageId>> processings;
    std::vector<MessageId> outputs;
    bool ended_by_op = false;  // A txn-commit or txn-abort named it (its status is not open).
    bool superseded = false;   // Doomed: an output of it was sent again in another one.
  };
  struct LateOutput {  // An output of an aborted transaction with attempts still in flight.
    std::string txn;
    std::uint32_t open = 0;
  };

  void doubt() { doubt_ = true; }
  void observe_all(history::Op const& op);
  // Before a source: a send with none only moves how far sent ids reach (on_send's "fresh").
  bool plain_sends(history::Op const& op) {
    if (op.value.empty()) return true;
    std::uint64_t most = op.value.front().id.value;
    for (history::Record const& record : op.value) {
      if (record.source) return false;
      most = std::max(most, record.id.value);
    }
    max_sent_ = sent_any_ ? std::max(max_sent_, most) : most;
    sent_any_ = true;
    return true;
  }
  // Most process ops of a long history: a process seen before, processing for the group it
  // first did, a group that is no transformer and keeps no buffer (it overflowed). Nothing
  // changes: one name looked up, not two.
  bool quiet(history::Op const& op) {
    if (op.group.empty()) return true;  // process_groups skips it; no group judges it.
    std::uint32_t const process = names_.intern(op.process);
    if (process >= process_groups_.size() || process_groups_[process] == 0) return false;
    std::size_t const first = process_groups_[process] - 1;
    Group const& known = groups_[first];
    return !known.transformer && known.overflowed && same_text(group_names_[first], op.group);
  }
  std::size_t group_index(std::string_view name);
  void on_send(history::Op const& op, history::Record const& record);
  void new_output(history::Op const& op, history::Record const& record);
  void attempt(history::Op const& op, Output& output, MessageId id);
  void on_process(history::Op const& op);
  void processed(std::size_t group, Buffered const& processing);
  void counts(std::size_t group, MessageId input);
  bool reads(std::size_t group, std::string const& topic) const;
  void become_transformer(std::size_t group);
  bool late(history::Op const& op, MessageId id);
  void supersede(MessageId id);
  bool count_unknown(Output const& output);
  void settle_output(MessageId id, std::string_view txn);
  void drop_output(MessageId id, std::string_view txn);
  void tidy(Group& group, MessageId input);
  void settle_unread(history::Record const& record);
  void end_live_outputs();

  history::Header const& header_;
  EndedTxns const& ended_;
  std::function<bool(std::string_view)> open_;
  std::function<bool(std::string_view, MessageId)> resendable_;
  std::function<bool(std::string_view)> in_doubt_;
  bool doubt_ = false;
  bool seen_ = false;  // A record had a source.
  std::uint64_t max_sent_ = 0;
  bool sent_any_ = false;
  // Group and process names, interned: every process op names both, and a map of strings
  // searched per op cost more than the rest of this pass in a history with no pipeline.
  stream_detail::Names names_;
  std::vector<std::uint32_t> group_numbers_;  // By name id: group index + 1, or 0 (none yet).
  std::vector<std::string> group_names_;      // By index.
  std::vector<Group> groups_;                 // By index.
  // By process name id: the group index + 1 of its first process op, or 0 (none yet).
  std::vector<std::uint32_t> process_groups_;
  std::map<MessageId, Output> outputs_;  // Live ones only: a few per open transaction.
  std::map<std::string, TxnWork, std::less<>> txns_;
  std::map<MessageId, LateOutput> late_;  // Until their attempts complete (as far as counted).
};

}  // namespace mqcheck::checker::txn_stream_detail
