// SPDX-License-Identifier: Apache-2.0
// Delay through paused consumption (a PATTERN) in the Kafka world: the topic's sends carry
// their due time (CreateTime + the delay), a pausing consumer fetches records early but
// processes none before it is due and stays in its group, a sleeping one loses its membership
// and processes records twice, and without `delay` nothing is held back.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"
#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

using history::OpKind;
using history::OpType;

std::string const base = R"(name: d
broker: kafka
version: "3.7"
cluster: {brokers: 1}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50}
topics: [{name: orders, partitions: 2}]
producers: [{id: p1, topic: orders, messages: 40, rate_per_s: 1000}]
drain: 2s
)";

std::string consumer(std::string const& delay, std::string const& group = "billing") {
  return "  - {group: " + group + ", topic: orders, instances: 2, commit: after-processing, " +
         "processing: 1ms" + delay +
         ", config: {enable.auto.commit: false, auto.offset.reset: earliest, "
         "max.poll.records: 10, fetch.max.wait.ms: 10, request.timeout.ms: 30, "
         "session.timeout.ms: 100, heartbeat.interval.ms: 20, max.poll.interval.ms: 100}}\n";
}

history::History run(std::string const& consumers) {
  return simulate(parse_scenario(base + "consumers:\n" + consumers, "s.yaml"), 1).history;
}

struct Counts {
  std::size_t early_polls = 0;      // Records a poll returned before they were due.
  std::size_t early_processes = 0;  // Processing invoked before the record was due.
  std::size_t processed = 0;        // ok processes.
  std::size_t distinct = 0;         // Messages processed at least once.
  std::size_t assigns = 0;          // Group assignments: one per instance without a rebalance.
  std::size_t pauses = 0;           // Pause-and-seek-back ops (assign ops, as seeks are).
};

// 200 ms after the send, the due time as the pattern computes it (whole milliseconds).
SimTimeUs due_of(SimTimeUs sent) { return SimTimeUs{(sent.us / 1'000 + 200) * 1'000}; }

Counts count(history::History const& h) {
  Counts c;
  std::map<std::uint64_t, SimTimeUs> due;
  std::map<std::uint64_t, int> times;
  for (history::Op const& op : h.ops()) {
    if (op.f == OpKind::send && op.type == OpType::invoke) {
      for (history::Record const& r : op.value) due[r.id.value] = due_of(op.time);
    }
    if (op.f == OpKind::assign && op.type == OpType::ok) {
      ++(op.detail.rfind("pause and seek back", 0) == 0 ? c.pauses : c.assigns);
    }
    bool const poll = op.f == OpKind::poll && op.type == OpType::ok;
    bool const process = op.f == OpKind::process && op.type == OpType::invoke;
    for (history::Record const& r : op.value) {
      c.early_polls += poll && op.time < due[r.id.value];
      c.early_processes += process && op.time < due[r.id.value];
      if (op.f == OpKind::process && op.type == OpType::ok && times[r.id.value]++ == 0) {
        ++c.distinct;
      }
      c.processed += op.f == OpKind::process && op.type == OpType::ok;
    }
  }
  return c;
}

using testing::error_of;
using testing::verdict_of;

}  // namespace

TEST_CASE("a delayed topic's sends carry their due time: CreateTime plus the delay",
          "[sim][kafka][delay]") {
  history::History const h = run(consumer(", delay: {ms: 200}"));
  std::size_t sends = 0;
  for (history::Op const& op : h.ops()) {
    if (op.f != OpKind::send || op.type != OpType::invoke) continue;
    ++sends;
    REQUIRE(op.value.at(0).deliver_after.has_value());
    CHECK(*op.value.at(0).deliver_after == due_of(op.time));
  }
  CHECK(sends == 40);
  CHECK(h.header().groups.at("billing").delay == history::GroupSpec::DelayBy::consumer);

  history::History const plain = run(consumer(""));
  for (history::Op const& op : plain.ops()) {
    if (op.f == OpKind::send) CHECK_FALSE(op.value.at(0).deliver_after.has_value());
  }
  CHECK(plain.header().groups.at("billing").delay == history::GroupSpec::DelayBy::broker);
}

TEST_CASE(
    "pausing fetches early, processes nothing early, and keeps the group; without a "
    "delay records are processed at once",
    "[sim][kafka][delay]") {
  Counts const pause = count(run(consumer(", delay: {ms: 200, wait: pause}")));
  CHECK(pause.early_polls > 0);  // poll() returned them: only processing waits.
  CHECK(pause.pauses > 0);
  CHECK(pause.early_processes == 0);
  CHECK(pause.distinct == 40);
  CHECK(pause.processed == 40);  // Once each.

  Counts const plain = count(run(consumer("")));
  CHECK(pause.assigns == plain.assigns);  // Pausing costs no rebalance.
  CHECK(plain.early_processes == 40);     // Measured against the same 200 ms: all before it.
  CHECK(plain.processed == 40);
  CHECK(plain.pauses == 0);
}

TEST_CASE("sleeping until due leaves the group and processes records twice",
          "[sim][kafka][delay]") {
  history::History const h = run(consumer(", delay: {ms: 200, wait: sleep}"));
  Counts const sleep = count(h);
  CHECK(sleep.early_processes == 0);
  CHECK(sleep.distinct == 40);
  CHECK(sleep.processed > 40);                              // Duplicates.
  CHECK(sleep.assigns > count(run(consumer(""))).assigns);  // max.poll.interval.ms ran out.
  CHECK(verdict_of(h, "delay").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::valid);
  CHECK(verdict_of(h, "exactly-once").validity == checker::Validity::invalid);
}

TEST_CASE("the delay check judges the pattern's processing, and a group without it",
          "[sim][kafka][delay]") {
  history::History const h =
      run(consumer(", delay: {ms: 200, wait: pause}") + consumer("", "audit"));
  CHECK(h.header().groups.at("audit").delay == history::GroupSpec::DelayBy::broker);
  bool audit_early = false;
  bool billing_early = false;
  for (checker::Verdict const& v : checker::check_history(h).verdicts) {
    if (v.guarantee != "delay") continue;
    CHECK(v.validity == checker::Validity::invalid);
    for (checker::Anomaly const& a : v.anomalies) {
      audit_early = audit_early || a.group == "audit";
      billing_early = billing_early || a.group == "billing";
    }
  }
  CHECK(audit_early);          // audit processes (and polls) records before they are due...
  CHECK_FALSE(billing_early);  // ...billing only polls them early, which its pattern does.
}

TEST_CASE("delay input errors", "[sim][kafka][delay]") {
  CHECK_THAT(error_of(base + "consumers:\n" + consumer(", delay: {ms: 200, wait: nap}")),
             Catch::Contains("consumers[0].delay.wait") && Catch::Contains("'pause'"));
  CHECK_THAT(error_of(base + "consumers:\n" + consumer(", delay: {wait: sleep}")),
             Catch::Contains("consumers[0].delay.ms': required key is missing"));
  CHECK_THAT(error_of(base + "consumers:\n" + consumer(", delay: {ms: 200}") +
                      consumer(", delay: {ms: 300}", "audit")),
             Catch::Contains("consumers[1].delay.ms") && Catch::Contains("one due time"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}]\n"
                      "consumers: [{group: g, topic: q, delay: {ms: 5}}]\n"),
             Catch::Contains("only broker: kafka"));
}

}  // namespace mqcheck::sim
