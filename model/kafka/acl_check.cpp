// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/acl_check.cpp (layer: model)
#include "model/kafka/acl_check.hpp"

namespace mqcheck::model::kafka {
namespace {

ClientIdentity const* identity(ClusterConfig const& cluster, NodeId from) {
  auto const it = cluster.identities.find(from.value);
  return it == cluster.identities.end() ? nullptr : &it->second;
}

}  // namespace

Error authorize_produce(ClusterConfig const& cluster, NodeId from, std::uint32_t p) {
  ClientIdentity const* who = identity(cluster, from);
  if (!cluster.authorizer.enabled || who == nullptr) return Error::none;
  bool const ok = authorize(cluster.authorizer, who->principal, AclOperation::write,
                            AclResource::topic, cluster.partitions[p].topic);
  return ok ? Error::none : Error::topic_authorization_failed;
}

Error authorize_fetch(ClusterConfig const& cluster, NodeId from, std::uint32_t p) {
  ClientIdentity const* who = identity(cluster, from);
  if (!cluster.authorizer.enabled || who == nullptr) return Error::none;
  if (!authorize(cluster.authorizer, who->principal, AclOperation::read, AclResource::topic,
                 cluster.partitions[p].topic)) {
    return Error::topic_authorization_failed;
  }
  bool const group = authorize(cluster.authorizer, who->principal, AclOperation::read,
                               AclResource::group, who->group);
  return group ? Error::none : Error::group_authorization_failed;
}

}  // namespace mqcheck::model::kafka
