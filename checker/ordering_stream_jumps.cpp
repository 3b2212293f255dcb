// SPDX-License-Identifier: Apache-2.0
// File: checker/ordering_stream_jumps.cpp (layer: checker)
// The streaming ordering pass (checker/ordering_stream.cpp), its report: the reads that jumped
// (ordering_stream_reads.cpp) become check_offsets' nonmonotonic-polls at once, and its
// poll-skips after a second pass over the ops (ordering_stream_skips.hpp); the rest of
// check_ordering's rules were proven to hold, so these are all the anomalies. They are listed
// in PollWalk's order (by op, then by partition) before ordering_verdict's stable sort, so
// that ties come out as check_ordering's.
#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <tuple>

#include "checker/ordering.hpp"
#include "checker/ordering_stream_state.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::ordering_detail {

// check_offsets files a claim under the record's partition, else its message's: a topic whose
// claims mix the two is left to the loading pass (claim_forms_).
void StreamState::note_claim_form(Entry const& e, history::Record const& record) {
  if (claim_forms_.size() <= e.topic) claim_forms_.resize(e.topic + 1, 0);
  claim_forms_[e.topic] |= record.partition  ? claim_form_named
                           : e.has_partition ? claim_form_implied
                                             : claim_form_none;
}

ReadJump StreamState::jump_of(JumpedRead const& read) const {
  Unit const& unit = units_[read.unit];
  return ReadJump{names_.name(read.process),
                  names_.name(read.group),
                  names_.name(unit.topic),
                  unit.partition,
                  read.before_offset,
                  read.before_op,
                  read.first,
                  read.op};
}

// The jumped reads' anomalies, or nothing when gaps need a second pass that `source` is not
// given for, or that could not judge them.
std::optional<std::vector<Anomaly>> StreamState::jumped_anomalies(OpSource const* source,
                                                                  OpSource const* plain) {
  std::vector<std::size_t> order(jumped_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  auto const key = [&](std::size_t i) {
    Unit const& unit = units_[jumped_[i].unit];
    return std::tuple{jumped_[i].op, std::string_view(names_.name(unit.topic)), unit.partition};
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  std::vector<std::optional<Skipped>> skipped;
  std::vector<Anomaly> anomalies;
  if (gaps_ > 0 || !conflicts_.empty()) {
    if (source == nullptr) return std::nullopt;
    std::vector<SkipGap> gaps;
    std::map<std::string, bool> partitioned;
    // The second pass files claims under (topic, partition) as check_offsets does only when
    // every claim of the topic names its partition, or none does.
    auto const form_known = [&](Unit const& unit) {
      std::uint8_t const forms = unit.topic < claim_forms_.size() ? claim_forms_[unit.topic] : 0;
      if ((forms & claim_form_implied) != 0 || forms == (claim_form_named | claim_form_none))
        return false;
      partitioned[names_.name(unit.topic)] =
          forms == 0 ? unit.partition.has_value() : forms == claim_form_named;
      return true;
    };
    for (std::size_t const i : order) {
      JumpedRead const& read = jumped_[i];
      if (read.step_back) continue;
      Unit const& unit = units_[read.unit];
      if (!form_known(unit)) return std::nullopt;
      gaps.push_back(SkipGap{names_.name(unit.topic), unit.partition, read.before_offset,
                             read.first, names_.name(read.group)});
    }
    std::vector<ConflictSpot> spots;
    for (auto const& [number, offset] : conflicts_) {
      if (!form_known(units_[number])) return std::nullopt;
      spots.push_back(
          ConflictSpot{names_.name(units_[number].topic), units_[number].partition, offset});
    }
    // check_offsets lists them by (topic, partition, offset): its Claims map's order.
    auto const spot_key = [](ConflictSpot const& spot) {
      return std::tie(spot.topic, spot.partition, spot.offset);
    };
    std::sort(spots.begin(), spots.end(), [&](ConflictSpot const& a, ConflictSpot const& b) {
      return spot_key(a) < spot_key(b);
    });
    spots.erase(std::unique(spots.begin(), spots.end(),
                            [&](ConflictSpot const& a, ConflictSpot const& b) {
                              return spot_key(a) == spot_key(b);
                            }),
                spots.end());
    SkipResolver resolver(header_, std::move(gaps), partitioned, spots);
    (*source)([&](history::Op const& op) { resolver.observe(op); });
    second_pass_bytes_ = resolver.memory_bytes();
    if (!resolver.decided()) return std::nullopt;
    // A gap read by a group with a tag filter: the sent tags of its claims, one more pass.
    if (resolver.want_tags()) {
      (*(plain != nullptr ? plain : source))(
          [&](history::Op const& op) { resolver.observe_sends(op); });
      second_pass_bytes_ = resolver.memory_bytes();
    }
    auto judged = resolver.judge();
    if (!judged) return std::nullopt;
    skipped = std::move(*judged);
    std::vector<std::vector<OffsetClaim>> const claims = resolver.conflicts();
    for (std::size_t i = 0; i < spots.size(); ++i) {
      // The first pass saw two messages there; a second pass that finds fewer disagrees.
      if (claims[i].size() < 2) return std::nullopt;
      anomalies.push_back(
          inconsistent_offset(spots[i].topic, spots[i].partition, spots[i].offset, claims[i]));
    }
  }
  std::size_t gap = 0;
  for (std::size_t const i : order) {
    JumpedRead const& read = jumped_[i];
    if (read.step_back) {
      anomalies.push_back(nonmonotonic_poll(jump_of(read), read.first_id));
    } else if (std::optional<Skipped> const& found = skipped[gap++]) {
      anomalies.push_back(poll_skip(jump_of(read), found->id, found->offset, found->claim_op));
    }
  }
  return anomalies;
}

// As check_ordering: no verdict unless a message of an ordered topic was processed.
bool StreamState::exercised() {
  if (!exercise_known_) {
    // note_exercise only raises flags: the order of the walk cannot matter.
    table_.for_each_slot([&](std::uint32_t slot) {
      if (table_.side(slot).live) note_exercise(table_.side(slot));
    });
    exercise_known_ = true;
  }
  return processed_;
}

std::vector<Verdict> StreamState::finish() {
  MQCHECK_ASSERT(!doubt_ && !gaps_pending());
  if (!exercised()) return {};
  std::optional<std::vector<Anomaly>> anomalies = jumped_anomalies(nullptr);
  MQCHECK_ASSERT(anomalies.has_value());
  return {ordering_verdict(std::move(*anomalies), positioned_)};
}

std::optional<std::vector<Verdict>> StreamState::finish(OpSource const& source,
                                                        std::uint64_t& reads) {
  MQCHECK_ASSERT(!doubt_);
  reads = 0;
  // Nothing processed: check_ordering gives no verdict, whatever the reads did.
  if (!exercised()) return std::vector<Verdict>{};
  OpSource const counted = [&](std::function<void(history::Op const&)> const& visit) {
    ++reads;  // Each read of the ops is a pass (--stats).
    source(visit);
  };
  std::optional<std::vector<Anomaly>> anomalies = reread(counted);  // With the crossings'.
  if (!anomalies) return std::nullopt;
  return std::vector<Verdict>{ordering_verdict(std::move(*anomalies), positioned_)};
}

}  // namespace mqcheck::checker::ordering_detail
