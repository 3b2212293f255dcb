// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/symmetry_test.cpp (tests, layer: explore)
// Symmetry reduction (explore/symmetry.hpp) on tiny reference-queue and Kafka models with
// two alike producers: the reduced search finds the same verdicts and the same violated
// guarantees, with counterexamples of the same length (breadth-first) that replay, through
// fewer distinct states; both counts are pinned. A path and its renamed path reach Worlds whose
// fingerprints the renaming relates; which renamings the models admit is checked on its own
// (producers alike or not, idempotent or not, a fault budget that tells them apart); and a
// scenario with nothing interchangeable explores exactly as without the reduction.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "explore/explore.hpp"
#include "explore/explore_model.hpp"
#include "explore/symmetry_kafka.hpp"
#include "explore/symmetry_reference.hpp"
#include "tests/explore/explore_fixture.hpp"

namespace {

using namespace mqcheck;
using explore::testing::check_same_answers;
using explore::testing::result;
using explore::testing::scenario;
using explore::testing::tiny;

struct Pinned {
  char const* scenario;
  std::uint32_t depth;
  std::uint32_t drops;
  std::uint64_t full_distinct;
  std::uint64_t reduced_distinct;
};

std::vector<std::string> const two_producers{"p1", "p2", "broker-0", "billing-0"};

}  // namespace

TEST_CASE("symmetry reduction: same verdicts, fewer distinct states") {
  Pinned const cases[] = {
      {"reference-two-producers-ack-before-processing.yaml", 8, 0, 226, 116},
      {"reference-two-producers-lost-confirm.yaml", 8, 1, 184, 93},
      {"kafka-two-producers-acks1-leader-crash.yaml", 5, 0, 2991, 1640},
  };
  for (Pinned const& c : cases) {
    INFO(c.scenario);
    explore::Bounds b = tiny(c.depth);
    b.drops = c.drops;
    explore::ExploreResult const full = explore::explore(scenario(c.scenario), b);
    b.symmetry = true;
    explore::ExploreResult const sym = explore::explore(scenario(c.scenario), b);
    CHECK(full.stats.distinct == c.full_distinct);
    CHECK(sym.stats.distinct == c.reduced_distinct);
    CHECK(sym.stats.distinct < full.stats.distinct);
    CHECK(sym.symmetry);
    CHECK(sym.symmetry_group ==
          "2 renamings of the alike producers p1, p2 (with their message ids)");
    check_same_answers(full, sym, false);
    b.por = true;  // Sleep sets on top keep every orbit: the same states, fewer transitions.
    explore::ExploreResult const both = explore::explore(scenario(c.scenario), b);
    CHECK(both.stats.distinct == sym.stats.distinct);
    CHECK(both.stats.transitions <= sym.stats.transitions);
    check_same_answers(full, both, false);
  }
}

TEST_CASE("symmetry reduction: the known answers stay, and their counterexamples replay") {
  sim::Scenario const s = scenario("reference-two-producers-ack-before-processing.yaml");
  explore::Bounds b = tiny(8);
  b.symmetry = true;
  explore::ExploreResult const r = explore::explore(s, b);
  REQUIRE(result(r, "at-least-once").violated);  // The crash between ack and processing.
  CHECK_FALSE(result(r, "at-most-once").violated);
  explore::Counterexample const& found = *result(r, "at-least-once").counterexample;
  explore::Trace const trace{s.file, b, "at-least-once", found.choices, found.steps};
  explore::Counterexample const again = explore::replay(s, trace);  // The real choices.
  CHECK(again.history == found.history);
  CHECK(explore::testing::validity(again.report, "at-least-once") == checker::Validity::invalid);

  sim::Scenario const lossy = scenario("reference-two-producers-lost-confirm.yaml");
  b.drops = 1;
  explore::ExploreResult const d = explore::explore(lossy, b);
  CHECK(result(d, "at-most-once").violated);  // The retried publish is stored twice.
  CHECK_FALSE(result(d, "at-least-once").violated);
}

TEST_CASE("symmetry reduction: nothing interchangeable, nothing merged") {
  explore::Bounds b = tiny(5);
  b.symmetry = true;
  explore::ExploreResult const kafka =
      explore::explore(scenario("kafka-acks1-leader-crash.yaml"), b);
  CHECK(kafka.stats.distinct == 925);  // As without the reduction (reductions_test.cpp).
  CHECK(kafka.symmetry_group.rfind("none found", 0) == 0);
  b.depth_max = 8;
  explore::ExploreResult const one =
      explore::explore(scenario("reference-ack-before-processing.yaml"), b);
  CHECK(one.stats.distinct == 49);  // One producer: as in explore_test.cpp.
  CHECK(one.symmetry_group.rfind("none found", 0) == 0);
  sim::Scenario idempotent = scenario("kafka-two-producers-acks1-leader-crash.yaml");
  for (auto& p : idempotent.producers) p.config.erase("enable.idempotence");  // On by default.
  using KafkaFinder = explore::SymmetryFinder<model::kafka::Model>;
  std::vector<std::string> const kafka_names{"p1", "p2", "broker-0", "broker-1", "broker-2",
                                             "controller", "billing-0"};
  CHECK(KafkaFinder::find(idempotent, kafka_names, {}).empty());  // Its producer id tells.
  CHECK(KafkaFinder::find(scenario("kafka-two-producers-acks1-leader-crash.yaml"), kafka_names,
                          {})
            .elements.size() == 1);
}

TEST_CASE("symmetry: the reference model's renamings of alike producers") {
  sim::Scenario s = scenario("reference-two-producers-ack-before-processing.yaml");
  using Finder = explore::SymmetryFinder<model::reference::Model>;
  explore::SymmetryGroup const swap = Finder::find(s, two_producers, {});
  REQUIRE(swap.elements.size() == 1);
  explore::Renaming const& r = swap.elements[0];
  CHECK(r.node(NodeId{0}) == NodeId{1});
  CHECK(r.node(NodeId{2}) == NodeId{2});                       // The broker stays.
  CHECK(r.message(MessageId{1}) == MessageId{2});              // p1's id becomes p2's.
  CHECK(r.message(MessageId{2}) == MessageId{1});
  CHECK(r.process("p1") == "p2");
  CHECK(r.process("network") == "network");
  CHECK(swap.rename_timer(NodeId{0}, 2, r) == 3);  // p1's resend timer for message 1 (1 + id).
  CHECK(swap.rename_timer(NodeId{0}, 0, r) == 0);  // Its next-send timer.
  CHECK(swap.rename_timer(NodeId{2}, 2, r) == 2);  // A delivery tag of the broker.

  explore::FaultOption crash_p1{sim::FaultAction::crash, {NodeId{0}}, "", "crash p1"};
  explore::FaultOption crash_p2{sim::FaultAction::crash, {NodeId{1}}, "", "crash p2"};
  CHECK(Finder::find(s, two_producers, {crash_p1}).empty());  // The budget tells them apart.
  explore::SymmetryGroup const both = Finder::find(s, two_producers, {crash_p1, crash_p2});
  REQUIRE(both.elements.size() == 1);
  CHECK(both.elements[0].fault_from == std::vector<std::uint32_t>{1, 0});

  s.producers[1].messages = 2;  // No longer alike.
  CHECK(Finder::find(s, two_producers, {}).empty());
}

// The worker threads' Engines keep the renamed digests as the main one does, so the merged
// states, and every count, are the single-threaded search's.
TEST_CASE("symmetry reduction on threads: the single-threaded counts", "[threads]") {
  for (auto const& [name, order] :
       {std::pair<char const*, explore::SearchOrder>{
            "reference-two-producers-ack-before-processing.yaml", explore::SearchOrder::bfs},
        {"kafka-two-producers-acks1-leader-crash.yaml", explore::SearchOrder::bfs},
        {"reference-two-producers-ack-before-processing.yaml", explore::SearchOrder::delay}}) {
    INFO(name);
    sim::Scenario const s = scenario(name);
    explore::Bounds b = order == explore::SearchOrder::bfs
                            ? tiny(std::string(name).starts_with("kafka") ? 5 : 8)
                            : explore::testing::delay_bounds(s, 2);
    b.symmetry = true;
    explore::ExploreResult const serial = explore::explore(s, b);
    b.threads = 2;
    explore::ExploreResult const parallel = explore::explore(s, b);
    CHECK(parallel.stats.distinct == serial.stats.distinct);
    CHECK(parallel.stats.transitions == serial.stats.transitions);
    CHECK(parallel.stats.settled == serial.stats.settled);
    check_same_answers(serial, parallel);
  }
}

TEST_CASE("symmetry reduction is refused where it is not built") {
  explore::Bounds b = tiny(4);
  b.symmetry = true;
  b.fingerprint = explore::FingerprintMode::state;
  CHECK_THROWS_WITH(explore::explore(scenario("reference-ack-before-processing.yaml"), b),
                    Catch::Contains("--fingerprint state"));
  b.fingerprint = explore::FingerprintMode::inputs;
  b.liveness = true;
  CHECK_THROWS_AS(explore::explore(scenario("reference-ack-before-processing.yaml"), b),
                  InputError);
}

namespace {

using RefModel = model::reference::Model;
using RefWorld = explore::World<RefModel>;

// Applies the first choice of `kind` at node `node` that `w` offers.
RefWorld step(explore::Engine<RefModel>& engine, RefWorld w, explore::ChoiceKind kind,
              std::uint32_t node) {
  std::vector<explore::Choice> choices;
  engine.choices(w, choices);
  for (explore::Choice const& c : choices) {
    if (c.kind != kind || c.node.value != node) continue;
    engine.apply(w, c);
    return w;
  }
  FAIL("no such choice");
  return w;
}

}  // namespace

TEST_CASE("symmetry: a path and its renamed path reach Worlds with the renamed fingerprint") {
  sim::Scenario const s = scenario("reference-two-producers-ack-before-processing.yaml");
  explore::detail::with_kernel<RefModel>(s, [&](sim::Kernel<RefModel>& kernel) {
    explore::Engine<RefModel> engine(kernel, 0, milliseconds(1));
    std::vector<std::string> names;
    for (auto const& n : kernel.plan().nodes) names.push_back(n.name);
    REQUIRE(names == two_producers);
    explore::SymmetryGroup const group =
        explore::SymmetryFinder<RefModel>::find(s, names, engine.fault_options());
    REQUIRE(group.elements.size() == 1);
    engine.set_symmetry(&group);
    RefWorld a = engine.initial();
    RefWorld b = a;
    auto const same_orbit = [&] {
      CHECK(explore::fingerprint(a, explore::FingerprintMode::inputs) !=
            explore::fingerprint(b, explore::FingerprintMode::inputs));
      CHECK(explore::fingerprint_renamed(a, group, 0) ==
            explore::fingerprint(b, explore::FingerprintMode::inputs));
      CHECK(explore::canonical_fingerprint(a, group) == explore::canonical_fingerprint(b, group));
    };
    using K = explore::ChoiceKind;
    a = step(engine, a, K::timer, 0);  // p1 publishes first ...
    b = step(engine, b, K::timer, 1);  // ... or p2 does: the renamed step.
    same_orbit();
    a = step(engine, a, K::deliver, 2);  // The broker stores it (offset 0) and pushes it.
    b = step(engine, b, K::deliver, 2);
    same_orbit();
    a = step(engine, a, K::deliver, 3);  // The consumer acks it and starts processing.
    b = step(engine, b, K::deliver, 3);
    same_orbit();
    a = step(engine, a, K::crash, 3);  // The consumer crashes before it processed: lost.
    b = step(engine, b, K::crash, 3);
    same_orbit();
    a = step(engine, a, K::timer, 1);  // Then the other producer publishes in each.
    b = step(engine, b, K::timer, 0);
    same_orbit();
    RefWorld c = step(engine, a, K::deliver, 2);  // Not an image of a: apart.
    CHECK(explore::canonical_fingerprint(c, group) != explore::canonical_fingerprint(a, group));
  });
}
