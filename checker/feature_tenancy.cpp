// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_tenancy.cpp (layer: checker)
// Tenancy: a consumer in tenant A never receives a message its producer sent in tenant B != A
// (`tenant-leak`). A consumer op's tenant is its own `tenant`, else its group's header tenant;
// a message's is that of its send ops. Ops where either is unstated are not judged. An info
// op (or a process invoke never completed) across tenants is only a maybe: unknown. Source:
// RabbitMQ virtual hosts ("vhosts are completely isolated"), RocketMQ namespaces.
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

Anomaly leak_anomaly(history::Op const& op, std::string const& tenant, MessageId id,
                     feature::SentMessage const& sent) {
  std::string text = feature::message_name(id) + " was sent in tenant " + sent.tenant + " (op " +
                     std::to_string(sent.tenant_op) + ") but " + feature::consumer_name(op) +
                     ", in tenant " + tenant + ", received it (op " + std::to_string(op.index) +
                     ")";
  return Anomaly{"tenant-leak", id, op.group, feature::unique_sorted({sent.tenant_op, op.index}),
                 std::move(text)};
}

class TenancyJudge final : public feature::Judge {
 public:
  explicit TenancyJudge(history::Header const& header) : header_(header) {
    for (auto const& [group, spec] : header.groups) exercised_ = exercised_ || !spec.tenant.empty();
  }

  // Exercised when an op or a header group names a tenant.
  void on_op(history::Op const& op) override { exercised_ = exercised_ || !op.tenant.empty(); }

  void on_consumption(history::Op const& op, std::size_t record, bool certain,
                      feature::SentMessage const* sent) override {
    std::string const& tenant = consumer_tenant(op);
    if (tenant.empty() || sent == nullptr || sent->tenant.empty()) return;
    MessageId const id = op.value[record].id;
    if (certain) ++findings_.judged;
    if (sent->tenant == tenant) return;
    if (!certain) {
      maybe_leaked_.insert(id);
    } else if (reported_.emplace(id, op.group).second) {
      findings_.anomalies.push_back(leak_anomaly(op, tenant, id, *sent));
    }
  }

  std::optional<Verdict> finish() override {
    if (!exercised_) return std::nullopt;
    if (!maybe_leaked_.empty()) {
      findings_.doubts.push_back("maybe leaked: " +
                                 feature::plural(maybe_leaked_.size(), "message") +
                                 " of another tenant named by an op of unknown outcome (info)");
    }
    std::size_t const leaks = findings_.anomalies.size();
    return feature::conclude(
        "tenancy", std::move(findings_),
        feature::plural(leaks, "message") + " received by a consumer of another tenant",
        "no consumer op of a message whose send names a tenant also has a tenant");
  }

 private:
  // A consumer op's tenant: its own, else its group's in the header ("" = not stated).
  std::string const& consumer_tenant(history::Op const& op) const {
    if (!op.tenant.empty()) return op.tenant;
    static std::string const unstated;
    auto const spec = header_.groups.find(op.group);
    return spec == header_.groups.end() ? unstated : spec->second.tenant;
  }

  history::Header const& header_;
  bool exercised_ = false;
  feature::Findings findings_;
  std::set<std::pair<MessageId, std::string>> reported_;  // (message, group): first op only.
  std::set<MessageId> maybe_leaked_;
};

}  // namespace

namespace feature {
std::unique_ptr<Judge> tenancy_judge(history::Header const& header) {
  return std::make_unique<TenancyJudge>(header);
}
}  // namespace feature

std::optional<Verdict> check_tenancy(history::History const& history) {
  TenancyJudge judge(history.header());
  return feature::judge_whole(history, judge);
}

}  // namespace mqcheck::checker
