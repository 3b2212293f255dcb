// SPDX-License-Identifier: Apache-2.0
// Kafka's authorizer as plain data (model/kafka/acl.hpp): DENY over ALLOW, super.users,
// allow.everyone.if.no.acl.found only for resources with no ACL at all, User:* and "*",
// PREFIXED patterns, DESCRIBE implied by an ALLOW of READ or WRITE (not by a DENY), the
// effective produce/consume lists the history header gets, and the configuration errors.
#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "core/input_error.hpp"
#include "model/kafka/acl.hpp"
#include "model/kafka/config.hpp"

namespace mqcheck::model::kafka {
namespace {

AclBinding acl(std::string principal, AclOperation op, AclResource resource, std::string name,
               bool allow = true, bool prefixed = false) {
  return AclBinding{std::move(principal), op, resource, std::move(name), prefixed, allow};
}

Authorizer with(std::vector<AclBinding> bindings) {
  Authorizer a;
  a.enabled = true;
  a.bindings = std::move(bindings);
  return a;
}

bool can_write(Authorizer const& a, std::string const& who, std::string const& topic) {
  return authorize(a, who, AclOperation::write, AclResource::topic, topic);
}

ConfigMap map_of(std::vector<std::pair<std::string, std::string>> entries) {
  ConfigMap m;
  int line = 1;
  for (auto& [k, v] : entries) m.emplace(k, ConfigValue{v, {"s.yaml", line++, 1}});
  return m;
}

std::string error_of(ConfigMap const& m) {
  try {
    parse_acl_binding(m, 0, {"s.yaml", 1, 1});
  } catch (InputError const& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a matching DENY wins over an ALLOW; without the DENY the ALLOW holds", "[model][acl]") {
  AclBinding const allow = acl("User:alice", AclOperation::write, AclResource::topic, "orders");
  AclBinding const deny =
      acl("User:*", AclOperation::write, AclResource::topic, "*", /*allow=*/false);
  CHECK(can_write(with({allow}), "User:alice", "orders"));
  CHECK_FALSE(can_write(with({allow, deny}), "User:alice", "orders"));
  CHECK_FALSE(can_write(with({deny, allow}), "User:alice", "orders"));  // Order is irrelevant.
}

TEST_CASE("super users bypass every ACL, DENY included", "[model][acl]") {
  Authorizer a = with({acl("User:*", AclOperation::all, AclResource::topic, "*", false)});
  a.super_users = {"User:admin"};
  CHECK(can_write(a, "User:admin", "orders"));
  CHECK_FALSE(can_write(a, "User:alice", "orders"));
}

TEST_CASE("allow.everyone.if.no.acl.found applies only to resources without any ACL",
          "[model][acl]") {
  Authorizer a = with({acl("User:bob", AclOperation::read, AclResource::topic, "orders")});
  CHECK_FALSE(can_write(a, "User:alice", "payments"));  // Default false: denied.
  a.allow_if_no_acl = true;
  CHECK(can_write(a, "User:alice", "payments"));      // No ACL names payments.
  CHECK_FALSE(can_write(a, "User:alice", "orders"));  // bob's ACL names orders (KAFKA-14435).
  a.enabled = false;
  CHECK(can_write(a, "User:alice", "orders"));  // No authorizer: nothing is authorized.
}

TEST_CASE("User:* and PREFIXED patterns match; a literal name matches only itself",
          "[model][acl]") {
  Authorizer const a =
      with({acl("User:*", AclOperation::write, AclResource::topic, "ord", true, true)});
  CHECK(can_write(a, "User:anyone", "orders"));
  CHECK_FALSE(can_write(a, "User:anyone", "payments"));
  Authorizer const literal =
      with({acl("User:alice", AclOperation::write, AclResource::topic, "ord")});
  CHECK_FALSE(can_write(literal, "User:alice", "orders"));
}

TEST_CASE("an ALLOW of READ or WRITE implies DESCRIBE; a DENY of READ does not deny it",
          "[model][acl]") {
  auto const describe = [](Authorizer const& a) {
    return authorize(a, "User:bob", AclOperation::describe, AclResource::topic, "orders");
  };
  CHECK(describe(with({acl("User:bob", AclOperation::read, AclResource::topic, "orders")})));
  CHECK_FALSE(describe(with({acl("User:bob", AclOperation::read, AclResource::topic, "orders",
                                 false)})));  // No ALLOW left: the resource's ACLs deny.
  CHECK(describe(with({acl("User:bob", AclOperation::write, AclResource::topic, "orders"),
                       acl("User:bob", AclOperation::read, AclResource::topic, "orders", false)})));
}

TEST_CASE("the effective lists need READ on the topic and on each group consuming it",
          "[model][acl]") {
  Authorizer const a = with({acl("User:bob", AclOperation::read, AclResource::topic, "orders"),
                             acl("User:bob", AclOperation::read, AclResource::group, "billing"),
                             acl("User:bob", AclOperation::write, AclResource::topic, "audit")});
  std::vector<std::string> const topics{"audit", "orders"};
  history::Acl const ok = effective_acl(a, "User:bob", topics, {{"orders", {"billing"}}});
  CHECK(ok.produce == std::vector<std::string>{"audit"});
  CHECK(ok.consume == std::vector<std::string>{"orders"});
  history::Acl const no_group =
      effective_acl(a, "User:bob", topics, {{"orders", {"billing", "other"}}});
  CHECK(no_group.consume.empty());
}

TEST_CASE("ACL entries are checked key by key", "[model][acl]") {
  CHECK(error_of(map_of({{"principal", "User:a"}, {"operation", "WRITE"}, {"topic", "t"}})) ==
        "(no error)");
  CHECK_THAT(error_of(map_of({{"principal", "alice"}, {"operation", "WRITE"}, {"topic", "t"}})),
             Catch::Contains("acls[0].principal") && Catch::Contains("User:alice"));
  CHECK_THAT(error_of(map_of({{"principal", "User:a"}, {"operation", "WRIT"}, {"topic", "t"}})),
             Catch::Contains("acls[0].operation") && Catch::Contains("did you mean 'WRITE'"));
  CHECK_THAT(error_of(map_of({{"principal", "User:a"}, {"operation", "READ"}})),
             Catch::Contains("exactly one resource"));
  CHECK_THAT(error_of(map_of({{"principal", "User:a"}, {"operation", "READ"}, {"topik", "t"}})),
             Catch::Contains("acls[0].topik") && Catch::Contains("did you mean 'topic'"));
}

TEST_CASE("authorizer classes exist only in their releases; super.users is ';'-separated",
          "[model][acl]") {
  auto const cluster_error = [](std::string const& version, ConfigMap const& m) {
    try {
      parse_cluster_config(m, parse_version(version, {}), {"s.yaml", 0, 0});
    } catch (InputError const& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  std::string const standard = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
  CHECK(cluster_error("3.7", map_of({{"authorizer.class.name", standard}})) == "(no error)");
  CHECK_THAT(cluster_error("3.1", map_of({{"authorizer.class.name", standard}})),
             Catch::Contains("KIP-801"));
  CHECK_THAT(
      cluster_error("4.0",
                    map_of({{"authorizer.class.name", "kafka.security.authorizer.AclAuthorizer"}})),
      Catch::Contains("removed in 4.0"));
  CHECK_THAT(cluster_error("3.7", map_of({{"super.users", "User:a;admin"}})),
             Catch::Contains("broker_config.super.users"));
  ClusterConfig const c = parse_cluster_config(
      map_of({{"authorizer.class.name", standard}, {"super.users", "User:a;User:b"}}),
      parse_version("3.7", {}), {"s.yaml", 0, 0});
  CHECK(c.authorizer.enabled);
  CHECK(c.authorizer.super_users == std::vector<std::string>{"User:a", "User:b"});
}

}  // namespace mqcheck::model::kafka
