// SPDX-License-Identifier: Apache-2.0
// Kafka transactions end to end: the configuration rules (transactional.id needs idempotence,
// a transform needs a transactional.id and no offsets committed outside the transaction), and
// what the transaction scenarios' histories must show beyond their verdicts: the zombie's
// sends fail with PRODUCER_FENCED, a read_committed group reads each pipeline output once and
// never an aborted one, and a read_uncommitted group does read aborted outputs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"

namespace mqcheck::sim {
namespace {

namespace fs = std::filesystem;
using history::Op;
using history::OpKind;
using history::OpType;

std::string const base = R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50}
topics: [{name: orders, partitions: 2, config: {replication.factor: 3}},
         {name: invoices, partitions: 1, config: {replication.factor: 3}}]
)";

using testing::error_of;

RunResult run_scenario(std::string const& name, std::uint64_t seed) {
  fs::path const path = fs::path(MQCHECK_SOURCE_DIR) / "scenarios/kafka" / name;
  return simulate(load_scenario(path.string()), seed);
}

// The status of each transaction: true committed, false aborted (txn-commit ok / fail,
// txn-abort ok), absent when undecided.
std::map<std::string, bool> outcomes(history::History const& h) {
  std::map<std::string, bool> out;
  for (Op const& op : h.ops()) {
    if (op.type == OpType::ok && op.f == OpKind::txn_commit) out[op.txn] = true;
    if (op.type == OpType::ok && op.f == OpKind::txn_abort) out[op.txn] = false;
    if (op.type == OpType::fail && op.f == OpKind::txn_commit) out[op.txn] = false;
  }
  return out;
}

// (message id, offset) of every send completed ok inside a transaction with that outcome.
std::set<std::pair<std::uint64_t, std::int64_t>> sends_of(history::History const& h,
                                                          bool committed) {
  std::map<std::string, bool> const status = outcomes(h);
  std::set<std::pair<std::uint64_t, std::int64_t>> out;
  for (Op const& op : h.ops()) {
    if (op.type != OpType::ok || op.f != OpKind::send || op.txn.empty()) continue;
    auto const it = status.find(op.txn);
    if (it == status.end() || it->second != committed) continue;
    for (auto const& r : op.value) out.insert({r.id.value, r.offset ? r.offset->value : -1});
  }
  return out;
}

// (message id, offset) of every record `group` processed ok.
std::multiset<std::pair<std::uint64_t, std::int64_t>> processed(history::History const& h,
                                                                std::string const& group) {
  std::multiset<std::pair<std::uint64_t, std::int64_t>> out;
  for (Op const& op : h.ops()) {
    if (op.type != OpType::ok || op.f != OpKind::process || op.group != group) continue;
    for (auto const& r : op.value) out.insert({r.id.value, r.offset ? r.offset->value : -1});
  }
  return out;
}

TEST_CASE("transactional configuration errors name the key", "[sim][kafka][txn]") {
  std::string const producer = "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,";
  CHECK_THAT(error_of(base + producer + " transaction: {messages: 2}}]\n"),
             Catch::Contains("producers[0].transaction") && Catch::Contains("transactional.id"));
  CHECK_THAT(
      error_of(base + producer + " config: {transactional.id: t, enable.idempotence: false}}]\n"),
      Catch::Contains("producers[0].config.enable.idempotence"));
  CHECK_THAT(error_of(base + producer + " config: {transactional.id: t, acks: 1}}]\n"),
             Catch::Contains("producers[0].config.acks"));
  CHECK_THAT(error_of(base + producer + " transaction: {mesages: 2}}]\n"),
             Catch::Contains("did you mean 'messages'"));
  CHECK_THAT(error_of(base + "consumers: [{group: g, topic: orders, config: {isolation.level: "
                             "read_comitted}}]\n"),
             Catch::Contains("did you mean 'read_committed'"));
  std::string const xf = "consumers: [{group: xf, topic: orders, ";
  CHECK_THAT(error_of(base + xf + "transform: {output: invoices, config: {acks: all}}}]\n"),
             Catch::Contains("consumers[0].transform.config.transactional.id"));
  CHECK_THAT(
      error_of(base + xf + "transform: {output: invoices, config: {transactional.id: x}}}]\n"),
      Catch::Contains("enable.auto.commit: false"));
  CHECK_THAT(
      error_of(base + xf + "transform: {output: invoice, config: {transactional.id: x}}}]\n"),
      Catch::Contains("invoices"));
  CHECK_THAT(error_of("name: r\nbroker: reference\ntopics: [{name: orders}]\n" + xf +
                      "transform: {output: orders, config: {transactional.id: x}}}]\n"),
             Catch::Contains("consumers.transform"));
}

TEST_CASE("before 3.0 a transactional producer's unset acks becomes all", "[sim][kafka][txn]") {
  std::string const old =
      "name: k\nbroker: kafka\nversion: \"2.8\"\n"
      "topics: [{name: orders, partitions: 1}]\n";
  CHECK(error_of(old + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,"
                       " config: {transactional.id: t}}]\n") == "(no error)");
  CHECK_THAT(error_of(old + "producers: [{id: p1, topic: orders, messages: 1, rate_per_s: 1,"
                            " config: {transactional.id: t, acks: 1}}]\n"),
             Catch::Contains("producers[0].config.acks"));
}

TEST_CASE("a restarted transactional producer aborts its predecessor's transaction",
          "[sim][kafka][txn]") {
  Scenario const s =
      parse_scenario(base + R"(producers: [{id: p1, topic: orders, messages: 60, rate_per_s: 1000,
             transaction: {messages: 4},
             config: {transactional.id: t, request.timeout.ms: 30, retry.backoff.ms: 5}}]
consumers: [{group: g, topic: orders, commit: after-processing,
             config: {isolation.level: read_committed, enable.auto.commit: false,
                      auto.offset.reset: earliest, fetch.max.wait.ms: 10}}]
faults: [{at: 21ms, crash: p1, for: 10ms}]
quiesce: 50ms
drain: 2s
)",
                     "s.yaml");
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    RunResult const run = simulate(s, seed);
    REQUIRE_FALSE(run.faults.empty());
    // The restarted instance got a higher epoch: its transactions are named "t/<epoch>.<n>"
    // with an epoch above the first instance's 0, and it committed.
    bool restarted_commit = false;
    for (Op const& op : run.history.ops()) {
      if (op.f == OpKind::txn_commit && op.type == OpType::ok && !op.txn.starts_with("t/0.")) {
        restarted_commit = true;
      }
    }
    CHECK(restarted_commit);
    checker::DeliveryReport const report = checker::check_history(run.history);
    for (checker::Verdict const& v : report.verdicts) {
      if (v.guarantee == "transactional-visibility" || v.guarantee == "at-least-once") {
        CAPTURE(v.guarantee, v.reason);
        CHECK(v.validity == checker::Validity::valid);
      }
    }
  }
}

TEST_CASE("a zombie producer's requests are fenced on every seed", "[sim][kafka][txn]") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    CAPTURE(seed);
    RunResult const run = run_scenario("transactions-zombie-fencing.yaml", seed);
    bool fenced = false, p2_committed = false, aborted_by_init = false;
    for (Op const& op : run.history.ops()) {
      // p2's InitProducerId aborted p1's open transaction with the bumped epoch 1.
      if (op.type == OpType::event && op.detail.starts_with("ABORT marker") &&
          op.detail.find(" epoch 1 ") != std::string::npos) {
        aborted_by_init = true;
      }
      if (op.process == "p1" && op.type == OpType::fail && op.detail == "PRODUCER_FENCED") {
        fenced = true;
      }
      if (op.process == "p2" && op.type == OpType::ok && op.f == OpKind::txn_commit) {
        p2_committed = true;
      }
    }
    CHECK(fenced);
    CHECK(p2_committed);
    CHECK(aborted_by_init);
    // No record of an aborted transaction reached the read_committed group.
    auto const aborted = sends_of(run.history, false);
    for (auto const& rec : processed(run.history, "billing")) CHECK_FALSE(aborted.contains(rec));
  }
}

TEST_CASE("read_committed reads each committed pipeline output once, never an aborted one",
          "[sim][kafka][txn]") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CAPTURE(seed);
    RunResult const run = run_scenario("transactions-read-uncommitted-sees-aborted.yaml", seed);
    auto const committed = sends_of(run.history, true);
    auto const aborted = sends_of(run.history, false);
    REQUIRE_FALSE(aborted.empty());  // abort_every: 3 aborted some.
    auto const billing = processed(run.history, "billing");
    for (auto const& rec : committed) CHECK(billing.count(rec) == 1);
    for (auto const& rec : billing) CHECK(committed.contains(rec));
    // read_uncommitted reads the aborted copies too.
    auto const audit = processed(run.history, "audit");
    std::size_t aborted_reads = 0;
    for (auto const& rec : audit) aborted_reads += aborted.contains(rec) ? 1 : 0;
    CHECK(aborted_reads > 0);
    // Every output names its input.
    for (Op const& op : run.history.ops()) {
      if (op.f == OpKind::send && op.process == "xf-0") CHECK(op.value.at(0).source.has_value());
    }
  }
}

TEST_CASE("an open transaction holds read_committed back until the timeout aborts it",
          "[sim][kafka][txn]") {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    CAPTURE(seed);
    RunResult const run = run_scenario("transactions-timeout-aborts-stuck-transaction.yaml", seed);
    // The stalled transaction: p1's transaction that never committed (from 2.7 its commit is
    // tried and fails, PRODUCER_FENCED; before, it was never tried); its first written offset.
    std::map<std::string, bool> const status = outcomes(run.history);
    auto const committed = [&](std::string const& txn) {
      auto const it = status.find(txn);
      return it != status.end() && it->second;
    };
    std::optional<std::int64_t> first;
    std::optional<SimTimeUs> aborted_at;
    for (Op const& op : run.history.ops()) {
      if (op.process == "p1" && op.type == OpType::ok && op.f == OpKind::send &&
          !committed(op.txn) && !first) {
        first = op.value.at(0).offset->value;
      }
      if (op.type == OpType::event && op.detail.starts_with("ABORT marker") && !aborted_at) {
        aborted_at = op.time;
      }
    }
    REQUIRE(first.has_value());
    REQUIRE(aborted_at.has_value());  // The coordinator's timeout fired.
    std::size_t after = 0;
    for (Op const& op : run.history.ops()) {
      if (op.group != "billing" || op.type != OpType::ok || op.f != OpKind::process) continue;
      if (op.value.at(0).offset->value <= *first) continue;
      CHECK(op.time >= *aborted_at);  // Nothing past the open transaction before the abort.
      ++after;
    }
    CHECK(after > 0);  // And p2's later records are read after it.
  }
}

}  // namespace
}  // namespace mqcheck::sim
