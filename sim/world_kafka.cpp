// SPDX-License-Identifier: Apache-2.0
// File: sim/world_kafka.cpp (layer: sim)
// Builds the Kafka model's world from a scenario: brokers holding replicas of every
// topic-partition, one controller (also the group coordinator), producers and consumer-group
// members, with every configuration parsed and checked against the scenario's `version`.
// Node order: producers, broker-0 .. broker-N-1, controller, consumers. Replicas are assigned
// round-robin (partition p of topic t on brokers (t + p + k) mod N, k < replication.factor).
// Consumers subscribe (their group's coordinator assigns the partitions), except transforms,
// which are given their partitions round-robin over the instances (static assignment, `assign`).
// Transactional ids are numbered in order of appearance; a transform's instance k uses
// "<id>-<k>".
#include <algorithm>
#include <memory>

#include "model/kafka/model.hpp"
#include "sim/build_plan.hpp"
#include "sim/kernel.hpp"
#include "sim/rng.hpp"
#include "sim/run.hpp"
#include "sim/world_kafka_detail.hpp"

namespace mqcheck::sim {

using kafka_world::client_filter;
using kafka_world::dead_letter_pattern;
using kafka_world::delay_pattern;
using kafka_world::KafkaConfigs;
using kafka_world::partitions_of;
using kafka_world::retry_topics_pattern;

namespace {

namespace kf = model::kafka;

void build_cluster(Scenario const& s, kf::ClusterConfig& c) {
  kf::Version const version = kf::parse_version(s.version, {s.file, 0, 0});
  c = kf::parse_cluster_config(s.broker_config, version, {s.file, 0, 0});
  if (s.brokers > kf::brokers_max) {
    throw InputError(
        {s.file, 0, 0}, "cluster.brokers",
        "the Kafka model holds at most " + std::to_string(kf::brokers_max) + " brokers");
  }
  c.brokers = s.brokers;
  if (std::any_of(s.topics.begin(), s.topics.end(),
                  [](TopicSpec const& t) { return t.is_queue; })) {
    throw InputError({s.file, 0, 0}, "queues",
                     "Kafka has topics, not queues; declare them under topics:");
  }
  for (std::size_t t = 0; t < s.topics.size(); ++t) {
    TopicSpec const& spec = s.topics[t];
    kf::PartitionInfo info;
    info.topic = spec.name;
    std::int32_t const rf = kf::parse_topic_config(
        spec.config, "topics[" + std::to_string(t) + "].config", spec.mark, c, info);
    for (std::int32_t p = 0; p < spec.partitions; ++p) {
      kf::PartitionInfo part = info;
      part.number = p;
      for (std::int32_t k = 0; k < rf; ++k) {
        part.replicas.push_back((static_cast<std::int32_t>(t) + p + k) % c.brokers);
      }
      c.partitions.push_back(std::move(part));
    }
  }
}

// Returns the index of transactional id `name`, adding it if new: producers configured with the
// same transactional.id share it, which is how a scenario stages zombie fencing.
std::uint32_t txn_index(kf::ClusterConfig& c, std::string const& name) {
  auto const it = std::find(c.transactional_ids.begin(), c.transactional_ids.end(), name);
  if (it != c.transactional_ids.end()) {
    return static_cast<std::uint32_t>(it - c.transactional_ids.begin());
  }
  c.transactional_ids.push_back(name);
  return static_cast<std::uint32_t>(c.transactional_ids.size() - 1);
}

void transactional_producer(ProducerSpec const& spec, std::size_t i, kf::ClusterConfig& cluster,
                            kf::ProducerConfig& c) {
  if (c.transactional_id.empty()) {
    if (spec.txn_messages > 0) {
      throw InputError(spec.txn_mark, "producers[" + std::to_string(i) + "].transaction",
                       "transactions need a transactional.id in the producer's config");
    }
    return;
  }
  c.txn_messages = spec.txn_messages > 0 ? spec.txn_messages : 1;
  c.abort_every = spec.abort_every;
  c.txn = kf::TxnClientConfig{txn_index(cluster, c.transactional_id),
                              c.transactional_id,
                              c.transaction_timeout_ms,
                              c.request_timeout,
                              c.retry_backoff,
                              c.delivery_timeout,
                              &cluster};
}

// The scenario's `acls:` need an authorizer, as Kafka's CreateAcls does (SECURITY_DISABLED
// without one: https://kafka.apache.org/documentation/#security_authz).
void read_acls(Scenario const& s, kf::ClusterConfig& c) {
  for (std::size_t i = 0; i < s.acls.size(); ++i) {
    c.authorizer.bindings.push_back(kf::parse_acl_binding(s.acls[i].entry, i, s.acls[i].mark));
  }
  if (!s.acls.empty() && !c.authorizer.enabled) {
    throw InputError(s.acls.front().mark, "acls",
                     "ACLs need an authorizer: set broker_config authorizer.class.name (e.g. "
                     "org.apache.kafka.metadata.authorizer.StandardAuthorizer)");
  }
}

// A client's principal: the scenario's, or with an authorizer and none given, User:ANONYMOUS
// (a PLAINTEXT listener's DefaultKafkaPrincipalBuilder). The brokers learn it per connection.
void identify(std::string const& given, SourceMark const& mark, std::string const& scope,
              std::string const& group, std::size_t node, kf::ClusterConfig& c,
              std::string& principal) {
  auto const colon = given.find(':');
  if (!given.empty() && (colon == std::string::npos || colon == 0 || colon + 1 == given.size())) {
    throw InputError(mark, scope + ".principal",
                     "expected a principal such as 'User:alice', got '" + given + "'");
  }
  principal = given;
  if (principal.empty() && c.authorizer.enabled) principal = kf::anonymous_principal;
  if (!c.authorizer.enabled) return;
  c.identities[static_cast<std::uint32_t>(node)] = kf::ClientIdentity{principal, group};
}

// What the model cannot judge faithfully under an authorizer is refused, not approximated.
void check_authorized_producer(kf::ClusterConfig const& c, kf::ProducerConfig const& p,
                               SourceMark const& mark, std::size_t i) {
  if (!c.authorizer.enabled) return;
  std::string const scope = "producers[" + std::to_string(i) + "]";
  if (!p.transactional_id.empty()) {
    throw InputError(mark, scope + ".config.transactional.id",
                     "ACLs for transactions (TransactionalId resources) are not modelled yet");
  }
  if (p.acks == kf::Acks::none) {
    throw InputError(mark, scope + ".config.acks",
                     "acks=0 under an authorizer is not modelled: Kafka refuses the topic at "
                     "metadata time (TopicAuthorizationException from send), before any produce");
  }
}

// The header's `acls`: each client principal's effective produce and consume lists (DENY
// already applied), so the checker's authorization check judges what the authorizer decided.
std::map<std::string, history::Acl> effective_acls(Scenario const& s, KafkaConfigs const& configs) {
  std::vector<std::string> topics;
  for (TopicSpec const& t : s.topics) topics.push_back(t.name);
  std::map<std::string, std::map<std::string, std::vector<std::string>>> groups;
  for (kf::ProducerConfig const& p : configs.producers) groups[p.principal];
  for (kf::ConsumerConfig const& c : configs.consumers) {
    std::vector<std::string>& g = groups[c.principal][c.topic];
    if (std::find(g.begin(), g.end(), c.group) == g.end()) g.push_back(c.group);
  }
  std::map<std::string, history::Acl> out;
  for (auto const& [principal, by_topic] : groups) {
    out[principal] = kf::effective_acl(configs.cluster.authorizer, principal, topics, by_topic);
  }
  return out;
}

// The scenario's `quotas:` (client quotas, KIP-13 / KIP-55), parsed; empty when none.
std::vector<kf::QuotaBinding> read_quotas(Scenario const& s, kf::ClusterConfig& cluster) {
  std::vector<kf::QuotaBinding> bindings;
  if (s.quotas.empty()) return bindings;
  if (!cluster.version.at_least(2, 0)) {
    throw InputError(s.quotas.front().mark, "quotas",
                     "quotas before KIP-219 (2.0: delayed responses instead of muted channels) "
                     "are not modelled");
  }
  for (std::size_t i = 0; i < s.quotas.size(); ++i) {
    bindings.push_back(kf::parse_quota_binding(s.quotas[i].entry, i, s.quotas[i].mark));
  }
  cluster.quotas.enabled = true;
  cluster.quotas.cap_fetch = cluster.version.at_least(2, 6);  // KAFKA-9677 (2.6.0 changelog).
  return bindings;
}

std::string quota_user(std::string const& principal) {
  return principal.empty() ? std::string(kf::anonymous_principal) : principal;
}

// The index of quota entity `name` (quota_config.hpp: clients whose entity is the same one
// share its rate), numbered in order of first use.
std::uint32_t quota_entity(std::map<std::string, std::uint32_t>& entities,
                           std::string const& name) {
  return entities.emplace(name, static_cast<std::uint32_t>(entities.size())).first->second;
}

// A producer's client.id is its config's, else its scenario id; its user its principal
// (User:ANONYMOUS when none). Producers are nodes 0..n-1.
void producer_quotas(Scenario const& s, std::vector<kf::QuotaBinding> const& bindings,
                     std::map<std::string, std::uint32_t>& entities, KafkaConfigs& configs) {
  for (std::size_t i = 0; i < configs.producers.size(); ++i) {
    kf::ProducerConfig const& p = configs.producers[i];
    std::string const client = p.client_id.empty() ? s.producers[i].id : p.client_id;
    std::string const user = quota_user(p.principal);
    std::int64_t const rate = kf::producer_rate_for(bindings, user, client);
    if (rate <= 0) continue;
    auto const node = static_cast<std::uint32_t>(i);
    configs.cluster.quotas.producer_byte_rate[node] = rate;
    configs.cluster.quotas.producer_entity[node] =
        quota_entity(entities, kf::producer_entity_for(bindings, user, client));
  }
}

// A consumer instance's client.id is its config's (shared by the entry's instances), else its
// process name, "<group>-<k>" (each instance its own; Kafka's default client.id is
// "consumer-<group>-<n>"); its user its principal. The consumers are the nodes after the
// controller, in order.
void consumer_quotas(std::vector<kf::QuotaBinding> const& bindings,
                     std::map<std::string, std::uint32_t>& entities, KafkaConfigs& configs,
                     std::vector<NodeInfo> const& nodes) {
  std::uint32_t node = configs.cluster.controller.value + 1;
  for (kf::ConsumerConfig const& c : configs.consumers) {
    std::string const client = c.client_id.empty() ? nodes[node].name : c.client_id;
    std::string const user = quota_user(c.principal);
    std::int64_t const rate = kf::consumer_rate_for(bindings, user, client);
    if (rate > 0) {
      configs.cluster.quotas.consumer_byte_rate[node] = rate;
      configs.cluster.quotas.consumer_entity[node] =
          quota_entity(entities, kf::consumer_entity_for(bindings, user, client));
    }
    ++node;
  }
}

// The seed of a producer's partitioner draws (model/kafka/partitioner.hpp): from the run's
// seed, so a seed sweep varies them, mixed with the producer's index so that producers draw
// independently -- except for the producers the explorer may rename into each other
// (explore/symmetry_kafka.hpp: enable.idempotence explicitly false, not transactional), which
// must draw alike for that renaming to be sound. Those share the run's seed: alike
// non-idempotent producers make the same choices at the same points (a simplification).
std::uint64_t partitioner_seed(std::uint64_t seed, ProducerSpec const& spec, std::size_t index) {
  std::uint64_t const base = Rng(seed).fork("kafka.partitioner").next_u64();
  auto const idempotence = spec.config.find("enable.idempotence");
  bool const renamable = idempotence != spec.config.end() && idempotence->second.text == "false" &&
                         !spec.config.contains("transactional.id") && spec.txn_messages == 0;
  if (renamable) return base;
  std::uint64_t state = index;
  return base ^ splitmix64(state);
}

// The consumer instances of consumers[i] (or of one of its retry-topic stages: `base` says
// which group and topic): "<group>-0" .. "<group>-<n-1>", each a node; with `assign`, instance
// k holds partitions k, k + n, ... of the topic.
void add_instances(ConsumerSpec const& spec, std::size_t i, kf::ConsumerConfig const& base,
                   kf::ClusterConfig& cluster, KafkaConfigs& configs,
                   std::vector<NodeInfo>& nodes) {
  for (std::int32_t k = 0; k < spec.instances; ++k) {
    kf::ConsumerConfig c = base;
    if (c.transform) {  // One transactional.id per instance: "<transactional.id>-<k>".
      c.txn.name = base.txn.name + "-" + std::to_string(k);
      c.txn.txn_id = txn_index(cluster, c.txn.name);
      c.txn.cluster = &cluster;
    }
    if (!c.group_instance_id.empty()) {  // KIP-345: each instance its own, "<id>-<k>".
      c.group_instance_id = base.group_instance_id + "-" + std::to_string(k);
    }
    c.partitions.clear();
    for (std::size_t j = static_cast<std::size_t>(k); j < base.topic_partitions.size();
         j += static_cast<std::size_t>(spec.instances)) {
      c.partitions.push_back(base.topic_partitions[j]);
    }
    identify(spec.principal, spec.mark, "consumers[" + std::to_string(i) + "]", base.group,
             nodes.size(), cluster, c.principal);
    if (c.transform && cluster.authorizer.enabled) {
      throw InputError(spec.mark, "consumers[" + std::to_string(i) + "].transform",
                       "ACLs for transactions (TransactionalId resources) are not modelled "
                       "yet; a transform cannot run under an authorizer");
    }
    c.dead_letter.producer_index = static_cast<std::uint32_t>(configs.consumers.size());
    configs.consumers.push_back(std::move(c));
    nodes.push_back({base.group + "-" + std::to_string(k), NodeRole::consumer});
  }
}

kf::CommitMode commit_mode(ConsumerSpec const& spec) {
  if (spec.commit == "after-processing") return kf::CommitMode::after_processing;
  if (spec.commit == "before-processing") return kf::CommitMode::before_processing;
  return kf::CommitMode::none;
}

}  // namespace

RunResult simulate_kafka(Scenario const& s, std::uint64_t seed) {
  auto configs = std::make_unique<KafkaConfigs>();
  kf::ClusterConfig& cluster = configs->cluster;
  build_cluster(s, cluster);
  kf::Version const version = cluster.version;
  read_acls(s, cluster);
  std::vector<NodeInfo> nodes;
  std::uint64_t next_id = 1;
  for (std::size_t i = 0; i < s.producers.size(); ++i) {
    ProducerSpec const& p = s.producers[i];
    kf::ProducerConfig c =
        kf::parse_producer_config(p.config, config_scope("producers", i), p.mark, version);
    c.index = static_cast<std::uint32_t>(i);
    c.partitioner.seed = partitioner_seed(seed, p, i);
    c.topic = p.topic;
    c.partitions = partitions_of(cluster, p.topic);
    c.first_id = MessageId{next_id};
    c.messages = p.messages;
    c.keys = p.keys;
    c.interval = p.interval;
    c.start = p.start;
    c.cluster = &cluster;
    transactional_producer(p, i, cluster, c);
    if (p.resend_unacknowledged && !c.transactional_id.empty()) {
      throw InputError(p.resend_mark,
                       "producers[" + std::to_string(i) + "].resend_unacknowledged",
                       "a transactional producer's restart aborts its open transaction; "
                       "resending is for a plain producer");
    }
    c.resend_unacknowledged = p.resend_unacknowledged;
    c.tags = p.tags;
    identify(p.principal, p.mark, "producers[" + std::to_string(i) + "]", {}, nodes.size(),
             cluster, c.principal);
    check_authorized_producer(cluster, c, p.mark, i);
    next_id += static_cast<std::uint64_t>(p.messages);
    configs->producers.push_back(std::move(c));
    nodes.push_back({p.id, NodeRole::producer});
  }
  std::vector<kf::QuotaBinding> const quotas = read_quotas(s, cluster);  // quota_config.cpp
  std::map<std::string, std::uint32_t> quota_entities;  // Shared rates (KIP-55 entities).
  producer_quotas(s, quotas, quota_entities, *configs);
  cluster.first_broker_node = static_cast<std::uint32_t>(nodes.size());
  for (std::int32_t b = 0; b < cluster.brokers; ++b) {
    nodes.push_back({"broker-" + std::to_string(b), NodeRole::broker});
  }
  cluster.controller = NodeId{static_cast<std::uint32_t>(nodes.size())};
  nodes.push_back({"controller", NodeRole::controller});
  std::map<std::string, std::uint32_t> groups;
  std::uint64_t reserved = next_id - 1;  // Every message id any input can have so far.
  for (std::size_t i = 0; i < s.consumers.size(); ++i) {
    ConsumerSpec const& spec = s.consumers[i];
    kf::ConsumerConfig base =
        kf::parse_consumer_config(spec.config, config_scope("consumers", i), spec.mark, version);
    base.commit = commit_mode(spec);
    if (spec.transform) {  // Outputs get ids above every possible input: base + input id.
      kf::parse_transform_config(spec.transform->config,
                                 "consumers[" + std::to_string(i) + "].transform.config",
                                 spec.transform->mark, version, base);
      base.output_topic = spec.transform->output;
      base.output_partitions = partitions_of(cluster, spec.transform->output);
      base.abort_every = spec.transform->abort_every;
      base.output_base = reserved;
      reserved *= 2;
    }
    if (spec.dead_letter) dead_letter_pattern(spec, i, version, cluster, base);
    if (spec.filter) client_filter(spec, i, *configs, base);
    if (spec.delay) delay_pattern(spec, i, *configs, base);
    if (spec.retry_topics) retry_topics_pattern(spec, i, version, cluster, base);
    base.group = spec.group;
    base.group_index =
        groups.emplace(spec.group, static_cast<std::uint32_t>(groups.size())).first->second;
    base.topic = spec.topic;
    base.processing = spec.processing;
    base.cluster = &cluster;
    base.topic_partitions = partitions_of(cluster, spec.topic);
    // A transform stays on its static partitions: a rebalance in the middle of its transaction
    // (KIP-447's fencing by generation) is not modelled yet.
    base.subscribe = !base.transform && spec.assignment != "assign";
    if (spec.seek) {  // KafkaConsumer.seek / offsetsForTimes / seekToBeginning / seekToEnd.
      base.seek_at = spec.seek->at;
      base.seek_to = spec.seek->to == "offset"      ? kf::SeekTo::offset
                     : spec.seek->to == "timestamp" ? kf::SeekTo::timestamp
                     : spec.seek->to == "beginning" ? kf::SeekTo::beginning
                                                    : kf::SeekTo::end;
      base.seek_value =
          spec.seek->to == "offset" ? spec.seek->offset : spec.seek->timestamp.us / 1'000;
    }
    add_instances(spec, i, base, cluster, *configs, nodes);
    if (!spec.retry_topics) continue;
    for (kf::ConsumerConfig& stage : kafka_world::retry_stages(s, i, cluster, base)) {
      stage.group_index =
          groups.emplace(stage.group, static_cast<std::uint32_t>(groups.size())).first->second;
      add_instances(spec, i, stage, cluster, *configs, nodes);
    }
  }
  consumer_quotas(quotas, quota_entities, *configs, nodes);
  std::vector<kf::Model::Actor> actors;
  for (kf::ProducerConfig const& c : configs->producers) actors.emplace_back(kf::Producer(&c));
  for (std::int32_t b = 0; b < cluster.brokers; ++b) actors.emplace_back(kf::Broker(&cluster, b));
  actors.emplace_back(kf::Controller(&cluster));
  for (kf::ConsumerConfig const& c : configs->consumers) actors.emplace_back(kf::Consumer(&c));
  RunPlan plan = build_plan(s, std::move(nodes));
  // Heartbeats, follower fetches and polls never stop, so the queue never empties: the run is
  // drained when it reaches quiesce + drain.
  plan.endless = true;
  for (TopicSpec const& t : s.topics) {
    plan.header.ordering[t.name] = history::OrderingScope::partition;  // Per-partition order.
  }
  for (kf::ConsumerConfig const& c : configs->consumers) {
    // A retry topic's consumers write their processing as their application's (below).
    if (!c.dead_letter.app_group.empty()) continue;
    history::GroupSpec& g = plan.header.groups[c.group];
    if (c.read_committed) g.isolation = history::GroupSpec::Isolation::read_committed;
    if (c.filter.enabled) g.filter = c.filter.accept;  // What the filtering check judges.
    // The delay PATTERN's consumers hold records back themselves: only processing is judged.
    if (c.delay.enabled) g.delay = history::GroupSpec::DelayBy::consumer;
    if (c.dead_letter.enabled) {  // What the dead-letter check judges (a PATTERN's promise).
      g.dead_letter_topic = c.dead_letter.topic;
      g.dead_letter_after = c.dead_letter.after;
    }
  }
  kafka_world::retry_topics_header(s, plan.header);
  if (cluster.authorizer.enabled) plan.header.acls = effective_acls(s, *configs);
  Kernel<kf::Model> kernel(std::move(plan), std::move(actors), seed);
  // leader(T-P) is the broker the controller last made leader of T-P (none while offline).
  kernel.set_resolver([&cluster](Kernel<kf::Model> const& k, std::string const& selector) {
    std::vector<NodeId> out;
    std::string const name = selector.substr(7, selector.size() - 8);
    auto const& controller = std::get<kf::Controller>(k.actor(cluster.controller));
    for (std::uint32_t p = 0; p < cluster.partitions.size(); ++p) {
      if (cluster.partitions[p].name() != name) continue;
      std::int32_t const leader = controller.leader(p);
      if (leader != kf::no_leader) out.push_back(cluster.broker_node(leader));
    }
    return out;
  });
  return kernel.run();
}

}  // namespace mqcheck::sim
