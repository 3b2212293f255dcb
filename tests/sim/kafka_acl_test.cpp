// SPDX-License-Identifier: Apache-2.0
// ACLs in the Kafka world: a denied produce is a `fail` send (TOPIC_AUTHORIZATION_FAILED, not
// retried), a denied fetch a `fail` poll, every client op carries its principal, the header
// carries each principal's effective lists, and what the model does not cover is refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"
#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

using history::OpKind;
using history::OpType;

std::string const base = R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50,
  authorizer.class.name: org.apache.kafka.metadata.authorizer.StandardAuthorizer}
topics: [{name: orders, partitions: 2, config: {replication.factor: 3}}]
consumers: [{group: billing, topic: orders, principal: "User:bob",
  config: {auto.offset.reset: earliest, fetch.max.wait.ms: 10}}]
drain: 300ms
)";
std::string const producer =
    "producers: [{id: p1, topic: orders, messages: 20, rate_per_s: 1000, principal: "
    "\"User:alice\"}]\n";
std::string const bob_reads =
    "  - {principal: \"User:bob\", operation: READ, topic: orders}\n"
    "  - {principal: \"User:bob\", operation: READ, group: billing}\n";

std::size_t count(history::History const& h, OpKind f, OpType type, std::string const& detail) {
  return static_cast<std::size_t>(std::count_if(h.ops().begin(), h.ops().end(), [&](auto& op) {
    return op.f == f && op.type == type && op.detail.find(detail) != std::string::npos;
  }));
}

using testing::error_of;
using testing::history_of;

}  // namespace

TEST_CASE("an allowed producer writes; a DENY makes every send fail, unretried",
          "[sim][kafka][acl]") {
  std::string const allow = "  - {principal: \"User:alice\", operation: WRITE, topic: orders}\n";
  history::History const ok = history_of(base + producer + "acls:\n" + allow + bob_reads);
  CHECK(count(ok, OpKind::send, OpType::ok, "") == 20);
  CHECK(count(ok, OpKind::send, OpType::fail, "") == 0);
  CHECK(count(ok, OpKind::process, OpType::ok, "") == 20);
  REQUIRE(ok.header().acls.contains("User:alice"));
  CHECK(ok.header().acls.at("User:alice").produce == std::vector<std::string>{"orders"});
  CHECK(ok.header().acls.at("User:bob").consume == std::vector<std::string>{"orders"});
  for (history::Op const& op : ok.ops()) {
    if (!history::is_client_op(op)) continue;
    CHECK(op.principal == (op.process == "p1" ? "User:alice" : "User:bob"));
  }

  std::string const deny =
      "  - {principal: \"User:*\", operation: WRITE, topic: orders, permission: DENY}\n";
  history::History const denied =
      history_of(base + producer + "acls:\n" + allow + deny + bob_reads);
  CHECK(count(denied, OpKind::send, OpType::fail, "TOPIC_AUTHORIZATION_FAILED") == 20);
  CHECK(count(denied, OpKind::send, OpType::ok, "") == 0);
  CHECK(denied.header().acls.at("User:alice").produce.empty());
}

TEST_CASE("a consumer without READ on its group gets failed polls and reads nothing",
          "[sim][kafka][acl]") {
  std::string const acls =
      "acls:\n  - {principal: \"User:alice\", operation: WRITE, topic: "
      "orders}\n  - {principal: \"User:bob\", operation: READ, topic: "
      "orders}\n";
  history::History const h = history_of(base + producer + acls);
  CHECK(count(h, OpKind::send, OpType::ok, "") == 20);
  CHECK(count(h, OpKind::poll, OpType::fail, "GroupAuthorizationException") > 0);
  CHECK(count(h, OpKind::poll, OpType::ok, "") == 0);
  CHECK(count(h, OpKind::process, OpType::ok, "") == 0);
  CHECK(h.header().acls.at("User:bob").consume.empty());
}

TEST_CASE("clients without a principal act as User:ANONYMOUS under an authorizer",
          "[sim][kafka][acl]") {
  std::string const text = base +
                           "producers: [{id: p1, topic: orders, messages: 5, rate_per_s: 1000}]\n"
                           "acls:\n" +
                           bob_reads;
  history::History const h = history_of(text);
  CHECK(count(h, OpKind::send, OpType::fail, "TOPIC_AUTHORIZATION_FAILED") == 5);
  CHECK(h.header().acls.contains("User:ANONYMOUS"));
}

TEST_CASE("ACL input errors: no authorizer, bad principal, acks=0, transactions",
          "[sim][kafka][acl]") {
  std::string no_authorizer = base;
  no_authorizer.replace(no_authorizer.find(",\n  authorizer"),
                        std::string(",\n  authorizer.class.name: "
                                    "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                            .size(),
                        "");
  CHECK_THAT(error_of(no_authorizer + "acls:\n" + bob_reads),
             Catch::Contains("authorizer.class.name"));
  CHECK_THAT(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1, "
                             "principal: alice}]\n"),
             Catch::Contains("producers[0].principal"));
  CHECK_THAT(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1, "
                             "config: {acks: 0}}]\n"),
             Catch::Contains("producers[0].config.acks"));
  CHECK_THAT(error_of(base + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1, "
                             "config: {transactional.id: t}}]\n"),
             Catch::Contains("TransactionalId"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}]\nacls:\n" + bob_reads),
             Catch::Contains("only broker: kafka"));
}

}  // namespace mqcheck::sim
