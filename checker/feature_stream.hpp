// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_stream.hpp (layer: checker)
// The feature properties judged in one pass (issue 3 item 6), beside the delivery, ordering
// and transaction streams: delay, filtering, tenancy and authorization (the judges of
// checker/feature_judge.hpp), dead letters and broadcast (checker/feature_dead_letter.hpp,
// checker/feature_broadcast.hpp: judged per message when it settles) and priority
// (checker/feature_priority.hpp: judged at each dispatch against the queue so far). Each
// consumption is judged when it arrives, against the send record its message has so far. The state
// is each message's send record while the message is in flight (the delivery stream says when it
// settles: forget()), the process invokes still open, and the findings (which grow with anomalies
// only).
//
// The verdicts equal check_features' for the same history exactly when decided() holds at the
// end. The stream gives up (decided() false; the caller then loads the history) when one pass
// cannot match the whole-history answer:
// - a send op changes a send record that a consumption was already judged against (a topic,
//   tag, deliver-after or tenant first stated after the message was consumed), or names a
//   message consumed before any send named it;
// - an op names a message whose send record was forgotten (settled, then consumed again), or
//   adds a nack or a dead-letter copy to a settled message;
// - a broadcast group gains an instance or a topic after a message it may owe was judged and
//   let go (feature::BroadcastStream::doubt), or a fact a priority judgement read changes
//   later or was let go (feature::PriorityStream::doubt);
// - the header declares no feature and a feature op arrives after client ops (the stream
//   keeps no send records until it has a reason to, so that plain histories cost nothing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "checker/check.hpp"
#include "checker/feature_broadcast.hpp"
#include "checker/feature_dead_letter.hpp"
#include "checker/feature_judge.hpp"
#include "checker/feature_priority.hpp"
#include "checker/id_set.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker {

class FeatureStream {
 public:
  /// `header` must outlive the stream.
  explicit FeatureStream(history::Header const& header);

  /// Takes the next op.
  void observe(history::Op const& op) {
    if (!active_) {
      // Once client ops were seen, a feature-free op changes nothing: told apart here, with no
      // call (carries_feature is inline), for most ops of a plain history.
      if (client_ops_seen_ && !carries_feature(op)) return;
      return observe_inactive(op);
    }
    observe_active(op);
  }
  /// The message has settled (checker/delivery_stream.hpp): its send record is let go.
  /// Inactive, the stream holds no send record and no priority fact (observe_active fills
  /// them), so nothing is looked up: the delivery stream calls this for every message.
  void forget(MessageId id) {
    if (active_ || dead_letters_ || broadcast_) forget_held(id);
  }
  /// Returns false once the stream cannot give check_features' verdicts (see above).
  bool decided() const { return !doubt_; }
  /// Judges the process invokes never completed and returns the verdicts of the properties
  /// the history exercised, in report order. Call once, after the last op; check decided()
  /// after it as well.
  [[nodiscard]] std::vector<Verdict> finish();
  /// Returns an estimate of the heap bytes held.
  std::size_t memory_bytes() const;
  /// Returns how many send records were let go (for tests: the bound is real).
  std::uint64_t forgotten() const { return dropped_.size(); }

 private:
  struct Sent {
    feature::SentMessage message;
    bool consumed = false;  // A consumption was judged against this record.
  };
  struct OpenInvoke {
    std::vector<MessageId> ids;  // Sorted, as the delivery checker pairs (send_outcomes.hpp).
    history::Op op;
  };

  void forget_held(MessageId id);
  void observe_inactive(history::Op const& op);
  void observe_active(history::Op const& op);
  void on_send(history::Op const& op);
  void on_process_invoke(history::Op const& op);
  void on_process_completion(history::Op const& op);
  void consume(history::Op const& op, std::size_t record, bool certain);

  history::Header const& header_;
  std::vector<std::unique_ptr<feature::Judge>> judges_;
  std::unique_ptr<feature::DeadLetterJudge> dead_letters_;  // When the header declares them.
  std::unique_ptr<feature::BroadcastStream> broadcast_;     // Likewise.
  feature::PriorityStream priority_;  // Exercised or not: known only at the end.
  bool active_ = false;
  bool doubt_ = false;
  bool client_ops_seen_ = false;                  // While inactive.
  std::unordered_map<std::uint64_t, Sent> sent_;  // lookup only: order never reaches output.
  std::size_t sent_string_bytes_ = 0;
  std::set<MessageId> consumed_unsent_;  // Consumed before any send named them.
  IdSet dropped_;                        // Send records let go.
  std::map<std::string, std::vector<OpenInvoke>> open_;  // Process invokes, by process.
  std::size_t open_count_ = 0;
};

}  // namespace mqcheck::checker
