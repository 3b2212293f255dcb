// SPDX-License-Identifier: Apache-2.0
// File: checker/transactions.cpp (layer: checker)
// Transactional visibility (DESIGN.md §1). A read is an ok poll, deliver or process; only
// groups whose header isolation is read_committed are held to it (Kafka isolation.level: such a
// consumer returns messages only up to the last stable offset, and drops aborted transactions'
// records, KIP-98). A read of a transaction committed with `info` after its commit request is
// neither proof nor acquittal: it makes the verdict unknown. Findings are keyed by (group,
// message, kind) in std::maps, so the anomalies come out in a fixed order before the sort.
#include "checker/transactions.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "checker/send_outcomes.hpp"
#include "checker/transactions_detail.hpp"
#include "core/assert.hpp"

namespace mqcheck::checker {
namespace txn_detail {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

// What one read of one message shows, least severe first: the order picks the best
// explanation among the copies a read may have returned.
enum class ReadClass : std::uint8_t { fine, maybe, precommitted, aborted };

struct Finding {
  std::uint64_t read = 0;      // The first such read.
  Copy const* copy = nullptr;  // The copy that explains it best.
};

using FindingKey = std::tuple<std::string, MessageId, ReadClass>;  // (group, message, class)

bool is_read(Op const& op) {
  return history::is_client_op(op) && op.type == OpType::ok &&
         (op.f == OpKind::poll || op.f == OpKind::deliver || op.f == OpKind::process);
}

bool is_read_committed(history::Header const& header, std::string const& group) {
  auto const spec = header.groups.find(group);
  return spec != header.groups.end() &&
         spec->second.isolation == history::GroupSpec::Isolation::read_committed;
}

// The copies a read of `record` may have returned: the one acknowledged at the record's
// (topic, partition, offset) when exactly one was, otherwise every copy of the message.
std::vector<Copy const*> candidates(std::vector<Copy> const& copies,
                                    history::Record const& record) {
  std::vector<Copy const*> all, pinned;
  for (Copy const& copy : copies) {
    all.push_back(&copy);
    if (record.offset && copy.ack && copy.offset == record.offset &&
        copy.partition == record.partition && copy.topic == record.topic)
      pinned.push_back(&copy);
  }
  return pinned.size() == 1 ? pinned : all;
}

ReadClass classify(Facts const& facts, Copy const& copy, std::uint64_t read) {
  if (copy.txn.empty()) return ReadClass::fine;  // Not transactional: visible once written.
  TxnFacts const& txn = txn_of(facts, copy);
  switch (txn.status) {
    case TxnStatus::committed:
    case TxnStatus::unknown:
      // Kafka writes the commit markers after the producer's EndTxn request, so a read
      // between the commit invoke and its ok is legal; one before the invoke is not.
      MQCHECK_ASSERT(txn.commit_request.has_value());
      if (read < *txn.commit_request) return ReadClass::precommitted;
      return txn.status == TxnStatus::committed ? ReadClass::fine : ReadClass::maybe;
    case TxnStatus::aborted:
    case TxnStatus::open:
      return ReadClass::aborted;
  }
  MQCHECK_ASSERT_MSG(false, "transaction status out of range");
}

// Returns the least severe explanation of reading `record` at op `read`, and its copy.
std::pair<ReadClass, Copy const*> judge_read(Facts const& facts, std::uint64_t read,
                                             history::Record const& record) {
  auto const found = facts.copies.find(record.id);
  if (found == facts.copies.end()) return {ReadClass::fine, nullptr};  // Never sent.
  std::pair<ReadClass, Copy const*> best{ReadClass::aborted, nullptr};
  for (Copy const* copy : candidates(found->second, record)) {
    ReadClass const what = classify(facts, *copy, read);
    if (best.second == nullptr || what < best.first) best = {what, copy};
  }
  return best;
}

std::string read_text(Facts const& facts, std::string const& group, Finding const& finding) {
  Op const& op = facts.history->ops()[finding.read];
  return "group " + group + " (read_committed) read " + message_name(finding.copy->id) + " in a " +
         std::string(history::to_string(op.f)) + " (op " + std::to_string(finding.read) +
         ") of transaction " + finding.copy->txn;
}

Anomaly aborted_read(Facts const& facts, std::string const& group, Finding const& finding) {
  TxnFacts const& txn = txn_of(facts, *finding.copy);
  std::string const read = read_text(facts, group, finding);
  if (!txn.decided_by) {
    return Anomaly{"aborted-read", finding.copy->id, group,
                   unique_sorted({finding.copy->first_send, finding.read}),
                   read + ", which never committed (no txn-commit or txn-abort in the history)"};
  }
  bool const commit_failed = facts.history->ops()[*txn.decided_by].f == OpKind::txn_commit;
  std::string const end =
      (commit_failed ? ", whose commit failed (op " : ", which was aborted (op ") +
      std::to_string(*txn.decided_by) + ")";
  return Anomaly{"aborted-read", finding.copy->id, group,
                 unique_sorted({finding.read, *txn.decided_by}), read + end};
}

Anomaly precommitted_read(Facts const& facts, std::string const& group, Finding const& finding) {
  TxnFacts const& txn = txn_of(facts, *finding.copy);
  return Anomaly{"precommitted-read", finding.copy->id, group,
                 unique_sorted({finding.read, *txn.commit_request}),
                 read_text(facts, group, finding) + " before its commit was requested (op " +
                     std::to_string(*txn.commit_request) + ")"};
}

// What the walk over the reads found.
struct Reads {
  std::vector<Anomaly> anomalies{};
  std::size_t maybe = 0;                                 // (group, message) unknown commits.
  std::map<std::string, std::set<MessageId>> allowed{};  // read_uncommitted group -> messages.
  bool exercised = false;  // A read_committed group read something or subscribes.
};

std::map<FindingKey, Finding> find_reads(Facts const& facts) {
  std::map<FindingKey, Finding> findings;
  for (Op const& op : facts.history->ops()) {
    if (!is_read(op)) continue;
    for (history::Record const& record : op.value) {
      auto const [what, copy] = judge_read(facts, op.index, record);
      if (what != ReadClass::fine)
        findings.try_emplace({op.group, record.id, what}, op.index, copy);
    }
  }
  return findings;
}

bool read_committed_exercised(Facts const& facts) {
  history::Header const& header = facts.history->header();
  for (auto const& [topic, groups] : header.subscriptions) {
    for (std::string const& group : groups)
      if (is_read_committed(header, group)) return true;
  }
  return std::any_of(facts.history->ops().begin(), facts.history->ops().end(), [&](Op const& op) {
    return is_read(op) && is_read_committed(header, op.group);
  });
}

Reads walk_reads(Facts const& facts) {
  Reads reads{.exercised = read_committed_exercised(facts)};
  for (auto const& [key, finding] : find_reads(facts)) {
    auto const& [group, id, what] = key;
    if (!is_read_committed(facts.history->header(), group)) {
      // read_uncommitted may see aborted and open transactions: Kafka's default, allowed.
      if (what != ReadClass::maybe) reads.allowed[group].insert(id);
      continue;
    }
    if (what == ReadClass::maybe) ++reads.maybe;
    if (what == ReadClass::precommitted)
      reads.anomalies.push_back(precommitted_read(facts, group, finding));
    if (what == ReadClass::aborted) reads.anomalies.push_back(aborted_read(facts, group, finding));
  }
  return reads;
}

// What the walk over committed transactions found.
struct Torn {
  std::vector<Anomaly> anomalies;
  std::size_t pending = 0;    // Missing without a final drain.
  std::size_t uncertain = 0;  // Only maybe processed.
};

// A committed transaction's messages, by transaction: the copies not definitely refused.
std::map<std::string, std::vector<Copy const*>> committed_members(Facts const& facts) {
  std::map<std::string, std::vector<Copy const*>> members;
  for (auto const& [id, copies] : facts.copies) {
    for (Copy const& copy : copies) {
      if (copy.txn.empty() || copy.outcome == SendOutcome::fail) continue;
      if (txn_of(facts, copy).status == TxnStatus::committed) members[copy.txn].push_back(&copy);
    }
  }
  return members;
}

// One committed transaction against one read_committed group that reads `mine` of it.
void judge_whole(Facts const& facts, std::string const& group, std::vector<Copy const*> const& mine,
                 Torn& torn) {
  std::optional<std::pair<std::uint64_t, Copy const*>> seen;  // The first processed member.
  std::vector<std::pair<Copy const*, Processing>> each;
  for (Copy const* copy : mine) {
    Processing processing = processing_of(facts, copy->id, group);
    if (!processing.yes.empty() && (!seen || processing.yes.front() < seen->first))
      seen = {processing.yes.front(), copy};
    each.emplace_back(copy, std::move(processing));
  }
  if (!seen) return;  // None of it processed: all-or-nothing holds.
  for (auto const& [copy, processing] : each) {
    if (!processing.yes.empty()) continue;
    if (!processing.maybe.empty()) {
      ++torn.uncertain;
    } else if (!facts.drained) {
      ++torn.pending;
    } else {
      std::string explanation = "group " + group + " processed " + message_name(seen->second->id) +
                                " (op " + std::to_string(seen->first) +
                                ") of committed transaction " + copy->txn + " but never " +
                                message_name(copy->id) + " of the same transaction (sent at op " +
                                std::to_string(copy->first_send) + ")";
      torn.anomalies.push_back(Anomaly{"torn-transaction", copy->id, group,
                                       unique_sorted({seen->first, copy->first_send}),
                                       std::move(explanation)});
    }
  }
}

Torn walk_committed(Facts const& facts) {
  Torn torn;
  history::Header const& header = facts.history->header();
  auto const readers = expected_groups(header, facts.table);
  for (auto const& [txn, members] : committed_members(facts)) {
    for (auto const& [group, spec] : header.groups) {
      if (!is_read_committed(header, group)) continue;
      std::vector<Copy const*> mine;
      for (Copy const* copy : members) {
        auto const topic = readers.find(copy->topic);
        if (topic != readers.end() && topic->second.contains(group)) mine.push_back(copy);
      }
      judge_whole(facts, group, mine, torn);
    }
  }
  return torn;
}

std::vector<std::string> unknown_reasons(Reads const& reads, Torn const& torn) {
  std::vector<std::string> reasons;
  if (!reads.exercised)
    reasons.push_back("no read_committed group read anything: visibility was not exercised");
  if (reads.maybe > 0) {
    reasons.push_back(
        "commit outcome unknown (txn-commit info): " + plural(reads.maybe, "message") +
        " read by a read_committed group after the commit request");
  }
  if (torn.pending > 0) {
    reasons.push_back("history not drained: " + plural(torn.pending, "message") +
                      " of partly processed committed transactions not yet processed");
  }
  if (torn.uncertain > 0) {
    reasons.push_back("uncertain: " + plural(torn.uncertain, "message") +
                      " of partly processed committed transactions only maybe processed");
  }
  return reasons;
}

}  // namespace

Verdict judge_visibility(Facts const& facts) {
  Reads reads = walk_reads(facts);
  Torn torn = walk_committed(facts);
  Verdict verdict{.guarantee = "transactional-visibility"};
  std::map<std::string, std::size_t> kinds;
  for (auto* found : {&reads.anomalies, &torn.anomalies}) {
    for (Anomaly& anomaly : *found) {
      ++kinds[anomaly.kind];
      verdict.anomalies.push_back(std::move(anomaly));
    }
  }
  sort_anomalies(verdict.anomalies);
  std::vector<std::string> reasons;
  for (auto const& [kind, n] : kinds) reasons.push_back(plural(n, kind));
  std::vector<std::string> unknown = unknown_reasons(reads, torn);
  verdict.validity = !kinds.empty()    ? Validity::invalid
                     : unknown.empty() ? Validity::valid
                                       : Validity::unknown;
  reasons.insert(reasons.end(), unknown.begin(), unknown.end());
  for (auto const& [group, ids] : reads.allowed) {
    reasons.push_back("read_uncommitted group " + group + " read " +
                      plural(ids.size(), "aborted or uncommitted message") + " (allowed)");
  }
  verdict.reason = join(reasons);
  return verdict;
}

}  // namespace txn_detail

std::vector<std::string_view> transaction_guarantee_names() {
  return {"transactional-visibility", "exactly-once-pipeline"};
}

std::vector<Verdict> check_transactions(history::History const& history) {
  auto const& ops = history.ops();
  bool const transactional = std::any_of(ops.begin(), ops.end(), [](history::Op const& op) {
    return history::is_client_op(op) &&
           (!op.txn.empty() || op.f == history::OpKind::txn_begin ||
            op.f == history::OpKind::txn_commit || op.f == history::OpKind::txn_abort);
  });
  txn_detail::Facts const facts = txn_detail::gather(history);
  bool const pipeline =
      std::any_of(facts.copies.begin(), facts.copies.end(), [](auto const& entry) {
        return std::any_of(entry.second.begin(), entry.second.end(),
                           [](txn_detail::Copy const& copy) { return copy.source.has_value(); });
      });
  std::vector<Verdict> verdicts;
  if (transactional) verdicts.push_back(txn_detail::judge_visibility(facts));
  if (pipeline) verdicts.push_back(txn_detail::judge_pipeline(facts));
  return verdicts;
}

}  // namespace mqcheck::checker
