// SPDX-License-Identifier: Apache-2.0
// File: explore/engine.hpp (layer: explore)
// The explorer's step semantics over World values: enumerate the choices a World offers and
// apply one. Effects are applied exactly as the kernel applies them (sim/kernel_impl.hpp):
// cancels, then timer sets, then disk operations in order, then history ops, then sends; a
// crash completes open client ops as the model said, clears timers and bumps the incarnation;
// a power loss also cuts each file to its fsynced length; a restart resets the actor and
// recovers it from disk. Every handler reads World::now as its clock (Out::now), as under the
// kernel. Time is abstracted: a message may arrive at any moment (unbounded
// delay), and a timer may fire when no other armed timer's latest firing time comes before its
// earliest (docs/explorer.md). The network loses or duplicates a message only as a budgeted
// choice (--drops, --duplicates).
#pragma once

#include <cxxabi.h>

#include <algorithm>
#include <concepts>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "core/input_error.hpp"
#include "explore/choice.hpp"
#include "explore/symmetry.hpp"
#include "explore/world.hpp"
#include "model/common/quiet.hpp"
#include "sim/kernel.hpp"

namespace mqcheck::explore {

/// Returns the unqualified name of T ("ProduceRequest"), for traces only.
template <class T>
std::string type_name() {
  int status = 0;
  char* raw = abi::__cxa_demangle(typeid(T).name(), nullptr, nullptr, &status);
  std::string name = status == 0 && raw != nullptr ? raw : typeid(T).name();
  std::free(raw);  // NOLINT: the demangler's buffer comes from malloc.
  std::size_t const colon = name.rfind("::");
  return colon == std::string::npos ? name : name.substr(colon + 2);
}

template <class Model>
class Engine {
  using Message = typename Model::Message;
  using Entry = typename Model::Entry;
  using Actor = typename Model::Actor;
  using W = World<Model>;

 public:
  /// Borrows `kernel` (from RunTakeover) for its plan, initial actors and resolver. `crashes`
  /// is the --crashes budget: that many extra crashes of any broker node. `latency_max`, when
  /// set, bounds how long a message may stay in flight while timers fire.
  Engine(sim::Kernel<Model>& kernel, std::uint32_t crashes,
         std::optional<DurationUs> latency_max = {})
      : kernel_(kernel), crashes_(crashes), latency_max_(latency_max) {
    open_header_ = drained_header_ = kernel.plan().header;
    open_header_.drained = false;
    drained_header_.drained = true;
    for (sim::PlannedFault const& f : kernel.plan().faults) {
      // Restarts and heals are always a choice for a node that is down, a network cut.
      if (f.undo || f.action == sim::FaultAction::heal) continue;
      if (f.action == sim::FaultAction::partition) {
        add_partition(f);
        continue;
      }
      if (f.action != sim::FaultAction::crash && f.action != sim::FaultAction::power_loss) {
        unsupported_.push_back(std::string(sim::fault_name(f.action)));
        continue;
      }
      FaultOption o{f.action, f.targets, f.selector, std::string(sim::fault_name(f.action)),
                    {},       false};
      if (!f.selector.empty()) o.label += " " + f.selector;
      for (NodeId n : f.targets) o.label += " " + name(n);
      options_.push_back(std::move(o));
    }
    if (options_.size() > FaultSet::max) {  // World::faults_used holds one bit per option.
      throw InputError({"scenario", 0, 0}, "faults",
                       "the explorer takes at most " + std::to_string(FaultSet::max) +
                           " crash and power-loss faults, not " + std::to_string(options_.size()));
    }
  }

  /// Returns the initial World: every node started (on_start), in node order.
  W initial() {
    W w;
    for (Actor const& a : kernel_.initial_actors()) {
      w.nodes.push_back(
          std::make_shared<NodeState<Model>>(NodeState<Model>{a, true, 0, {}, {}, {}, {}, 0, {}}));
    }
    w.faults_used.assign(options_.size(), false);
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
      call(w, NodeId{n}, [&](auto& actor) { actor.on_start(out_); });
    }
    return w;
  }

  /// Appends the choices `w` offers to `out`, in a fixed order: deliveries by in-flight index
  /// (skipping a copy identical to an earlier one), timers by (node, id), faults, restarts.
  void choices(W const& w, std::vector<Choice>& out) {
    if (horizon_ && w.now.us >= horizon_->us) return;  // An end state: Bounds::horizon.
    for (std::size_t i = 0; i < w.in_flight.size(); ++i) {
      InFlight<Model> const& m = w.in_flight[i];
      bool const repeat = std::any_of(
          w.in_flight.begin(), w.in_flight.begin() + static_cast<std::ptrdiff_t>(i),
          [&](auto const& o) { return o.digest == m.digest && same_deadline(w, o, m); });
      if (!repeat) out.push_back({ChoiceKind::deliver, m.to, i});
    }
    std::int64_t const horizon = earliest_deadline(w);
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
      if (!w.node(n).up) continue;
      for (auto const& [id, window] : w.node(n).timers) {
        if (relative(window.lo, w.now) > horizon) continue;
        out.push_back({ChoiceKind::timer, NodeId{n}, id});
      }
    }
    fault_choices(w, out);
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
      if (!w.node(n).up) out.push_back({ChoiceKind::restart, NodeId{n}, 0});
    }
    if (w.partition != 0) out.push_back({ChoiceKind::heal, NodeId{0}, w.partition - 1});
  }

  /// Returns the index in `choices` (choices(w), in its order) of the step the settle's fixed
  /// schedule takes next: the oldest message in flight, else the timer due soonest, ties by
  /// node and id (settle_steps, after its restarts); nothing when there is neither (or the
  /// horizon left no choice). The delay-bounded search (explore/search_delay.hpp) takes it
  /// without spending a delay.
  std::optional<std::uint32_t> default_choice(W const& w,
                                              std::vector<Choice> const& choices) const {
    if (choices.empty()) return std::nullopt;
    if (!w.in_flight.empty()) return 0u;  // choices() lists in-flight index 0 first.
    std::optional<Choice> const due = soonest_timer_choice(w).first;
    if (!due) return std::nullopt;
    auto const at = std::find(choices.begin(), choices.end(), *due);
    if (at == choices.end()) return std::nullopt;  // Not allowed by time: cannot happen.
    return static_cast<std::uint32_t>(at - choices.begin());
  }

  /// Returns choices(w)[default_choice(w, choices(w))] without listing the choices: the
  /// delay search's unstored walk (explore/search_delay.hpp walk_tail) asks this of every state
  /// it passes, and listing them (with the in-flight repeats, the time bound and the faults'
  /// targets) was a twentieth of its instructions. Nothing when default_choice gives nothing.
  std::optional<Choice> fixed_step(W const& w) const {
    if (horizon_ && w.now.us >= horizon_->us) return std::nullopt;  // No choice at all.
    if (!w.in_flight.empty()) return Choice{ChoiceKind::deliver, w.in_flight.front().to, 0};
    auto const [due, soonest] = soonest_timer_choice(w);
    if (due && soonest > earliest_deadline(w)) return std::nullopt;  // Not among choices().
    return due;
  }

  /// The timer due soonest among the nodes that are up (from now, ties by node and id), and
  /// how soon: the fixed schedule's step when nothing is in flight (default_choice,
  /// fixed_step). Nothing (and TimerWindow::unbounded) when no timer is armed.
  std::pair<std::optional<Choice>, std::int64_t> soonest_timer_choice(W const& w) const {
    std::optional<Choice> due;
    std::int64_t soonest = TimerWindow::unbounded;
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
      if (!w.node(n).up) continue;
      for (auto const& [id, window] : w.node(n).timers) {
        std::int64_t const from_now = relative(window.lo, w.now);
        if (from_now >= soonest) continue;
        soonest = from_now;
        due = Choice{ChoiceKind::timer, NodeId{n}, id};
      }
    }
    return {due, soonest};
  }

  /// Returns whether choices(w) holds a fault (is_fault: a crash or power loss of the budget,
  /// a drop or a duplicate), unless the horizon left no choice at all, without listing them.
  bool offers_fault(W const& w) {
    for (std::size_t i = 0; i < options_.size(); ++i) {  // As fault_choices.
      if (w.faults_used[i]) continue;
      FaultOption const& o = options_[i];
      if (o.action == sim::FaultAction::partition) {
        if (w.partition == 0) return true;
        continue;
      }
      if (o.selector.empty()) {
        if (std::any_of(o.targets.begin(), o.targets.end(),
                        [&](NodeId n) { return w.node(n.value).up; })) {
          return true;
        }
        continue;
      }
      for (NodeId n : resolve(w, o.selector)) {
        if (w.node(n.value).up) return true;
      }
    }
    if (w.crashes_used < crashes_) {
      for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
        if (w.node(n).up && kernel_.plan().nodes[n].role == sim::NodeRole::broker) return true;
      }
    }
    // The oldest message is never a repeat of an earlier one.
    return (w.drops_used < drops_ || w.duplicates_used < duplicates_) && !w.in_flight.empty();
  }

  /// Applies `c` (one of choices(w)) to `w`.
  void apply(W& w, Choice const& c) {
    ++w.steps;
    switch (c.kind) {
      case ChoiceKind::deliver:
        return deliver(w, static_cast<std::size_t>(c.item));
      case ChoiceKind::timer:
        return fire(w, c.node, c.item);
      case ChoiceKind::crash:
      case ChoiceKind::power_loss:
        return strike(w, c);
      case ChoiceKind::restart:
        return restart(w, c.node);
      case ChoiceKind::drop:
      case ChoiceKind::duplicate:
        return network_fault(w, c);
      case ChoiceKind::partition:
        return cut(w, c.item);
      case ChoiceKind::heal:
        return heal(w, "heal");
    }
  }

  /// Returns what `c` does in `w`, in words ("broker-0 receives ProduceRequest from p1").
  std::string describe(W const& w, Choice const& c) const {
    switch (c.kind) {
      case ChoiceKind::deliver: {
        auto const& m = w.in_flight[static_cast<std::size_t>(c.item)];
        std::string const type =
            std::visit([](auto const& x) { return type_name<std::decay_t<decltype(x)>>(); },
                       *m.message);
        if (blocked(w, m.from, m.to)) {
          return "the network drops " + type + " from " + name(m.from) + " to " + name(m.to) +
                 " (partitioned)";
        }
        return name(m.to) + " receives " + type + " from " + name(m.from);
      }
      case ChoiceKind::timer:
        return name(c.node) + "'s timer " + std::to_string(c.item) + " fires";
      case ChoiceKind::crash:
        return name(c.node) + " crashes (" + option_label(c.item) + ")";
      case ChoiceKind::power_loss:
        return name(c.node) + " loses power (" + option_label(c.item) + ")";
      case ChoiceKind::restart:
        return name(c.node) + " restarts and recovers from its disk";
      case ChoiceKind::partition:
        return "the network partitions (" + option_label(c.item) + ")";
      case ChoiceKind::heal:
        return "the network heals (" + option_label(c.item) + ")";
      case ChoiceKind::drop:
      case ChoiceKind::duplicate: {
        auto const& m = w.in_flight[static_cast<std::size_t>(c.item)];
        std::string const type =
            std::visit([](auto const& x) { return type_name<std::decay_t<decltype(x)>>(); },
                       *m.message);
        return "the network " + std::string(c.kind == ChoiceKind::drop ? "drops" : "duplicates") +
               " " + type + " from " + name(m.from) + " to " + name(m.to);
      }
    }
    return "?";
  }

  /// Lets `w` settle as the simulator's quiesce and drain do: heal, restart every node that is
  /// down (node order), then run a fixed schedule (every message in flight, oldest first,
  /// before the timer due soonest, ties by node and id) until `drain` of time has passed,
  /// nothing is left to run, or `steps_max` steps. Returns whether the history counts as
  /// drained, as the kernel decides it (nothing left, or an endless model not cut short).
  /// With `may_stop_quiet`, the settle ends early where the model says it is quiet
  /// (quiet_now): the verdicts are those of the whole settle, the history is not.
  bool settle(W& w, DurationUs drain, std::uint64_t steps_max, bool may_stop_quiet = false) {
    settling_ = true;  // Its ops go to w.tail (World::tail); reset however settle_steps ends.
    // The buffer of the last settle handed back (recycle_tail), if w has none: a 300 ms Kafka
    // settle records about 256 ops, and a fresh 60 KB buffer each settle went through malloc's
    // large-block path (and its consolidation of freed small blocks).
    if (w.tail.capacity() == 0) w.tail.swap(spare_tail_);
    w.tail.reserve(256);  // Growing moved the ops.
    queue_.clear();  // Empty unless a handler threw in the last settle.
    queue_head_ = 0;
    bool const drained = settle_steps(w, drain, steps_max, may_stop_quiet);
    settling_ = false;
    unqueue(w);
    return drained;
  }

  /// Takes back the tail buffer of `w`, a settled World about to be dropped, for the next
  /// settle (its ops are destroyed; w's tail is left empty).
  void recycle_tail(W& w) {
    w.tail.clear();
    if (w.tail.capacity() > spare_tail_.capacity()) w.tail.swap(spare_tail_);
  }

  /// Heals the network and restarts every node that is down, in node order: the settle's
  /// first steps, as the kernel's quiesce (sim/kernel_faults.hpp).
  void restart_all(W& w) {
    if (w.partition != 0) heal(w, "quiesce: heal");
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) restart(w, NodeId{n});
  }
  /// Delivers the oldest message in flight (there must be one): the settle's next step.
  void deliver_oldest(W& w) { deliver(w, 0); }

  /// Returns the delivery verdicts (`only`: delivery guarantee names) of `w`'s history, marked
  /// drained or not: checker::check_stream reads the ops where they lie, with no History built
  /// and none of the ordering, transaction or feature checkers run (their verdicts would be
  /// dropped). The checker's stream and whole-history reports are equal (checker/check.hpp).
  checker::DeliveryReport check(W const& w, bool drained, std::span<std::string const> only) {
    checker::OpSource const source = [&](auto const& visit) { for_each_op(w, visit); };
    return checker::check_stream(drained ? drained_header_ : open_header_, source, only);
  }

  /// check()'s validities alone (checker::judgement_of(check(w, drained, only))), made without
  /// the report, by this Engine's one reused checker stream: a settle's judging, on the
  /// Engine's thread.
  checker::DeliveryJudgement judge(W const& w, bool drained, std::span<std::string const> only) {
    checker::OpSource const source = [&](auto const& visit) { for_each_op(w, visit); };
    return judge_.judge(drained ? drained_header_ : open_header_, source, only);
  }

  /// Returns the history of `w`'s path, marked drained or not.
  history::History history(W const& w, bool drained) const {
    history::History h = history_of(w, kernel_.plan().header);
    h.header().drained = drained;
    return h;
  }

  std::string const& name(NodeId n) const { return kernel_.plan().nodes[n.value].name; }
  std::vector<FaultOption> const& fault_options() const { return options_; }
  /// Sets the network fault budget: that many messages in flight may be lost, and that many
  /// delivered twice (each a choice at any moment, for any message in flight).
  void set_network_faults(std::uint32_t drops, std::uint32_t duplicates) {
    drops_ = drops;
    duplicates_ = duplicates;
  }
  /// Sets the time horizon (Bounds::horizon): a World whose clock has reached it offers no
  /// choice. A path's states before it offer the same choices as without it, so a trace found
  /// with a horizon replays without one.
  void set_horizon(std::optional<DurationUs> horizon) { horizon_ = horizon; }
  /// Lets several Engines (one per thread) share the kernel: its fault resolver writes the
  /// kernel's node table, so resolving goes through `lock`.
  void share_kernel(std::mutex& lock) { resolve_lock_ = &lock; }
  /// Keeps, beside each input digest and the observed ops, their images under every element
  /// of `group` (symmetry reduction: canonical_fingerprint reads them). Set before initial().
  void set_symmetry(SymmetryGroup const* group) {
    symmetry_ = group != nullptr && !group->empty() ? group : nullptr;
  }
  /// Returns the scenario's fault kinds the explorer does not enumerate (pause, partition...).
  std::vector<std::string> const& unsupported_faults() const { return unsupported_; }

 private:
  // The settle after its restarts: the fixed schedule of settle(), up to `steps_max` steps.
  // The timer due soonest is found from each node's own soonest timer (soonest_), which only
  // the node a step ran can change (a step edits its own node alone: call, apply_out), so one
  // node's timers are walked per step instead of every node's.
  // With `may_stop_quiet` it stops where quiet_now() says, checked before a timer fires (no
  // message left), at once and then at growing gaps (up to 64 steps) while the answer is no:
  // each check walks every node's timers, which a settle not yet quiet need not pay at every
  // step (on the bench most settles are quiet at their first check).
  bool settle_steps(W& w, DurationUs drain, std::uint64_t steps_max, bool may_stop_quiet) {
    restart_all(w);
    SimTimeUs const end = w.now + drain;
    std::uint64_t quiet_check = may_stop_quiet ? 0 : steps_max;  // The step of the next check.
    std::uint64_t quiet_gap = 1;
    soonest_.resize(w.nodes.size());
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) soonest_[n] = soonest_of(w.node(n));
    for (std::uint64_t step = 0; step < steps_max; ++step) {
      if (!w.in_flight.empty()) {  // Sent before the settle: older than anything queued.
        std::uint32_t const to = w.in_flight.front().to.value;
        deliver(w, 0);
        soonest_[to] = soonest_of(w.node(to));
        continue;
      }
      if (queue_head_ < queue_.size()) {
        std::uint32_t const to = queue_[queue_head_].to.value;
        deliver_queued(w);
        if (retimed_) soonest_[to] = soonest_of(w.node(to));  // Else its timers are as they were.
        continue;
      }
      auto [node, timer, soonest] = soonest_timer(w);
      if (soonest == TimerWindow::unbounded) return true;  // Nothing left: drained.
      if (w.now + DurationUs{soonest} > end) return kernel_.plan().endless;
      if (step >= quiet_check) {
        if (quiet_now(w, end, step, steps_max)) return true;  // As the whole settle would.
        quiet_check = step + quiet_gap;
        quiet_gap = std::min<std::uint64_t>(quiet_gap * 2, 64);
      }
      fire(w, node, timer);
      soonest_[node.value] = soonest_of(w.node(node.value));
    }
    return false;
  }

  // Whether the settle of `w` (nothing in flight or queued, every node up) may stop at `step`
  // with the verdicts of the whole settle to `end`: the model says no client op a delivery
  // verdict reads can be recorded before `end` (Model::quiet, model/common/quiet.hpp), and
  // the whole settle would not have been cut short by `steps_max`, so it too would have come
  // out drained (an endless model's settle is drained unless cut short: settle_steps). The
  // model's quiet traffic takes at most 4 steps per armed timer and millisecond (its
  // contract), which bounds the steps the whole settle had left. A model without `quiet`
  // never stops early.
  bool quiet_now(W const& w, SimTimeUs end, std::uint64_t step, std::uint64_t steps_max) {
    if constexpr (requires(std::span<model::QuietNode<Actor> const> nodes) {
                    { Model::quiet(nodes, end) } -> std::same_as<bool>;
                  }) {
      if (!kernel_.plan().endless) return false;
      quiet_timers_.clear();
      for (auto const& node : w.nodes) {
        for (auto const& [id, window] : node->timers) quiet_timers_.push_back({id, window.lo});
      }
      std::uint64_t const ms = static_cast<std::uint64_t>((end.us - w.now.us) / 1'000 + 1);
      if (step + 4 * quiet_timers_.size() * ms >= steps_max) return false;
      quiet_nodes_.clear();
      std::size_t at = 0;
      for (auto const& node : w.nodes) {
        std::span<model::ArmedTimer const> const timers(quiet_timers_.data() + at,
                                                        node->timers.size());
        at += node->timers.size();
        typename model::ActorPointers<Actor>::type actor;
        if (node->up) node->actor.visit([&actor](auto const& a) { actor = &a; });
        quiet_nodes_.push_back({actor, timers});
      }
      return Model::quiet(quiet_nodes_, end);
    } else {
      static_cast<void>(w);
      static_cast<void>(end);
      static_cast<void>(step);
      static_cast<void>(steps_max);
      return false;
    }
  }

  // A node's timer with the earliest start (absolute), the lowest id among equals.
  struct Soonest {
    std::int64_t lo = TimerWindow::unbounded;
    model::TimerId id = 0;
  };
  static Soonest soonest_of(NodeState<Model> const& node) {
    Soonest best;
    for (auto const& [id, window] : node.timers) {
      if (window.lo < best.lo) best = {window.lo, id};
    }
    return best;
  }

  struct Due {
    NodeId node{0};
    model::TimerId timer = 0;
    std::int64_t soonest = TimerWindow::unbounded;  // From now; unbounded: no timer armed.
  };
  // The timer due soonest from now, ties by node and id. When no start lies behind now, the
  // order of (start from now, node, id) is that of (absolute start, node, id): soonest_
  // decides. A start behind now counts as now (relative() clamps), which ties it with every
  // other such start; then the timers are walked in (node, id) order, as before soonest_.
  Due soonest_timer(W const& w) const {
    Due due;
    std::int64_t lo = TimerWindow::unbounded;
    for (std::uint32_t n = 0; n < soonest_.size(); ++n) {
      if (soonest_[n].lo >= lo) continue;
      lo = soonest_[n].lo;
      due = {NodeId{n}, soonest_[n].id, 0};
    }
    if (lo == TimerWindow::unbounded) return {};
    if (lo >= w.now.us) {
      due.soonest = lo - w.now.us;
      return due;
    }
    due.soonest = TimerWindow::unbounded;
    for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
      for (auto const& [id, window] : w.node(n).timers) {
        std::int64_t const from_now = relative(window.lo, w.now);
        if (from_now >= due.soonest) continue;
        due = {NodeId{n}, id, from_now};
      }
    }
    return due;
  }

  // Whether two messages in flight in `w` must arrive within the same time from now.
  static bool same_deadline(W const& w, InFlight<Model> const& a, InFlight<Model> const& b) {
    return relative(a.deadline, w.now) == relative(b.deadline, w.now);
  }

  // How far time may move (from now): no armed timer and no message may be overtaken.
  static std::int64_t earliest_deadline(W const& w) {
    std::int64_t horizon = TimerWindow::unbounded;
    for (InFlight<Model> const& m : w.in_flight) horizon = std::min(horizon, m.deadline);
    for (auto const& node : w.nodes) {
      if (!node->up) continue;
      for (auto const& t : node->timers) horizon = std::min(horizon, t.second.hi);
    }
    return relative(horizon, w.now);
  }

  std::string option_label(std::uint64_t option) const {
    return option < options_.size() ? options_[option].label : "from the --crashes budget";
  }

  void fault_choices(W const& w, std::vector<Choice>& out) {
    for (std::size_t i = 0; i < options_.size(); ++i) {
      if (w.faults_used[i]) continue;
      FaultOption const& o = options_[i];
      if (o.action == sim::FaultAction::partition) {  // One cut at a time.
        if (w.partition == 0) out.push_back({ChoiceKind::partition, NodeId{0}, i});
        continue;
      }
      // The option's own targets are read where they are (copying them allocated each time).
      std::vector<NodeId> resolved;
      if (!o.selector.empty()) resolved = resolve(w, o.selector);
      std::vector<NodeId> const& targets = o.selector.empty() ? o.targets : resolved;
      ChoiceKind const kind =
          o.action == sim::FaultAction::crash ? ChoiceKind::crash : ChoiceKind::power_loss;
      for (NodeId n : targets) {
        if (w.node(n.value).up) out.push_back({kind, n, i});
      }
    }
    if (w.crashes_used < crashes_) {
      for (std::uint32_t n = 0; n < w.nodes.size(); ++n) {
        if (w.node(n).up && kernel_.plan().nodes[n].role == sim::NodeRole::broker) {
          out.push_back({ChoiceKind::crash, NodeId{n}, options_.size()});
        }
      }
    }
    if (w.drops_used >= drops_ && w.duplicates_used >= duplicates_) return;
    for (std::size_t i = 0; i < w.in_flight.size(); ++i) {
      InFlight<Model> const& m = w.in_flight[i];
      bool const repeat = std::any_of(
          w.in_flight.begin(), w.in_flight.begin() + static_cast<std::ptrdiff_t>(i),
          [&](auto const& o) { return o.digest == m.digest && same_deadline(w, o, m); });
      if (repeat) continue;
      if (w.drops_used < drops_) out.push_back({ChoiceKind::drop, m.to, i});
      if (w.duplicates_used < duplicates_) out.push_back({ChoiceKind::duplicate, m.to, i});
    }
  }

  // Resolves `selector` against `w` with the kernel's resolver. The kernel takes a node's
  // actor again only when its input digest differs from the one it holds (Kernel::resolve_in):
  // a deterministic actor's state is a function of its inputs (the `inputs` fingerprint's own
  // premise, World NodeState::inputs), and copying every actor of every state expanded was a
  // twelfth of the search's instructions, then (into the kernel's table) 2.6% of them.
  std::vector<NodeId> resolve(W const& w, std::string const& selector) {
    resolve_digests_.resize(w.nodes.size());
    resolve_up_.resize(w.nodes.size());
    for (std::size_t n = 0; n < w.nodes.size(); ++n) {
      resolve_digests_[n] = w.nodes[n]->inputs;
      resolve_up_[n] = w.nodes[n]->up;
    }
    std::unique_lock<std::mutex> guard;  // The kernel resolves in its own node table.
    if (resolve_lock_ != nullptr) guard = std::unique_lock<std::mutex>(*resolve_lock_);
    return kernel_.resolve_in(selector, resolve_digests_, resolve_up_,
                              [&w](std::size_t n) { return w.nodes[n]->actor.value(); });
  }

  static void note_input(NodeState<Model>& node, std::uint64_t tag, std::uint64_t a,
                         std::uint64_t b) {
    Hasher h;
    h.add(node.inputs);
    h.add(tag);
    h.add(a);
    h.add(b);
    node.inputs = h.digest();
  }

  // Folds the input into node.inputs_renamed under each renaming: `image(r)` gives the (a, b)
  // the renamed input would have had.
  template <class F>
  void note_renamed(NodeState<Model>& node, std::uint64_t tag, F&& image) {
    if (symmetry_ == nullptr) return;
    node.inputs_renamed.resize(symmetry_->elements.size(), 0);
    for (std::size_t g = 0; g < symmetry_->elements.size(); ++g) {
      auto const [a, b] = image(symmetry_->elements[g]);
      Hasher h;
      h.add(node.inputs_renamed[g]);
      h.add(tag);
      h.add(a);
      h.add(b);
      node.inputs_renamed[g] = h.digest();
    }
  }

  // A message sent during a settle and not yet delivered: settle_steps delivers in send order,
  // so a settle keeps them as values in a FIFO (queue_) rather than as World::in_flight
  // entries, each of which allocated its message behind a shared, counted pointer (with its
  // release, 17% of a Kafka settle's instructions); no digest either (a settle is never
  // fingerprinted). Nothing else reads a settling World's messages.
  struct Queued {
    NodeId from;
    NodeId to;
    Message message;
  };
  void deliver_queued(W& w);
  // Puts what a settle left queued (cut short by its step limit) back in flight, in order, so
  // the settled World reads as before.
  void unqueue(W& w);

  template <class F>
  void call(W& w, NodeId n, F&& f);
  void apply_out(W& w, NodeId n, NodeState<Model>& node);
  void retime(W& w, NodeState<Model>& node);
  void apply_disk(W& w, NodeId n, SharedDisk<Entry>& disk);
  // By reference: an Op is large (a vector and six strings), and each by-value hand-over
  // moved it once more (4% of the search's instructions for three moves per op).
  void observe(W& w, NodeId n, model::Observe& observed);
  void record(W& w, history::Op&& op);
  void event(W& w, std::string process, history::OpKind f, std::string detail);
  void transmit(W& w, NodeId from, NodeId to, Message&& message);
  void deliver(W& w, std::size_t index);
  void fire(W& w, NodeId n, model::TimerId id);
  void strike(W& w, Choice const& c);
  void network_fault(W& w, Choice const& c);
  void crash(W& w, NodeId n, bool power_loss);
  void restart(W& w, NodeId n);
  void cut(W& w, std::uint64_t option);
  void heal(W& w, std::string detail);
  // Whether the partition cutting `w` now drops messages from `from` to `to`.
  bool blocked(W const& w, NodeId from, NodeId to) const {
    return w.partition != 0 &&
           blocked_[w.partition - 1][from.value * w.nodes.size() + to.value] != 0;
  }
  // A scenario's partition as a fault option, and the links it cuts, as sim::Network cuts
  // them (sim/network.cpp, Network::partition: a node in no group is a group of its own).
  void add_partition(sim::PlannedFault const& f) {
    std::size_t const nodes = kernel_.plan().nodes.size();
    FaultOption o{f.action, {},       {}, f.one_way ? "one-way partition" : "partition",
                  f.groups, f.one_way};
    std::vector<std::size_t> group_of(nodes);
    for (std::size_t n = 0; n < nodes; ++n) group_of[n] = f.groups.size() + n;
    for (std::size_t g = 0; g < f.groups.size(); ++g) {
      o.label += g == 0 ? " [" : " | [";
      for (std::size_t i = 0; i < f.groups[g].size(); ++i) {
        group_of[f.groups[g][i].value] = g;
        o.label += (i == 0 ? "" : " ") + name(f.groups[g][i]);
      }
      o.label += "]";
    }
    std::vector<std::uint8_t> cut(nodes * nodes, 0);
    for (std::size_t from = 0; from < nodes; ++from) {
      for (std::size_t to = 0; to < nodes; ++to) {
        bool const applies = !f.one_way || group_of[from] == 0;
        if (group_of[from] != group_of[to] && applies) cut[from * nodes + to] = 1;
      }
    }
    blocked_.resize(options_.size());
    blocked_.push_back(std::move(cut));
    options_.push_back(std::move(o));
  }

  sim::Kernel<Model>& kernel_;
  std::uint32_t crashes_;
  std::uint32_t drops_ = 0;
  std::uint32_t duplicates_ = 0;
  std::optional<DurationUs> latency_max_;
  std::optional<DurationUs> horizon_;  // set_horizon(); unset: none.
  std::vector<FaultOption> options_;
  std::vector<std::vector<std::uint8_t>> blocked_;  // By option: a partition's cut links.
  std::vector<std::string> unsupported_;
  model::Out<Message, Entry> out_;  // Reused by every step, as in the kernel.
  std::vector<Soonest> soonest_;    // By node, during a settle (settle_steps).
  std::vector<model::ArmedTimer> quiet_timers_;       // quiet_now(): every node's.
  std::vector<model::QuietNode<Actor>> quiet_nodes_;  // quiet_now(): spans into them.
  std::vector<history::Op> spare_tail_;  // An empty World::tail buffer to reuse (settle()).
  std::vector<Queued> queue_;  // A settle's messages in flight, from queue_head_ on; reused.
  std::size_t queue_head_ = 0;
  std::mutex* resolve_lock_ = nullptr;
  std::vector<std::uint64_t> resolve_digests_;  // resolve(): by node, reused.
  std::vector<bool> resolve_up_;
  SymmetryGroup const* symmetry_ = nullptr;  // set_symmetry(); null: no symmetry reduction.
  /// Inside settle(): record() appends to World::tail, and no digest (message or input) is
  /// computed, since a settling World is judged and dropped, never fingerprinted.
  bool settling_ = false;
  bool timer_erased_ = false;       // Set by fire(), read and reset by call(): the timers changed.
  bool erased_earliest_ = false;    // Set by fire(), read and reset by retime(): see there.
  bool retimed_ = false;            // Whether the last call() changed its node's timers.
  history::Header open_header_;     // The plan's header, not drained (check()).
  history::Header drained_header_;  // And drained.
  checker::StreamJudge judge_;      // judge(): reset between settles, not rebuilt.
};

}  // namespace mqcheck::explore

#include "explore/engine_steps.hpp"
