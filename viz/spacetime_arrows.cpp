// SPDX-License-Identifier: Apache-2.0
// File: viz/spacetime_arrows.cpp (layer: viz)
// The arrows of a space-time diagram: where each message went between lanes. Derived from the
// order of the ops alone (no model), so real histories get arrows too; a history without
// broker events connects the confirmed send directly to the consumers that received it.
#include <map>
#include <set>
#include <utility>

#include "viz/spacetime.hpp"

namespace mqcheck::viz {
namespace {

using history::Op;
using history::OpKind;
using history::OpType;

struct Tracks {
  std::map<MessageId, std::uint64_t> open_send;         // Send invoke awaiting its append.
  std::map<MessageId, std::uint64_t> broker;            // Latest append, redeliver or dispatch.
  std::map<MessageId, std::uint64_t> confirmed;         // Latest ok send (when no broker events).
  std::set<std::pair<std::string, MessageId>> holding;  // (consumer, message) received.
  std::vector<Arrow> arrows;
};

// Where a message comes from when a consumer receives it.
std::optional<std::uint64_t> source_of(Tracks const& t, MessageId m) {
  if (auto it = t.broker.find(m); it != t.broker.end()) return it->second;
  if (auto it = t.confirmed.find(m); it != t.confirmed.end()) return it->second;
  return std::nullopt;
}

void on_event(Tracks& t, Op const& op, MessageId m) {
  switch (op.f) {
    case OpKind::append:
      if (auto it = t.open_send.find(m); it != t.open_send.end()) {
        t.arrows.push_back(Arrow{it->second, op.index, m, "send"});
        t.open_send.erase(it);
      }
      t.broker[m] = op.index;
      break;
    case OpKind::replicate:
      if (auto it = t.broker.find(m); it != t.broker.end()) {
        t.arrows.push_back(Arrow{it->second, op.index, m, "replicate"});
      }
      break;
    case OpKind::redeliver:
    case OpKind::dispatch:
      t.broker[m] = op.index;
      break;
    default:
      break;
  }
}

void on_receive(Tracks& t, Op const& op, MessageId m) {
  auto const key = std::make_pair(op.process, m);
  if (t.holding.contains(key)) return;
  if (auto from = source_of(t, m)) t.arrows.push_back(Arrow{*from, op.index, m, "deliver"});
  t.holding.insert(key);
}

void on_client(Tracks& t, Op const& op, MessageId m) {
  if (op.f == OpKind::send) {
    if (op.type == OpType::invoke) {
      t.open_send[m] = op.index;
      return;
    }
    if (auto it = t.broker.find(m); it != t.broker.end()) {
      if (it->second < op.index) t.arrows.push_back(Arrow{it->second, op.index, m, "confirm"});
    }
    if (op.type == OpType::ok) t.confirmed[m] = op.index;
    return;
  }
  bool const receipt = (op.f == OpKind::deliver || op.f == OpKind::poll) && op.type == OpType::ok;
  if (receipt) {
    t.holding.erase({op.process, m});  // A new delivery is a new trip: draw it again.
    on_receive(t, op, m);
  } else if (op.f == OpKind::process && op.type == OpType::invoke) {
    on_receive(t, op, m);
  } else if (op.f == OpKind::process) {
    t.holding.erase({op.process, m});
  }
}

}  // namespace

std::vector<Arrow> spacetime_arrows(history::History const& history,
                                    std::vector<std::uint64_t> const& shown) {
  Tracks t;
  auto const ops = history.ops();
  for (std::uint64_t index : shown) {
    Op const& op = ops[index];
    for (history::Record const& r : op.value) {
      if (op.type == OpType::event) {
        on_event(t, op, r.id);
      } else {
        on_client(t, op, r.id);
      }
    }
  }
  return std::move(t.arrows);
}

std::vector<Arrow> bundle_arrows(std::vector<Arrow> arrows,
                                 std::map<MessageId, std::string> const& highlighted) {
  using Target = std::pair<std::uint64_t, std::string>;  // (to op, kind)
  std::map<Target, std::size_t> keeper;                  // Target → index of its stand-in.
  std::vector<bool> folded(arrows.size(), false);
  for (std::size_t i = 0; i < arrows.size(); ++i) {
    if (highlighted.contains(arrows[i].message)) continue;
    auto [it, fresh] = keeper.try_emplace(Target{arrows[i].to, arrows[i].kind}, i);
    if (fresh) continue;
    Arrow& stand_in = arrows[it->second];
    std::size_t const count = stand_in.bundled + arrows[i].bundled;
    if (arrows[i].from > stand_in.from) {
      folded[it->second] = true;
      it->second = i;
    } else {
      folded[i] = true;
    }
    arrows[it->second].bundled = count;
  }
  std::vector<Arrow> kept;
  for (std::size_t i = 0; i < arrows.size(); ++i) {
    if (!folded[i]) kept.push_back(std::move(arrows[i]));
  }
  return kept;
}

}  // namespace mqcheck::viz
