// SPDX-License-Identifier: Apache-2.0
// File: explore/symmetry_producers.hpp (layer: explore)
// The symmetry group of alike producers, for any model whose producers depend on their
// identity only through their name and the message ids they are given: every permutation of
// producers whose scenario entries are equal but for their name, each producer's id range
// moving with it, but the identity, and only those that map the fault budget onto itself
// (explore/symmetry.hpp; the models' finders: symmetry_reference.hpp, symmetry_kafka.hpp).
#pragma once

#include <algorithm>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "explore/symmetry.hpp"

namespace mqcheck::explore {

namespace producer_symmetry {

// Whether two producer entries differ at most by their name (and where they were written).
inline bool alike(sim::ProducerSpec const& a, sim::ProducerSpec const& b) {
  auto const texts = [](ConfigMap const& m) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto const& [key, value] : m) out.emplace_back(key, value.text);
    return out;
  };
  return a.topic == b.topic && a.messages == b.messages && a.interval.kind == b.interval.kind &&
         a.interval.mean == b.interval.mean && a.interval.min == b.interval.min &&
         a.interval.max == b.interval.max && a.interval.stddev == b.interval.stddev &&
         a.start == b.start && a.keys == b.keys && texts(a.config) == texts(b.config) &&
         a.txn_messages == b.txn_messages && a.abort_every == b.abort_every &&
         a.principal == b.principal && a.resend_unacknowledged == b.resend_unacknowledged &&
         a.tags == b.tags;
}

// Fills r.fault_from; false when some fault option has no image among the options (then the
// renaming is not a symmetry of the fault budget). An option with a selector maps to itself
// and only when its selector names no node the renaming moves.
inline bool map_faults(Renaming& r, std::vector<FaultOption> const& options) {
  r.fault_from.assign(options.size(), 0);
  for (std::size_t k = 0; k < options.size(); ++k) {
    FaultOption const& o = options[k];
    if (o.action == sim::FaultAction::partition) {  // Its own image, if it moves no node.
      for (auto const& group : o.groups) {
        for (NodeId n : group) {
          if (r.node(n) != n) return false;
        }
      }
      r.fault_from[k] = static_cast<std::uint32_t>(k);
      continue;
    }
    std::vector<NodeId> image;
    for (NodeId n : o.targets) image.push_back(r.node(n));
    std::sort(image.begin(), image.end());
    bool found = false;
    for (std::size_t j = 0; j < options.size() && !found; ++j) {
      FaultOption const& p = options[j];
      std::vector<NodeId> targets = p.targets;
      std::sort(targets.begin(), targets.end());
      if (p.action != o.action || p.selector != o.selector || targets != image) continue;
      if (!o.selector.empty()) {
        if (j != k) continue;
        for (std::size_t n = 0; n < r.to.size(); ++n) {
          if (r.to[n] != n && o.selector.find(r.own_names[n]) != std::string::npos) return false;
        }
      }
      r.fault_from[j] = static_cast<std::uint32_t>(k);
      found = true;
    }
    if (!found) return false;
  }
  return true;
}

inline std::string describe(SymmetryGroup const& g, std::vector<std::string> const& names) {
  std::string moved;
  for (std::size_t n = 0; n < names.size(); ++n) {
    bool const moves = std::any_of(g.elements.begin(), g.elements.end(),
                                   [&](Renaming const& r) { return r.to[n] != n; });
    if (moves) moved += (moved.empty() ? "" : ", ") + names[n];
  }
  return std::to_string(g.elements.size() + 1) + " renamings of the alike producers " + moved +
         " (with their message ids)";
}

// Every permutation of each class of alike producers (found by name among the plan's nodes;
// ids given in scenario order from 1, as sim/world_reference.cpp and sim/world_kafka.cpp give
// them), but the identity, and only those that map the fault budget onto itself.
// `eligible(spec)` says whether the model lets that producer move at all.
template <class Eligible>
SymmetryGroup alike_producers(sim::Scenario const& s, std::vector<std::string> const& names,
                              std::vector<FaultOption> const& options, Eligible eligible) {
  SymmetryGroup group;
  std::size_t const p = s.producers.size();
  std::vector<std::uint64_t> first(p, 1);
  std::vector<std::uint32_t> node(p, 0);
  for (std::size_t i = 0; i < p; ++i) {
    if (i > 0) first[i] = first[i - 1] + static_cast<std::uint64_t>(s.producers[i - 1].messages);
    auto const at = std::find(names.begin(), names.end(), s.producers[i].id);
    if (at == names.end()) return group;  // Not the world we know: no symmetry.
    node[i] = static_cast<std::uint32_t>(at - names.begin());
  }
  std::vector<std::uint32_t> perm(p);  // perm[i]: the producer i becomes.
  std::iota(perm.begin(), perm.end(), 0u);
  std::uint64_t tried = 0;
  while (std::next_permutation(perm.begin(), perm.end())) {
    if (++tried > 40320) break;  // 8 producers: beyond that the search is too big anyway.
    bool ok = true;
    for (std::size_t i = 0; i < p && ok; ++i) {
      ok = perm[i] == i ||
           (eligible(s.producers[i]) && alike(s.producers[i], s.producers[perm[i]]));
    }
    if (!ok) continue;
    Renaming r;
    r.to.resize(names.size());
    std::iota(r.to.begin(), r.to.end(), 0u);
    for (std::size_t i = 0; i < p; ++i) r.to[node[i]] = node[perm[i]];
    r.from.resize(names.size());
    for (std::uint32_t n = 0; n < r.to.size(); ++n) r.from[r.to[n]] = n;
    r.own_names = names;
    for (std::size_t n = 0; n < names.size(); ++n) r.names.push_back(names[r.to[n]]);
    for (std::size_t i = 0; i < p; ++i) {
      if (perm[i] == i) continue;
      r.ids.push_back({first[i], static_cast<std::uint64_t>(s.producers[i].messages),
                       first[perm[i]]});
      r.producer_nodes.push_back(node[i]);
    }
    if (map_faults(r, options)) group.elements.push_back(std::move(r));
  }
  group.what = group.empty() ? "none found (no two producers alike, or the fault budget "
                               "tells them apart)"
                             : describe(group, names);
  return group;
}

}  // namespace producer_symmetry

}  // namespace mqcheck::explore
