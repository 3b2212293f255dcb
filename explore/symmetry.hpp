// SPDX-License-Identifier: Apache-2.0
// File: explore/symmetry.hpp (layer: explore)
// Symmetry reduction (--reduce symmetry): states that differ only by a renaming of
// interchangeable nodes (and of the message ids those nodes allocate) are merged. The
// fingerprint of a World is the least, over the group's renamings, of the fingerprint of the
// World renamed (E. A. Emerson and A. P. Sistla, "Symmetry and model checking", Formal Methods
// in System Design 9, 1996; C. N. Ip and D. L. Dill, "Better verification through symmetry",
// FMSD 9, 1996: the orbit's least image as its representative). The search still walks real
// Worlds and records real choices, so counterexamples replay unchanged; only the visited set
// and the verdict cache see the canonical fingerprint. Which nodes a model may permute, and
// how its timer ids move with the message ids, are the model's business
// (explore/symmetry_reference.hpp); docs/explorer.md says why the merge is sound.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "explore/choice.hpp"
#include "explore/value_hash.hpp"
#include "explore/world.hpp"
#include "model/common/out.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::explore {

/// One element of the symmetry group: where each node goes, where the message ids of the moved
/// producers go, and where each fault option of the budget goes.
class Renaming final : public IdRenaming {
 public:
  /// Ids first .. first + count - 1 become image .. image + count - 1.
  struct IdRange {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    std::uint64_t image = 0;
  };

  std::vector<std::uint32_t> to;          // to[n]: the node n becomes.
  std::vector<std::uint32_t> from;        // from[m]: the node that becomes m (the inverse).
  std::vector<IdRange> ids;               // Only the ids that move.
  std::vector<std::string> names;         // names[n]: the process name of to[n].
  std::vector<std::string> own_names;     // own_names[n]: node n's process name.
  std::vector<std::uint32_t> fault_from;  // Option k of the image is option fault_from[k].
  std::vector<std::uint32_t> producer_nodes;  // The producers it moves (for rename_timer).

  NodeId node(NodeId n) const override {
    return n.value < to.size() ? NodeId{to[n.value]} : n;
  }
  MessageId message(MessageId id) const override {
    for (IdRange const& r : ids) {
      if (id.value >= r.first && id.value < r.first + r.count) {
        return MessageId{r.image + (id.value - r.first)};
      }
    }
    return id;
  }
  /// The process name `p` becomes ("network" and other non-node names stay).
  std::string const& process(std::string const& p) const {
    for (std::size_t n = 0; n < own_names.size(); ++n) {
      if (own_names[n] == p) return names[n];
    }
    return p;
  }
};

/// The group (every element but the identity) and the model's rule for timer ids.
struct SymmetryGroup {
  std::vector<Renaming> elements;
  /// The timer id node `n`'s timer `id` becomes under `r` (resend timers named after the
  /// message id they guard move with it). Null: timer ids do not move.
  model::TimerId (*rename_timer)(NodeId n, model::TimerId id, Renaming const& r) = nullptr;
  std::string what;  // In words, for the output: "p1 <-> p2 (with their message ids)".
  bool empty() const { return elements.empty(); }
};

/// Finds the symmetry group of a model's world: by default none (every node is distinct). A
/// model that knows which of its nodes are interchangeable specialises it
/// (explore/symmetry_reference.hpp). `names` are the plan's node names, `options` the fault
/// budget's options (a renaming must map them onto each other).
template <class Model>
struct SymmetryFinder {
  static SymmetryGroup find(sim::Scenario const&, std::vector<std::string> const&,
                            std::vector<FaultOption> const&) {
    SymmetryGroup none;
    none.what = "none found (no interchangeable nodes are known for this broker model)";
    return none;
  }
};

/// Returns the digest of a client op under `r`: op_digest() of the renamed op (its process and
/// the message ids of its records renamed).
inline std::uint64_t op_digest_renamed(history::Op const& op, Renaming const& r) {
  RenamingScope scope(&r);  // hash_value renames the records' message ids while it lives.
  return op_digest(op, r.process(op.process));
}

/// Returns the digest of a message in flight under `r`: what Engine::transmit computes for the
/// renamed message (sender, receiver and every id inside renamed).
template <class Model>
std::uint64_t message_digest_renamed(InFlight<Model> const& m, Renaming const& r) {
  RenamingScope scope(&r);
  Hasher h;
  h.add(r.node(m.from).value);
  h.add(r.node(m.to).value);
  h.add(m.incarnation);
  hash_value(h, *m.message);
  return h.digest();
}

/// Returns fingerprint(w, inputs) of the World `w` renamed by element `g` of `group` (g ==
/// group.elements.size(): the identity, which is fingerprint(w, inputs) itself). Each term is
/// the one fingerprint() folds, taken from the node that lands in each position.
template <class Model>
std::uint64_t fingerprint_renamed(World<Model> const& w, SymmetryGroup const& group,
                                  std::size_t g) {
  if (g == group.elements.size()) return fingerprint(w, FingerprintMode::inputs);
  Renaming const& r = group.elements[g];
  Hasher h;
  for (std::uint32_t m = 0; m < w.nodes.size(); ++m) {
    std::uint32_t const n = r.from[m];
    NodeState<Model> const& node = w.node(n);
    std::uint64_t timers = 0;  // timers_digest() of the image: a sum, so in any order.
    for (auto const& [id, window] : node.timers) {
      model::TimerId const image = group.rename_timer ? group.rename_timer(NodeId{n}, id, r) : id;
      timers += timer_term(image, relative(window.lo, w.now), relative(window.hi, w.now));
    }
    std::uint64_t const inputs = node.inputs_renamed.empty() ? node.inputs : node.inputs_renamed[g];
    h.add(node_word(node.up, node.incarnation, node.timers.size(), timers) ^ inputs);
  }
  std::uint64_t wire = 0;
  for (InFlight<Model> const& m : w.in_flight) {
    std::uint64_t const digest =
        m.digest_renamed ? (*m.digest_renamed)[g] : message_digest_renamed(m, r);
    std::int64_t const deadline = relative(m.deadline, w.now);
    std::uint64_t const due = static_cast<std::uint64_t>(deadline) * 0x9e3779b97f4a7c15ull;
    wire += deadline == TimerWindow::unbounded ? digest : digest ^ due;
  }
  std::vector<bool> used(w.faults_used.size());
  for (std::size_t k = 0; k < used.size(); ++k) used[k] = w.faults_used[r.fault_from[k]];
  auto const [budget, bits] = budget_words(wire, w.in_flight.size(), w.crashes_used, used);
  h.add(budget);
  h.add(bits);
  if (w.drops_used + w.duplicates_used > 0) {
    h.add(w.drops_used);
    h.add(w.duplicates_used);
  }
  // A renaming maps a partition's option to itself only (symmetry_producers.hpp, map_faults).
  if (w.partition != 0) h.add(0x9a27u + w.partition);
  h.add(w.observed_renamed.empty() ? w.observed : w.observed_renamed[g]);
  return h.digest();
}

/// Returns the canonical fingerprint of `w`: the least over the group (identity included), so
/// every World of an orbit gets the same one, then mixed again. The least of k uniform values
/// leans toward 0, and the visited set picks a slot by the top bits (fingerprint_table.hpp):
/// unmixed, the low slots crowd and probes run long (a tenth of the time, measured). The mix
/// (splitmix64's finaliser, a bijection) keeps distinct values distinct.
template <class Model>
std::uint64_t canonical_fingerprint(World<Model> const& w, SymmetryGroup const& group) {
  std::uint64_t best = fingerprint(w, FingerprintMode::inputs);
  for (std::size_t g = 0; g < group.elements.size(); ++g) {
    best = std::min(best, fingerprint_renamed(w, group, g));
  }
  best = (best ^ (best >> 30)) * 0xbf58476d1ce4e5b9ull;
  best = (best ^ (best >> 27)) * 0x94d049bb133111ebull;
  return best ^ (best >> 31);
}

}  // namespace mqcheck::explore
