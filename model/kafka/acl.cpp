// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/acl.cpp (layer: model)
// The authorizer's configuration and decision. The decision follows StandardAuthorizerData
// (apache/kafka metadata/.../authorizer/StandardAuthorizerData.java: findResult and
// MatchingRuleBuilder.build), which keeps AclAuthorizer's rules:
// https://kafka.apache.org/documentation/#security_authz.
#include "model/kafka/acl.hpp"

#include <algorithm>

#include "model/kafka/config.hpp"

namespace mqcheck::model::kafka {
namespace {

// A KafkaPrincipal as the ACL tools write it: "Type:name" (User:alice), "User:*" for all.
bool is_principal(std::string_view p) {
  auto const colon = p.find(':');
  return colon != std::string_view::npos && colon > 0 && colon + 1 < p.size();
}

// The authorizer classes and the releases that have them: SimpleAclAuthorizer until 3.0
// (KIP-504 replaced it with AclAuthorizer in 2.4), AclAuthorizer until ZooKeeper went in 4.0
// (KIP-833), StandardAuthorizer, the KRaft one, from 3.2 (KIP-801).
constexpr std::string_view simple_acl = "kafka.security.auth.SimpleAclAuthorizer";
constexpr std::string_view acl_authorizer = "kafka.security.authorizer.AclAuthorizer";
constexpr std::string_view standard = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";

void check_class(std::size_t which, Version const& v, ConfigMap const& map,
                 SourceMark const& where) {
  char const* problem = nullptr;
  if (which == 1 && v.at_least(3, 0)) problem = "SimpleAclAuthorizer was removed in Kafka 3.0";
  if (which == 2 && !v.at_least(2, 4)) problem = "AclAuthorizer arrived in Kafka 2.4 (KIP-504)";
  if (which == 2 && v.at_least(4, 0)) problem = "AclAuthorizer (ZooKeeper) was removed in 4.0";
  if (which == 3 && !v.at_least(3, 2)) problem = "StandardAuthorizer arrived in 3.2 (KIP-801)";
  if (problem != nullptr) {
    fail_at(map, "broker_config", where, "authorizer.class.name",
            std::string(problem) + "; this scenario's version has no such class");
  }
}

// Does `acl` name the resource? LITERAL: the exact name, or "*" for every name; PREFIXED:
// names starting with it (StandardAuthorizerData.checkSection).
bool names(AclBinding const& acl, AclResource resource, std::string_view name) {
  if (acl.resource != resource) return false;
  if (acl.prefixed) return name.substr(0, acl.name.size()) == acl.name;
  return acl.name == "*" || acl.name == name;
}

// StandardAuthorizerData.findResult: the principal or "User:*"; ALL matches any operation;
// an ALLOW of READ or WRITE implies DESCRIBE, a DENY of them does not deny DESCRIBE.
bool applies(AclBinding const& acl, std::string_view principal, AclOperation operation) {
  if (acl.principal != principal && acl.principal != "User:*") return false;
  if (acl.operation == AclOperation::all || acl.operation == operation) return true;
  return acl.allow && operation == AclOperation::describe &&
         (acl.operation == AclOperation::read || acl.operation == AclOperation::write);
}

}  // namespace

void read_authorizer(ConfigReader& r, ConfigMap const& map, SourceMark const& where,
                     Version const& version, Authorizer& out) {
  std::size_t const which =
      r.choice("authorizer.class.name", 0, {"", simple_acl, acl_authorizer, standard});
  check_class(which, version, map, where);
  out.enabled = which != 0;
  out.allow_if_no_acl = r.boolean("allow.everyone.if.no.acl.found", false);
  std::string const supers = r.text("super.users");
  // super.users is split on ';' (principals may hold commas: SSL distinguished names).
  std::size_t start = 0;
  while (!supers.empty() && start <= supers.size()) {
    std::size_t const end = std::min(supers.find(';', start), supers.size());
    std::string const one = supers.substr(start, end - start);
    if (!is_principal(one)) {
      fail_at(map, "broker_config", where, "super.users",
              "expected principals such as 'User:admin;User:broker', separated by ';', got '" +
                  supers + "'");
    }
    out.super_users.push_back(one);
    start = end + 1;
  }
}

AclBinding parse_acl_binding(ConfigMap const& entry, std::size_t index, SourceMark const& where) {
  std::string const scope = "acls[" + std::to_string(index) + "]";
  ConfigReader r(entry, scope, where);
  AclBinding b;
  b.principal = r.text("principal");
  if (!is_principal(b.principal)) {
    fail_at(entry, scope, where, "principal",
            b.principal.empty()
                ? "required key is missing (a principal such as 'User:alice')"
                : "expected a principal such as 'User:alice', got '" + b.principal + "'");
  }
  std::size_t const op = r.choice("operation", 99, {"ALL", "READ", "WRITE", "DESCRIBE"});
  if (op == 99) fail_at(entry, scope, where, "operation", "required key is missing");
  b.operation = static_cast<AclOperation>(op);
  b.allow = r.choice("permission", 0, {"ALLOW", "DENY"}) == 0;
  b.prefixed = r.choice("pattern_type", 0, {"LITERAL", "PREFIXED"}) == 1;
  std::string const topic = r.text("topic");
  std::string const group = r.text("group");
  r.reject_unknown();
  if (topic.empty() == group.empty()) {
    throw InputError(where, scope, "an ACL names exactly one resource: 'topic' or 'group'");
  }
  b.resource = topic.empty() ? AclResource::group : AclResource::topic;
  b.name = topic.empty() ? group : topic;
  return b;
}

// The order: super users first (KAFKA-6591), then DENY over ALLOW, then, when no ACL names
// the resource at all, allow.everyone.if.no.acl.found (KAFKA-14435: any ACL on the resource,
// whoever it is for, makes the default deny).
bool authorize(Authorizer const& authorizer, std::string_view principal, AclOperation operation,
               AclResource resource, std::string_view name) {
  if (!authorizer.enabled) return true;
  auto const& supers = authorizer.super_users;
  if (std::find(supers.begin(), supers.end(), principal) != supers.end()) return true;
  bool any = false;
  bool allowed = false;
  for (AclBinding const& acl : authorizer.bindings) {
    if (!names(acl, resource, name)) continue;
    any = true;
    if (!applies(acl, principal, operation)) continue;
    if (!acl.allow) return false;
    allowed = true;
  }
  return allowed || (!any && authorizer.allow_if_no_acl);
}

history::Acl effective_acl(Authorizer const& authorizer, std::string_view principal,
                           std::vector<std::string> const& topics,
                           std::map<std::string, std::vector<std::string>> const& groups) {
  history::Acl acl;
  for (std::string const& topic : topics) {
    if (authorize(authorizer, principal, AclOperation::write, AclResource::topic, topic)) {
      acl.produce.push_back(topic);
    }
    bool read = authorize(authorizer, principal, AclOperation::read, AclResource::topic, topic);
    if (auto const it = groups.find(topic); it != groups.end()) {
      for (std::string const& group : it->second) {
        read =
            read && authorize(authorizer, principal, AclOperation::read, AclResource::group, group);
      }
    }
    if (read) acl.consume.push_back(topic);
  }
  return acl;
}

}  // namespace mqcheck::model::kafka
