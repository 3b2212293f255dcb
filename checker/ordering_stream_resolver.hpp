// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_resolver.hpp (layer: checker; private to checker/ordering_stream*)
// The streaming ordering pass's second look where orders crossed. The first pass records, per
// partition, offset ranges that cover every pair of messages it saw out of order (a group's
// first processing below the highest it had processed there, a producer's send stored below
// an earlier send), and the ids of the messages at their offsets. The chains' precedence
// graph is the union of two total orders, so its strongly connected components are intervals
// of offsets, each covered by its own crossing pairs: the messages inside the ranges are a
// union of whole components, and check_ordering's components among them are exactly the true
// ones. This pass gathers, for those ids only, what check_ordering's placement and chains read
// (send attempts paired as build_message_table pairs them, offsets, first ok processings) and
// judges them with check_ordering's own code (checker/ordering_chains.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "checker/ordering_chains.hpp"
#include "checker/ordering_facts.hpp"
#include "checker/verdict.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::ordering_detail {

/// Offsets first..last of one partition in which orders crossed.
struct ReorderRange {
  std::string topic;
  std::optional<std::int32_t> partition;
  std::int64_t first = 0;
  std::int64_t last = 0;
};

/// A (topic, partition, offset), as check_ordering's truncated_claims names a slot.
using ReorderSlot = std::tuple<std::string, std::optional<std::int32_t>, std::int64_t>;

/// What the first pass knows of the truncations in the ranges' partitions
/// (ordering_stream_truncation.cpp): the ack claims rule T took back, as (op, message), and the
/// offsets that hold two messages, where rule R may take an ack claim back.
struct ReorderTruncations {
  std::set<std::pair<std::uint64_t, MessageId>> taken;
  std::vector<ReorderSlot> conflicted;
};

class ReorderResolver {
 public:
  /// `ids`: every message the first pass knew at an offset of `ranges`, which must be all the
  /// messages placed there. `header` must outlive the resolver.
  ReorderResolver(history::Header const& header, std::vector<ReorderRange> const& ranges,
                  std::vector<MessageId> const& ids, ReorderTruncations truncations);
  /// Takes the next op (every op of the history, in order).
  void observe(history::Op const& op);
  /// The `reordered` anomalies of the ranges' messages, as check_ordering lists them; nothing
  /// when they cannot be judged exactly (a send invoke naming no message, whose pairing this
  /// pass does not follow).
  [[nodiscard]] std::optional<std::vector<Anomaly>> judge() const;
  std::size_t memory_bytes() const;

 private:
  struct Attempt {  // A send attempt, as build_message_table files it.
    std::optional<std::uint64_t> invoke;
    std::size_t position = 0;  // Of the message's first record in the invoke.
    std::optional<std::uint64_t> completion;
    history::OpType outcome = history::OpType::info;
    std::string process;
    std::string topic;                      // Of the record that filed it.
    std::optional<std::int32_t> partition;  // Of the completion's first record naming it.
  };
  // A client op's word on where the message sits: every ok send's (a truncation may take it
  // back), and the first other op's at each offset.
  struct Sighting {
    std::string topic;
    std::optional<std::int32_t> partition;
    std::int64_t offset = 0;
    std::uint64_t op = 0;
    bool ack = false;
  };
  struct Facts {
    std::vector<Attempt> sends;
    std::string record_topic;                      // The first non-empty a record gave.
    std::optional<std::int32_t> record_partition;  // The first a record gave.
    std::string key;                               // The first non-empty a record gave.
    std::vector<Sighting> offsets;                 // In history order.
    std::map<std::string, OpPosition> first_ok;    // By group: its first ok processing.
  };
  struct OpenSend {
    std::uint64_t index = 0;
    std::vector<MessageId> ids;  // Sorted.
  };
  void on_send(history::Op const& op);
  void on_placement(history::Op const& op, history::Record const& record, Facts& facts);
  void note_read(history::Op const& op);
  bool taken_back(MessageId id, Sighting const& sighting, std::string const& topic,
                  std::optional<std::int32_t> partition) const;
  Placement placement_of(MessageId id, Facts const& facts) const;
  void keep_in_ranges(ordering_chains::Chains& chains) const;

  std::map<std::string, history::OrderingScope> topics_;
  std::map<std::pair<std::string, std::optional<std::int32_t>>,
           std::vector<std::pair<std::int64_t, std::int64_t>>>
      ranges_;                                           // Sorted, disjoint.
  std::map<MessageId, Facts> facts_;                     // By id: check_ordering's order.
  std::map<std::string, std::vector<OpenSend>> open_;    // By process: invokes naming ours.
  std::set<std::pair<std::uint64_t, MessageId>> taken_;  // ReorderTruncations::taken.
  std::map<ReorderSlot, std::set<MessageId>> read_;      // Conflicted slot -> messages read there.
  bool lost_ = false;
};

}  // namespace mqcheck::checker::ordering_detail
