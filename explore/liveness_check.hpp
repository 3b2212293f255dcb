// SPDX-License-Identifier: Apache-2.0
// File: explore/liveness_check.hpp (layer: explore)
// The liveness verdict of a finished breadth-first search (explore/liveness.hpp): each terminal
// component of the fault-free graph with no state cut by the depth bound is judged by one of
// its states; "holds" only when nothing was cut or stopped (else "unknown"). Client ops only
// accumulate and each is folded into the fingerprint (the `observed` sum), so every state of a
// component has recorded the same client ops: one state's history, read as finished (marked
// drained), says whether an acknowledged message is never processed there; the delivery
// checker's at-least-once verdict is exactly that.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "explore/liveness.hpp"
#include "explore/search.hpp"

namespace mqcheck::explore {

// Returns the guarantee verdict `name` of `report`, unknown when it has none.
inline checker::Validity validity_of(checker::DeliveryReport const& report,
                                     std::string_view name) {
  for (checker::Verdict const& v : report.verdicts) {
    if (v.guarantee == name) return v.validity;
  }
  return checker::Validity::unknown;
}

// A terminal component none of whose states was cut by the depth bound is terminal in the
// whole (unbounded) graph too: every step out of its states is known. So a violation found in
// one is real even when the search was cut elsewhere; "holds" needs the whole graph.
template <class Model>
LivenessResult check_liveness(Search<Model>& search, Bounds const& bounds) {
  LivenessResult r;
  if (!search.stats().stopped.empty()) {  // The last layer was never expanded: nothing known.
    r.why = "search stopped at --" + search.stats().stopped + " before the graph was complete";
    return r;
  }
  std::vector<std::uint32_t> const& cut = search.cut();
  for (std::vector<std::uint32_t> const& c : terminal_components(search.states(), search.edges())) {
    bool const open = std::any_of(c.begin(), c.end(), [&](std::uint32_t s) {
      return std::binary_search(cut.begin(), cut.end(), s);
    });
    if (open) continue;  // Cut states have steps nobody followed: not known to be terminal.
    ++r.components;
    std::vector<std::uint32_t> const path = search.path_to(c.front());
    Counterexample const at = search.rebuild(path, nullptr, false);
    if (validity_of(at.report, "at-least-once") != checker::Validity::invalid) continue;
    r.status = LivenessResult::Status::violated;
    for (checker::Verdict const& v : at.report.verdicts) {
      if (v.guarantee == "at-least-once") r.why = v.reason;
    }
    r.choices = path;
    r.path = at.steps;
    std::vector<std::uint32_t> around = path;
    for (GraphEdge const& e : cycle_in(c, search.edges())) {
      r.cycle_choices.push_back(e.choice);
      around.push_back(e.choice);
    }
    std::vector<std::string> const steps = search.rebuild(around, nullptr, false).steps;
    r.cycle.assign(steps.begin() + static_cast<std::ptrdiff_t>(path.size()), steps.end());
    return r;
  }
  if (search.stats().depth_cut) {
    r.why = "search cut at depth " + std::to_string(bounds.depth_max) +
            " (states there have steps not followed; raise --max-depth)";
  } else {
    r.status = LivenessResult::Status::holds;
  }
  return r;
}

}  // namespace mqcheck::explore
