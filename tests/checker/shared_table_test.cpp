// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/shared_table_test.cpp (tests, layer: checker)
// The table of open messages that the streaming delivery and ordering passes share
// (stream_detail::OpenTable, checker/delivery_stream_state.hpp): IdTable's side values against
// std::map; the ordering pass forgetting a message no later than its settle delay after the
// last op that named it (the bound that keeps the shared table as small as the delivery pass's
// own); and an ordering doubt early in a long history, after which the delivery pass streams on
// alone over the shared table, bounded and exact.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/id_table.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;
using testing::SplitMix64;

struct Probe {
  std::uint64_t value = 0;
  std::vector<int> heap;  // Must be given back on erase.
};

struct Side {
  std::uint64_t value = 0;
  bool live = false;
};

TEST_CASE("an id table's side values stay with their ids and start afresh in a reused slot",
          "[stream]") {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    SplitMix64 rng(seed);
    IdTable<Probe, 32, Side> table;
    table.enable_side();
    std::map<std::uint64_t, std::pair<std::uint64_t, std::uint64_t>> model;  // Value, side.
    std::uint64_t const range = seed % 2 == 0 ? 64 : 3000;  // Small: slots are reused often.
    for (std::uint64_t step = 1; step <= 20'000; ++step) {
      std::uint64_t const id = rng.below(range);
      if (rng.chance(0.45)) {
        table.erase(id);
        model.erase(id);
        continue;
      }
      bool fresh = false;
      std::uint32_t slot = 0;
      Probe& p = table.insert(id, fresh, slot);
      REQUIRE(fresh == !model.contains(id));
      if (fresh) {  // A slot given back and handed out again holds a default side value.
        REQUIRE(table.side(slot).value == 0);
        REQUIRE(!table.side(slot).live);
        p.heap.assign(2, 1);
      }
      p.value = step;
      if (rng.chance(0.5)) table.side(slot) = Side{step * 3, true};
      model[id] = {step, table.side(slot).value};
    }
    REQUIRE(table.size() == model.size());
    std::size_t visited = 0;
    table.for_each_slot([&](std::uint32_t slot) {
      ++visited;
      auto const& [value, side] = model.at(table.id_at(slot));
      CHECK(table.at(slot).value == value);
      CHECK(table.side(slot).value == side);
    });
    CHECK(visited == model.size());
  }
  IdTable<Probe, 32, Side> plain;  // Side chunks cost memory only once enabled.
  IdTable<Probe, 32, Side> sided;
  sided.enable_side();
  bool fresh = false;
  plain.insert(1, fresh);
  sided.insert(1, fresh);
  CHECK(sided.memory_bytes() >= plain.memory_bytes() + 1024 * sizeof(Side));
}

// Appends `op` with the next time.
void add(std::vector<Op>& ops, std::string process, OpType type, OpKind f, std::string group,
         Record const& record) {
  Op op;
  op.time = SimTimeUs{static_cast<std::int64_t>(ops.size()) + 1};
  op.process = std::move(process);
  op.type = type;
  op.f = f;
  op.group = std::move(group);
  op.value = {record};
  ops.push_back(std::move(op));
}

history::Header ordered_header() {
  history::Header header;
  header.drained = true;
  header.ordering = {{"orders", OrderingScope::partition}};
  header.subscriptions = {{"orders", {"billing", "audit"}}};
  return header;
}

// Message 1 is sent and processed by both groups (ops 0-5: its last touch is op 5); messages
// 2, 3... are sent meanwhile and not yet consumed, two ops each; at op `again` billing-0
// commits message 1's offset once more (an op naming it, harmless to every checker).
History late_touch(std::uint64_t again) {
  std::vector<Op> ops;
  Record const m1 = Record::of(MessageId{1}, "orders", Offset{0}, 0);
  add(ops, "p", OpType::invoke, OpKind::send, "", Record::of(MessageId{1}, "orders"));
  add(ops, "p", OpType::ok, OpKind::send, "", m1);
  add(ops, "billing-0", OpType::ok, OpKind::poll, "billing", m1);
  add(ops, "billing-0", OpType::ok, OpKind::process, "billing", Record::of(m1.id, m1.topic));
  add(ops, "audit-0", OpType::ok, OpKind::poll, "audit", m1);
  add(ops, "audit-0", OpType::ok, OpKind::process, "audit", Record::of(m1.id, m1.topic));
  for (std::uint64_t id = 2; ops.size() < again; ++id) {
    add(ops, "p", OpType::invoke, OpKind::send, "", Record::of(MessageId{id}, "orders"));
    Record const stored =
        Record::of(MessageId{id}, "orders", Offset{static_cast<std::int64_t>(id) - 1}, 0);
    if (ops.size() < again) add(ops, "p", OpType::ok, OpKind::send, "", stored);
  }
  add(ops, "billing-0", OpType::ok, OpKind::commit, "billing", m1);
  return testing::rebuild(ordered_header(), std::move(ops));
}

TEST_CASE("the ordering stream forgets a message its settle delay after the op that last named "
          "it, however many messages were queued meanwhile",
          "[ordering][stream]") {
  std::uint64_t const delay = 8;  // Message 1 is forgotten at op 5 + 8 = 13.
  for (std::uint64_t const again : {std::uint64_t{12}, std::uint64_t{13}, std::uint64_t{14},
                                    std::uint64_t{15}, std::uint64_t{20}}) {
    History const h = late_touch(again);
    REQUIRE(h.ops().back().index == again);
    StreamStats stats;
    std::vector<Verdict> const verdicts =
        check_ordering_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("commit again at op " << again << ", passes " << stats.passes);
    CHECK(verdicts == check_ordering(h));
    // Named again while held (op 13 still finds it: an op is judged before the forgetting
    // it brings), the stream decides alone; once forgotten, the loading pass decides. The
    // messages sent meanwhile were queued before message 1 was settled: waiting behind them,
    // message 1 would be held (and decided) longer than the delay.
    CHECK(stats.passes == (again <= 13 ? 1 : 2));
  }
}

// billing and audit (two instances each) consume `messages` messages `lag` behind the sends,
// on four partitions; with `reread`, billing-0 reads partition 0's first offset again right
// after its first few messages (nonmonotonic-poll: the ordering pass doubts early).
History consumed(std::uint64_t messages, std::uint64_t lag, bool reread) {
  std::vector<Op> ops;
  std::int64_t next[4] = {};
  std::vector<Record> log;
  Record first;
  auto const consume = [&](Record const& r) {
    for (std::string const group : {"billing", "audit"}) {
      std::string const process = group + "-" + std::to_string(*r.partition % 2);
      add(ops, process, OpType::ok, OpKind::poll, group, r);
      add(ops, process, OpType::ok, OpKind::process, group, Record::of(r.id, r.topic));
      add(ops, process, OpType::ok, OpKind::commit, group, r);
    }
    if (r.id.value == 20 && reread)
      add(ops, "billing-0", OpType::ok, OpKind::poll, "billing", first);
  };
  for (std::uint64_t id = 1; id <= messages; ++id) {
    auto const partition = static_cast<std::int32_t>(id % 4);
    add(ops, "p" + std::to_string(id % 2), OpType::invoke, OpKind::send, "",
        Record::of(MessageId{id}, "orders"));
    Record const stored = Record::of(MessageId{id}, "orders",
                                     Offset{next[static_cast<std::size_t>(partition)]++},
                                     partition);
    if (partition == 0 && first.topic.empty()) first = stored;
    add(ops, "p" + std::to_string(id % 2), OpType::ok, OpKind::send, "", stored);
    log.push_back(stored);
    if (id > lag) consume(log[id - lag - 1]);
  }
  for (std::uint64_t i = messages - lag; i < messages; ++i) consume(log[i]);
  return testing::rebuild(ordered_header(), std::move(ops));
}

TEST_CASE("an ordering doubt lets go of the shared table: delivery streams on, bounded and "
          "exact",
          "[ordering][stream]") {
  auto const run = [](History const& h, int& loads) {
    StreamStats stats;
    DeliveryReport const report = check_streaming(
        h.header(), ops_of(h),
        [&] {
          ++loads;
          return h;
        },
        {}, StreamOptions{64}, &stats);
    CHECK(report == check_history(h));
    return std::pair{report, stats};
  };
  int loads = 0;
  std::uint64_t const messages = mqcheck::testing::soak(6'000);  // 1,200 under sanitizers.
  auto const [clean, clean_stats] = run(consumed(messages, 40, false), loads);
  auto const [doubted, doubted_stats] = run(consumed(messages, 40, true), loads);
  CHECK(loads == 0);  // Delivery needed no load; ordering's second pass reads the source.
  CHECK(clean_stats.passes == 1);
  CHECK(doubted_stats.passes == 2);  // The ordering pass's, loading the history.
  bool found = false;
  for (Verdict const& v : doubted.verdicts)
    for (Anomaly const& a : v.anomalies) found = found || a.kind == "nonmonotonic-poll";
  CHECK(found);
  INFO("bytes clean " << clean_stats.memory_peak_bytes << ", doubted "
                      << doubted_stats.memory_peak_bytes);
  // The delivery pass goes on settling and erasing the entries the ordering pass dropped.
  CHECK(doubted_stats.memory_peak_bytes < clean_stats.memory_peak_bytes * 3 / 2);
  CHECK(doubted_stats.open_peak == clean_stats.open_peak);
}

}  // namespace
}  // namespace mqcheck::checker
