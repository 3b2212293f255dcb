// SPDX-License-Identifier: Apache-2.0
// File: viz/lanes.cpp (layer: viz)
// Lane roles from ops, and the anomalies a diagram highlights.
#include "viz/lanes.hpp"

#include <map>

namespace mqcheck::viz {
namespace {

using history::OpKind;

bool is_consumer_kind(OpKind f) {
  switch (f) {
    case OpKind::poll:
    case OpKind::deliver:
    case OpKind::process:
    case OpKind::ack:
    case OpKind::nack:
    case OpKind::commit:
    case OpKind::assign:
      return true;
    default:
      return false;
  }
}

bool is_network_kind(OpKind f) {
  return f == OpKind::drop || f == OpKind::duplicate || f == OpKind::partition ||
         f == OpKind::heal;
}

bool is_producer_kind(OpKind f) {
  return f == OpKind::send || f == OpKind::txn_begin || f == OpKind::txn_commit ||
         f == OpKind::txn_abort;
}

int rank(std::string_view kind) {
  if (kind == "lost") return 0;
  if (kind == "duplicated") return 1;
  return 2;
}

}  // namespace

std::string_view to_string(LaneRole role) {
  switch (role) {
    case LaneRole::producer:
      return "producer";
    case LaneRole::broker:
      return "broker";
    case LaneRole::consumer:
      return "consumer";
    case LaneRole::network:
      return "network";
  }
  return "broker";
}

std::vector<Lane> lanes_of(history::History const& history) {
  std::vector<std::string> order;
  struct Seen {
    bool produces = false;
    bool consumes = false;
    bool node = false;  // Records an op that is not a network event.
  };
  std::map<std::string, Seen> seen;
  for (history::Op const& op : history.ops()) {
    auto [it, fresh] = seen.try_emplace(op.process);
    if (fresh) order.push_back(op.process);
    if (op.type != history::OpType::event || !is_network_kind(op.f)) it->second.node = true;
    if (op.type == history::OpType::event) continue;
    if (is_consumer_kind(op.f)) it->second.consumes = true;
    if (is_producer_kind(op.f)) it->second.produces = true;
  }
  std::vector<Lane> lanes;
  for (LaneRole role :
       {LaneRole::producer, LaneRole::broker, LaneRole::consumer, LaneRole::network}) {
    for (std::string const& process : order) {
      Seen const s = seen.at(process);
      LaneRole const own = s.consumes   ? LaneRole::consumer
                           : s.produces ? LaneRole::producer
                           : s.node     ? LaneRole::broker
                                        : LaneRole::network;
      if (own == role) lanes.push_back(Lane{process, role});
    }
  }
  return lanes;
}

Highlights highlights_of(checker::DeliveryReport const* report) {
  Highlights h;
  if (report == nullptr) return h;
  auto const add = [&](checker::Anomaly const& a) {
    h.witnesses.insert(a.witnesses.begin(), a.witnesses.end());
    auto [it, fresh] = h.kinds.try_emplace(a.message, a.kind);
    if (!fresh && rank(a.kind) < rank(it->second)) it->second = a.kind;
  };
  for (checker::Verdict const& v : report->verdicts) {
    for (checker::Anomaly const& a : v.anomalies) add(a);
  }
  for (checker::Anomaly const& a : report->permitted) add(a);
  return h;
}

}  // namespace mqcheck::viz
