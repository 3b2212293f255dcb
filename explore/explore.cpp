// SPDX-License-Identifier: Apache-2.0
// File: explore/explore.cpp (layer: explore)
// explore() and replay() for every model: the scenario goes through sim::simulate as for
// `mqcheck run`, so the world builder (sim/world_*.cpp) parses and checks every configuration
// and builds the actors; RunTakeover hands its kernel to the search instead of simulating.
#include "explore/explore.hpp"

#include <functional>

#include "core/input_error.hpp"
#include "explore/search.hpp"
#include "model/kafka/model.hpp"
#include "model/reference/model.hpp"
#include "sim/run.hpp"

namespace mqcheck::explore {
namespace {

// Runs `body` with the kernel the world builder makes for `scenario`, whichever model it is.
template <class Model>
void with_kernel(sim::Scenario const& scenario,
                 std::function<void(sim::Kernel<Model>&)> const& body) {
  std::function<sim::RunResult(sim::Kernel<Model>&)> hook = [&](sim::Kernel<Model>& k) {
    body(k);
    return sim::RunResult{};
  };
  sim::RunTakeover<Model>::hook = &hook;
  try {
    static_cast<void>(sim::simulate(scenario, scenario.seed));
  } catch (...) {
    sim::RunTakeover<Model>::hook = nullptr;
    throw;
  }
  sim::RunTakeover<Model>::hook = nullptr;
}

std::string bounds_text(Bounds const& b, std::vector<FaultOption> const& options,
                        DurationUs drain) {
  std::string out = "depth <= " + std::to_string(b.depth_max) + ", faults: ";
  for (FaultOption const& o : options) out += o.label + " x1, ";
  out += "crashes of any broker x" + std::to_string(b.crashes) + ", settle " +
         format_duration(b.settle.value_or(drain)) +
         ", latency " +
         (b.latency_max ? "<= " + format_duration(*b.latency_max) : std::string("unbounded")) +
         ", messages as the scenario sends them, network without loss";
  return out;
}

template <class Model>
ExploreResult explore_model(sim::Scenario const& scenario, Bounds const& bounds) {
  ExploreResult result;
  with_kernel<Model>(scenario, [&](sim::Kernel<Model>& kernel) {
    Engine<Model> engine(kernel, bounds.crashes, bounds.latency_max);
    Search<Model> search(engine, bounds);
    search.set_drain(scenario.drain);
    search.run();
    result.stats = search.stats();
    result.guarantees = search.results();
    for (std::size_t g = 0; g < result.guarantees.size(); ++g) {
      if (!result.guarantees[g].violated) continue;
      result.guarantees[g].counterexample = search.rebuild(search.path_to(search.witnesses()[g]));
    }
    result.bounds = bounds_text(bounds, engine.fault_options(), scenario.drain);
    result.unsupported = engine.unsupported_faults();
    if (bounds.dot_states_max > 0) {
      result.graph = search.graph();
      for (std::size_t g = 0; g < result.guarantees.size() && result.graph_trace.empty(); ++g) {
        if (result.guarantees[g].violated) {
          result.graph_trace = search.entries_to(search.witnesses()[g]);
        }
      }
    }
  });
  return result;
}

template <class Model>
Counterexample replay_model(sim::Scenario const& scenario, Trace const& trace) {
  Counterexample cx;
  with_kernel<Model>(scenario, [&](sim::Kernel<Model>& kernel) {
    Engine<Model> engine(kernel, trace.bounds.crashes, trace.bounds.latency_max);
    Search<Model> search(engine, trace.bounds);
    search.set_drain(scenario.drain);
    cx = search.rebuild(trace.choices, &trace.steps);
  });
  return cx;
}

[[noreturn]] void no_model(sim::Scenario const& scenario) {
  throw InputError({scenario.file, 0, 0}, "broker",
                   "the explorer has no model for this broker yet; the available brokers are "
                   "'reference' and 'kafka'");
}

}  // namespace

ExploreResult explore(sim::Scenario const& scenario, Bounds const& bounds) {
  switch (scenario.broker) {
    case sim::BrokerKind::reference:
      return explore_model<model::reference::Model>(scenario, bounds);
    case sim::BrokerKind::kafka:
      return explore_model<model::kafka::Model>(scenario, bounds);
    case sim::BrokerKind::rabbitmq:
    case sim::BrokerKind::rocketmq:
      break;
  }
  no_model(scenario);
}

Counterexample replay(sim::Scenario const& scenario, Trace const& trace) {
  switch (scenario.broker) {
    case sim::BrokerKind::reference:
      return replay_model<model::reference::Model>(scenario, trace);
    case sim::BrokerKind::kafka:
      return replay_model<model::kafka::Model>(scenario, trace);
    case sim::BrokerKind::rabbitmq:
    case sim::BrokerKind::rocketmq:
      break;
  }
  no_model(scenario);
}

}  // namespace mqcheck::explore
