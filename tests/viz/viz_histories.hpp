// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/viz_histories.hpp (tests, layer: viz)
// Small hand-written histories the renderer tests share: a power loss that loses a confirmed
// but unsynced message (m2), and a redelivery that gets m1 processed twice.
#pragma once

#include <string>
#include <vector>

#include "checker/check.hpp"
#include "history/history.hpp"

namespace mqcheck::viz::test {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

inline Record rec(std::uint64_t id, std::optional<std::int64_t> offset = {},
                  std::string topic = "orders") {
  return Record::of(MessageId{id}, std::move(topic),
                    offset ? std::optional<Offset>(Offset{*offset}) : std::nullopt);
}

inline void add(History& h, std::int64_t time, std::string process, OpType type, OpKind f,
                std::vector<Record> value = {}, std::string group = {}, std::string detail = {}) {
  Op op;
  op.time = SimTimeUs{time};
  op.process = std::move(process);
  op.type = type;
  op.f = f;
  op.value = std::move(value);
  op.group = std::move(group);
  op.detail = std::move(detail);
  h.append(std::move(op));
}

inline history::Header drained_header() {
  history::Header header;
  header.scenario = "power loss test";
  header.drained = true;
  header.subscriptions["orders"] = {"billing"};
  return header;
}

/// m1 is fsynced, confirmed and processed; m2 is confirmed from the page cache and then lost
/// to a power loss (op 10). The checker reports m2 lost.
inline History power_loss_history(std::string producer = "p1", std::string broker = "broker-0") {
  History h(drained_header());
  add(h, 0, producer, OpType::invoke, OpKind::send, {rec(1)});
  add(h, 100, broker, OpType::event, OpKind::append, {rec(1, 0)});
  add(h, 150, broker, OpType::event, OpKind::fsync, {}, {}, "1 writes made durable");
  add(h, 200, producer, OpType::ok, OpKind::send, {rec(1, 0)});
  add(h, 1000, producer, OpType::invoke, OpKind::send, {rec(2)});
  add(h, 1100, broker, OpType::event, OpKind::append, {rec(2, 1)});
  add(h, 1200, producer, OpType::ok, OpKind::send, {rec(2, 1)});
  add(h, 1300, "billing-0", OpType::ok, OpKind::deliver, {rec(1, 0)}, "billing");
  add(h, 1400, "billing-0", OpType::invoke, OpKind::process, {rec(1, 0)}, "billing");
  add(h, 1500, "billing-0", OpType::ok, OpKind::process, {rec(1, 0)}, "billing");
  add(h, 3000, broker, OpType::event, OpKind::power_loss, {}, {}, "1 unsynced write lost");
  add(h, 5000, broker, OpType::event, OpKind::restart, {}, {}, "recovering from disk");
  return h;
}

/// m1 is delivered, processed, redelivered after a consumer crash and processed again.
inline History duplicate_history() {
  History h(drained_header());
  add(h, 0, "p1", OpType::invoke, OpKind::send, {rec(1)});
  add(h, 100, "broker-0", OpType::event, OpKind::append, {rec(1, 0)});
  add(h, 200, "p1", OpType::ok, OpKind::send, {rec(1, 0)});
  add(h, 300, "billing-0", OpType::ok, OpKind::deliver, {rec(1, 0)}, "billing");
  add(h, 400, "billing-0", OpType::invoke, OpKind::process, {rec(1, 0)}, "billing");
  add(h, 500, "billing-0", OpType::ok, OpKind::process, {rec(1, 0)}, "billing");
  add(h, 600, "billing-0", OpType::event, OpKind::crash, {}, {}, "volatile state lost");
  add(h, 700, "billing-0", OpType::event, OpKind::restart);
  add(h, 800, "broker-0", OpType::event, OpKind::redeliver, {rec(1, 0)});
  add(h, 900, "billing-0", OpType::ok, OpKind::deliver, {rec(1, 0)}, "billing", "redelivered");
  add(h, 1000, "billing-0", OpType::invoke, OpKind::process, {rec(1, 0)}, "billing");
  add(h, 1100, "billing-0", OpType::ok, OpKind::process, {rec(1, 0)}, "billing");
  return h;
}

inline std::size_t count_of(std::string const& text, std::string const& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace mqcheck::viz::test
