// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/acl.hpp (layer: model)
// Kafka's authorizer (https://kafka.apache.org/documentation/#security_authz): ACL bindings
// (principal, operation, resource pattern, ALLOW or DENY), the broker keys that configure it
// (authorizer.class.name, super.users, allow.everyone.if.no.acl.found), and the decision
// StandardAuthorizer makes (KIP-801; the same rules as AclAuthorizer before it): a super user
// is allowed everything; otherwise a matching DENY wins over any ALLOW; a matching ALLOW
// allows; a resource with no ACL at all gets allow.everyone.if.no.acl.found (default false);
// a resource with ACLs, none of them matching, is denied. The broker asks it on Produce (WRITE
// on the topic) and on a consumer's Fetch (READ on the topic, and here also READ on the group:
// docs/kafka-model.md "ACLs"). Clients act as the principal the scenario gives them, or as
// User:ANONYMOUS, what an unauthenticated PLAINTEXT listener's principal builder returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_map.hpp"
#include "history/history.hpp"
#include "model/common/config_reader.hpp"

namespace mqcheck::model::kafka {

struct Version;

/// The operations the model asks about, plus ALL (org.apache.kafka.common.acl.AclOperation).
enum class AclOperation : std::uint8_t { all, read, write, describe };
/// The resource types the model's requests touch (org.apache.kafka.common.resource.ResourceType).
enum class AclResource : std::uint8_t { topic, group, cluster };

/// One ACL, as `kafka-acls.sh --add` or Admin.createAcls makes it. Hosts are not modelled
/// (every ACL is for host "*").
struct AclBinding {
  std::string principal;  // "User:alice", or "User:*" for every principal.
  AclOperation operation = AclOperation::all;
  AclResource resource = AclResource::topic;
  std::string name;       // The resource name, "*" (LITERAL: every resource), or a prefix.
  bool prefixed = false;  // PatternType PREFIXED: matches names starting with `name`.
  bool allow = true;      // ALLOW or DENY.
  bool operator==(AclBinding const&) const = default;
};

struct Authorizer {
  bool enabled = false;                  // authorizer.class.name is set.
  std::vector<std::string> super_users;  // super.users, "User:a;User:b".
  bool allow_if_no_acl = false;          // allow.everyone.if.no.acl.found
  std::vector<AclBinding> bindings;      // The scenario's `acls:`.
};

/// Who a client connection is, as the broker sees it (the world builder fills it in).
struct ClientIdentity {
  std::string principal;  // "User:alice", or User:ANONYMOUS.
  std::string group;      // A consumer's group; "" for a producer.
};

/// The principal of a client that authenticated as nobody (KafkaPrincipal.ANONYMOUS).
inline constexpr std::string_view anonymous_principal = "User:ANONYMOUS";

/// Reads authorizer.class.name, super.users and allow.everyone.if.no.acl.found from
/// broker_config (the class must exist in `version`).
void read_authorizer(ConfigReader& r, ConfigMap const& map, SourceMark const& where,
                     Version const& version, Authorizer& out);
/// Reads the scenario's `acls:` entry `index` (keys principal, operation, permission,
/// pattern_type and exactly one of topic, group, cluster), naming `acls[i].<key>` in errors.
AclBinding parse_acl_binding(ConfigMap const& entry, std::size_t index, SourceMark const& where);

/// StandardAuthorizer's decision for `principal` doing `operation` on the resource.
bool authorize(Authorizer const& authorizer, std::string_view principal, AclOperation operation,
               AclResource resource, std::string_view name);

/// The history header's view of one principal (docs/history-format.md "ACLs"): the topics it
/// may produce to (WRITE) and consume from (READ on the topic, and READ on each of `groups`,
/// the groups it consumes that topic in), among `topics`.
history::Acl effective_acl(Authorizer const& authorizer, std::string_view principal,
                           std::vector<std::string> const& topics,
                           std::map<std::string, std::vector<std::string>> const& groups);

/// Tags every client op an actor records during one step with its principal: constructed at
/// the top of an actor's entry point, it writes `principal` (when not empty) into the ops
/// observed after it, on every return path.
template <class Output>
class PrincipalTag {
 public:
  PrincipalTag(Output& out, std::string const& principal)
      : out_(out), principal_(principal), first_(out.observed().size()) {}
  PrincipalTag(PrincipalTag const&) = delete;
  PrincipalTag& operator=(PrincipalTag const&) = delete;
  ~PrincipalTag() {
    if (principal_.empty()) return;
    auto observed = out_.observed();  // A span of this step's ops.
    for (std::size_t i = first_; i < observed.size(); ++i) {
      if (history::is_client_op(observed[i].op)) observed[i].op.principal = principal_;
    }
  }

 private:
  Output& out_;
  std::string const& principal_;
  std::size_t first_;
};

}  // namespace mqcheck::model::kafka
