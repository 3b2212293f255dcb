// SPDX-License-Identifier: Apache-2.0
// Client quotas in the Kafka world: a producer held to its producer_byte_rate takes longer to
// get its sends acknowledged and loses nothing; under a tight quota with a short
// delivery.timeout.ms its sends fail; a consumer held to its consumer_byte_rate processes
// later and later (lag grows) but each record once; a quota for another client changes
// nothing; and the input errors name their key.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"
#include "tests/sim/quota_scenario.hpp"

namespace mqcheck::sim {
namespace {

using history::OpKind;
using history::OpType;

std::string const base = testing::quota_scenario_base("4s");

std::string producer(std::string const& config) {
  return "producers: [{id: p1, topic: orders, messages: 200, rate_per_s: 2000" +
         (config.empty() ? std::string() : ", config: {" + config + "}") + "}]\n";
}

history::History run(std::string const& text) {
  return simulate(parse_scenario(text, "s.yaml"), 1).history;
}

// The time from the first send's invoke to the last send's ok, in microseconds.
std::int64_t last_ack(history::History const& h) {
  std::int64_t last = 0;
  for (history::Op const& op : h.ops()) {
    if (op.f == OpKind::send && op.type == OpType::ok) last = std::max(last, op.time.us);
  }
  return last;
}

std::size_t count(history::History const& h, OpType type) {
  return static_cast<std::size_t>(std::count_if(h.ops().begin(), h.ops().end(), [&](auto& op) {
    return op.f == OpKind::send && op.type == type;
  }));
}

using testing::error_of;

std::string const consumer = R"(consumers:
  - {group: billing, topic: orders, processing: 100us, commit: after-processing,
     config: {enable.auto.commit: false, auto.offset.reset: earliest, fetch.max.wait.ms: 10}}
)";

// The send-to-process latencies of the processed records, in microseconds, sorted.
std::vector<std::int64_t> process_latencies(history::History const& h) {
  std::map<std::uint64_t, std::int64_t> sent_at;
  std::vector<std::int64_t> out;
  for (history::Op const& op : h.ops()) {
    if (op.f == OpKind::send && op.type == OpType::invoke) {
      for (auto const& r : op.value) sent_at[r.id.value] = op.time.us;
    }
    if (op.f == OpKind::process && op.type == OpType::ok) {
      for (auto const& r : op.value) out.push_back(op.time.us - sent_at.at(r.id.value));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("a producer over its quota is slowed down, not refused", "[sim][kafka][quota]") {
  history::History const free = run(base + producer(""));
  history::History const other =
      run(base + "quotas: [{client-id: p2, producer_byte_rate: 2000}]\n" + producer(""));
  history::History const slow =
      run(base + "quotas: [{client-id: p1, producer_byte_rate: 10000}]\n" + producer(""));
  CHECK(count(free, OpType::ok) == 200);
  CHECK(last_ack(other) == last_ack(free));  // Another client's quota: the same run.
  CHECK(count(slow, OpType::ok) == 200);
  // About 23 KB at 10 KB/s (the first window's 10 KB free). The client waits out each
  // throttle time before sending to the broker again (KIP-219), then sends what accumulated
  // meanwhile in one request, which the broker throttles only after the fact: about 0.34 s,
  // against 0.1 s unthrottled.
  CHECK(last_ack(free) < 200'000);
  CHECK(last_ack(slow) > 3 * last_ack(free));
  CHECK(checker::check_history(slow).verdicts.front().validity == checker::Validity::valid);
}

TEST_CASE("a tight quota with a short delivery.timeout.ms fails sends", "[sim][kafka][quota]") {
  std::string const tight = "quotas: [{user: \"User:ANONYMOUS\", producer_byte_rate: 1000}]\n";
  history::History const h =
      run(base + tight + producer("delivery.timeout.ms: 500, request.timeout.ms: 500"));
  CHECK(count(h, OpType::ok) > 0);
  CHECK(count(h, OpType::fail) > 100);
  // The client backed off instead of sending into the muted channel: the records expired in
  // its accumulator, never sent, so each is a definite `fail`, none an unknown `info`.
  CHECK(count(h, OpType::info) == 0);
  history::History const patient = run(base + tight + producer(""));  // 120 s: all wait.
  CHECK(count(patient, OpType::fail) == 0);
}

// The consumer's client.id is its process name, billing-0. About 22 KB to read at 5 KB/s,
// each fetch capped at the 5 KB one window allows: the records are processed over seconds
// instead of within 0.2 s, each one once, in order.
TEST_CASE("a consumer over its quota falls behind, losing and doubling nothing",
          "[sim][kafka][quota]") {
  std::string longer = base;
  longer.replace(longer.find("drain: 4s"), 9, "drain: 10s");
  std::string const p = producer("");
  history::History const free = run(longer + p + consumer);
  history::History const other =
      run(longer + "quotas: [{client-id: billing-1, consumer_byte_rate: 5000}]\n" + p + consumer);
  history::History const slow =
      run(longer + "quotas: [{client-id: billing-0, consumer_byte_rate: 5000}]\n" + p + consumer);
  history::History const by_user = run(
      longer + "quotas: [{user: \"User:ANONYMOUS\", consumer_byte_rate: 5000}]\n" + p + consumer);
  auto const f = process_latencies(free);
  auto const o = process_latencies(other);
  auto const q = process_latencies(slow);
  auto const u = process_latencies(by_user);
  REQUIRE(f.size() == 200);
  CHECK(o == f);  // Another client's quota: the same run.
  REQUIRE(q.size() == 200);
  REQUIRE(u.size() == 200);
  CHECK(f.back() < 100'000);
  // 200 records at 110 B and 5000 B/s: the last is processed seconds after it was sent, and
  // the lag grows: the median waits far longer than without the quota.
  CHECK(q.back() > 3'000'000);
  CHECK(q[q.size() / 2] > 50 * f[f.size() / 2]);
  CHECK(u.back() > 3'000'000);  // The same quota by user (KIP-55).
  for (history::History const* h : {&slow, &by_user}) {
    for (auto const& v : checker::check_history(*h).verdicts) {  // Exactly once, in order.
      INFO(v.guarantee);
      CHECK(v.validity == checker::Validity::valid);
    }
  }
}

// KAFKA-9677 (fixed in 2.6.0): before the fix a fetch larger than one quota window allows is
// throttled, answered empty, and asked again the same size, for ever.
TEST_CASE("before 2.6 a consumer whose backlog outgrows one quota window starves",
          "[sim][kafka][quota]") {
  std::string text = base;
  text.replace(text.find("drain: 4s"), 9, "drain: 10s");
  text += "quotas: [{client-id: billing-0, consumer_byte_rate: 5000}]\n" + producer("") + consumer;
  auto const on = [&](char const* version) {
    std::string t = text;
    t.replace(t.find("\"3.7\""), 5, version);
    return process_latencies(run(t)).size();
  };
  CHECK(on("\"2.6\"") == 200);  // Capped: slow, but every record is processed.
  std::size_t const starved = on("\"2.5\"");
  CHECK(starved > 0);    // It read until its first throttle...
  CHECK(starved < 100);  // ...and then nothing.
}

TEST_CASE("quota input errors", "[sim][kafka][quota]") {
  CHECK_THAT(error_of(base + "quotas: [{client-id: p1, request_percentage: 5}]\n" + producer("")),
             Catch::Contains("quotas[0].request_percentage"));
  CHECK_THAT(error_of(base + "quotas: [{client-id: p1}]\n" + producer("")),
             Catch::Contains("consumer_byte_rate or both"));
  CHECK_THAT(error_of(base + "quotas: [{user: alice, producer_byte_rate: 5}]\n" + producer("")),
             Catch::Contains("quotas[0].user"));
  std::string old = base;
  old.replace(old.find("3.7"), 3, "0.10");
  CHECK_THAT(error_of(old + "quotas: [{client-id: p1, producer_byte_rate: 5}]\n"),
             Catch::Contains("KIP-219"));
  std::string zero = base;
  zero.replace(zero.find("quota.window.num: 2"), 19, "quota.window.num: 0");
  CHECK_THAT(error_of(zero + producer("")), Catch::Contains("broker_config.quota.window.num"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}]\n"
                      "quotas: [{client-id: p1, producer_byte_rate: 5}]\n"),
             Catch::Contains("only broker: kafka"));
}

}  // namespace mqcheck::sim
