// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_offsets.cpp (layer: checker)
// One pass collects every claim "offset o of (topic, partition) holds message m"; a second
// walks each consumer's ok polls and deliveries in history order, keeping per process and
// partition the last offset it read. Both are std::maps, so anomalies come out in a fixed
// order whatever the ops' names.
#include "checker/ordering_offsets.hpp"

#include <algorithm>
#include <compare>
#include <optional>
#include <set>
#include <utility>

#include "checker/feature_common.hpp"
#include "checker/transactions.hpp"

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;
using Topics = std::map<std::string, history::OrderingScope>;

struct TopicPartition {
  std::string topic;
  std::optional<std::int32_t> partition;
  auto operator<=>(TopicPartition const&) const = default;
};

struct Claim {
  MessageId id;
  std::uint64_t op = 0;  // The first op that puts `id` there.
  std::string tag;       // That op's record's tag (the message's own when no send names it).
  // That op is a send in a transaction that did not commit: the offset holds aborted data,
  // which a read_committed consumer skips (Kafka KIP-98: the fetcher drops aborted batches).
  bool uncommitted = false;
};

// Per (topic, partition), per offset: the messages said to be there, each with its first op,
// in the order they were first claimed.
using Claims = std::map<TopicPartition, std::map<std::int64_t, std::vector<Claim>>>;

std::string offset_at(std::int64_t offset, std::uint64_t op) {
  return "offset " + std::to_string(offset) + " (op " + std::to_string(op) + ")";
}

bool uncommitted_send(Op const& op, TxnTable const& txns) {
  if (op.f != OpKind::send || op.txn.empty()) return false;
  auto const txn = txns.find(op.txn);
  return txn != txns.end() && txn->second.status != TxnStatus::committed;
}

Claims collect_claims(history::History const& history, Placements const& placements,
                      Topics const& topics) {
  TxnTable const txns = build_txn_table(history);
  Claims claims;
  for (Op const& op : history.ops()) {
    if (!reports_placement(op)) continue;
    for (Record const& record : op.value) {
      std::string const& topic = topic_of(record, placements);
      if (!record.offset || !topics.contains(topic)) continue;
      std::vector<Claim>& here =
          claims[TopicPartition{topic, partition_of(record, placements)}][record.offset->value];
      bool const known = std::any_of(here.begin(), here.end(),
                                     [&](Claim const& claim) { return claim.id == record.id; });
      if (!known)
        here.push_back(Claim{record.id, op.index, record.tag, uncommitted_send(op, txns)});
    }
  }
  return claims;
}

// Jepsen's inconsistent-offsets: the log disagrees with itself about one offset.
std::vector<Anomaly> inconsistent_offsets(Claims const& claims) {
  std::vector<Anomaly> anomalies;
  for (auto const& [where, offsets] : claims) {
    for (auto const& [offset, here] : offsets) {
      if (here.size() < 2) continue;
      std::vector<OffsetClaim> said;
      for (Claim const& claim : here) said.push_back(OffsetClaim{claim.id, claim.op});
      anomalies.push_back(inconsistent_offset(where.topic, where.partition, offset, said));
    }
  }
  return anomalies;
}

// The offsets one ok poll or delivery read from one partition, in the order it listed them.
struct Run {
  std::int64_t first = 0;
  std::int64_t last = 0;
  MessageId first_id;
};

struct LastRead {
  std::int64_t offset = 0;
  std::uint64_t op = 0;
};

// After an abort a consume-transform-produce application seeks back to its committed offsets
// (KIP-98; the Java client's examples reset positions when abortTransaction returns), so its
// next poll may re-read: a completed txn-abort, or a txn-commit that failed, moves it back.
// Messages a consumer may legitimately jump over: expired (retention, TTL) or aborted.
std::set<MessageId> skippable(history::History const& history) {
  std::set<MessageId> ids;
  for (Op const& op : history.ops()) {
    bool const expired = op.type == OpType::event && op.f == OpKind::expire;
    bool const aborted = op.type == OpType::ok && op.f == OpKind::txn_abort;
    if (!expired && !aborted) continue;
    for (Record const& record : op.value) ids.insert(record.id);
  }
  return ids;
}

// Each sent message's tag, as the filtering checker reads it (feature::build_sent_table): the
// first non-empty tag a send op states, or empty. Only filled when some group filters tags.
using SentTags = std::map<MessageId, std::string>;

SentTags sent_tags(history::History const& history) {
  bool const filtering =
      std::any_of(history.header().groups.begin(), history.header().groups.end(),
                  [](auto const& group) { return !group.second.filter.empty(); });
  SentTags tags;
  if (!filtering) return tags;
  for (Op const& op : history.ops()) {
    if (!history::is_client_op(op) || op.f != OpKind::send) continue;
    for (Record const& record : op.value) {
      std::string& tag = tags[record.id];
      if (tag.empty()) tag = record.tag;
    }
  }
  return tags;
}

class PollWalk {
 public:
  PollWalk(history::Header const& header, Placements const& placements, Topics const& topics,
           Claims const& claims, std::set<MessageId> skippable, SentTags tags)
      : header_(header),
        placements_(placements),
        topics_(topics),
        claims_(claims),
        skippable_(std::move(skippable)),
        tags_(std::move(tags)) {}

  void on_op(Op const& op) {
    if (resets_position(op)) {
      reads_.erase(op.process);
      return;
    }
    if (op.type != OpType::ok || (op.f != OpKind::poll && op.f != OpKind::deliver)) return;
    std::map<TopicPartition, Run> runs;
    for (Record const& record : op.value) {
      std::string const& topic = topic_of(record, placements_);
      if (!record.offset || !topics_.contains(topic)) continue;
      std::int64_t const offset = record.offset->value;
      auto const [run, fresh] = runs.try_emplace(
          TopicPartition{topic, partition_of(record, placements_)}, Run{offset, offset, record.id});
      if (!fresh) run->second.last = offset;
    }
    std::map<TopicPartition, LastRead>& mine = reads_[op.process];
    for (auto const& [where, run] : runs) {
      auto const previous = mine.find(where);
      if (previous != mine.end()) judge(op, where, previous->second, run);
      mine[where] = LastRead{run.last, op.index};
    }
  }

  std::vector<Anomaly> take() && { return std::move(anomalies_); }

 private:
  void judge(Op const& op, TopicPartition const& where, LastRead const& before, Run const& run) {
    ReadJump const jump{op.process,    op.group,  where.topic, where.partition,
                        before.offset, before.op, run.first,   op.index};
    if (run.first <= before.offset) {
      anomalies_.push_back(nonmonotonic_poll(jump, run.first_id));
      return;
    }
    if (run.first == before.offset + 1) return;
    auto const skipped = known_between(where, before.offset, run.first, op.group);
    if (!skipped) return;
    auto const& [offset, claim] = *skipped;
    anomalies_.push_back(poll_skip(jump, claim.id, offset, claim.op));
  }

  // Returns the first message known to sit strictly between offsets `after` and `before`
  // that a consumer of `group` may not skip, with its offset. Besides expired and aborted
  // messages, a read_committed group skips aborted data, and a group with a tag filter skips
  // what the filter rejects: RocketMQ filters tags on the broker, so the offsets it hands out
  // have gaps (https://rocketmq.apache.org/docs/featureBehavior/07messagefilter/), and a Kafka
  // ConsumerInterceptor drops records before poll() returns them (its onConsume javadoc).
  std::optional<std::pair<std::int64_t, Claim>> known_between(TopicPartition const& where,
                                                              std::int64_t after,
                                                              std::int64_t before,
                                                              std::string const& group) const {
    auto const partition = claims_.find(where);
    if (partition == claims_.end()) return std::nullopt;
    auto const spec = header_.groups.find(group);
    bool const committed_only =
        spec != header_.groups.end() &&
        spec->second.isolation == history::GroupSpec::Isolation::read_committed;
    static std::vector<std::string> const no_filter;
    std::vector<std::string> const& filter =
        spec == header_.groups.end() ? no_filter : spec->second.filter;
    auto const& offsets = partition->second;
    for (auto it = offsets.upper_bound(after); it != offsets.end() && it->first < before; ++it) {
      for (Claim const& claim : it->second)
        if (!skippable_.contains(claim.id) && !(committed_only && claim.uncommitted) &&
            feature::filter_accepts(filter, tag_of(claim)))
          return std::pair{it->first, claim};
    }
    return std::nullopt;
  }

  // The message's tag: its send's (feature::build_sent_table), else the claiming record's.
  std::string const& tag_of(Claim const& claim) const {
    auto const sent = tags_.find(claim.id);
    return sent == tags_.end() ? claim.tag : sent->second;
  }

  history::Header const& header_;
  Placements const& placements_;
  Topics const& topics_;
  Claims const& claims_;
  std::set<MessageId> skippable_;
  SentTags tags_;
  std::map<std::string, std::map<TopicPartition, LastRead>> reads_;  // By process.
  std::vector<Anomaly> anomalies_;
};

std::string jump_text(ReadJump const& jump) {
  return jump.process + " read " + place_name(jump.topic, jump.partition) + " up to " +
         offset_at(jump.before_offset, jump.before_op) + ", then from " +
         offset_at(jump.first, jump.op);
}

}  // namespace

Anomaly inconsistent_offset(std::string const& topic, std::optional<std::int32_t> partition,
                            std::int64_t offset, std::vector<OffsetClaim> const& here) {
  std::vector<std::uint64_t> witnesses;
  std::string others;
  for (std::size_t i = 0; i < here.size(); ++i) {
    witnesses.push_back(here[i].op);
    if (i > 0)
      others += (i > 1 ? ", " : "") + message_name(here[i].id) + " according to op " +
                std::to_string(here[i].op);
  }
  std::string explanation = place_name(topic, partition) + ", offset " + std::to_string(offset) +
                            " holds " + message_name(here[0].id) + " according to op " +
                            std::to_string(here[0].op) + " but " + others;
  return Anomaly{"inconsistent-offsets", here[1].id, "", unique_sorted(std::move(witnesses)),
                 std::move(explanation)};
}

Anomaly nonmonotonic_poll(ReadJump const& jump, MessageId first_id) {
  return Anomaly{"nonmonotonic-poll",
                 first_id,
                 jump.group,
                 {jump.before_op, jump.op},
                 jump_text(jump) + ": back to an offset it had read, with no assign in between"};
}

Anomaly poll_skip(ReadJump const& jump, MessageId skipped, std::int64_t offset,
                  std::uint64_t claim_op) {
  return Anomaly{"poll-skip", skipped, jump.group,
                 unique_sorted({jump.before_op, jump.op, claim_op}),
                 jump_text(jump) + ", skipping " + message_name(skipped) + " at " +
                     offset_at(offset, claim_op)};
}

bool resets_position(Op const& op) {
  if (op.type == OpType::event)
    return op.f == OpKind::crash || op.f == OpKind::power_loss || op.f == OpKind::restart;
  if (op.f == OpKind::txn_abort) return op.type != OpType::invoke;
  if (op.f == OpKind::txn_commit) return op.type == OpType::fail;
  return op.f == OpKind::assign;
}

std::vector<Anomaly> check_offsets(history::History const& history, Placements const& placements,
                                   Topics const& topics) {
  Claims const claims = collect_claims(history, placements, topics);
  std::vector<Anomaly> anomalies = inconsistent_offsets(claims);
  PollWalk walk(history.header(), placements, topics, claims, skippable(history),
                sent_tags(history));
  for (Op const& op : history.ops()) walk.on_op(op);
  std::vector<Anomaly> polls = std::move(walk).take();
  anomalies.insert(anomalies.end(), polls.begin(), polls.end());
  return anomalies;
}

}  // namespace mqcheck::checker
