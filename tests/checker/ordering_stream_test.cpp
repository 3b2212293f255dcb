// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_test.cpp (tests, layer: checker)
// The streaming ordering checker against check_ordering, its definition: equal verdicts, byte
// for byte, on random histories (partitions with offsets, several groups and consumers,
// assigns after crashes; every ordering scope; queues without offsets), on their mutations and
// on injected ordering anomalies, at settle delays from 0 up. Clean Kafka-like histories are
// decided in one pass, in memory that stays flat as the history grows.
#include <catch2/catch.hpp>

#include <algorithm>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
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
using mqcheck::testing::soak;
using testing::rebuild;

// One to three random edits: an op repeated (a re-read, a redelivery), dropped, or its
// records swapped (a batch listed out of order), or one record moved to another offset.
History mutate(History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  int const edits = rng.between(1, 3);
  for (int e = 0; e < edits && !ops.empty(); ++e) {
    std::size_t const at = rng.below(ops.size());
    switch (rng.below(4)) {
      case 0:
        ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(ops.size())), ops[at]);
        break;
      case 1:
        ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      case 2:
        std::reverse(ops[at].value.begin(), ops[at].value.end());
        break;
      default:
        for (Record& r : ops[at].value)
          if (r.offset)
            r.offset = Offset{std::max<std::int64_t>(0, r.offset->value + rng.between(-2, 2))};
        break;
    }
  }
  return rebuild(h.header(), std::move(ops));
}

// The same ops judged under another scope, or as queues that report no offsets.
History rescoped(History const& h, SplitMix64& rng) {
  History out = h;
  std::uint64_t const pick = rng.below(5);
  for (auto& [topic, scope] : out.header().ordering) {
    if (scope == OrderingScope::none) continue;
    scope = pick == 1   ? OrderingScope::key
            : pick == 2 ? OrderingScope::producer
            : pick == 3 ? OrderingScope::queue
                        : OrderingScope::partition;
  }
  if (pick != 4) return out;
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  for (Op& op : ops) {
    for (Record& r : op.value) r.offset.reset(), r.partition.reset();
  }
  for (auto& [topic, scope] : out.header().ordering)
    if (scope != OrderingScope::none) scope = OrderingScope::queue;
  return rebuild(out.header(), std::move(ops));
}

struct Tally {
  int ordered = 0;   // Histories with an ordering verdict.
  int one_pass = 0;  // ...that the stream decided alone (at the longest delay).
  int doubted = 0;   // ...that needed the loading pass.
};

void require_same(History const& h, std::uint64_t seed, Tally& tally) {
  std::vector<Verdict> const whole = check_ordering(h);
  for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5},
                                    std::uint64_t{64}, std::uint64_t{1} << 16}) {
    StreamStats stats;
    std::vector<Verdict> const streamed =
        check_ordering_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("seed " << seed << ", settle delay " << delay << ", passes " << stats.passes << "\n"
                 << history::to_jsonl(h));
    REQUIRE(streamed == whole);
    if (delay == std::uint64_t{1} << 16 && !whole.empty()) {
      ++tally.ordered;
      (stats.passes == 1 ? tally.one_pass : tally.doubted) += 1;
    }
  }
}

TEST_CASE("the streaming ordering checker equals check_ordering on random histories",
          "[ordering][stream]") {
  Tally valid, broken;
  for (std::uint64_t seed = 1; seed <= soak(300); ++seed) {
    SplitMix64 rng(seed * 104729);
    testing::Shape shape = testing::random_shape(rng);
    if (seed % 3 == 0) shape.transactions = shape.features = false;
    History const h = testing::random_valid_history(seed, shape);
    require_same(h, seed, valid);
    require_same(rescoped(h, rng), seed, broken);
    require_same(mutate(h, rng), seed, broken);
    for (auto const inject : {testing::inject_reordered, testing::inject_nonmonotonic_poll,
                              testing::inject_poll_skip, testing::inject_inconsistent_offsets}) {
      std::optional<testing::Injection> const injected = inject(h, rng);
      if (injected) require_same(injected->history, seed, broken);
    }
  }
  INFO("valid " << valid.ordered << "/" << valid.one_pass << "/" << valid.doubted << ", broken "
                << broken.ordered << "/" << broken.one_pass << "/" << broken.doubted);
  CHECK(valid.one_pass > valid.ordered / 2);  // Valid histories mostly stream.
  CHECK(broken.doubted > static_cast<int>(soak(300) / 3));  // The loading pass was exercised.
}

// A Kafka-like history: `messages` sent round-robin by two producers to 4 partitions of
// "orders"; groups billing and audit (2 instances each, one per 2 partitions) poll, process
// and commit, `lag` messages behind the producers.
History kafka_like(std::uint64_t messages, std::uint64_t lag) {
  history::Header header;
  header.drained = true;
  header.ordering = {{"orders", OrderingScope::partition}};
  header.subscriptions = {{"orders", {"billing", "audit"}}};
  History h(header);
  std::int64_t time = 0;
  auto const add = [&](std::string process, OpType type, OpKind f, std::string group,
                       Record const& r) {
    Op op;
    op.time = SimTimeUs{++time};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.value = {r};
    h.append(std::move(op));
  };
  std::int64_t next[4] = {};
  std::vector<Record> log;
  auto const consume = [&](Record const& r) {
    for (std::string const group : {"billing", "audit"}) {
      std::string const process = group + "-" + std::to_string(*r.partition % 2);
      add(process, OpType::ok, OpKind::poll, group, r);
      add(process, OpType::ok, OpKind::process, group, Record::of(r.id, r.topic));
      add(process, OpType::ok, OpKind::commit, group, r);
    }
  };
  for (std::uint64_t id = 1; id <= messages; ++id) {
    std::string const producer = "p" + std::to_string(id % 2);
    auto const partition = static_cast<std::int32_t>(id % 4);
    add(producer, OpType::invoke, OpKind::send, "", Record::of(MessageId{id}, "orders"));
    Record const stored = Record::of(MessageId{id}, "orders",
                                     Offset{next[static_cast<std::size_t>(partition)]++},
                                     partition);
    add(producer, OpType::ok, OpKind::send, "", stored);
    log.push_back(stored);
    if (id > lag) consume(log[id - lag - 1]);
  }
  for (std::uint64_t i = messages > lag ? messages - lag : 0; i < messages; ++i) consume(log[i]);
  return h;
}

TEST_CASE("a clean Kafka-like history is decided in one pass, in flat memory",
          "[ordering][stream]") {
  auto const run = [](std::uint64_t messages) {
    History const h = kafka_like(messages, 50);
    StreamStats stats;
    std::vector<Verdict> const verdicts =
        check_ordering_stream(h.header(), ops_of(h), StreamOptions{256}, &stats);
    CHECK(verdicts == check_ordering(h));
    REQUIRE(verdicts.size() == 1);
    CHECK(verdicts[0].validity == Validity::valid);
    CHECK(stats.passes == 1);
    return stats;
  };
  StreamStats const small = run(2'000);
  StreamStats const large = run(16'000);
  INFO("held " << small.open_peak << " / " << large.open_peak << ", bytes "
               << small.memory_peak_bytes << " / " << large.memory_peak_bytes);
  CHECK(large.open_peak == small.open_peak);  // The lag and the delay bound it, not the length.
  CHECK(large.open_peak < 200);
  CHECK(large.memory_peak_bytes < small.memory_peak_bytes + small.memory_peak_bytes / 4);
}

TEST_CASE("a doubt sends the history to the loading pass, which finds the witnesses",
          "[ordering][stream]") {
  History h = kafka_like(200, 10);
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  Op reread;  // billing-0 polls partition 0 from offset 0 again: nonmonotonic-poll.
  reread.time = ops.back().time;
  reread.process = "billing-0";
  reread.type = OpType::ok;
  reread.f = OpKind::poll;
  reread.group = "billing";
  reread.value = {Record::of(MessageId{4}, "orders", Offset{0}, 0)};
  ops.push_back(reread);
  h = rebuild(h.header(), std::move(ops));
  StreamStats stats;
  std::vector<Verdict> const verdicts =
      check_ordering_stream(h.header(), ops_of(h), StreamOptions{16}, &stats);
  CHECK(stats.passes == 2);
  CHECK(verdicts == check_ordering(h));
  REQUIRE(verdicts.size() == 1);
  REQUIRE(verdicts[0].anomalies.size() == 1);
  CHECK(verdicts[0].anomalies[0].kind == "nonmonotonic-poll");
}

TEST_CASE("check_streaming streams delivery and ordering together, equal to check_history",
          "[ordering][stream]") {
  int streamed = 0;
  for (std::uint64_t seed = 1; seed <= soak(150); ++seed) {
    SplitMix64 rng(seed * 7);
    testing::Shape shape = testing::random_shape(rng);
    shape.transactions = shape.features = seed % 2 == 0 ? false : shape.features;
    History h = testing::random_valid_history(seed, shape);
    if (seed % 3 == 0) h = mutate(h, rng);
    if (seed % 5 == 0) h.header().allowed["poll-skip"] = "the test allows it";
    int loads = 0;
    DeliveryReport const report = check_streaming(
        h.header(), ops_of(h),
        [&] {
          ++loads;
          return h;
        },
        {}, StreamOptions{seed % 7});
    INFO("seed " << seed);
    CHECK(report == check_history(h));
    streamed += loads == 0 && !h.header().ordering.empty() ? 1 : 0;
  }
  // Ordered histories took the streaming path.
  CHECK(streamed > static_cast<int>(soak(150) * 2 / 15));
}

}  // namespace
}  // namespace mqcheck::checker
