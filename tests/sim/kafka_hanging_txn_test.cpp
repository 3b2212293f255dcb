// SPDX-License-Identifier: Apache-2.0
// The hanging transaction before KIP-890 part 1 and the verification that ends it
// (scenarios/kafka/transactions-hanging-transaction-*.yaml): a transactional record expires
// after delivery.timeout.ms while its produce is delayed, the transaction aborts, and the
// produce arrives after the ABORT marker. Before 3.6 the leader appends it and the read_committed
// group stalls at the last stable offset; from 3.6 (verification) and 4.0 (epoch bump per
// transaction) nothing is appended and the group reads everything.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "sim/run.hpp"
#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

namespace fs = std::filesystem;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::verdict_of;

std::string const hanging = "transactions-hanging-transaction-blocks-read-committed.yaml";
std::string const verified = "transactions-hanging-transaction-verified-3-6.yaml";
constexpr std::uint64_t late_id = 1;  // p1's only message; p2's are 2..21.

Scenario scenario_file(std::string const& name) {
  return load_scenario((fs::path(MQCHECK_SOURCE_DIR) / "scenarios/kafka" / name).string());
}

// What a run shows of the late produce and of the reader.
struct Seen {
  bool expired = false;               // p1's send completed info, delivery.timeout.ms expired.
  std::int64_t abort_at = -1;         // Index of the ABORT marker's append event.
  std::int64_t late_at = -1;          // Index of the append event of p1's record.
  std::size_t acked = 0;              // p2's acknowledged sends.
  std::set<std::uint64_t> processed;  // Ids billing processed.
};

Seen seen_in(history::History const& h) {
  Seen s;
  for (Op const& op : h.ops()) {
    auto const has_late = [&] {
      for (auto const& r : op.value) {
        if (r.id.value == late_id) return true;
      }
      return false;
    };
    if (op.process == "p1" && op.f == OpKind::send && op.type == OpType::info && has_late()) {
      s.expired = op.detail.find("delivery.timeout.ms") != std::string::npos;
    }
    if (op.f == OpKind::append && op.detail.starts_with("ABORT marker") && s.abort_at < 0) {
      s.abort_at = static_cast<std::int64_t>(op.index);
    }
    if (op.f == OpKind::append && has_late()) s.late_at = static_cast<std::int64_t>(op.index);
    if (op.process == "p2" && op.f == OpKind::send && op.type == OpType::ok) ++s.acked;
    if (op.f == OpKind::process && op.type == OpType::ok && op.group == "billing") {
      for (auto const& r : op.value) s.processed.insert(r.id.value);
    }
  }
  return s;
}

TEST_CASE("before 3.6 a late produce after the ABORT marker opens a hanging transaction",
          "[sim][kafka][txn]") {
  history::History const h = simulate(scenario_file(hanging), 1).history;
  Seen const s = seen_in(h);
  CHECK(s.expired);
  REQUIRE(s.abort_at >= 0);
  // The late write really happened, after its transaction's ABORT marker.
  CHECK(s.late_at > s.abort_at);
  // p2's messages were all acknowledged, yet the read_committed group got none: the LSO
  // stays at the late record.
  CHECK(s.acked == 20);
  CHECK(s.processed.empty());
  CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::invalid);
}

TEST_CASE("from 3.6 verification refuses the late produce; from 4.0 the epoch bump does too",
          "[sim][kafka][txn]") {
  for (std::string const version : {"3.6", "3.9", "4.0"}) {
    CAPTURE(version);
    Scenario s = scenario_file(verified);
    s.version = version;
    history::History const h = simulate(s, 1).history;
    Seen const seen = seen_in(h);
    CHECK(seen.expired);
    CHECK(seen.abort_at >= 0);
    CHECK(seen.late_at < 0);  // Never appended.
    CHECK(seen.acked == 20);
    CHECK(seen.processed.size() == 20);
    CHECK(seen.processed.count(late_id) == 0);
    CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::valid);
  }
}

TEST_CASE("the two scenarios differ only in the version", "[sim][kafka][txn]") {
  Scenario a = scenario_file(hanging);
  Scenario const b = scenario_file(verified);
  CHECK(a.version != b.version);
  a.version = b.version;
  // Same schedule: the 3.5 scenario run as 3.6 is the verified one, op for op.
  history::History const ha = simulate(a, 1).history;
  history::History const hb = simulate(b, 1).history;
  CHECK(std::ranges::equal(ha.ops(), hb.ops()));
}

}  // namespace
}  // namespace mqcheck::sim
