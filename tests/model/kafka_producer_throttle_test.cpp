// SPDX-License-Identifier: Apache-2.0
// File: tests/model/kafka_producer_throttle_test.cpp
// KIP-219's client side, stepped by hand: a producer whose ProduceResponse carries a throttle
// time (throttle_time_ms) sends that broker nothing until it has passed (the records wait in the
// accumulator, in one batch), then sends them at once; another broker's connection is not held
// back, and without a throttle the same records leave at once.
#include <algorithm>
#include <catch2/catch.hpp>

#include "model/kafka/model.hpp"
#include "model/kafka/producer_batch.hpp"
#include "tests/model/kafka_fixture.hpp"
#include "tests/model/sent.hpp"

namespace mqcheck::model::kafka {
namespace {

using Output = Out<Message, Entry>;
using testing::sent;

constexpr TimerId next_send = 0;

ClusterConfig cluster() { return testing::two_broker_cluster(); }

ProducerConfig producer_config(ClusterConfig const* c, std::uint32_t partition) {
  ProducerConfig p;
  p.cluster = c;
  p.topic = "orders";
  p.partitions = {partition};  // Every record to this partition, led by broker `partition`.
  p.first_id = MessageId{1};
  p.messages = 100;
  p.interval = Distribution::constant(milliseconds(1));
  p.idempotence = false;
  return p;
}

// Starts `p`: broker b leads partition b.
void start(Producer& p, ClusterConfig const& c, Output& out) {
  p.on_start(out);
  MetadataResponse meta;
  meta.leaders = {0, 1};
  p.on_message(c.controller, meta, out);
  out.clear();
}

std::vector<ProduceRequest> send_messages(Producer& p, int n, Output& out) {
  for (int i = 0; i < n; ++i) p.on_timer(next_send, out);
  return sent<ProduceRequest>(out);
}

}  // namespace

TEST_CASE("a throttled producer sends nothing to that broker until the throttle time passed",
          "[kafka][quota][batch]") {
  ClusterConfig const c = cluster();
  ProducerConfig const config = producer_config(&c, 0);
  Producer p(&config);
  Output out;
  start(p, c, out);
  auto const first = send_messages(p, 1, out);
  REQUIRE(first.size() == 1);  // Not throttled: it leaves at once.
  out.clear();
  out.set_now(SimTimeUs{1'000});
  ProduceResponse answer{first[0].request, 0, Error::none, Offset{0}};
  answer.throttle_ms = 100;  // The answer carries the throttle (KIP-219).
  p.on_message(c.broker_node(0), answer, out);
  TimerId const end = throttle_timer_kind | 0;
  auto const timers = out.timers();
  auto const timer = std::find_if(timers.begin(), timers.end(),
                                  [&](auto const& t) { return t.id == end; });
  REQUIRE(timer != timers.end());
  CHECK(timer->delay.mean.us == 100'000);
  out.clear();
  CHECK(send_messages(p, 3, out).empty());  // Throttled: they wait in the accumulator.
  out.set_now(SimTimeUs{50'000});
  p.on_timer(end, out);  // A stale timer: still throttled until 101 ms.
  CHECK(sent<ProduceRequest>(out).empty());
  out.clear();
  out.set_now(SimTimeUs{101'000});
  p.on_timer(end, out);
  auto const after = sent<ProduceRequest>(out);
  REQUIRE(after.size() == 1);
  REQUIRE(after[0].batches.size() == 1);
  CHECK(after[0].batches[0].records.size() == 3);  // What accumulated, in one request.
}

TEST_CASE("another broker's throttle does not hold a producer back", "[kafka][quota][batch]") {
  ClusterConfig const c = cluster();
  ProducerConfig const config = producer_config(&c, 1);  // Broker 1 leads its partition.
  Producer p(&config);
  Output out;
  start(p, c, out);
  ProduceResponse answer;  // To a request it never sent: only the throttle counts.
  answer.request = 999;
  answer.throttle_ms = 100;
  p.on_message(c.broker_node(0), answer, out);
  out.clear();
  auto const sent_now = send_messages(p, 2, out);
  REQUIRE(sent_now.size() == 2);  // max.in.flight 5: each record its own request at once.
}

}  // namespace mqcheck::model::kafka
