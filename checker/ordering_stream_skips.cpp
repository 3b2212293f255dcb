// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_skips.cpp (layer: checker)
// The second pass over a history whose consumers' reads had gaps (ordering_stream_skips.hpp).
// It repeats, for the gaps' offsets only, what check_offsets reads of the whole history
// (checker/ordering_offsets.cpp): collect_claims' first claim of each offset, skippable()'s
// named ids, and uncommitted_send's transaction status (build_txn_table's, from the traces of
// the claiming sends' transactions only); and, for a gap read by a group with a tag filter, a
// third pass reads the sent tags of the messages claimed in it (sent_tags' and tag_of's).
#include "checker/ordering_stream_skips.hpp"

#include <algorithm>

#include "checker/feature_common.hpp"
#include "checker/ordering_facts.hpp"

namespace mqcheck::checker::ordering_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

// The unit of (topic, partition), made when new.
std::size_t SkipResolver::unit_for(std::string const& topic, std::optional<std::int32_t> partition,
                                   std::map<std::string, bool> const& partitioned) {
  auto const found = std::find_if(units_.begin(), units_.end(), [&](Unit const& unit) {
    return unit.topic == topic && unit.partition == partition;
  });
  if (found != units_.end()) return static_cast<std::size_t>(found - units_.begin());
  auto const form = partitioned.find(topic);
  units_.push_back(
      Unit{topic, partition, form == partitioned.end() ? partition.has_value() : form->second, {}});
  return units_.size() - 1;
}

SkipResolver::SkipResolver(history::Header const& header, std::vector<SkipGap> gaps,
                           std::map<std::string, bool> const& partitioned,
                           std::vector<ConflictSpot> const& conflicts)
    : header_(header), gaps_(std::move(gaps)) {
  std::size_t width = 0;
  for (SkipGap const& gap : gaps_) {
    gap_units_.push_back(unit_for(gap.topic, gap.partition, partitioned));
    if (gap.before - gap.after > 1)
      units_[gap_units_.back()].spans.emplace_back(gap.after + 1, gap.before - 1);
    width += static_cast<std::size_t>(gap.before - gap.after - 1);
    auto const spec = header.groups.find(gap.group);
    if (spec != header.groups.end() &&
        spec->second.isolation == history::GroupSpec::Isolation::read_committed)
      committed_only_ = true;
    if (!filter_of(gap.group).empty()) filtered_ = true;
  }
  tags_read_ = !filtered_;
  for (ConflictSpot const& spot : conflicts) {
    std::pair<std::size_t, std::int64_t> const key{
        unit_for(spot.topic, spot.partition, partitioned), spot.offset};
    spot_keys_.push_back(key);
    spots_.try_emplace(key);
  }
  if (width > claims_max) lost_ = true;
  // Overlapping gaps (two consumers, or one that stepped back) share their offsets' claims.
  for (Unit& unit : units_) {
    std::sort(unit.spans.begin(), unit.spans.end());
    std::vector<std::pair<std::int64_t, std::int64_t>> merged;
    for (auto const& span : unit.spans) {
      if (!merged.empty() && span.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, span.second);
      } else {
        merged.push_back(span);
      }
    }
    unit.spans = std::move(merged);
  }
}

void SkipResolver::observe(Op const& op) {
  if (lost_) return;
  bool const expired = op.type == OpType::event && op.f == OpKind::expire;
  bool const aborted = op.type == OpType::ok && op.f == OpKind::txn_abort;
  if (expired || aborted) {
    for (Record const& record : op.value) named_.insert(record.id);
    if (named_.intervals() > named_max) lost_ = true;
  }
  if (committed_only_ && history::is_client_op(op) && !op.txn.empty() &&
      (op.f == OpKind::txn_commit || op.f == OpKind::txn_abort))
    note_txn_end(op);
  if (!reports_placement(op)) return;
  for (Record const& record : op.value) {
    if (!record.offset) continue;
    std::optional<std::size_t> const unit = unit_of(record);
    if (!unit) continue;
    if (in_spans(units_[*unit], record.offset->value)) claim(op, record, *unit);
    if (spots_.empty()) continue;
    auto const spot = spots_.find(std::pair{*unit, record.offset->value});
    if (spot == spots_.end()) continue;
    std::vector<OffsetClaim>& here = spot->second;
    if (std::none_of(here.begin(), here.end(),
                     [&](OffsetClaim const& known) { return known.id == record.id; }))
      here.push_back(OffsetClaim{record.id, op.index});
  }
}

// As collect_claims' TopicPartition: the first pass made sure that a record naming no topic
// never reaches here (it doubted), and that the claims of a gap's topic all name their
// partition or all name none (`partitioned`): a record of the other kind only restates.
std::optional<std::size_t> SkipResolver::unit_of(Record const& record) const {
  for (std::size_t i = 0; i < units_.size(); ++i) {
    Unit const& unit = units_[i];
    if (unit.partitioned != record.partition.has_value()) continue;
    if (unit.partition == record.partition && unit.topic == record.topic) return i;
  }
  return std::nullopt;
}

bool SkipResolver::in_spans(Unit const& unit, std::int64_t offset) const {
  auto const next =
      std::upper_bound(unit.spans.begin(), unit.spans.end(), offset,
                       [](std::int64_t o, std::pair<std::int64_t, std::int64_t> const& span) {
                         return o < span.first;
                       });
  return next != unit.spans.begin() && offset <= std::prev(next)->second;
}

// Only the first claim of an offset counts (the first pass saw no second message there).
void SkipResolver::claim(Op const& op, Record const& record, std::size_t unit) {
  bool const transactional = op.f == OpKind::send && !op.txn.empty();
  auto const [it, fresh] = claims_.try_emplace(std::pair{unit, record.offset->value},
                                               Claim{record.id, op.index, "", ""});
  if (fresh && filtered_) it->second.tag = record.tag;
  if (!fresh || !transactional || !committed_only_) return;
  if (watched_.contains(op.txn)) {
    it->second.txn = op.txn;
    return;
  }
  // It may have ended, or begun to, before this send (Kafka completes the batches in flight
  // while it aborts, KIP-98: a late send; or a line reordered in the history). Its status is
  // committed iff some ok txn-commit names it (transactions_table.cpp, resolve: a commit ok
  // wins over everything else): one before this send makes it committed whatever follows;
  // with none before, the ends traced from here decide. A commit ok that may be forgotten
  // (EndedTxns' windows) leaves it undecided.
  EndedTxns::Fate const before = committed_.fate(op.txn);
  if (before == EndedTxns::Fate::committed) return;
  if (before == EndedTxns::Fate::forgotten) lost_ = true;
  it->second.txn = op.txn;
  watched_.insert(op.txn);
}

void SkipResolver::note_txn_end(Op const& op) {
  if (watched_.contains(op.txn)) {
    fates_.observe(op);
  } else {
    if (op.f == OpKind::txn_commit && op.type == OpType::ok) committed_.add(op.txn, true);
  }
}

std::vector<std::string> const& SkipResolver::filter_of(std::string const& group) const {
  static std::vector<std::string> const no_filter;
  auto const spec = header_.groups.find(group);
  return spec == header_.groups.end() ? no_filter : spec->second.filter;
}

// The messages whose tag a filtered gap's judgement may read: each first claim in the gap that
// no expire or ok txn-abort named (known_between skips those before it looks at the tag).
bool SkipResolver::want_tags() {
  for (std::size_t g = 0; g < gaps_.size(); ++g) {
    SkipGap const& gap = gaps_[g];
    if (filter_of(gap.group).empty()) continue;
    auto it = claims_.upper_bound(std::pair{gap_units_[g], gap.after});
    for (; it != claims_.end() && it->first.first == gap_units_[g] && it->first.second < gap.before;
         ++it)
      if (!named_.contains(it->second.id)) sent_tags_.try_emplace(it->second.id);
  }
  tags_read_ = sent_tags_.empty();
  return !tags_read_;
}

// As check_offsets' sent_tags: every client send op's records, whatever its type, in history
// order; the first non-empty tag is the message's.
void SkipResolver::observe_sends(Op const& op) {
  tags_read_ = true;
  if (!history::is_client_op(op) || op.f != OpKind::send) return;
  for (Record const& record : op.value) {
    auto const found = sent_tags_.find(record.id);
    if (found == sent_tags_.end()) continue;
    found->second.sent = true;
    if (found->second.tag.empty()) found->second.tag = record.tag;
  }
}

// As known_between's tag_of: the sent tag of a message some send names (empty when none stated
// one), else the claiming record's.
std::string const& SkipResolver::tag_of(Claim const& claim) const {
  auto const sent = sent_tags_.find(claim.id);
  return sent != sent_tags_.end() && sent->second.sent ? sent->second.tag : claim.tag;
}

// As known_between: in offset order, the first claim the gap's group may not skip.
std::optional<std::vector<std::optional<Skipped>>> SkipResolver::judge() const {
  if (!tags_read_) return std::nullopt;
  TxnTable const fates = fates_.finish();
  auto const uncommitted = [&](Claim const& claim) {
    if (claim.txn.empty()) return false;
    auto const fate = fates.find(claim.txn);
    // A transaction no commit or abort named is open: it never committed.
    return fate == fates.end() || fate->second.status != TxnStatus::committed;
  };
  std::vector<std::optional<Skipped>> out;
  for (std::size_t g = 0; g < gaps_.size(); ++g) {
    SkipGap const& gap = gaps_[g];
    auto const spec = header_.groups.find(gap.group);
    bool const committed_only =
        spec != header_.groups.end() &&
        spec->second.isolation == history::GroupSpec::Isolation::read_committed;
    std::vector<std::string> const& filter = filter_of(gap.group);
    std::optional<Skipped> found;
    auto it = claims_.upper_bound(std::pair{gap_units_[g], gap.after});
    for (; it != claims_.end() && it->first.first == gap_units_[g] && it->first.second < gap.before;
         ++it) {
      Claim const& claim = it->second;
      // A filter rejecting the message's tag lets the group skip it: RocketMQ filters on the
      // broker, a Kafka ConsumerInterceptor on the client (known_between).
      if (named_.contains(claim.id) || (committed_only && uncommitted(claim)) ||
          (!filter.empty() && !feature::filter_accepts(filter, tag_of(claim)))) {
        if (spots_.contains(it->first)) return std::nullopt;
        continue;
      }
      found = Skipped{claim.id, it->first.second, claim.op};
      break;
    }
    out.push_back(found);
  }
  return out;
}

std::vector<std::vector<OffsetClaim>> SkipResolver::conflicts() const {
  std::vector<std::vector<OffsetClaim>> out;
  for (auto const& key : spot_keys_) out.push_back(spots_.at(key));
  return out;
}

std::size_t SkipResolver::memory_bytes() const {
  constexpr std::size_t node = 4 * sizeof(void*) + 16;  // A map node's links and malloc's.
  std::size_t bytes = named_.memory_bytes() + committed_.memory_bytes();
  bytes += fates_.memory_bytes();
  bytes += claims_.size() * (node + sizeof(std::pair<std::size_t, std::int64_t>) + sizeof(Claim));
  bytes += watched_.size() * (node + sizeof(std::string));
  // Tags past the strings' inline buffers live on the heap.
  std::size_t const inline_chars = std::string().capacity();
  auto const heap = [&](std::string const& text) {
    return text.capacity() > inline_chars ? text.capacity() + 1 : 0;
  };
  if (filtered_)
    for (auto const& [key, claim] : claims_) bytes += heap(claim.tag);
  for (auto const& [id, sent] : sent_tags_)
    bytes += node + sizeof(id) + sizeof(sent) + heap(sent.tag);
  for (auto const& spot : spots_) bytes += node + 32 + spot.second.capacity() * sizeof(OffsetClaim);
  for (Unit const& unit : units_) bytes += sizeof(Unit) + unit.spans.capacity() * 16;
  return bytes + gaps_.capacity() * sizeof(SkipGap);
}

}  // namespace mqcheck::checker::ordering_detail
