// SPDX-License-Identifier: Apache-2.0
// Kafka consumer groups, stepped by hand: the coordinator (on the controller) runs the classic
// protocol's join and sync phases with generations, rebalances when a member joins, leaves or
// lets its session expire, and fences commits of removed members and earlier generations; a
// subscribed consumer assigns as the group leader (range), and one that exceeds
// max.poll.interval.ms leaves its group, so its commit after processing fails.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/group_requests.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
constexpr NodeId node_a{1};
constexpr NodeId node_b{2};

ClusterConfig cluster(std::int32_t partitions) { return testing::group_cluster(partitions); }

using testing::sent;

using testing::join_request;
using testing::sync_request;

Error commit(Controller& c, Output& out, std::uint64_t member, std::int32_t generation,
             std::int64_t offset) {
  out.clear();
  OffsetCommitRequest r;
  r.request = 70;
  r.generation = generation;
  r.member = member;
  r.offsets = {{0, Offset{offset}}};
  c.on_message(node_a, r, out);
  auto const resp = sent<OffsetCommitResponse>(out);
  REQUIRE(resp.size() == 1);
  return resp[0].error;
}

std::int64_t committed(Controller& c, Output& out) {
  out.clear();
  c.on_message(node_a, OffsetFetchRequest{80, 0, {0}}, out);
  return sent<OffsetFetchResponse>(out).at(0).offsets.at(0).offset.value;
}

// Two members a and b in a Stable group of generation 2: a joins alone (generation 1), b
// joins, a learns of the rebalance from its heartbeat and rejoins, a (the leader) assigns
// partition 0 to itself and 1 to b.
struct TwoMembers {
  ClusterConfig cfg = cluster(2);
  Controller c{&cfg};
  Output out;
  std::uint64_t a = 0;
  std::uint64_t b = 0;

  TwoMembers() {
    c.on_start(out);
    out.clear();
    c.on_message(node_a, join_request(0, 1), out);
    auto const first = sent<JoinGroupResponse>(out);
    REQUIRE(first.size() == 1);
    a = first[0].member;
    CHECK(first[0].generation == 1);
    CHECK(first[0].leader == a);
    out.clear();
    c.on_message(node_b, join_request(0, 2), out);
    CHECK(sent<JoinGroupResponse>(out).empty());  // Waits for a to rejoin.
    CHECK(c.groups().state(0) == GroupState::preparing_rebalance);
    out.clear();
    c.on_message(node_a, HeartbeatRequest{0, 1, a}, out);
    CHECK(sent<HeartbeatResponse>(out).at(0).error == Error::rebalance_in_progress);
    out.clear();
    c.on_message(node_a, join_request(a, 3), out);
    auto const second = sent<JoinGroupResponse>(out);
    REQUIRE(second.size() == 2);
    b = second[0].member == a ? second[1].member : second[0].member;
    for (JoinGroupResponse const& r : second) {
      CHECK(r.generation == 2);
      CHECK(r.leader == a);
      CHECK(r.members ==
            (r.member == a ? std::vector<std::uint64_t>{a, b} : std::vector<std::uint64_t>{}));
    }
    out.clear();
    c.on_message(node_b, sync_request(b, 2), out);
    CHECK(sent<SyncGroupResponse>(out).empty());  // Waits for the leader's assignment.
    out.clear();
    c.on_message(node_a, sync_request(a, 2, {{a, {0}}, {b, {1}}}), out);
    auto const syncs = sent<SyncGroupResponse>(out);
    REQUIRE(syncs.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
      bool const to_a = out.sends()[i].to == node_a;
      CHECK(syncs[i].partitions == std::vector<std::uint32_t>{to_a ? 0U : 1U});
    }
    CHECK(c.groups().state(0) == GroupState::stable);
  }

  /// a rejoins alone after b is gone: generation 3, a assigned both partitions.
  void rejoin_alone() {
    out.clear();
    c.on_message(node_a, HeartbeatRequest{0, 2, a}, out);
    CHECK(sent<HeartbeatResponse>(out).at(0).error == Error::rebalance_in_progress);
    out.clear();
    c.on_message(node_a, join_request(a, 4), out);
    auto const joined = sent<JoinGroupResponse>(out);
    REQUIRE(joined.size() == 1);
    CHECK(joined[0].generation == 3);
    CHECK(joined[0].members == std::vector<std::uint64_t>{a});
    out.clear();
    c.on_message(node_a, sync_request(a, 3, {{a, {0, 1}}}), out);
    CHECK(sent<SyncGroupResponse>(out).at(0).partitions == std::vector<std::uint32_t>{0, 1});
  }
};

TEST_CASE("members join: generations advance and the leader's assignment reaches each member",
          "[kafka][group]") {
  TwoMembers g;
  CHECK(g.c.groups().generation(0) == 2);
  CHECK(g.c.groups().members(0) == std::vector<std::uint64_t>{g.a, g.b});
}

TEST_CASE("a member leaving moves its partitions to the others", "[kafka][group]") {
  TwoMembers g;
  g.out.clear();
  g.c.on_message(node_b, LeaveGroupRequest{0, g.b}, g.out);
  CHECK(g.c.groups().state(0) == GroupState::preparing_rebalance);
  g.rejoin_alone();
  CHECK(g.c.groups().members(0) == std::vector<std::uint64_t>{g.a});
}

TEST_CASE("session.timeout.ms without a heartbeat removes the member and rebalances",
          "[kafka][group]") {
  TwoMembers g;
  g.out.clear();
  g.c.on_message(node_a, HeartbeatRequest{0, 2, g.a}, g.out);  // a's session is renewed...
  CHECK(g.out.timers().at(0).id == GroupCoordinator::session_timer_for_test(g.a));
  g.out.clear();
  g.c.on_timer(GroupCoordinator::session_timer_for_test(g.b), g.out);  // ...b's expires.
  CHECK(g.c.groups().state(0) == GroupState::preparing_rebalance);
  CHECK(g.c.groups().members(0) == std::vector<std::uint64_t>{g.a});
  g.rejoin_alone();
}

TEST_CASE("the rebalance timeout completes the join without a member that did not rejoin",
          "[kafka][group]") {
  TwoMembers g;
  g.out.clear();
  g.c.on_message(node_a, join_request(0, 9), g.out);  // A third member: a rebalance.
  CHECK(sent<JoinGroupResponse>(g.out).empty());
  g.out.clear();
  g.c.on_message(node_a, join_request(g.a, 10), g.out);  // a rejoins; b never does.
  CHECK(sent<JoinGroupResponse>(g.out).empty());
  g.out.clear();
  g.c.on_timer(GroupCoordinator::timer_base + (TimerId{1} << 44), g.out);  // Group 0's.
  CHECK(sent<JoinGroupResponse>(g.out).size() == 2);
  CHECK(g.c.groups().generation(0) == 3);
  CHECK(g.c.groups().members(0).size() == 2);
  CHECK(g.c.groups().state(0) == GroupState::completing_rebalance);
}

TEST_CASE("commits are fenced by member and generation", "[kafka][group]") {
  TwoMembers g;
  CHECK(commit(g.c, g.out, g.a, 2, 5) == Error::none);
  CHECK(committed(g.c, g.out) == 5);
  g.out.clear();
  g.c.on_message(node_b, LeaveGroupRequest{0, g.b}, g.out);
  // During PreparingRebalance a member of the current generation may still commit.
  CHECK(commit(g.c, g.out, g.a, 2, 6) == Error::none);
  g.out.clear();
  g.c.on_message(node_a, join_request(g.a, 4), g.out);  // Generation 3, CompletingRebalance.
  CHECK(commit(g.c, g.out, g.a, 3, 7) == Error::rebalance_in_progress);
  g.out.clear();
  g.c.on_message(node_a, sync_request(g.a, 3, {{g.a, {0, 1}}}), g.out);
  CHECK(commit(g.c, g.out, g.a, 2, 8) == Error::illegal_generation);  // A stale generation.
  CHECK(commit(g.c, g.out, g.b, 2, 9) == Error::unknown_member_id);   // A removed member.
  CHECK(commit(g.c, g.out, 0, -1, 10) == Error::unknown_member_id);   // `assign` beside a group.
  CHECK(committed(g.c, g.out) == 6);
  CHECK(commit(g.c, g.out, g.a, 3, 11) == Error::none);
  CHECK(committed(g.c, g.out) == 11);
}

TEST_CASE("an `assign` consumer's commit is stored when its group has no members",
          "[kafka][group]") {
  ClusterConfig const cfg = cluster(1);
  Controller c(&cfg);
  Output out;
  c.on_start(out);
  CHECK(commit(c, out, 0, -1, 4) == Error::none);
  CHECK(committed(c, out) == 4);
}

ConsumerConfig subscriber(ClusterConfig const* cfg) {
  ConsumerConfig c;
  c.cluster = cfg;
  c.group = "billing";
  for (std::uint32_t p = 0; p < cfg->partitions.size(); ++p) c.topic_partitions.push_back(p);
  c.auto_commit = false;
  c.commit = CommitMode::after_processing;
  c.reset = OffsetReset::earliest;
  c.processing = Distribution::constant(milliseconds(1));
  c.max_poll_interval = milliseconds(100);
  return c;
}

TEST_CASE("the leader consumer assigns with the range assignor", "[kafka][group]") {
  ClusterConfig const cfg = cluster(4);
  ConsumerConfig const cc = subscriber(&cfg);
  Consumer c(&cc);
  Output out;
  c.on_start(out);
  auto const joins = sent<JoinGroupRequest>(out);
  REQUIRE(joins.size() == 1);
  CHECK(joins[0].member == 0);
  CHECK(joins[0].rebalance_timeout == milliseconds(100));
  out.clear();
  c.on_message(cfg.controller, JoinGroupResponse{joins[0].request, Error::none, 1, 3, 3, {3, 7, 9}},
               out);
  auto const syncs = sent<SyncGroupRequest>(out);
  REQUIRE(syncs.size() == 1);
  CHECK(syncs[0].assignments == std::vector<MemberAssignment>{{3, {0, 1}}, {7, {2}}, {9, {3}}});
}

FetchResponse records(FetchRequest const& req, std::vector<std::uint64_t> ids) {
  FetchResponse f;
  f.request = req.request;
  f.partition = req.partition;
  f.offset = req.offset;
  f.high_watermark = Offset{static_cast<std::int64_t>(ids.size())};
  for (std::uint64_t id : ids) {
    LogRecord r;
    r.id = MessageId{id};
    f.records.push_back(r);
  }
  return f;
}

bool has_op(Output& out, history::OpType type, history::OpKind f) {
  for (Observe const& o : out.observed()) {
    if (o.op.type == type && o.op.f == f) return true;
  }
  return false;
}

TEST_CASE("a consumer past max.poll.interval.ms leaves its group and its commit fails",
          "[kafka][group]") {
  ClusterConfig const cfg = cluster(1);
  ConsumerConfig const cc = subscriber(&cfg);
  Consumer c(&cc);
  Output out;
  c.on_start(out);
  std::uint64_t const join = sent<JoinGroupRequest>(out).at(0).request;
  out.clear();
  c.on_message(cfg.controller, JoinGroupResponse{join, Error::none, 1, 3, 3, {3}}, out);
  std::uint64_t const sync = sent<SyncGroupRequest>(out).at(0).request;
  out.clear();
  c.on_message(cfg.controller, SyncGroupResponse{sync, Error::none, {0}}, out);
  CHECK(has_op(out, history::OpType::ok, history::OpKind::assign));
  std::uint64_t const fetch_offsets = sent<OffsetFetchRequest>(out).at(0).request;
  c.on_message(cfg.controller, MetadataResponse{{0}}, out);
  out.clear();
  c.on_message(cfg.controller, OffsetFetchResponse{fetch_offsets, {{0, Offset{-1}}}}, out);
  auto const fetches = sent<FetchRequest>(out);
  REQUIRE(fetches.size() == 1);
  out.clear();
  c.on_message(cfg.broker_node(0), records(fetches[0], {1, 2}), out);
  CHECK(has_op(out, history::OpType::invoke, history::OpKind::process));
  out.clear();
  c.on_timer(Consumer::max_poll_timer, out);  // Processing outlasts max.poll.interval.ms.
  auto const leaves = sent<LeaveGroupRequest>(out);
  REQUIRE(leaves.size() == 1);
  CHECK(leaves[0].member == 3);
  out.clear();
  c.on_timer(1, out);  // The processing timer: records 1, then 2, processed.
  c.on_timer(1, out);
  CHECK(has_op(out, history::OpType::ok, history::OpKind::process));
  CHECK(has_op(out, history::OpType::fail, history::OpKind::commit));  // CommitFailedException.
  CHECK_FALSE(has_op(out, history::OpType::ok, history::OpKind::commit));
  CHECK(sent<OffsetCommitRequest>(out).empty());
  auto const rejoins = sent<JoinGroupRequest>(out);  // The next poll joins as a new member.
  REQUIRE(rejoins.size() == 1);
  CHECK(rejoins[0].member == 0);
}

}  // namespace
}  // namespace mqcheck::model::kafka
