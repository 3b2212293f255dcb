// SPDX-License-Identifier: Apache-2.0
// The explorer's budgeted network faults (--drops, --duplicates) and the known answer they
// give (issue 5): a producer that retries after a lost confirm duplicates, and idempotent
// publishing (the reference broker's `dedup`, Kafka's enable.idempotence) closes that route,
// leaving only the consumer's own (a lost ack redelivers); Kafka the same with a lost
// ProduceResponse and enable.idempotence. Counts are pinned; a trace with a
// network fault replays, its budget saved in the file.
#include <catch2/catch.hpp>
#include <string>

#include "explore/explore.hpp"
#include "explore/trace_file.hpp"
#include "sim/scenario.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;
using explore::testing::validity;

explore::Bounds lossy(std::uint32_t depth) {
  explore::Bounds b = tiny(depth);
  b.drops = 1;
  return b;
}

}  // namespace

TEST_CASE("without network faults the retrying producer duplicates nothing") {
  explore::Bounds b = lossy(8);
  b.drops = 0;
  explore::ExploreResult const r =
      explore::explore(scenario("reference-retry-lost-confirm.yaml"), b);
  for (explore::GuaranteeResult const& g : r.guarantees) {
    INFO(g.guarantee);
    CHECK_FALSE(g.violated);
  }
}

TEST_CASE("a lost confirm makes a retrying producer duplicate") {
  explore::ExploreResult const r =
      explore::explore(scenario("reference-retry-lost-confirm.yaml"), lossy(8));
  CHECK(r.stats.distinct == 36);
  CHECK(r.stats.transitions == 46);
  CHECK_FALSE(result(r, "at-least-once").violated);
  explore::GuaranteeResult const& amo = result(r, "at-most-once");
  REQUIRE(amo.violated);
  std::vector<std::string> const& steps = amo.counterexample->steps;
  REQUIRE(steps.size() == 3);  // Send, store, the confirm is lost: the retry stores it again.
  CHECK(steps[2] == "the network drops Confirmed from broker-0 to p1");
}

TEST_CASE("with idempotent publishing a lost confirm duplicates nothing") {
  explore::ExploreResult const r =
      explore::explore(scenario("reference-retry-lost-confirm-dedup.yaml"), lossy(8));
  CHECK(r.stats.distinct == 36);
  CHECK_FALSE(result(r, "at-least-once").violated);
  // What remains is the consumer's duplicate: its ack is lost and the broker redelivers.
  explore::GuaranteeResult const& amo = result(r, "at-most-once");
  REQUIRE(amo.violated);
  std::vector<std::string> const& steps = amo.counterexample->steps;
  REQUIRE(steps.size() == 5);
  CHECK(steps[4] == "the network drops Acked from billing-0 to broker-0");
}

TEST_CASE("a duplicated publish is stored twice unless the broker deduplicates") {
  explore::Bounds b = lossy(6);
  b.drops = 0;
  b.duplicates = 1;
  explore::ExploreResult const plain =
      explore::explore(scenario("reference-retry-lost-confirm.yaml"), b);
  CHECK(plain.stats.distinct == 51);
  REQUIRE(result(plain, "at-most-once").violated);
  CHECK(result(plain, "at-most-once").counterexample->steps.back() ==
        "the network duplicates Publish from p1 to broker-0");
  explore::ExploreResult const dedup =
      explore::explore(scenario("reference-retry-lost-confirm-dedup.yaml"), b);
  REQUIRE(result(dedup, "at-most-once").violated);
  CHECK(result(dedup, "at-most-once").counterexample->steps.back() ==
        "the network duplicates Delivered from broker-0 to billing-0");
}

TEST_CASE("a counterexample with a lost message replays, its budget read from the trace") {
  sim::Scenario const s = scenario("reference-retry-lost-confirm.yaml");
  explore::Bounds const b = lossy(8);
  explore::ExploreResult const r = explore::explore(s, b);
  explore::Counterexample const& found = *result(r, "at-most-once").counterexample;
  explore::Trace const trace{s.file, b, "at-most-once", found.choices, found.steps};
  std::string const text = explore::format_trace(trace);
  CHECK(text.find("\"drops\": 1") != std::string::npos);
  explore::Trace const back = explore::parse_trace(text, "t.json");
  CHECK(back.bounds.drops == 1);
  explore::Counterexample const again = explore::replay(s, back);
  CHECK(again.history == found.history);
  explore::Trace without = back;  // Without the budget the drop is not a choice: refused.
  without.bounds.drops = 0;
  CHECK_THROWS(explore::replay(s, without));
}

TEST_CASE("kafka: a lost produce response duplicates without idempotence, not with it") {
  explore::Bounds const b = lossy(5);
  explore::ExploreResult const plain =
      explore::explore(scenario("kafka-retries-lost-response.yaml"), b);
  CHECK(plain.stats.distinct == 483);
  explore::GuaranteeResult const& amo = result(plain, "at-most-once");
  REQUIRE(amo.violated);
  std::vector<std::string> const& steps = amo.counterexample->steps;
  REQUIRE(steps.size() == 5);  // Metadata, send, the append, the answer is lost.
  CHECK(steps[3].find("broker-0 receives ProduceRequest from p1") == 0);
  CHECK(steps[4] == "the network drops ProduceResponse from broker-0 to p1");
  explore::ExploreResult const idempotent =
      explore::explore(scenario("kafka-retries-lost-response-idempotent.yaml"), b);
  CHECK(idempotent.stats.distinct == 483);
  CHECK_FALSE(result(idempotent, "at-most-once").violated);
  CHECK_FALSE(result(idempotent, "no-unexpected").violated);
}
