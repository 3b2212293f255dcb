// SPDX-License-Identifier: Apache-2.0
// transaction.partition.verification.enable=false (scenarios/kafka/
// transactions-hanging-transaction-verification-disabled.yaml): on 3.6 to 3.9 the late produce
// after the ABORT marker is appended again and the read_committed group stalls, as before 3.6;
// from 4.0 the epoch bump of every EndTxn (KIP-890 part 2) still fences it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
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

std::string const disabled = "transactions-hanging-transaction-verification-disabled.yaml";
constexpr std::uint64_t disabled_late_id = 1;  // p1's only message.

Scenario disabled_scenario() {
  return load_scenario((fs::path(MQCHECK_SOURCE_DIR) / "scenarios/kafka" / disabled).string());
}

struct DisabledSeen {
  std::int64_t abort_at = -1;  // The ABORT marker's append event.
  std::int64_t late_at = -1;   // The append event of p1's record.
  std::size_t processed = 0;   // Records billing processed.
};

DisabledSeen disabled_seen(history::History const& h) {
  DisabledSeen s;
  for (Op const& op : h.ops()) {
    bool late = false;
    for (auto const& r : op.value) late = late || r.id.value == disabled_late_id;
    if (op.f == OpKind::append && op.detail.starts_with("ABORT marker") && s.abort_at < 0) {
      s.abort_at = static_cast<std::int64_t>(op.index);
    }
    if (op.f == OpKind::append && late) s.late_at = static_cast<std::int64_t>(op.index);
    if (op.f == OpKind::process && op.type == OpType::ok && op.group == "billing") {
      s.processed += op.value.size();
    }
  }
  return s;
}

TEST_CASE("verification switched off: the hanging transaction is back on 3.6 to 3.9",
          "[sim][kafka][txn]") {
  for (std::string const version : {"3.6", "3.7", "3.9"}) {
    CAPTURE(version);
    Scenario s = disabled_scenario();
    s.version = version;
    history::History const h = simulate(s, 1).history;
    DisabledSeen const seen = disabled_seen(h);
    REQUIRE(seen.abort_at >= 0);
    CHECK(seen.late_at > seen.abort_at);  // Appended after its transaction ended.
    CHECK(seen.processed == 0);
    CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::invalid);
  }
}

TEST_CASE("verification switched off on 4.0: the epoch bump still fences the late produce",
          "[sim][kafka][txn]") {
  Scenario s = disabled_scenario();
  s.version = "4.0";
  history::History const h = simulate(s, 1).history;
  DisabledSeen const seen = disabled_seen(h);
  CHECK(seen.abort_at >= 0);
  CHECK(seen.late_at < 0);
  CHECK(seen.processed == 20);
  CHECK(verdict_of(h, "at-least-once").validity == checker::Validity::valid);
}

TEST_CASE("the key is refused before 3.6", "[sim][kafka][txn]") {
  Scenario s = disabled_scenario();
  s.version = "3.5";
  CHECK_THROWS_AS(simulate(s, 1), InputError);
}

}  // namespace
}  // namespace mqcheck::sim
