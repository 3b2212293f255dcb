// SPDX-License-Identifier: Apache-2.0
// File: explore/explore_model.hpp (layer: explore)
// explore() and replay() for one model, as templates: the scenario goes through sim::simulate
// as for `mqcheck run`, so the world builder (sim/world_*.cpp) parses and checks every
// configuration and builds the actors; RunTakeover hands its kernel to the search instead of
// simulating. Each model instantiates them in a file of its own (explore_reference.cpp,
// explore_kafka.cpp), so the heaviest objects of the layer compile in parallel.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "explore/explore.hpp"
#include "explore/liveness_check.hpp"
#include "explore/minimise.hpp"
#include "explore/search.hpp"
#include "explore/search_parallel.hpp"
#include "sim/run.hpp"

namespace mqcheck::explore::detail {

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

/// Returns the bounds in words, for "holds within bounds: ...".
std::string bounds_text(Bounds const& b, std::vector<FaultOption> const& options,
                        DurationUs drain);

// Fills the counterexamples (shortened by --minimise) and the state graph's marked path.
template <class Model>
void collect(Search<Model>& search, Bounds const& bounds, ExploreResult& result) {
  result.guarantees = search.results();
  for (std::size_t g = 0; g < result.guarantees.size(); ++g) {
    if (!result.guarantees[g].violated) continue;
    std::vector<std::uint32_t> choices = search.witness(g).choices;
    std::size_t const found = choices.size();
    if (bounds.minimise) choices = Minimiser<Model>(search, g).run(choices);
    Counterexample cx = search.rebuild(choices);
    cx.found_choices = found;
    cx.shortest = bounds.order == SearchOrder::bfs && bounds.swarm_walks == 0;
    result.guarantees[g].counterexample = std::move(cx);
    if (result.graph && result.graph_trace.empty()) result.graph_trace = search.witness(g).entries;
  }
}

template <class Model>
ExploreResult explore_model(sim::Scenario const& scenario, Bounds const& asked) {
  ExploreResult result;
  Bounds bounds = asked;  // Liveness needs the whole graph: no stop at the first violations.
  if (bounds.liveness) bounds.stop_when_all_violated = false;
  with_kernel<Model>(scenario, [&](sim::Kernel<Model>& kernel) {
    Engine<Model> engine(kernel, bounds.crashes, bounds.latency_max);
    engine.set_network_faults(bounds.drops, bounds.duplicates);
    engine.set_horizon(bounds.horizon);
    Search<Model> search(engine, bounds);
    search.set_drain(scenario.drain);
    SymmetryGroup group;
    if (bounds.symmetry) {
      std::vector<std::string> names;
      for (auto const& node : kernel.plan().nodes) names.push_back(node.name);
      group = SymmetryFinder<Model>::find(scenario, names, engine.fault_options());
      engine.set_symmetry(&group);
      search.set_symmetry(&group);
      result.symmetry_group = group.what;
    }
    result.symmetry = bounds.symmetry;
    if (bounds.threads > 1 && bounds.swarm_walks == 0 && bounds.order == SearchOrder::bfs) {
      ParallelBfs<Model>(search, kernel, bounds).run();
    } else if (bounds.threads > 1 && bounds.swarm_walks == 0 &&
               bounds.order == SearchOrder::delay) {
      DelayJudgeBatch<Model> batch(search, kernel, bounds);
      search.set_judge_batch(&batch);
      search.run();
    } else {
      search.run();
    }
    result.stats = search.stats();
    if (bounds.dot_states_max > 0) result.graph = search.graph();
    collect(search, bounds, result);
    result.bounds = bounds_text(bounds, engine.fault_options(), scenario.drain);
    result.unsupported = engine.unsupported_faults();
    result.por = bounds.por;
    result.inert = bounds.inert;
    if (bounds.liveness) result.liveness = check_liveness(search, bounds);
  });
  return result;
}

template <class Model>
Counterexample replay_model(sim::Scenario const& scenario, Trace const& trace) {
  Counterexample cx;
  with_kernel<Model>(scenario, [&](sim::Kernel<Model>& kernel) {
    Engine<Model> engine(kernel, trace.bounds.crashes, trace.bounds.latency_max);
    engine.set_network_faults(trace.bounds.drops, trace.bounds.duplicates);
    Search<Model> search(engine, trace.bounds);
    search.set_drain(scenario.drain);
    cx = search.rebuild(trace.choices, &trace.steps);
  });
  return cx;
}

ExploreResult explore_reference(sim::Scenario const& scenario, Bounds const& bounds);
ExploreResult explore_kafka(sim::Scenario const& scenario, Bounds const& bounds);
Counterexample replay_reference(sim::Scenario const& scenario, Trace const& trace);
Counterexample replay_kafka(sim::Scenario const& scenario, Trace const& trace);

}  // namespace mqcheck::explore::detail
