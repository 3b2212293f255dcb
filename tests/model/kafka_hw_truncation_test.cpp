// SPDX-License-Identifier: Apache-2.0
// Truncation to the high watermark before KIP-101: on 0.10 a replica that becomes a follower
// cuts its log to its HW (ReplicaManager.makeFollowers) and fetches without a leader epoch; from
// 0.11 it keeps its log and fetches with the epoch of its last record, so the leader can say
// where it diverges (KIP-101).
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;

ClusterConfig cluster(Version version) {
  ClusterConfig c;
  c.version = version;
  c.brokers = 2;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  PartitionInfo p;
  p.topic = "orders";
  p.replicas = {0, 1};
  c.partitions.push_back(p);
  return c;
}

// Starts broker 1 as the follower of broker 0, hands it three records of epoch 0 with the
// leader's HW at 1, then has the controller make it a follower again in epoch 1 (a new
// leader epoch, as after a restart or a leader change). Returns the follower's log end and the
// last_epoch of the fetch it sent after the LeaderAndIsr.
std::pair<std::int64_t, std::int32_t> refollow(Version version) {
  ClusterConfig const c = cluster(version);
  Broker follower(&c, 1);
  Output out;
  follower.on_start(out);
  auto const fetches = sent<FetchRequest>(out);
  REQUIRE(fetches.size() == 1);
  out.clear();
  FetchResponse resp;
  resp.request = fetches[0].request;
  resp.offset = Offset{0};
  resp.high_watermark = Offset{1};
  for (std::uint64_t id = 1; id <= 3; ++id) {
    LogRecord r;
    r.id = MessageId{id};
    r.timestamp = 0;
    resp.records.push_back(r);
  }
  follower.on_message(c.broker_node(0), resp, out);
  REQUIRE(follower.log(0).leo() == Offset{3});
  REQUIRE(follower.log(0).hw() == Offset{1});
  out.clear();
  follower.on_message(c.controller, LeaderAndIsr{0, 0, 1, broker_bit(0) | broker_bit(1)}, out);
  auto const again = sent<FetchRequest>(out);
  REQUIRE(again.size() == 1);
  return {follower.log(0).leo().value, again[0].last_epoch};
}

TEST_CASE("0.10: a replica that becomes a follower truncates to its high watermark",
          "[kafka]") {
  auto const [leo, last_epoch] = refollow(Version{0, 10});
  CHECK(leo == 1);
  CHECK(last_epoch == -1);  // No leader epochs before 0.11.
}

TEST_CASE("from 0.11 a new follower keeps its log and fetches with its last epoch",
          "[kafka]") {
  auto const [leo, last_epoch] = refollow(Version{3, 7});
  CHECK(leo == 3);
  CHECK(last_epoch == 0);
}

}  // namespace
}  // namespace mqcheck::model::kafka
