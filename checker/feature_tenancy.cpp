// SPDX-License-Identifier: Apache-2.0
// File: checker/feature_tenancy.cpp (layer: checker)
// Tenancy: a consumer in tenant A never receives a message its producer sent in tenant B != A
// (`tenant-leak`). A consumer op's tenant is its own `tenant`, else its group's header tenant;
// a message's is that of its send ops. Ops where either is unstated are not judged. An info
// op (or a process invoke never completed) across tenants is only a maybe: unknown. Source:
// RabbitMQ virtual hosts ("vhosts are completely isolated"), RocketMQ namespaces.
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/feature_common.hpp"
#include "checker/features.hpp"

namespace mqcheck::checker {
namespace {

bool names_a_tenant(history::History const& history) {
  for (auto const& [group, spec] : history.header().groups)
    if (!spec.tenant.empty()) return true;
  for (history::Op const& op : history.ops())
    if (!op.tenant.empty()) return true;
  return false;
}

std::string const& consumer_tenant(history::History const& history, history::Op const& op) {
  if (!op.tenant.empty()) return op.tenant;
  static std::string const unstated;
  auto const spec = history.header().groups.find(op.group);
  return spec == history.header().groups.end() ? unstated : spec->second.tenant;
}

Anomaly leak_anomaly(history::Op const& op, std::string const& tenant, MessageId id,
                     feature::SentMessage const& sent) {
  std::string text = feature::message_name(id) + " was sent in tenant " + sent.tenant + " (op " +
                     std::to_string(sent.tenant_op) + ") but " + feature::consumer_name(op) +
                     ", in tenant " + tenant + ", received it (op " + std::to_string(op.index) +
                     ")";
  return Anomaly{"tenant-leak", id, op.group, feature::unique_sorted({sent.tenant_op, op.index}),
                 std::move(text)};
}

}  // namespace

std::optional<Verdict> check_tenancy(history::History const& history) {
  if (!names_a_tenant(history)) return std::nullopt;

  feature::SentTable const sent = feature::build_sent_table(history);
  feature::Findings findings;
  std::set<std::pair<MessageId, std::string>> reported;  // (message, group): first op only.
  std::set<MessageId> maybe_leaked;
  for (feature::Consumption const& c : feature::consumptions(history)) {
    history::Op const& op = history.ops()[c.op];
    std::string const& tenant = consumer_tenant(history, op);
    auto const found = sent.find(c.message);
    if (tenant.empty() || found == sent.end() || found->second.tenant.empty()) continue;
    if (c.certain) ++findings.judged;
    if (found->second.tenant == tenant) continue;
    if (!c.certain) {
      maybe_leaked.insert(c.message);
    } else if (reported.emplace(c.message, op.group).second) {
      findings.anomalies.push_back(leak_anomaly(op, tenant, c.message, found->second));
    }
  }
  if (!maybe_leaked.empty()) {
    findings.doubts.push_back("maybe leaked: " + feature::plural(maybe_leaked.size(), "message") +
                              " of another tenant named by an op of unknown outcome (info)");
  }
  std::size_t const leaks = findings.anomalies.size();
  return feature::conclude(
      "tenancy", std::move(findings),
      feature::plural(leaks, "message") + " received by a consumer of another tenant",
      "no consumer op of a message whose send names a tenant also has a tenant");
}

}  // namespace mqcheck::checker
