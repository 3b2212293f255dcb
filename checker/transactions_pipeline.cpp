// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions_pipeline.cpp (layer: checker)
// End-to-end exactly-once of consume-transform-produce pipelines (DESIGN.md §1, exactly-once
// "including consume-transform-produce pipelines"). An output is a send record with a `source`;
// it counts when it is effective (acknowledged, and committed when transactional); its
// transformer group is the consumer group of the process that sent it. Each (group, input) is
// judged once, from std::maps, so the anomalies come out in a fixed order.
#include <set>
#include <utility>

#include "checker/send_outcomes.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_detail.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker::txn_detail {
namespace {

using history::Op;

// One input of one transformer group: its effective outputs and how many maybe are.
struct Input {
  std::vector<Copy const*> effective;
  std::size_t maybe = 0;
};

using PipelineInputs = std::map<std::pair<std::string, MessageId>, Input>;  // By (group, input).

// Each consumer process belongs to one group: the group of its first process op.
std::map<std::string, std::string> process_groups(history::History const& history) {
  std::map<std::string, std::string> groups;
  for (Op const& op : history.ops()) {
    if (history::is_client_op(op) && op.f == history::OpKind::process && !op.group.empty())
      groups.try_emplace(op.process, op.group);
  }
  return groups;
}

// Whether an output copy is in the output topic for good. A transactional send that failed
// would have failed the commit (KafkaProducer#commitTransaction javadoc: "if any of the send
// calls which were part of the transaction hit irrecoverable errors ... the transaction will
// not be committed"), so a committed copy counts unless every attempt of it failed.
Counted output_counted(Facts const& facts, Copy const& copy) {
  if (copy.outcome == SendOutcome::fail || copy.outcome == SendOutcome::none) return Counted::no;
  if (copy.txn.empty()) return copy.outcome == SendOutcome::ok ? Counted::yes : Counted::maybe;
  switch (txn_of(facts, copy).status) {
    case TxnStatus::committed:
      return Counted::yes;
    case TxnStatus::unknown:
      return Counted::maybe;
    case TxnStatus::aborted:
      return Counted::no;
    case TxnStatus::open:
      return facts.drained ? Counted::no : Counted::maybe;
  }
  MQCHECK_ASSERT_MSG(false, "transaction status out of range");
}

PipelineInputs collect_inputs(Facts const& facts) {
  std::map<std::string, std::string> const groups = process_groups(*facts.history);
  PipelineInputs inputs;
  std::set<std::string> transformers;
  for (auto const& [id, copies] : facts.copies) {
    for (Copy const& copy : copies) {
      if (!copy.source) continue;
      auto const group = groups.find(copy.process);
      std::string const name = group == groups.end() ? "" : group->second;
      transformers.insert(name);
      Input& input = inputs[{name, *copy.source}];
      Counted const counted = output_counted(facts, copy);
      if (counted == Counted::yes) input.effective.push_back(&copy);
      if (counted == Counted::maybe) ++input.maybe;
    }
  }
  // PipelineInputs a transformer group processed without any output yet are judged too.
  for (auto const& [id, message] : facts.table) {
    for (auto const& [group, processing] : message.groups)
      if (transformers.contains(group)) inputs.try_emplace({group, id});
  }
  return inputs;
}

// Returns "message 101 of transaction p1/2 (committed at op 9)" or "message 101 (op 7)".
std::string describe_output(Facts const& facts, Copy const& copy) {
  std::uint64_t const sent = copy.ack ? *copy.ack : copy.first_send;
  if (copy.txn.empty())
    return message_name(copy.id) + " (acknowledged at op " + std::to_string(sent) + ")";
  return message_name(copy.id) + " of transaction " + copy.txn + " (committed at op " +
         std::to_string(*txn_of(facts, copy).decided_by) + ")";
}

Anomaly duplicated(Facts const& facts, std::string const& group, MessageId input,
                   std::vector<Copy const*> const& outputs) {
  std::vector<std::uint64_t> witnesses;
  std::string list;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Copy const& copy = *outputs[i];
    witnesses.push_back(copy.ack ? *copy.ack : copy.first_send);
    if (!copy.txn.empty()) witnesses.push_back(*txn_of(facts, copy).decided_by);
    list += (i == 0 ? "" : i + 1 == outputs.size() ? " and " : ", ") + describe_output(facts, copy);
  }
  return Anomaly{"duplicated", input, group, unique_sorted(std::move(witnesses)),
                 "input " + message_name(input) + " of group " + group + " produced " +
                     std::to_string(outputs.size()) + " committed outputs: " + list};
}

Anomaly lost(std::string const& group, MessageId input, std::uint64_t processed) {
  return Anomaly{"lost",
                 input,
                 group,
                 {processed},
                 "group " + group + " processed input " + message_name(input) + " (op " +
                     std::to_string(processed) + ") but it produced no committed output"};
}

// What the walk over the inputs found.
struct Outputs {
  std::vector<Anomaly> anomalies;
  std::size_t lost = 0, duplicated = 0;
  std::size_t pending = 0;    // Processed, no output yet, no final drain.
  std::size_t uncertain = 0;  // An output of unknown outcome decides it.
};

void judge_input(Facts const& facts, std::string const& group, MessageId id, Input const& input,
                 Outputs& out) {
  if (input.effective.size() >= 2) {
    ++out.duplicated;
    out.anomalies.push_back(duplicated(facts, group, id, input.effective));
    return;
  }
  if (input.effective.size() == 1) {
    if (input.maybe > 0) ++out.uncertain;  // Maybe a second one.
    return;
  }
  if (input.maybe > 0) {  // Maybe it has one.
    ++out.uncertain;
    return;
  }
  // No output at all: only an input processed for sure (outside aborted transactions) owes
  // one. One processed only maybe is the delivery checker's business (at-least-once).
  Processing const processing = processing_of(facts, id, group);
  if (processing.yes.empty()) return;
  if (!facts.drained) {
    ++out.pending;
  } else {
    ++out.lost;
    out.anomalies.push_back(lost(group, id, processing.yes.front()));
  }
}

}  // namespace

Verdict judge_pipeline(Facts const& facts) {
  Outputs out;
  for (auto const& [key, input] : collect_inputs(facts))
    judge_input(facts, key.first, key.second, input, out);
  Verdict verdict{.guarantee = "exactly-once-pipeline", .anomalies = std::move(out.anomalies)};
  sort_anomalies(verdict.anomalies);
  std::vector<std::string> reasons;
  if (out.lost > 0) reasons.push_back(plural(out.lost, "input") + " produced no committed output");
  if (out.duplicated > 0) {
    reasons.push_back(plural(out.duplicated, "input") + " produced more than one committed output");
  }
  if (out.pending > 0) {
    reasons.push_back("history not drained: " + plural(out.pending, "processed input") +
                      " without a committed output yet");
  }
  if (out.uncertain > 0) {
    reasons.push_back("uncertain: " + plural(out.uncertain, "input") +
                      " with an output whose send or transaction outcome is unknown");
  }
  verdict.validity = !verdict.anomalies.empty() ? Validity::invalid
                     : reasons.empty()          ? Validity::valid
                                                : Validity::unknown;
  verdict.reason = join(reasons);
  return verdict;
}

}  // namespace mqcheck::checker::txn_detail
