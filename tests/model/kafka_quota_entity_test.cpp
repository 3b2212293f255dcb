// SPDX-License-Identifier: Apache-2.0
// Client quotas per entity (KIP-55; model/kafka/quota.cpp), by hand: clients mapped to one
// entity count against one rate, so one client's bytes throttle the other's next request;
// only the requester's channel is muted; clients of different entities stay apart; and the
// entity a client gets is the most specific one that sets that quota type, named as Kafka
// names the sensor (its metric tags).
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "model/kafka/quota.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;

QuotaConfig entity_quotas(std::uint32_t entity_of_4) {
  QuotaConfig q;
  q.enabled = true;
  q.window_ms = 1'000;
  q.samples = 2;
  q.producer_byte_rate[3] = 1'000;
  q.producer_byte_rate[4] = 1'000;
  q.producer_entity[3] = 0;
  q.producer_entity[4] = entity_of_4;
  return q;
}

TEST_CASE("clients of one entity share its rate; only the requester is muted", "[kafka][quota]") {
  QuotaConfig const shared = entity_quotas(0);
  ClientQuotas quotas(&shared, TimerId{1} << 48);
  Output out;
  out.set_now(SimTimeUs{0});
  CHECK(quotas.record_produce(NodeId{3}, 1'000, out) == 0);  // At the quota.
  CHECK_FALSE(quotas.defer(NodeId{4}, MetadataRequest{}, out));
  // Client 4's first bytes find the entity's rate at the quota already: 1500 B/s, throttled.
  CHECK(quotas.record_produce(NodeId{4}, 500, out) == 500);
  REQUIRE(out.timers().size() == 1);
  CHECK(out.timers().front().id == (TimerId{1} << 48) + 4);  // Its channel, not 3's.
  CHECK(quotas.defer(NodeId{4}, MetadataRequest{}, out));
  CHECK_FALSE(quotas.defer(NodeId{3}, MetadataRequest{}, out));

  QuotaConfig const apart = entity_quotas(1);
  ClientQuotas separate(&apart, TimerId{1} << 48);
  Output out2;
  out2.set_now(SimTimeUs{0});
  CHECK(separate.record_produce(NodeId{3}, 1'000, out2) == 0);
  CHECK(separate.record_produce(NodeId{4}, 500, out2) == 0);  // Its own rate: 500 B/s.
}

TEST_CASE("a client's entity is the most specific one setting that quota type", "[kafka][quota]") {
  std::vector<QuotaBinding> const bindings = {
      {"User:alice", "", 1'000, -1},
      {"User:alice", "p2", 2'000, -1},
      {"", "app", -1, 3'000},
  };
  CHECK(producer_entity_for(bindings, "User:alice", "p1") == "user=User:alice,client-id=");
  CHECK(producer_entity_for(bindings, "User:alice", "p3") == "user=User:alice,client-id=");
  CHECK(producer_entity_for(bindings, "User:alice", "p2") == "user=User:alice,client-id=p2");
  CHECK(producer_entity_for(bindings, "User:bob", "app").empty());
  CHECK(consumer_entity_for(bindings, "User:alice", "app") == "user=,client-id=app");
  CHECK(consumer_entity_for(bindings, "User:bob", "app") == "user=,client-id=app");
}

}  // namespace
}  // namespace mqcheck::model::kafka
