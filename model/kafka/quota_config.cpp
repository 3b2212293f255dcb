// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/quota_config.cpp (layer: model)
// The scenario's client quotas. Kafka sets them per entity with kafka-configs.sh
// (`--entity-type users --entity-name alice`, `--entity-type clients --entity-name p1`, or
// both), and a connection gets the most specific match: "/config/users/<user>/clients/<client-id>",
// then "/config/users/<user>", then "/config/clients/<client-id>" (KIP-55,
// https://kafka.apache.org/documentation/#design_quotasconfig; the <default> entities are not
// modelled). The rate window is quota.window.size.seconds (default 1) times quota.window.num
// (default 11) (https://kafka.apache.org/documentation/#brokerconfigs_quota.window.num).
#include "model/kafka/quota_config.hpp"

#include <string>
#include <utility>

#include "core/input_error.hpp"

namespace mqcheck::model::kafka {
namespace {

// KIP-55's precedence for one quota type (`rate`): user and client-id, then user, then
// client-id; an entity without that type is skipped. Returns the entity that applies, or null.
QuotaBinding const* quota_entity_for(std::vector<QuotaBinding> const& bindings,
                                     std::string const& user, std::string const& client_id,
                                     std::int64_t QuotaBinding::*rate) {
  auto find = [&](bool by_user, bool by_client) -> QuotaBinding const* {
    for (QuotaBinding const& b : bindings) {
      if (b.user.empty() == by_user || b.client_id.empty() == by_client || b.*rate < 0) continue;
      if ((!by_user || b.user == user) && (!by_client || b.client_id == client_id)) return &b;
    }
    return nullptr;
  };
  std::pair<bool, bool> const order[] = {{true, true}, {true, false}, {false, true}};
  for (auto const& [by_user, by_client] : order) {
    if (QuotaBinding const* found = find(by_user, by_client)) return found;
  }
  return nullptr;
}

std::int64_t quota_rate_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                            std::string const& client_id, std::int64_t QuotaBinding::*rate) {
  QuotaBinding const* b = quota_entity_for(bindings, user, client_id, rate);
  return b == nullptr ? -1 : b->*rate;
}

// The sensor of a quota is named by the matched entity, not by the client: every connection
// whose most specific entity is /users/alice shares "user=User:alice,client-id=", whatever its
// client id (ClientQuotaManager.getOrCreateQuotaSensors with DefaultQuotaCallback.
// quotaMetricTags; https://kafka.apache.org/documentation/#design_quotasgroups: "quota is
// shared across all clients of the group").
std::string quota_entity_name(std::vector<QuotaBinding> const& bindings, std::string const& user,
                              std::string const& client_id, std::int64_t QuotaBinding::*rate) {
  QuotaBinding const* b = quota_entity_for(bindings, user, client_id, rate);
  if (b == nullptr) return {};
  return "user=" + b->user + ",client-id=" + b->client_id;
}

}  // namespace

QuotaBinding parse_quota_binding(ConfigMap const& entry, std::size_t index,
                                 SourceMark const& where) {
  std::string const scope = "quotas[" + std::to_string(index) + "]";
  if (entry.contains("request_percentage")) {
    fail_at(entry, scope, where, "request_percentage",
            "only producer_byte_rate and consumer_byte_rate are modelled (request-time quotas "
            "are not)");
  }
  ConfigReader r(entry, scope, where);
  QuotaBinding b;
  b.user = r.text("user");
  b.client_id = r.text("client-id");
  b.producer_byte_rate = r.integer("producer_byte_rate", -1, 1, INT64_MAX);
  b.consumer_byte_rate = r.integer("consumer_byte_rate", -1, 1, INT64_MAX);
  r.reject_unknown();
  if (b.user.empty() && b.client_id.empty()) {
    throw InputError(where, scope, "a quota names its entity: 'user', 'client-id' or both");
  }
  if (!b.user.empty() && b.user.find(':') == std::string::npos) {
    fail_at(entry, scope, where, "user", "expected a principal such as 'User:alice'");
  }
  if (b.producer_byte_rate < 0 && b.consumer_byte_rate < 0) {
    throw InputError(where, scope, "a quota sets producer_byte_rate, consumer_byte_rate or both");
  }
  return b;
}

void read_quota_window(ConfigReader& r, QuotaConfig& q) {
  q.window_ms = r.integer("quota.window.size.seconds", 1, 1, 3'600) * 1'000;
  q.samples = r.integer("quota.window.num", 11, 1, 1'000);
}

std::int64_t producer_rate_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                               std::string const& client_id) {
  return quota_rate_for(bindings, user, client_id, &QuotaBinding::producer_byte_rate);
}

std::int64_t consumer_rate_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                               std::string const& client_id) {
  return quota_rate_for(bindings, user, client_id, &QuotaBinding::consumer_byte_rate);
}

std::string producer_entity_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                                std::string const& client_id) {
  return quota_entity_name(bindings, user, client_id, &QuotaBinding::producer_byte_rate);
}

std::string consumer_entity_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                                std::string const& client_id) {
  return quota_entity_name(bindings, user, client_id, &QuotaBinding::consumer_byte_rate);
}

}  // namespace mqcheck::model::kafka
