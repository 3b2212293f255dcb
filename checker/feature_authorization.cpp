// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_authorization.cpp (layer: checker)
// Authorization: a principal neither publishes to a topic outside its ACL's `produce` list nor
// receives (deliver, poll, process) from one outside its `consume` list
// (`unauthorized-access`); a principal with no ACL entry may do nothing, and "*" allows every
// topic. Ops without a principal are not judged. A `fail` is the broker refusing: correct. An
// info op only maybe took effect: unknown, not invalid. Sources: Kafka ACLs (Write and Read on
// a topic resource, KIP-11), RabbitMQ per-vhost write/read permissions.
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

namespace mqcheck::checker {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

// One access: an op's use of one topic, judged once per (op, topic).
struct Access {
  std::uint64_t op = 0;
  std::string topic;
  MessageId message;  // The first message of that topic in the op.
  bool certain = true;
  bool operator<(Access const& o) const { return std::tie(op, topic) < std::tie(o.op, o.topic); }
};

// Sends complete as ok or info; consumer ops come from the consumptions (with open invokes).
std::set<Access> accesses(history::History const& history, feature::SentTable const& sent) {
  std::set<Access> out;
  for (Op const& op : history.ops()) {
    if (op.f != OpKind::send || op.principal.empty()) continue;
    if (op.type != OpType::ok && op.type != OpType::info) continue;
    for (history::Record const& record : op.value)
      out.insert(Access{op.index, record.topic, record.id, op.type == OpType::ok});
  }
  for (feature::Consumption const& c : feature::consumptions(history)) {
    Op const& op = history.ops()[c.op];
    if (op.principal.empty()) continue;
    std::string topic = op.value[c.record].topic;
    if (auto const found = sent.find(c.message); topic.empty() && found != sent.end())
      topic = found->second.record.topic;
    out.insert(Access{op.index, topic, c.message, c.certain});
  }
  return out;
}

bool allows(std::vector<std::string> const& topics, std::string const& topic) {
  return std::any_of(topics.begin(), topics.end(),
                     [&](std::string const& t) { return t == "*" || t == topic; });
}

Anomaly denied_anomaly(Op const& op, Access const& access,
                       std::map<std::string, history::Acl> const& acls) {
  bool const sending = op.f == OpKind::send;
  std::string const& who = op.principal;
  std::string const actor = sending ? op.process : feature::consumer_name(op);
  std::string text = "principal " + who + " (" + actor + ") " + (sending ? "sent " : "received ") +
                     feature::message_name(access.message) +
                     (sending ? " to topic " : " of topic ") + access.topic + " (op " +
                     std::to_string(op.index) + "), but ";
  auto const acl = acls.find(who);
  if (acl == acls.end()) {
    text += who + " has no ACL entry, so it may do nothing";
  } else {
    std::vector<std::string> const& topics = sending ? acl->second.produce : acl->second.consume;
    text += who + "'s ACL lets it " + (sending ? "produce to " : "consume from ") +
            (topics.empty() ? "nothing" : "only " + feature::join(topics, ", "));
  }
  return Anomaly{"unauthorized-access", access.message, op.group, {op.index}, std::move(text)};
}

}  // namespace

std::optional<Verdict> check_authorization(history::History const& history) {
  auto const& acls = history.header().acls;
  if (acls.empty()) return std::nullopt;

  feature::Findings findings;
  std::size_t maybe = 0;
  static history::Acl const no_rights;
  for (Access const& access : accesses(history, feature::build_sent_table(history))) {
    Op const& op = history.ops()[access.op];
    auto const acl = acls.find(op.principal);
    history::Acl const& rights = acl == acls.end() ? no_rights : acl->second;
    bool const allowed =
        allows(op.f == OpKind::send ? rights.produce : rights.consume, access.topic);
    if (access.certain) ++findings.judged;
    if (allowed) continue;
    if (access.certain)
      findings.anomalies.push_back(denied_anomaly(op, access, acls));
    else
      ++maybe;
  }
  if (maybe > 0) {
    findings.doubts.push_back("maybe unauthorized: " + feature::plural(maybe, "op") +
                              " of unknown outcome (info) used a topic its principal may not");
  }
  std::size_t const denied = findings.anomalies.size();
  return feature::conclude(
      "authorization", std::move(findings),
      feature::plural(denied, "op") + " by a principal on a topic its ACL does not allow",
      "no completed send or consumer op names a principal");
}

}  // namespace mqcheck::checker
