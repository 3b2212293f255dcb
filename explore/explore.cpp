// SPDX-License-Identifier: Apache-2.0
// File: explore/explore.cpp (layer: explore)
// explore() and replay(): picks the scenario's model. Each model's search is instantiated in
// its own file (explore_reference.cpp, explore_kafka.cpp), from explore/explore_model.hpp.
#include "explore/explore.hpp"

#include "core/input_error.hpp"
#include "explore/explore_model.hpp"

namespace mqcheck::explore {
namespace detail {

std::string bounds_text(Bounds const& b, std::vector<FaultOption> const& options,
                        DurationUs drain) {
  std::string out = b.order == SearchOrder::delay
                        ? "delays <= " + std::to_string(b.delays_max) + " from the fixed schedule"
                        : "depth <= " + std::to_string(b.depth_max);
  out += ", faults: ";
  for (FaultOption const& o : options) out += o.label + " x1, ";
  out += "crashes of any broker x" + std::to_string(b.crashes) + ", settle " +
         format_duration(b.settle.value_or(drain)) + ", latency " +
         (b.latency_max ? "<= " + format_duration(*b.latency_max) : std::string("unbounded")) +
         (b.horizon ? ", time <= " + format_duration(*b.horizon) : std::string()) +
         ", messages as the scenario sends them, network: ";
  out += b.drops + b.duplicates == 0
             ? std::string("without loss")
             : "messages lost x" + std::to_string(b.drops) + ", duplicated x" +
                   std::to_string(b.duplicates);
  if (b.swarm_walks > 0) {
    out += "; sampled: " + std::to_string(b.swarm_walks) + " random walks, seed " +
           std::to_string(b.seed) + " (not every schedule)";
  }
  return out;
}

}  // namespace detail
namespace {

[[noreturn]] void no_model(sim::Scenario const& scenario) {
  throw InputError({scenario.file, 0, 0}, "broker",
                   "the explorer has no model for this broker yet; the available brokers are "
                   "'reference' and 'kafka'");
}

// Inert steps add no input, so a state's depth is no longer a function of its fingerprint,
// which sleep sets need; they change nothing under `state` fingerprints (no inputs there);
// with the liveness check, untried (explore/inert_steps.hpp).
void check_inert(Bounds const& b) {
  std::string clash;
  if (b.por) clash = "the 'por' reduction";
  if (b.liveness) clash = "--liveness";
  if (b.fingerprint != FingerprintMode::inputs) clash = "--fingerprint state";
  if (clash.empty()) return;
  throw InputError({"command line", 0, 0}, "--reduce",
                   "the inert-step reduction works with input fingerprints, without por and "
                   "without the liveness check; drop " +
                       clash + " or the 'inert' reduction");
}

// Partial-order reduction by sleep sets relies on every edge into a state being seen before the
// state is expanded (explore/sleep_sets.hpp): true for the single-threaded breadth-first search
// with `inputs` fingerprints only.
void check_reductions(Bounds const& b) {
  if (b.liveness && (b.por || b.order != SearchOrder::bfs || b.threads > 1 || b.swarm_walks > 0)) {
    throw InputError(
        {"command line", 0, 0}, "--liveness",
        "the liveness check needs every transition of the single-threaded "
        "breadth-first search; drop --reduce por, --search dfs or delay, --threads, --swarm");
  }
  // A state at the horizon has steps nobody followed, yet it offers none: the liveness check
  // would take it for the end of the run and judge it unsettled.
  if (b.liveness && b.horizon) {
    throw InputError({"command line", 0, 0}, "--liveness",
                     "the liveness check needs every step of every state; a time horizon ends "
                     "states early; drop the horizon");
  }
  if (b.symmetry) {
    std::string clash;
    if (b.liveness) clash = "--liveness";
    if (b.fingerprint != FingerprintMode::inputs) clash = "--fingerprint state";
    if (!clash.empty()) {
      throw InputError({"command line", 0, 0}, "--reduce",
                       "symmetry reduction works with input fingerprints and no liveness "
                       "check; drop " +
                           clash + " or the 'symmetry' reduction");
    }
  }
  if (b.inert) check_inert(b);
  if (!b.por) return;
  std::string clash;
  if (b.order != SearchOrder::bfs)
    clash = b.order == SearchOrder::dfs ? "--search dfs" : "--search delay";
  if (b.threads > 1) clash = "--threads";
  if (b.swarm_walks > 0) clash = "--swarm";
  if (b.fingerprint != FingerprintMode::inputs) clash = "--fingerprint state";
  if (clash.empty()) return;
  throw InputError({"command line", 0, 0}, "--reduce",
                   "partial-order reduction (por) works with the single-threaded breadth-first "
                   "search and input fingerprints only; drop " + clash + " or use --reduce none");
}

}  // namespace

ExploreResult explore(sim::Scenario const& scenario, Bounds const& bounds) {
  check_reductions(bounds);
  switch (scenario.broker) {
    case sim::BrokerKind::reference:
      return detail::explore_reference(scenario, bounds);
    case sim::BrokerKind::kafka:
      return detail::explore_kafka(scenario, bounds);
    case sim::BrokerKind::rabbitmq:
    case sim::BrokerKind::rocketmq:
      break;
  }
  no_model(scenario);
}

Counterexample replay(sim::Scenario const& scenario, Trace const& trace) {
  switch (scenario.broker) {
    case sim::BrokerKind::reference:
      return detail::replay_reference(scenario, trace);
    case sim::BrokerKind::kafka:
      return detail::replay_kafka(scenario, trace);
    case sim::BrokerKind::rabbitmq:
    case sim::BrokerKind::rocketmq:
      break;
  }
  no_model(scenario);
}

}  // namespace mqcheck::explore
