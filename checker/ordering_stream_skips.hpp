// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_skips.hpp (layer: checker; private to checker/ordering_stream*)
// The streaming ordering pass's second look at the gaps in consumers' reads. Whether a gap is a
// poll-skip (check_offsets' known_between, checker/ordering_offsets.cpp) depends on the whole
// history: an offset may be claimed only after the gap opened, and its message may be named by
// an expire event or an ok txn-abort later, or its send's transaction abort later. So the first
// pass records each gap it cannot clear (checker/ordering_stream_reads.cpp), and this second
// pass over the same ops gathers, for the gaps' offsets only, what known_between reads: each
// offset's first claim, the ids expire events and ok txn-aborts name, and the fates of the
// claiming sends' transactions. Its memory is bounded by the gaps' width, not the history's
// length. Whatever it cannot know exactly (a transaction that ended before its send claimed
// the offset, a flood of scattered expired ids) makes it undecided: the caller then loads.
// A gap read by a group with a tag filter also needs, as known_between's tag_of, the sent tag of
// each message claimed in it (feature::build_sent_table: the first tag a send op states), and
// those sends mostly come before the claim: a third pass (observe_sends) reads them for the
// claims this pass kept only, so memory stays bounded by the gaps' width.
// The same pass gathers every claim (collect_claims': each message once, with its first op) of
// the offsets the first pass saw claimed by two messages after a truncation
// (ordering_stream_truncation.cpp), for their inconsistent-offsets anomalies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/id_set.hpp"
#include "checker/ordering_offsets.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_ended.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::ordering_detail {

/// A gap in one consumer's reads of one partition: offsets strictly between `after` and
/// `before`, read by a consumer of `group`.
struct SkipGap {
  std::string topic;
  std::optional<std::int32_t> partition;
  std::int64_t after = 0;
  std::int64_t before = 0;
  std::string group;
};

/// An offset of a partition that the first pass saw claimed by two messages (a truncation:
/// ordering_stream_truncation.cpp): this pass gathers every claim of it.
struct ConflictSpot {
  std::string topic;
  std::optional<std::int32_t> partition;
  std::int64_t offset = 0;
};

/// The message a gap skipped that its group may not skip: the first in offset order.
struct Skipped {
  MessageId id;
  std::int64_t offset = 0;
  std::uint64_t claim_op = 0;  // The first op that put it there.
};

class SkipResolver {
 public:
  /// `partitioned`: by gap topic, whether its offsets are claimed by records that name their
  /// partition (true) or by records that name none (false); the first pass made sure that one
  /// of the two holds for every claim of the topic. `header` must outlive the resolver.
  /// `conflicts` (sorted, distinct): offsets whose claims conflicts() returns.
  SkipResolver(history::Header const& header, std::vector<SkipGap> gaps,
               std::map<std::string, bool> const& partitioned,
               std::vector<ConflictSpot> const& conflicts = {});
  /// Takes the next op (every op of the history, in order).
  void observe(history::Op const& op);
  /// Returns true when every gap can be judged exactly.
  bool decided() const { return !lost_; }
  /// Per gap (in the constructor's order): the message it skipped, or none. Precondition:
  /// decided(), every op observed. Nothing when a gap jumped a conflicted offset whose first
  /// claim its group may skip (known_between would read on to the next claim: not kept here).
  /// Nothing, too, when a gap's group filters tags and want_tags() was true but the ops were not
  /// observed again (observe_sends).
  [[nodiscard]] std::optional<std::vector<std::optional<Skipped>>> judge() const;
  /// Precondition: every op observed. Whether judging a gap read by a group with a tag filter
  /// needs the sent tags of the messages claimed in it: then every op must be given to
  /// observe_sends before judge().
  bool want_tags();
  /// Takes the next op of the third pass (every op of the history, in order).
  void observe_sends(history::Op const& op);
  /// Per conflict spot (in the constructor's order): every message claimed there, in the order
  /// first claimed, each with its first claiming op (check_offsets' collect_claims).
  [[nodiscard]] std::vector<std::vector<OffsetClaim>> conflicts() const;
  std::size_t memory_bytes() const;
  /// Offsets of the gaps' width held at most (claims kept); past it, undecided.
  static constexpr std::size_t claims_max = std::size_t{1} << 18;
  /// Intervals of named (expired or aborted) ids kept at most; past it, undecided.
  static constexpr std::size_t named_max = std::size_t{1} << 16;

 private:
  struct Unit {  // One partition with gaps: the union of their open offset ranges, sorted.
    std::string topic;
    std::optional<std::int32_t> partition;
    bool partitioned = true;
    std::vector<std::pair<std::int64_t, std::int64_t>> spans;  // [first, last], disjoint.
  };
  struct Claim {
    MessageId id;
    std::uint64_t op = 0;
    std::string txn;  // Of the claiming op when it is a transactional send; else "".
    std::string tag;  // The claiming record's (kept when some gap's group filters tags).
  };
  struct SentTag {  // As feature::build_sent_table: whether some send names it, its first tag.
    bool sent = false;
    std::string tag;
  };
  std::optional<std::size_t> unit_of(history::Record const& record) const;
  bool in_spans(Unit const& unit, std::int64_t offset) const;
  void claim(history::Op const& op, history::Record const& record, std::size_t unit);
  void note_txn_end(history::Op const& op);
  std::vector<std::string> const& filter_of(std::string const& group) const;
  std::string const& tag_of(Claim const& claim) const;

  history::Header const& header_;
  std::vector<SkipGap> gaps_;
  std::vector<std::size_t> gap_units_;  // By gap: its unit in units_.
  std::vector<Unit> units_;
  bool committed_only_ = false;  // Some gap's group is read_committed: transactions matter.
  bool filtered_ = false;        // Some gap's group has a tag filter: claims' tags matter.
  // The claims in filtered gaps, by message: their sends' tags (want_tags, observe_sends).
  std::map<MessageId, SentTag> sent_tags_;
  bool tags_read_ = false;  // observe_sends ran over the ops (or was not needed).
  std::map<std::pair<std::size_t, std::int64_t>, Claim> claims_;  // (unit, offset) -> first.
  // (unit, offset) -> every claim, for the conflict spots; in the constructor's order.
  std::map<std::pair<std::size_t, std::int64_t>, std::vector<OffsetClaim>> spots_;
  std::vector<std::pair<std::size_t, std::int64_t>> spot_keys_;
  std::size_t unit_for(std::string const& topic, std::optional<std::int32_t> partition,
                       std::map<std::string, bool> const& partitioned);
  IdSet named_;  // Ids an expire event or an ok txn-abort named.
  // Transactions an ok txn-commit named so far, not watched then: a commit ok decides
  // (resolve: it wins over everything), so a claiming send in one of them is committed, and in
  // another (a late send after its abort) is judged by the ends still to come.
  EndedTxns committed_;
  std::set<std::string> watched_;  // Claiming sends' transactions: their ends are traced...
  TxnTableBuilder fates_;          // ...here.
  bool lost_ = false;
};

}  // namespace mqcheck::checker::ordering_detail
