// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_priority.cpp (layer: checker)
// Priority: a broker never dispatches a message to a group while a higher-priority message of
// the same topic is ready for that group (`priority-inversion`). Ready = appended (an `append`
// event), or acknowledged to its producer (first ok send) when it has no append event; it
// stops waiting at its first dispatch to the group, or when it expires. Only broker `dispatch`
// events are judged, so no info op can make this verdict unknown; an info send counts only
// through its append event. Source: RabbitMQ docs, "Priority Queue Support": priority orders
// messages waiting in the queue, not those already handed to a consumer (prefetch), which is
// why the dispatch, not the client's delivery, is the moment judged; no priority means 0.
#include "checker/feature_priority.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/features.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;

// What the history says about one message, for priority.
struct Facts {
  std::string topic;
  std::int32_t priority = 0;  // RabbitMQ: a message without a priority has priority 0.
  std::string tag;
  std::optional<std::uint64_t> appended;  // First append event naming it.
  std::optional<std::uint64_t> acked;     // First ok send completion naming it.
  std::optional<std::uint64_t> expired;   // First expire event naming it.
  std::optional<std::uint64_t> ready() const { return appended ? appended : acked; }
};

struct Dispatch {
  std::uint64_t index = 0;
  std::string group;
  MessageId id;
};

// A message waiting for a group, highest priority first, then the longest waiting.
struct Waiting {
  std::int32_t priority = 0;
  std::uint64_t ready = 0;
  MessageId id;
  bool operator<(Waiting const& o) const {
    return std::tie(o.priority, ready, id) < std::tie(priority, o.ready, o.id);
  }
};

using GroupTopic = std::pair<std::string, std::string>;
using DispatchIndex = std::map<std::pair<std::string, MessageId>, std::vector<std::uint64_t>>;

class PriorityWalk {
 public:
  explicit PriorityWalk(history::History const& history) : history_(history) { collect(); }

  bool exercised() const { return has_priority_ && !dispatches_.empty(); }

  feature::Findings walk() {
    feature::Findings findings;
    // Moments in history order; at one index, readiness (kind 0) before expiry (kind 1).
    std::vector<std::tuple<std::uint64_t, int, MessageId>> moments;
    for (auto const& [id, facts] : facts_) {
      if (facts.ready()) moments.emplace_back(*facts.ready(), 0, id);
      if (facts.expired) moments.emplace_back(*facts.expired, 1, id);
    }
    std::sort(moments.begin(), moments.end());
    auto next = moments.begin();
    for (Dispatch const& dispatch : dispatches_) {
      for (; next != moments.end() && std::get<0>(*next) < dispatch.index; ++next) {
        if (std::get<1>(*next) == 0)
          on_ready(std::get<2>(*next));
        else
          on_expire(std::get<2>(*next));
      }
      on_dispatch(dispatch, findings);
      ++findings.judged;
    }
    return findings;
  }

 private:
  void collect() {
    feature::SentTable const sent = feature::build_sent_table(history_);
    for (auto const& [id, message] : sent) note_record(message.record);
    for (history::Op const& op : history_.ops()) {
      for (history::Record const& record : op.value) {
        note_record(record);
        Facts& facts = facts_[record.id];
        if (op.f == OpKind::append && !facts.appended) facts.appended = op.index;
        if (op.f == OpKind::expire && !facts.expired) facts.expired = op.index;
        if (op.f == OpKind::send && op.type == OpType::ok && !facts.acked) facts.acked = op.index;
        if (op.f != OpKind::dispatch || op.type != OpType::event) continue;
        dispatches_.push_back(Dispatch{op.index, op.group, record.id});
        dispatched_at_[{op.group, record.id}].push_back(op.index);
      }
    }
    for (Dispatch const& d : dispatches_) readers_[facts_.at(d.id).topic].insert(d.group);
  }

  // The first record naming a message fixes its topic and tag; send records come first.
  void note_record(history::Record const& record) {
    has_priority_ = has_priority_ || record.priority.has_value();
    auto const [it, first] = facts_.try_emplace(record.id);
    if (first) {
      it->second.topic = record.topic;
      it->second.tag = record.tag;
    }
    if (!seen_priority_.contains(record.id) && record.priority) {
      it->second.priority = *record.priority;
      seen_priority_.insert(record.id);
    }
  }

  Waiting waiting_of(MessageId id) const {
    Facts const& facts = facts_.at(id);
    return Waiting{facts.priority, *facts.ready(), id};
  }

  void on_ready(MessageId id) {
    Facts const& facts = facts_.at(id);
    for (std::string const& group : readers_[facts.topic]) {
      // A message the group's filter rejects never waits for that group.
      auto const spec = history_.header().groups.find(group);
      if (spec != history_.header().groups.end() &&
          !feature::filter_accepts(spec->second.filter, facts.tag))
        continue;
      if (dispatched_.contains({group, id})) continue;
      waiting_[{group, facts.topic}].insert(waiting_of(id));
    }
  }

  void on_expire(MessageId id) {
    Facts const& facts = facts_.at(id);
    if (!facts.ready() || *facts.ready() > *facts.expired) return;
    for (std::string const& group : readers_[facts.topic])
      waiting_[{group, facts.topic}].erase(waiting_of(id));
  }

  void on_dispatch(Dispatch const& dispatch, feature::Findings& findings) {
    Facts const& low = facts_.at(dispatch.id);
    dispatched_.insert({dispatch.group, dispatch.id});
    std::set<Waiting>& waiting = waiting_[{dispatch.group, low.topic}];
    if (low.ready() && *low.ready() < dispatch.index) waiting.erase(waiting_of(dispatch.id));
    // Each overtaken message is reported once per group, at the first dispatch that overtook
    // it, then leaves the set: later overtakings of it add nothing new.
    while (!waiting.empty() && waiting.begin()->priority > low.priority) {
      findings.anomalies.push_back(inversion(dispatch, *waiting.begin()));
      waiting.erase(waiting.begin());
    }
  }

  Anomaly inversion(Dispatch const& dispatch, Waiting const& high) const {
    Facts const& low = facts_.at(dispatch.id);
    static std::vector<std::uint64_t> const none;
    auto const found = dispatched_at_.find({dispatch.group, high.id});
    std::vector<std::uint64_t> const& later = found == dispatched_at_.end() ? none : found->second;
    auto const after = std::upper_bound(later.begin(), later.end(), dispatch.index);
    return feature::priority_inversion(feature::PriorityInversion{
        dispatch.group, dispatch.id, low.priority, dispatch.index, high.id, high.priority,
        high.ready, after == later.end() ? std::nullopt : std::optional<std::uint64_t>(*after)});
  }

  history::History const& history_;
  bool has_priority_ = false;
  std::map<MessageId, Facts> facts_;
  std::set<MessageId> seen_priority_;
  std::vector<Dispatch> dispatches_;  // In history order.
  DispatchIndex dispatched_at_;
  std::map<std::string, std::set<std::string>> readers_;  // Topic -> groups dispatched to.
  std::set<std::pair<std::string, MessageId>> dispatched_;
  std::map<GroupTopic, std::set<Waiting>> waiting_;
};

}  // namespace

std::optional<Verdict> check_priority(history::History const& history) {
  PriorityWalk walk(history);
  if (!walk.exercised()) return std::nullopt;
  return feature::conclude_priority(walk.walk());
}

namespace feature {

Anomaly priority_inversion(PriorityInversion const& inversion) {
  std::vector<std::uint64_t> witnesses{inversion.high_ready, inversion.dispatch};
  std::string const high_name = message_name(inversion.high);
  std::string text = "group " + inversion.group + " was handed " + message_name(inversion.low) +
                     " (priority " + std::to_string(inversion.low_priority) + ", op " +
                     std::to_string(inversion.dispatch) + ") while " + high_name + " (priority " +
                     std::to_string(inversion.high_priority) + ") had been ready since op " +
                     std::to_string(inversion.high_ready) + "; " + high_name;
  if (inversion.later) {
    witnesses.push_back(*inversion.later);
    text += " was dispatched to it only at op " + std::to_string(*inversion.later);
  } else {
    text += " was never dispatched to it";
  }
  return Anomaly{"priority-inversion", inversion.high, inversion.group, std::move(witnesses),
                 std::move(text)};
}

Verdict conclude_priority(Findings findings) {
  MQCHECK_ASSERT(findings.judged > 0);  // Exercised means some dispatch was judged.
  std::size_t const inversions = findings.anomalies.size();
  return conclude("priority", std::move(findings),
                  plural(inversions, "higher-priority message") +
                      " overtaken by a lower-priority one at dispatch",
                  "");
}

}  // namespace feature

}  // namespace mqcheck::checker
