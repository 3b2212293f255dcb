// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/quota_config.hpp (layer: model)
// Client quotas as configured (the scenario's `quotas:`, what `kafka-configs.sh --alter
// --add-config producer_byte_rate=...,consumer_byte_rate=...` sets for a user, a client id, or
// both; KIP-13, KIP-55),
// resolved by the world builder into each client's byte rates. Plain data, so config.hpp can
// hold it; the broker's accounting is quota.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/config_map.hpp"
#include "model/common/config_reader.hpp"

namespace mqcheck::model::kafka {

struct QuotaConfig {
  bool enabled = false;
  // quota.window.size.seconds (default 1) and quota.window.num (default 11): the rate is
  // measured over `samples` windows of `window_ms`.
  std::int64_t window_ms = 1'000;
  std::int64_t samples = 11;
  // Bytes per second, by client NodeId; a client absent here is not limited.
  std::map<std::uint32_t, std::int64_t> producer_byte_rate;
  std::map<std::uint32_t, std::int64_t> consumer_byte_rate;
  // The quota entity whose rate each client's bytes count against, by client NodeId: clients
  // whose most specific matching entity is the same one share one rate (Kafka names the
  // sensor by the entity's metric tags, ClientQuotaManager / DefaultQuotaCallback.
  // quotaMetricTags). A client absent here (with a rate) has an entity of its own.
  std::map<std::uint32_t, std::uint32_t> producer_entity;
  std::map<std::uint32_t, std::uint32_t> consumer_entity;
  // Whether the leader caps a consumer's fetch at what the quota allows in one window
  // (KAFKA-9677, fixed in 2.6.0: quota.cpp fetch_max_records).
  bool cap_fetch = true;
  bool operator==(QuotaConfig const&) const = default;
};

/// One entry of the scenario's `quotas:`: the entity (`user`, `client-id`, or both) and its
/// `producer_byte_rate` and/or `consumer_byte_rate` in bytes per second (-1: not set).
struct QuotaBinding {
  std::string user;       // A principal such as "User:alice"; "" when not part of the entity.
  std::string client_id;  // "" when not part of the entity.
  std::int64_t producer_byte_rate = -1;
  std::int64_t consumer_byte_rate = -1;
};

/// Reads `quotas[index]`; throws InputError naming the key for anything else, and for the
/// quota type the model does not have (request_percentage).
QuotaBinding parse_quota_binding(ConfigMap const& entry, std::size_t index,
                                 SourceMark const& where);
/// Reads quota.window.size.seconds and quota.window.num from broker_config.
void read_quota_window(ConfigReader& r, QuotaConfig& q);
/// The producer_byte_rate that applies to a client (KIP-55's precedence, most specific first:
/// user and client-id, then user, then client-id); -1 when none does.
std::int64_t producer_rate_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                               std::string const& client_id);
/// The consumer_byte_rate that applies to a client, as producer_rate_for. Each quota type is
/// looked up on its own (Kafka keeps one ClientQuotaManager per type, each with its own
/// overrides): an entity that sets only producer_byte_rate does not hide a less specific
/// entity's consumer_byte_rate.
std::int64_t consumer_rate_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                               std::string const& client_id);
/// The entity whose producer_byte_rate (consumer_byte_rate) applies to a client, named as
/// Kafka's metric tags: "user=<user>,client-id=<client-id>", the part the entity does not
/// name left empty (so a user quota's clients all get "user=User:alice,client-id="); "" when
/// no entity applies.
std::string producer_entity_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                                std::string const& client_id);
std::string consumer_entity_for(std::vector<QuotaBinding> const& bindings, std::string const& user,
                                std::string const& client_id);

}  // namespace mqcheck::model::kafka
