// SPDX-License-Identifier: Apache-2.0
// Idempotence is per producer session (KIP-98): a restarted Kafka producer that resends what
// it never saw acknowledged (`resend_unacknowledged`) writes again the records its
// predecessor wrote; without the resend nothing is processed twice, and the key is refused
// where the model does not cover it.
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"

namespace mqcheck::sim {
namespace {

using testing::error_of;

// The answers to p1 are cut off while it sends (its records are written, never acknowledged),
// then p1 crashes and restarts after the heal.
std::string scenario(std::string const& producer_extra) {
  return R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50,
  replica.fetch.wait.max.ms: 10}
topics: [{name: orders, partitions: 1, config: {replication.factor: 3}}]
producers: [{id: p1, topic: orders, messages: 60, rate_per_s: 500)" +
         producer_extra + R"(,
  config: {request.timeout.ms: 10, retry.backoff.ms: 5}}]
consumers: [{group: billing, topic: orders, processing: 100us, commit: after-processing,
  config: {enable.auto.commit: false, auto.offset.reset: earliest, fetch.max.wait.ms: 10}}]
faults:
  - {at: 40ms, for: 50ms, partition: {groups: [[broker-0, broker-1, broker-2, controller,
     billing-0]], one_way: true}}
  - {at: 80ms, crash: p1, for: 30ms}
quiesce: 150ms
drain: 2s
)";
}

struct Counts {
  int sends = 0;        // send invokes
  int duplicated = 0;   // messages processed more than once
  int processed = 0;    // distinct messages processed
};

Counts count(history::History const& h) {
  Counts c;
  std::map<std::uint64_t, int> times;
  for (history::Op const& op : h.ops()) {
    if (op.f == history::OpKind::send && op.type == history::OpType::invoke) ++c.sends;
    if (op.f != history::OpKind::process || op.type != history::OpType::ok) continue;
    for (history::Record const& r : op.value) ++times[r.id.value];
  }
  for (auto const& [id, n] : times) c.duplicated += n > 1 ? 1 : 0;
  c.processed = static_cast<int>(times.size());
  return c;
}

}  // namespace

TEST_CASE("a restarted idempotent producer that resends duplicates what it had written",
          "[sim][kafka]") {
  RunResult const resend = simulate(parse_scenario(scenario(", resend_unacknowledged: true"),
                                                   "s.yaml"), 1);
  REQUIRE(resend.faults.size() == 4);  // partition, crash, heal, restart: all fired
  Counts const with = count(resend.history);
  CHECK(with.sends > 60);      // the unacknowledged ones were sent again
  CHECK(with.duplicated > 0);  // new producer id: the broker did not recognise them
  CHECK(with.processed == 60);

  RunResult const plain = simulate(parse_scenario(scenario(""), "s.yaml"), 1);
  REQUIRE(plain.faults.size() == 4);
  Counts const without = count(plain.history);
  CHECK(without.sends == 60);
  CHECK(without.duplicated == 0);
  CHECK(without.processed < 60);  // what was never written stays unsent
}

TEST_CASE("resend_unacknowledged is refused where it is not modelled", "[sim][kafka]") {
  CHECK_THAT(error_of("name: n\nbroker: reference\nqueues: [{name: jobs}]\n"
                      "producers: [{id: p1, topic: jobs, messages: 1, rate_per_s: 1, "
                      "resend_unacknowledged: true}]\n"),
             Catch::Contains("producers.resend_unacknowledged") &&
                 Catch::Contains("only broker: kafka"));
  CHECK_THAT(error_of(R"(name: k
broker: kafka
cluster: {brokers: 1}
topics: [{name: orders, partitions: 1}]
producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1, resend_unacknowledged: true,
  config: {transactional.id: t1}}]
)"),
             Catch::Contains("producers[0].resend_unacknowledged"));
  CHECK_THAT(error_of("name: n\nbroker: kafka\ncluster: {brokers: 1}\n"
                      "topics: [{name: orders, partitions: 1}]\n"
                      "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1, "
                      "resend_unacknowledge: true}]\n"),
             Catch::Contains("did you mean 'resend_unacknowledged'"));
}
}  // namespace mqcheck::sim
