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
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/feature_judge.hpp"
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
};

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

// Judges each access once per (op, topic), at the first record of that topic in the op.
class AuthorizationJudge final : public feature::Judge {
 public:
  explicit AuthorizationJudge(history::Header const& header) : acls_(header.acls) {}

  // Sends complete as ok or info; consumer ops come as consumptions (with open invokes).
  void on_op(Op const& op) override {
    if (op.f != OpKind::send || op.principal.empty()) return;
    if (op.type != OpType::ok && op.type != OpType::info) return;
    for (history::Record const& record : op.value)
      judge(op, Access{op.index, record.topic, record.id, op.type == OpType::ok});
  }

  void on_consumption(Op const& op, std::size_t record, bool certain,
                      feature::SentMessage const* sent) override {
    if (op.principal.empty()) return;
    std::string topic = op.value[record].topic;
    if (topic.empty() && sent != nullptr) topic = sent->record.topic;
    judge(op, Access{op.index, std::move(topic), op.value[record].id, certain});
  }

  std::optional<Verdict> finish() override {
    if (acls_.empty()) return std::nullopt;
    if (maybe_ > 0) {
      findings_.doubts.push_back("maybe unauthorized: " + feature::plural(maybe_, "op") +
                                 " of unknown outcome (info) used a topic its principal may not");
    }
    std::size_t const denied = findings_.anomalies.size();
    return feature::conclude(
        "authorization", std::move(findings_),
        feature::plural(denied, "op") + " by a principal on a topic its ACL does not allow",
        "no completed send or consumer op names a principal");
  }

 private:
  void judge(Op const& op, Access const& access) {
    if (access.op != last_op_) {  // An op's records come together: a new op, new topics.
      last_op_ = access.op;
      topics_.clear();
    }
    if (!topics_.insert(access.topic).second) return;
    static history::Acl const no_rights;
    auto const acl = acls_.find(op.principal);
    history::Acl const& rights = acl == acls_.end() ? no_rights : acl->second;
    bool const allowed =
        allows(op.f == OpKind::send ? rights.produce : rights.consume, access.topic);
    if (access.certain) ++findings_.judged;
    if (allowed) return;
    if (access.certain)
      findings_.anomalies.push_back(denied_anomaly(op, access, acls_));
    else
      ++maybe_;
  }

  std::map<std::string, history::Acl> const& acls_;
  feature::Findings findings_;
  std::size_t maybe_ = 0;
  std::uint64_t last_op_ = ~std::uint64_t{0};
  std::set<std::string> topics_;  // Of op last_op_, judged already.
};

}  // namespace

namespace feature {
std::unique_ptr<Judge> authorization_judge(history::Header const& header) {
  return std::make_unique<AuthorizationJudge>(header);
}
}  // namespace feature

std::optional<Verdict> check_authorization(history::History const& history) {
  AuthorizationJudge judge(history.header());
  return feature::judge_whole(history, judge);
}

}  // namespace mqcheck::checker
