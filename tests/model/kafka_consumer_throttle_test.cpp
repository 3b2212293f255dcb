// SPDX-License-Identifier: Apache-2.0
// File: tests/model/kafka_consumer_throttle_test.cpp
// Consumer quotas (consumer_byte_rate), stepped by hand. The broker's side: the leader records
// each consumer fetch response against the consumer's quota; the one that takes the rate over
// it is answered at once but empty, with throttle_time_ms, its bytes taken back, and the
// channel muted (KafkaApis.handleFetchRequest, KIP-219); a fetch is capped at what the quota
// allows over samples - 1 windows (KAFKA-9677). The consumer's side: a FetchResponse carrying
// a throttle keeps the consumer from fetching from that broker until it ends (NetworkClient.
// maybeThrottle); its other broker is fetched from meanwhile, and when every leader is
// throttled the poll waits for the first to end. Positions do not move over an empty answer.
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "model/kafka/quota.hpp"
#include "tests/model/kafka_fixture.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;

constexpr NodeId consumer_node{30};
constexpr TimerId poll_timer = 0;  // consumer.cpp: the next poll.

// Two brokers, each leading one partition of "orders", with quotas on.
ClusterConfig cluster() {
  ClusterConfig c = testing::two_broker_cluster();
  c.quotas.enabled = true;
  c.quotas.window_ms = 1'000;
  c.quotas.samples = 2;
  return c;
}

// A leader of partition 0 holding `records` records.
Broker leader_with(ClusterConfig const& c, int records, Output& out) {
  Broker b(&c, 0);
  b.on_start(out);
  for (int i = 0; i < records; ++i) {
    ProduceRequest req;
    req.request = static_cast<std::uint64_t>(i + 1);
    req.acks = Acks::leader;
    req.record.id = MessageId{static_cast<std::uint64_t>(i + 1)};
    b.on_message(NodeId{1}, req, out);
  }
  out.clear();
  return b;
}

FetchResponse fetch(Broker& b, std::uint64_t request, std::int64_t offset, Output& out) {
  FetchRequest req;
  req.request = request;
  req.offset = Offset{offset};
  req.max_records = 500;
  out.clear();
  b.on_message(consumer_node, req, out);
  auto const answers = sent<FetchResponse>(out);
  return answers.empty() ? FetchResponse{} : answers.front();
}

ConsumerConfig consumer_config(ClusterConfig const* c) {
  ConsumerConfig cc;
  cc.cluster = c;
  cc.topic = "orders";
  cc.partitions = {0, 1};
  cc.topic_partitions = {0, 1};
  cc.subscribe = false;
  cc.auto_commit = false;
  cc.reset = OffsetReset::earliest;
  cc.fetch_max_wait = milliseconds(10);
  return cc;
}

// Starts `k` (assign: partitions 0 and 1, nothing committed) up to its first poll's fetches.
std::vector<FetchRequest> start(Consumer& k, ClusterConfig const& c, Output& out) {
  k.on_start(out);
  std::uint64_t const offsets = sent<OffsetFetchRequest>(out).at(0).request;
  k.on_message(c.controller, MetadataResponse{{0, 1}}, out);
  out.clear();
  k.on_message(c.controller, OffsetFetchResponse{offsets, {{0, Offset{-1}}, {1, Offset{-1}}}}, out);
  return sent<FetchRequest>(out);
}

FetchResponse empty_answer(FetchRequest const& req, std::int64_t throttle_ms) {
  FetchResponse r;
  r.request = req.request;
  r.partition = req.partition;
  r.offset = req.offset;
  r.throttle_ms = throttle_ms;
  return r;
}

std::vector<std::uint32_t> partitions(std::vector<FetchRequest> const& reqs) {
  std::vector<std::uint32_t> v;
  for (FetchRequest const& r : reqs) v.push_back(r.partition);
  return v;
}

}  // namespace

TEST_CASE("over consumer_byte_rate the fetch is answered empty, throttled, and muted",
          "[kafka][quota]") {
  ClusterConfig c = cluster();
  c.quotas.consumer_byte_rate[consumer_node.value] = 2'000;  // 2000 B over 1 s: 17 records.
  Output out;
  Broker b = leader_with(c, 40, out);
  FetchResponse const first = fetch(b, 1, 0, out);
  CHECK(first.records.size() == 17);  // Capped: 61 + 17 * 110 = 1931 B fit in 2000.
  CHECK(first.throttle_ms == 0);
  out.set_now(SimTimeUs{100'000});
  FetchResponse const second = fetch(b, 2, 17, out);
  // 3862 B over 1.1 s (one whole window assumed, plus 0.1 s): 3511 B/s, throttled
  // (3511 - 2000) / 2000 * 1.1 s, and nothing returned.
  CHECK(second.records.empty());
  CHECK(second.error == Error::none);
  CHECK(second.throttle_ms == 831);
  REQUIRE(out.timers().size() == 1);  // The unmute, at 931 ms.
  CHECK(out.timers().front().delay.mean.us == 831'000);
  out.set_now(SimTimeUs{500'000});
  CHECK(fetch(b, 3, 17, out).request == 0);  // Muted: the request waits, unanswered.
  out.clear();
  out.set_now(SimTimeUs{931'000});
  b.on_timer((TimerId{1} << 48) + consumer_node.value, out);  // broker.hpp: quota_timers.
  auto const later = sent<FetchResponse>(out);
  // The deferred fetch, served now: the empty answer's bytes were taken back, so 2 x 1931 B
  // over 1.931 s is exactly the quota (with them, 3000 B/s: throttled again).
  REQUIRE(later.size() == 1);
  CHECK(later[0].request == 3);
  CHECK(later[0].offset == Offset{17});
  CHECK(later[0].records.size() == 17);
  CHECK(later[0].throttle_ms == 0);
}

TEST_CASE("a consumer without a quota is never throttled nor capped", "[kafka][quota]") {
  ClusterConfig c = cluster();
  c.quotas.consumer_byte_rate[consumer_node.value + 1] = 2'000;  // Another client's.
  c.quotas.producer_byte_rate[consumer_node.value] = 2'000;      // Another quota type.
  Output out;
  Broker b = leader_with(c, 40, out);
  FetchResponse const first = fetch(b, 1, 0, out);
  CHECK(first.records.size() == 40);
  FetchResponse const again = fetch(b, 2, 0, out);
  CHECK(again.records.size() == 40);
  CHECK(again.throttle_ms == 0);
}

TEST_CASE("a throttled consumer fetches nothing from that broker until the throttle ends",
          "[kafka][quota]") {
  ClusterConfig const c = cluster();
  ConsumerConfig const cc = consumer_config(&c);
  Consumer k(&cc);
  Output out;
  auto const fetches = start(k, c, out);
  REQUIRE(partitions(fetches) == std::vector<std::uint32_t>{0, 1});
  out.clear();
  out.set_now(SimTimeUs{1'000});
  k.on_message(c.broker_node(0), empty_answer(fetches[0], 100), out);  // Until 101 ms.
  k.on_message(c.broker_node(1), empty_answer(fetches[1], 0), out);
  out.clear();
  out.set_now(SimTimeUs{11'000});
  k.on_timer(poll_timer, out);  // The next poll: broker 0 is throttled, broker 1 is not.
  auto const second = sent<FetchRequest>(out);
  REQUIRE(partitions(second) == std::vector<std::uint32_t>{1});
  CHECK(second[0].offset == Offset{0});
  out.clear();
  k.on_message(c.broker_node(1), empty_answer(second[0], 200), out);  // Until 211 ms.
  out.clear();
  out.set_now(SimTimeUs{21'000});
  k.on_timer(poll_timer, out);  // Both throttled: no fetch, no poll; wait for broker 0's end.
  CHECK(sent<FetchRequest>(out).empty());
  CHECK(out.observed().empty());
  REQUIRE(out.timers().size() == 1);
  CHECK(out.timers().front().id == poll_timer);
  CHECK(out.timers().front().delay.mean.us == 80'000);
  out.clear();
  out.set_now(SimTimeUs{101'000});
  k.on_timer(poll_timer, out);
  auto const third = sent<FetchRequest>(out);
  REQUIRE(partitions(third) == std::vector<std::uint32_t>{0});
  CHECK(third[0].offset == Offset{0});  // The empty answer moved no position.
}

TEST_CASE("a fetch answer without a throttle holds nothing back", "[kafka][quota]") {
  ClusterConfig const c = cluster();
  ConsumerConfig const cc = consumer_config(&c);
  Consumer k(&cc);
  Output out;
  auto const fetches = start(k, c, out);
  REQUIRE(fetches.size() == 2);
  out.clear();
  k.on_message(c.broker_node(0), empty_answer(fetches[0], 0), out);
  k.on_message(c.broker_node(1), empty_answer(fetches[1], 0), out);
  out.clear();
  out.set_now(SimTimeUs{11'000});
  k.on_timer(poll_timer, out);
  CHECK(partitions(sent<FetchRequest>(out)) == std::vector<std::uint32_t>{0, 1});
}

}  // namespace mqcheck::model::kafka
