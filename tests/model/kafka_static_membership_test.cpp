// SPDX-License-Identifier: Apache-2.0
// Static membership (KIP-345), stepped by hand on the group coordinator: a restarted static
// member (JoinGroup without a member id, with its group.instance.id) takes over its old id's
// place and assignment in the same generation, with no rebalance, and the replaced id is
// fenced (FENCED_INSTANCE_ID); the same restart of a dynamic member rebalances the group; a
// static member whose session expires is removed as any member is. Also the consumer key
// group.instance.id: 2.3+, not empty.
#include <catch2/catch.hpp>

#include "core/input_error.hpp"
#include "model/kafka/model.hpp"
#include "tests/model/group_requests.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;
constexpr NodeId node_a{1};
constexpr NodeId node_b{2};

ClusterConfig cluster() { return testing::group_cluster(2); }

using testing::join_request;
using testing::sync_request;

// Members a and b (static with instance ids "a" and "b", or dynamic with none) in a Stable
// generation 2: a holds partition 0, b partition 1.
struct Group {
  ClusterConfig cfg = cluster();
  Controller c{&cfg};
  Output out;
  std::uint64_t a = 0;
  std::uint64_t b = 0;

  explicit Group(bool statics) {
    std::string const ia = statics ? "a" : "";
    std::string const ib = statics ? "b" : "";
    c.on_start(out);
    out.clear();
    c.on_message(node_a, join_request(0, 1, ia), out);
    a = sent<JoinGroupResponse>(out).at(0).member;
    out.clear();
    c.on_message(node_b, join_request(0, 2, ib), out);  // A rebalance: a rejoins.
    out.clear();
    c.on_message(node_a, join_request(a, 3, ia), out);
    auto const joined = sent<JoinGroupResponse>(out);
    REQUIRE(joined.size() == 2);
    b = joined[0].member == a ? joined[1].member : joined[0].member;
    out.clear();
    c.on_message(node_b, sync_request(b, 2), out);
    c.on_message(node_a, sync_request(a, 2, {{a, {0}}, {b, {1}}}), out);
    REQUIRE(c.groups().state(0) == GroupState::stable);
    REQUIRE(c.groups().generation(0) == 2);
  }

  Error heartbeat(NodeId from, std::uint64_t member) {
    out.clear();
    c.on_message(from, HeartbeatRequest{0, 2, member}, out);
    return sent<HeartbeatResponse>(out).at(0).error;
  }
};

TEST_CASE("a restarted static member gets its old assignment without a rebalance",
          "[kafka][group][static]") {
  Group g(true);
  g.out.clear();
  g.c.on_message(node_b, join_request(0, 7, "b"), g.out);  // b's process restarted: no member id.
  auto const joined = sent<JoinGroupResponse>(g.out);
  REQUIRE(joined.size() == 1);  // Answered at once: nobody else rejoins.
  std::uint64_t const b2 = joined[0].member;
  CHECK(joined[0].error == Error::none);
  CHECK(b2 != g.b);
  CHECK(joined[0].generation == 2);  // The same generation: no rebalance.
  CHECK(joined[0].leader == g.a);
  CHECK(joined[0].members.empty());
  CHECK(g.c.groups().state(0) == GroupState::stable);
  CHECK(g.c.groups().members(0) == std::vector<std::uint64_t>{g.a, b2});
  g.out.clear();
  g.c.on_message(node_b, sync_request(b2, 2), g.out);
  CHECK(sent<SyncGroupResponse>(g.out).at(0).partitions == std::vector<std::uint32_t>{1});
  CHECK(g.heartbeat(node_a, g.a) == Error::none);  // a never hears of it.
  // The old id is fenced: a zombie with b's instance id must stop.
  CHECK(g.heartbeat(node_b, g.b) == Error::fenced_instance_id);
  g.out.clear();
  g.c.on_message(node_b, join_request(g.b, 8, "b"), g.out);
  CHECK(sent<JoinGroupResponse>(g.out).at(0).error == Error::fenced_instance_id);
  CHECK(g.c.groups().state(0) == GroupState::stable);
}

TEST_CASE("a restarted dynamic member is a new member: the group rebalances",
          "[kafka][group][static]") {
  Group g(false);
  g.out.clear();
  g.c.on_message(node_b, join_request(0, 7, ""), g.out);
  CHECK(sent<JoinGroupResponse>(g.out).empty());  // Waits for a and the old b.
  CHECK(g.c.groups().state(0) == GroupState::preparing_rebalance);
  CHECK(g.heartbeat(node_a, g.a) == Error::rebalance_in_progress);
  CHECK(g.c.groups().members(0).size() == 3);  // The old b stays until its session expires.
}

TEST_CASE("a replaced leader's successor does not assign, and leadership follows it",
          "[kafka][group][static]") {
  Group g(true);
  g.out.clear();
  g.c.on_message(node_a, join_request(0, 7, "a"), g.out);  // The leader a restarts.
  auto const joined = sent<JoinGroupResponse>(g.out);
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].leader == g.a);  // The old id: the new member does not think it leads.
  CHECK(joined[0].leader != joined[0].member);
  g.out.clear();
  g.c.on_message(node_a, sync_request(joined[0].member, 2), g.out);
  CHECK(sent<SyncGroupResponse>(g.out).at(0).partitions == std::vector<std::uint32_t>{0});
}

TEST_CASE("a static member whose session expires is removed and the group rebalances",
          "[kafka][group][static]") {
  Group g(true);
  g.out.clear();
  g.c.on_timer(GroupCoordinator::session_timer_for_test(g.b), g.out);
  CHECK(g.c.groups().state(0) == GroupState::preparing_rebalance);
  CHECK(g.c.groups().members(0) == std::vector<std::uint64_t>{g.a});
  g.out.clear();
  g.c.on_message(node_b, join_request(0, 7, "b"), g.out);  // Too late: it joins as a new member.
  CHECK(sent<JoinGroupResponse>(g.out).empty());
  CHECK(g.c.groups().members(0).size() == 2);
}

ConfigMap consumer_keys(std::string const& id) {
  ConfigMap m;
  m.emplace("group.instance.id", ConfigValue{id, {"s.yaml", 3, 5}});
  return m;
}

TEST_CASE("group.instance.id: 2.3 and later, not empty", "[kafka][group][static][config]") {
  SourceMark const where{"s.yaml", 1, 1};
  CHECK(parse_consumer_config(consumer_keys("app-1"), "consumers[0].config", where,
                              Version{3, 7})
            .group_instance_id == "app-1");
  CHECK(parse_consumer_config({}, "consumers[0].config", where, Version{3, 7})
            .group_instance_id.empty());
  CHECK_THROWS_WITH(
      parse_consumer_config(consumer_keys("app-1"), "consumers[0].config", where, Version{2, 2}),
      Catch::Contains("2.3"));
  CHECK_THROWS_WITH(
      parse_consumer_config(consumer_keys(""), "consumers[0].config", where, Version{3, 7}),
      Catch::Contains("must not be empty"));
  ConfigMap typo;
  typo.emplace("group.instanse.id", ConfigValue{"app-1", {"s.yaml", 3, 5}});
  CHECK_THROWS_WITH(parse_consumer_config(typo, "consumers[0].config", where, Version{3, 7}),
                    Catch::Contains("group.instance.id"));
}

}  // namespace
}  // namespace mqcheck::model::kafka
