// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_common.cpp (layer: checker)
// The send table, the consumptions and the verdict rule shared by the feature checkers.
// Consumptions reuse the delivery checker's pairing (build_message_table) to find process
// invokes that were never completed, so both checkers agree on what "maybe processed" means.
#include "checker/feature_common.hpp"

#include <algorithm>
#include <tuple>

#include "checker/send_outcomes.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::feature {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

// Copies into `into` each optional field that `from` has and `into` lacks.
void fill_missing(history::Record& into, history::Record const& from) {
  if (into.topic.empty()) into.topic = from.topic;
  if (!into.partition) into.partition = from.partition;
  if (!into.offset) into.offset = from.offset;
  if (into.key.empty()) into.key = from.key;
  if (!into.priority) into.priority = from.priority;
  if (!into.deliver_after) into.deliver_after = from.deliver_after;
  if (into.tag.empty()) into.tag = from.tag;
  if (!into.source) into.source = from.source;
}

// Adds the process invokes never completed: the message table files them as info.
void add_open_process_invokes(history::History const& history, std::vector<Consumption>& out) {
  for (auto const& [id, facts] : build_message_table(history)) {
    for (auto const& [group, processing] : facts.groups) {
      for (std::uint64_t const index : processing.info_ops) {
        Op const& op = history.ops()[index];
        if (op.type != OpType::invoke) continue;  // Info completions are already listed.
        for (std::size_t r = 0; r < op.value.size(); ++r)
          if (op.value[r].id == id) out.push_back(Consumption{index, r, id, false});
      }
    }
  }
}

}  // namespace

SentTable build_sent_table(history::History const& history) {
  SentTable table;
  for (Op const& op : history.ops()) {
    if (!history::is_client_op(op) || op.f != OpKind::send) continue;
    for (history::Record const& record : op.value) {
      auto const [it, first] = table.try_emplace(record.id);
      SentMessage& sent = it->second;
      if (first) {
        sent.first_send = op.index;
        sent.process = op.process;
        sent.record = record;
      } else {
        fill_missing(sent.record, record);
      }
      if (sent.tenant.empty() && !op.tenant.empty()) {
        sent.tenant = op.tenant;
        sent.tenant_op = op.index;
      }
    }
  }
  return table;
}

bool is_consume(history::OpKind f) {
  return f == OpKind::deliver || f == OpKind::poll || f == OpKind::process;
}

std::vector<Consumption> consumptions(history::History const& history) {
  std::vector<Consumption> out;
  for (Op const& op : history.ops()) {
    if (!is_consume(op.f) || (op.type != OpType::ok && op.type != OpType::info)) continue;
    for (std::size_t r = 0; r < op.value.size(); ++r)
      out.push_back(Consumption{op.index, r, op.value[r].id, op.type == OpType::ok});
  }
  add_open_process_invokes(history, out);
  std::sort(out.begin(), out.end(), [](Consumption const& a, Consumption const& b) {
    return std::tie(a.op, a.record) < std::tie(b.op, b.record);
  });
  return out;
}

bool filter_accepts(std::vector<std::string> const& filter, std::string const& tag) {
  if (filter.empty()) return true;
  auto const listed = [&](std::string const& t) {
    return std::find(filter.begin(), filter.end(), t) != filter.end();
  };
  return listed("*") || (!tag.empty() && listed(tag));
}

Verdict conclude(std::string guarantee, Findings findings, std::string const& violation,
                 std::string const& nothing_judged) {
  Verdict verdict{.guarantee = std::move(guarantee)};
  sort_anomalies(findings.anomalies);
  if (!findings.anomalies.empty()) {
    verdict.validity = Validity::invalid;
    verdict.reason = violation;
  } else if (!findings.doubts.empty()) {
    verdict.validity = Validity::unknown;
    verdict.reason = join(findings.doubts, "; ");
  } else if (findings.judged == 0) {
    verdict.validity = Validity::unknown;
    verdict.reason = nothing_judged;
  }
  MQCHECK_ASSERT(verdict.validity == Validity::valid || !verdict.reason.empty());
  verdict.anomalies = std::move(findings.anomalies);
  return verdict;
}

std::string time_text(SimTimeUs time) { return format_duration(time - SimTimeUs{0}); }

std::string consumer_name(history::Op const& op) {
  return op.group.empty() ? op.process : op.process + " of group " + op.group;
}

}  // namespace mqcheck::checker::feature
