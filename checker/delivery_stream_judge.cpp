// SPDX-License-Identifier: Apache-2.0
// File: checker/delivery_stream_judge.cpp (layer: checker)
// The streaming delivery checker's verdicts-only ending (DeliveryStream::judge) and its reuse
// (DeliveryStream::reset). The explorer judges every settled path (tens of thousands a second,
// each of tens to hundreds of ops and a few messages) and keeps the validities only: building
// export_open's table of MessageFacts and delivery_detail::judge's anomalies and explanations
// was most of a judgement's cost, and making and freeing the stream most of the rest. So the
// open messages are judged where they lie, by the rules of checker/delivery.cpp (each step
// below names the function whose rule it follows), and a stream is reset rather than rebuilt.
// tests/checker/delivery_judge_test.cpp holds both to the full report on random histories.
#include <algorithm>
#include <utility>
#include <vector>

#include "checker/delivery_stream_state.hpp"
#include "checker/feature_common.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace stream_detail {

using history::OpType;

namespace {

// One processing of a message as export_open files it: counted yes or maybe (never no).
struct CountedProc {
  std::uint32_t group = 0;
  std::uint32_t unit = 0;
  bool ok = false;  // Counted::yes; else maybe (an info op).
};

// What the walk over the open messages found, as delivery.cpp's walks find it.
struct Found {
  bool duplicated = false;  // judge_unit: two ok processings by one unit.
  bool possible = false;    // judge_unit: ok + info >= 2 in one unit, not two oks.
  bool missing = false;     // walk_acknowledged: an expected group never processed it.
  bool uncertain = false;   // walk_acknowledged: an expected group only maybe processed it.
  bool unread = false;      // walk_acknowledged: an acknowledged message no group must read.
  bool unexpected = false;  // judge_no_unexpected: processed ok, never sent or every send failed.
};

// The message's send outcome (MessageFacts::outcome) from its exported attempts' outcomes.
SendOutcome send_outcome_of(std::span<OpType const> outcomes) {
  if (outcomes.empty()) return SendOutcome::none;
  bool info = false;
  for (OpType const o : outcomes) {
    if (o == OpType::ok) return SendOutcome::ok;
    info = info || o == OpType::info;
  }
  return info ? SendOutcome::info : SendOutcome::fail;
}

// judge_at_most_once: per unit (a group, or an instance of a broadcast group: Proc::unit),
// two ok processings are a duplicate, ok + info >= 2 a possible one. Units are told apart by
// (group, unit) so that no two groups' unit names can meet.
void judge_units(std::span<CountedProc const> procs, Found& found) {
  for (std::size_t i = 0; i < procs.size(); ++i) {
    auto const same = [&](CountedProc const& p) {
      return p.group == procs[i].group && p.unit == procs[i].unit;
    };
    if (std::any_of(procs.begin(), procs.begin() + static_cast<std::ptrdiff_t>(i), same))
      continue;  // Counted at its unit's first processing.
    std::size_t oks = 0, all = 0;
    for (std::size_t j = i; j < procs.size(); ++j) {
      if (!same(procs[j])) continue;
      ++all;
      if (procs[j].ok) ++oks;
    }
    found.duplicated = found.duplicated || oks >= 2;
    found.possible = found.possible || (oks < 2 && all >= 2);
  }
}

DeliveryFindings findings_from(Found const& f, bool drained) {
  DeliveryFindings out;
  Validity const at_most_once = f.duplicated ? Validity::invalid
                                : f.possible ? Validity::unknown
                                             : Validity::valid;
  Validity const at_least_once = drained && f.missing                   ? Validity::invalid
                                 : f.missing || f.unread || f.uncertain ? Validity::unknown
                                                                        : Validity::valid;
  Validity const no_unexpected = f.unexpected ? Validity::invalid : Validity::valid;
  out.validity = {at_most_once, at_least_once,
                  worst(worst(at_most_once, at_least_once), no_unexpected), no_unexpected};
  if (f.duplicated) out.kinds |= DeliveryFindings::duplicated;
  if (f.missing) out.kinds |= drained ? DeliveryFindings::lost : DeliveryFindings::unseen;
  if (f.unexpected) out.kinds |= DeliveryFindings::unexpected;
  return out;
}

}  // namespace

DeliveryFindings Pass::findings(TxnTable const& txns,
                                delivery_detail::DeadLettered const& dead) const {
  // expected_groups: a topic no subscription lists is read by the groups that processed (yes
  // or maybe) a message sent to it, in it. (topic, group) pairs, sorted.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> inferred;
  open_.for_each([&](std::uint64_t, OpenMessage const& m) {
    if (m.sends().empty() || readers_of(m.topic) != nullptr) return;
    for (Proc const& p : m.procs())
      if (p.topic == m.topic && exported_count(p, txns) != Counted::no)
        inferred.emplace_back(m.topic, p.group);
  });
  std::sort(inferred.begin(), inferred.end());
  inferred.erase(std::unique(inferred.begin(), inferred.end()), inferred.end());

  Found found;
  found.unread = !settled_.unread_topics.empty();
  std::vector<OpType> outcomes;
  std::vector<CountedProc> procs;
  std::vector<std::uint32_t> readers;
  open_.for_each([&](std::uint64_t id, OpenMessage const& m) {
    if (!m.held()) return;  // Only the ordering pass names it (a shared table).
    outcomes.clear();
    for (Attempt const& a : m.sends()) outcomes.push_back(exported_outcome(a, txns));
    procs.clear();
    for (Proc const& p : m.procs()) {
      Counted const counted = exported_count(p, txns);
      if (counted != Counted::no) procs.push_back({p.group, p.unit, counted == Counted::yes});
    }
    judge_units(procs, found);
    SendOutcome const outcome = send_outcome_of(outcomes);
    bool const processed_ok = std::any_of(procs.begin(), procs.end(), [](auto& p) { return p.ok; });
    if ((outcome == SendOutcome::none || outcome == SendOutcome::fail) && processed_ok)
      found.unexpected = true;
    if (outcome != SendOutcome::ok) return;
    // walk_acknowledged: each group that must read its topic, unless excused.
    readers.clear();
    if (auto const* listed = readers_of(m.topic)) {
      readers = *listed;
    } else {
      auto const first = std::lower_bound(inferred.begin(), inferred.end(),
                                          std::pair<std::uint32_t, std::uint32_t>{m.topic, 0});
      for (auto it = first; it != inferred.end() && it->first == m.topic; ++it)
        readers.push_back(it->second);
    }
    if (readers.empty()) found.unread = true;
    for (std::uint32_t const group : readers) {
      auto const filter = filters_.find(group);  // excused: its tag filter rejects it,
      if (filter != filters_.end() && !feature::filter_accepts(filter->second, names_.name(m.tag)))
        continue;
      if (!dead.empty() && dead.contains({names_.name(group), MessageId{id}}))
        continue;  // or the group dead-lettered it.
      bool yes = false, maybe = false;
      for (CountedProc const& p : procs) {
        if (p.group != group) continue;
        (p.ok ? yes : maybe) = true;
      }
      if (!yes && !maybe) found.missing = true;
      if (!yes && maybe) found.uncertain = true;
    }
  });
  return findings_from(found, header_->drained);
}

void Names::clear() {
  names_.resize(1);  // Id 0 stays "".
  std::fill(index_.begin(), index_.end(), 0);
  recent_.fill(Recent{});
}

void Pass::reset(history::Header const& header) {
  // A table shared with an ordering pass holds its entries too; a second pass has a focus.
  MQCHECK_ASSERT(focus_ == nullptr && !open_.side_enabled());
  header_ = &header;
  scratch_.clear();
  open_.for_each([&](std::uint64_t id, OpenMessage const&) { scratch_.push_back(MessageId{id}); });
  for (MessageId const id : scratch_) open_.erase(id.value);  // Their heap blocks go.
  scratch_.clear();
  procs_pool_.reset();  // After the messages: every block is free again.
  names_.clear();
  units_.clear();
  readers_.clear();
  reader_rows_.clear();
  filters_.clear();
  broadcast_.clear();
  group_units_.clear();
  open_count_ = 0;
  open_heap_bytes_ = 0;
  scratch_sorted_ = false;
  for (std::vector<OpenInvoke>& invokes : invokes_) invokes.clear();
  due_.clear();
  settled_ids_ = IdSet{};
  settled_info_ = IdSet{};
  settled_fail_ = IdSet{};
  detail_floor_ = 0;
  let_go_replays_.clear();
  done_.clear();
  replay_.clear();
  settled_ = delivery_detail::Settled{};
  settled_count_ = 0;
  txns_ = TxnFates(true, options_.txn_recent_intervals);
  dead_ = DeadLetterTracker(header);
  dead_letters_ = !header.groups.empty();
  free_batches_.clear();
  for (std::size_t b = batches_.size(); b-- > 0;) {  // Every batch free, capacity kept.
    batches_[b].ids.clear();
    batches_[b].records.clear();
    free_batches_.push_back(static_cast<std::uint32_t>(b));
  }
  read_header();
}

}  // namespace stream_detail

DeliveryFindings findings_of(DeliveryReport const& report) {
  MQCHECK_ASSERT(report.verdicts.size() == 4);
  DeliveryFindings out;
  for (std::size_t i = 0; i < 4; ++i) {
    MQCHECK_ASSERT(report.verdicts[i].guarantee == guarantee_names()[i]);
    out.validity[i] = report.verdicts[i].validity;
  }
  for (Anomaly const& a : report.verdicts[2].anomalies) {  // Exactly-once: the union.
    if (a.kind == "duplicated") out.kinds |= DeliveryFindings::duplicated;
    if (a.kind == "lost") out.kinds |= DeliveryFindings::lost;
    if (a.kind == "unseen") out.kinds |= DeliveryFindings::unseen;
    if (a.kind == "unexpected") out.kinds |= DeliveryFindings::unexpected;
  }
  return out;
}

}  // namespace mqcheck::checker
