// SPDX-License-Identifier: Apache-2.0
// Client quotas (model/kafka/quota.cpp, quota_config.cpp), by hand: the windowed rate and its
// minimum window, the throttle (O - T) / T * W, the muted channel that holds a client's
// requests until it ends and then hands them back in order, a client without a quota never
// muted, KIP-55's precedence (per quota type), the consumer's fetch cap and response size, and
// the quota type still refused (request_percentage). Consumer throttling end to end is
// kafka_consumer_throttle_test.cpp.
#include <catch2/catch.hpp>

#include "core/input_error.hpp"
#include "model/kafka/model.hpp"
#include "model/kafka/quota.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;

QuotaConfig window(std::int64_t window_ms, std::int64_t samples) {
  QuotaConfig q;
  q.enabled = true;
  q.window_ms = window_ms;
  q.samples = samples;
  return q;
}

ConfigMap entry(std::initializer_list<std::pair<std::string, std::string>> keys) {
  ConfigMap m;
  for (auto const& [k, v] : keys) m[k] = ConfigValue{v, {"q.yaml", 1, 1}};
  return m;
}

}  // namespace

TEST_CASE("the rate is measured over at least samples - 1 whole windows", "[kafka][quota]") {
  QuotaConfig const q = window(1'000, 11);
  SampledRate rate;
  rate.record(5'000, 0, q);
  CHECK(rate.window_size(0, q) == 10'000);  // 10 whole windows assumed at the start.
  CHECK(rate.measure(0, q) == Approx(500.0));
  rate.record(5'000, 2'500, q);  // A new window: 2.5 s after the first began.
  CHECK(rate.window_size(2'500, q) == 10'500);
  CHECK(rate.measure(2'500, q) == Approx(10'000.0 * 1'000 / 10'500));
  // 11 s later every window is obsolete: nothing is counted.
  CHECK(rate.measure(14'000, q) == Approx(0.0));
}

TEST_CASE("over the quota the channel is muted for (O - T) / T * W, then handed back in order",
          "[kafka][quota]") {
  QuotaConfig q = window(1'000, 2);
  q.producer_byte_rate[3] = 1'000;
  ClientQuotas quotas(&q, TimerId{1} << 48);
  Output out;
  out.set_now(SimTimeUs{0});
  CHECK(quotas.record_produce(NodeId{3}, 1'000, out) == 0);  // 1000 B over 1 s: at the quota.
  CHECK(out.timers().empty());
  CHECK_FALSE(quotas.defer(NodeId{3}, MetadataRequest{}, out));
  // O = 1500: throttle (1500 - 1000) / 1000 * 1 s, returned for the answer's throttle_time_ms.
  CHECK(quotas.record_produce(NodeId{3}, 500, out) == 500);
  REQUIRE(out.timers().size() == 1);
  CHECK(out.timers().front().id == (TimerId{1} << 48) + 3);
  CHECK(out.timers().front().delay.mean.us == 500'000);
  CHECK(out.sends().empty());  // KIP-219: no message of its own; the answer carries it.
  ProduceRequest first;
  first.request = 7;
  ProduceRequest second;
  second.request = 8;
  out.set_now(SimTimeUs{100'000});
  CHECK(quotas.defer(NodeId{3}, first, out));
  CHECK(quotas.defer(NodeId{3}, second, out));
  CHECK_FALSE(quotas.defer(NodeId{4}, first, out));             // Another client: not muted.
  CHECK(quotas.on_timer((TimerId{1} << 48) + 3, out).empty());  // Too early: still muted.
  out.set_now(SimTimeUs{500'000});
  auto const due = quotas.on_timer((TimerId{1} << 48) + 3, out);
  REQUIRE(due.size() == 2);
  CHECK(std::get<ProduceRequest>(due[0].second).request == 7);
  CHECK(std::get<ProduceRequest>(due[1].second).request == 8);
  CHECK_FALSE(quotas.defer(NodeId{3}, first, out));
}

// KIP-219: KafkaApis.handleProduceRequest puts the throttle time in the ProduceResponse, both
// when it answers at the append (acks=1) and when the HW completes the request (acks=all).
TEST_CASE("the produce answer carries the throttle time", "[kafka][quota]") {
  ClusterConfig c;
  c.brokers = 2;
  c.first_broker_node = 10;
  c.controller = NodeId{20};
  PartitionInfo info;
  info.topic = "orders";
  info.replicas = {0, 1};
  c.partitions.push_back(info);
  c.quotas = window(1'000, 2);
  c.quotas.producer_byte_rate[3] = 100;  // One record (171 B) takes it over.
  Broker leader(&c, 0);
  Output out;
  leader.on_start(out);
  out.clear();
  ProduceRequest req;
  req.request = 1;
  req.acks = Acks::leader;
  leader.on_message(NodeId{3}, req, out);
  auto const now = testing::sent<ProduceResponse>(out);
  REQUIRE(now.size() == 1);
  CHECK(now[0].throttle_ms == 710);  // (171 - 100) / 100 * 1 s.
  out.clear();
  out.set_now(SimTimeUs{710'000});  // Unmuted.
  req.request = 2;
  req.acks = Acks::all;
  leader.on_message(NodeId{3}, req, out);
  CHECK(testing::sent<ProduceResponse>(out).empty());  // Waits for the follower.
  FetchRequest fetch;
  fetch.request = 50;
  fetch.replica = 1;
  fetch.offset = Offset{2};
  fetch.last_epoch = 0;
  leader.on_message(NodeId{11}, fetch, out);
  auto const later = testing::sent<ProduceResponse>(out);
  REQUIRE(later.size() == 1);
  CHECK(later[0].request == 2);
  CHECK(later[0].throttle_ms > 0);
  ProduceRequest other;  // Another client, without a quota: 0.
  other.request = 3;
  other.acks = Acks::leader;
  out.clear();
  leader.on_message(NodeId{4}, other, out);
  REQUIRE(testing::sent<ProduceResponse>(out).size() == 1);
  CHECK(testing::sent<ProduceResponse>(out)[0].throttle_ms == 0);
}

TEST_CASE("a client without a quota is never throttled", "[kafka][quota]") {
  QuotaConfig q = window(1'000, 2);
  ClientQuotas quotas(&q, TimerId{1} << 48);
  Output out;
  quotas.record_produce(NodeId{3}, 1'000'000'000, out);
  CHECK(out.timers().empty());
  CHECK_FALSE(quotas.defer(NodeId{3}, MetadataRequest{}, out));
}

TEST_CASE("a produce request counts its batch headers and records", "[kafka][quota]") {
  ProduceRequest one;  // One record, no batches: how the transactional session sends.
  CHECK(produce_request_bytes(one) == 61 + 110);
  ProduceRequest two;
  two.batches.resize(2);
  two.batches[0].records.resize(3);
  two.batches[1].records.resize(1);
  CHECK(produce_request_bytes(two) == 2 * 61 + 4 * 110);
}

TEST_CASE("the most specific quota entity applies (KIP-55)", "[kafka][quota]") {
  std::vector<QuotaBinding> const b{
      {"", "p1", 100}, {"User:alice", "", 200}, {"User:alice", "p1", 300}};
  CHECK(producer_rate_for(b, "User:alice", "p1") == 300);
  CHECK(producer_rate_for(b, "User:alice", "p2") == 200);
  CHECK(producer_rate_for(b, "User:bob", "p1") == 100);
  CHECK(producer_rate_for(b, "User:bob", "p2") == -1);
  CHECK(consumer_rate_for(b, "User:alice", "p1") == -1);  // No consumer_byte_rate anywhere.
}

// Kafka keeps one quota manager per type, each with its own overrides: the most specific
// entity with a consumer_byte_rate applies, whatever producer_byte_rate another one sets.
TEST_CASE("each quota type has its own most specific entity", "[kafka][quota]") {
  std::vector<QuotaBinding> const b{{"User:alice", "c1", 300, -1}, {"User:alice", "", -1, 50}};
  CHECK(producer_rate_for(b, "User:alice", "c1") == 300);
  CHECK(consumer_rate_for(b, "User:alice", "c1") == 50);
  CHECK(producer_rate_for(b, "User:alice", "c2") == -1);
  CHECK(consumer_rate_for(b, "User:alice", "c2") == 50);
}

TEST_CASE("a consumer fetch is capped at the quota over samples - 1 windows", "[kafka][quota]") {
  QuotaConfig q = window(1'000, 11);
  q.consumer_byte_rate[5] = 1'000;  // 10,000 B over 10 windows: (10000 - 61) / 110 records.
  q.consumer_byte_rate[6] = 10;     // Not even one record fits: one all the same (KIP-74).
  ClientQuotas const quotas(&q, TimerId{1} << 48);
  CHECK(quotas.fetch_max_records(NodeId{5}, 500) == 90);
  CHECK(quotas.fetch_max_records(NodeId{5}, 20) == 20);
  CHECK(quotas.fetch_max_records(NodeId{6}, 500) == 1);
  CHECK(quotas.fetch_max_records(NodeId{7}, 500) == 500);  // No quota: as asked.
  FetchResponse resp;
  CHECK(fetch_response_bytes(resp) == 0);
  resp.records.resize(3);
  CHECK(fetch_response_bytes(resp) == 61 + 3 * 110);
}

TEST_CASE("quota entries: required keys and the quota types not modelled", "[kafka][quota]") {
  QuotaBinding const b =
      parse_quota_binding(entry({{"client-id", "p1"}, {"producer_byte_rate", "500"}}), 0, {});
  CHECK(b.client_id == "p1");
  CHECK(b.producer_byte_rate == 500);
  CHECK(b.consumer_byte_rate == -1);
  QuotaBinding const both = parse_quota_binding(
      entry({{"user", "User:bob"}, {"producer_byte_rate", "7"}, {"consumer_byte_rate", "9"}}), 0,
      {});
  CHECK(both.producer_byte_rate == 7);
  CHECK(both.consumer_byte_rate == 9);
  CHECK(parse_quota_binding(entry({{"client-id", "c"}, {"consumer_byte_rate", "5"}}), 0, {})
            .consumer_byte_rate == 5);
  CHECK_THROWS_WITH(parse_quota_binding(entry({{"producer_byte_rate", "5"}}), 0, {}),
                    Catch::Contains("'user', 'client-id' or both"));
  CHECK_THROWS_WITH(parse_quota_binding(entry({{"client-id", "p1"}}), 1, {}),
                    Catch::Contains("quotas[1]") &&
                        Catch::Contains("producer_byte_rate, consumer_byte_rate or both"));
  CHECK_THROWS_WITH(
      parse_quota_binding(entry({{"client-id", "p1"}, {"consumer_byte_rate", "0"}}), 0, {}),
      Catch::Contains("consumer_byte_rate"));
  CHECK_THROWS_WITH(
      parse_quota_binding(entry({{"client-id", "p1"}, {"request_percentage", "5"}}), 0, {}),
      Catch::Contains("request_percentage"));
  CHECK_THROWS_WITH(
      parse_quota_binding(entry({{"client-id", "p1"}, {"producer_byte_rat", "5"}}), 0, {}),
      Catch::Contains("producer_byte_rate"));
}

}  // namespace mqcheck::model::kafka
