// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/stream_state_test.cpp (tests, layer: checker)
// The compact state of the streaming checkers: IdTable (checker/id_table.hpp) against std::map
// under random inserts and erases, colliding ids included; and the streaming delivery checker
// against the whole-history one on histories the random generator never writes: batched
// sends and processings (completions listing the ids in another order, batches left open),
// many resends and many processings of one message (the compact message's heap blocks).
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery_stream.hpp"
#include "checker/id_table.hpp"
#include "history/history_io.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;
using testing::SplitMix64;

struct Probe {
  std::uint64_t value = 0;
  std::vector<int> heap;  // Must be given back on erase.
};

// Runs inserts and erases of random ids on `table` and on a std::map; they must agree.
template <class Table>
void agree_with_map(std::uint64_t seed, Table& table) {
  SplitMix64 rng(seed);
  std::map<std::uint64_t, std::uint64_t> model;
  // Small ranges collide and shift; the top of the range checks ids near 2^64.
  std::uint64_t const range = seed % 3 == 0 ? 64 : 5000;
  std::uint64_t const base = seed % 4 == 0 ? ~std::uint64_t{0} - range : 0;
  for (int step = 0; step < 20'000; ++step) {
    std::uint64_t const id = base + rng.below(range);
    if (rng.chance(0.45)) {
      table.erase(id);
      model.erase(id);
    } else {
      bool fresh = false;
      Probe& p = table.insert(id, fresh);
      REQUIRE(fresh == !model.contains(id));
      if (fresh) p.heap.assign(3, 7);
      p.value = step;
      model[id] = static_cast<std::uint64_t>(step);
    }
    REQUIRE(table.size() == model.size());
  }
  for (auto const& [id, value] : model) {
    Probe const* p = table.find(id);
    REQUIRE(p != nullptr);
    CHECK(p->value == value);
  }
  std::size_t visited = 0;
  table.for_each([&](std::uint64_t id, Probe const& p) {
    ++visited;
    CHECK(model.at(id) == p.value);
  });
  CHECK(visited == model.size());
  for (std::uint64_t id = base; id < base + range; ++id)
    CHECK((table.find(id) != nullptr) == model.contains(id));
}

TEST_CASE("an id table agrees with std::map under random inserts and erases", "[stream]") {
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(40); ++seed) {
    IdTable<Probe> table;
    agree_with_map(seed, table);
  }
}

TEST_CASE("an id table agrees with std::map when probe distances do not fit their cells",
          "[stream]") {
  // One or two bits of distance: most cells saturate, and lookups and backward shifts must
  // read the entries' ids instead.
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(12); ++seed) {
    IdTable<Probe, 1> narrow;
    agree_with_map(seed, narrow);
    IdTable<Probe, 2> two;
    agree_with_map(seed + 1000, two);
  }
}

TEST_CASE("an id table keeps a value in place while others come and go", "[stream]") {
  IdTable<Probe> table;
  bool fresh = false;
  Probe& kept = table.insert(42, fresh);
  kept.value = 1;
  for (std::uint64_t id = 1000; id < 200'000; ++id) table.insert(id, fresh);
  for (std::uint64_t id = 1000; id < 200'000; id += 2) table.erase(id);
  CHECK(table.find(42) == &kept);
  CHECK(kept.value == 1);
  CHECK(table.size() == 1 + 99'500);
}

// A history of batched sends and processings by a few producers and consumers, with resends,
// redeliveries, unknown and failed outcomes, and invokes never completed.
History batched_history(std::uint64_t seed) {
  SplitMix64 rng(seed);
  history::Header header;
  header.drained = rng.chance(0.7);
  header.subscriptions["orders"] = {"g0", "g1"};
  std::vector<Op> ops;
  auto const op = [&](std::string process, OpType type, OpKind f, std::string group,
                      std::vector<std::uint64_t> const& ids) {
    Op o;
    o.process = std::move(process);
    o.type = type;
    o.f = f;
    o.group = std::move(group);
    for (std::uint64_t id : ids) o.value.push_back(Record::of(MessageId{id}, "orders"));
    ops.push_back(std::move(o));
  };
  auto const outcome = [&] {
    std::uint64_t const roll = rng.below(10);
    return roll < 7 ? OpType::ok : roll < 9 ? OpType::info : OpType::fail;
  };
  std::uint64_t next_id = 1;
  std::vector<std::uint64_t> sent;
  for (int round = 0; round < 40; ++round) {
    std::string const producer = "p" + std::to_string(rng.below(2));
    std::vector<std::uint64_t> batch;
    // At least one record: a send invoke that names none pairs on f alone, and one left open
    // would pair with a later completion that names messages it never listed, which the
    // transaction checker's copies do not expect.
    int const size = rng.between(1, 3);
    for (int k = 0; k < size; ++k) {
      // Mostly new ids; sometimes a resend of an earlier one.
      bool const resend = !sent.empty() && rng.chance(0.2);
      batch.push_back(resend ? sent[rng.below(sent.size())] : next_id++);
    }
    op(producer, OpType::invoke, OpKind::send, "", batch);
    std::vector<std::uint64_t> done = batch;
    std::reverse(done.begin(), done.end());  // Pairing ignores the order of the ids.
    if (!rng.chance(0.1)) op(producer, outcome(), OpKind::send, "", done);
    for (std::uint64_t id : batch) sent.push_back(id);
    if (sent.empty()) continue;
    std::string const group = rng.chance(0.5) ? "g0" : "g1";
    std::string const consumer = group + "-" + std::to_string(rng.below(2));
    std::vector<std::uint64_t> reads;
    int const count = rng.between(1, 3);
    for (int k = 0; k < count; ++k) reads.push_back(sent[rng.below(sent.size())]);
    op(consumer, OpType::invoke, OpKind::process, group, reads);
    if (!rng.chance(0.1)) {
      std::rotate(reads.begin(), reads.begin() + 1, reads.end());
      op(consumer, outcome(), OpKind::process, group, reads);
    }
  }
  // One message sent many times and processed many times: past every inline capacity.
  for (int k = 0; k < 9; ++k) {
    op("p0", OpType::invoke, OpKind::send, "", {next_id});
    op("p0", k == 8 ? OpType::ok : OpType::info, OpKind::send, "", {next_id});
    op("g0-0", OpType::invoke, OpKind::process, "g0", {next_id});
    op("g0-0", OpType::ok, OpKind::process, "g0", {next_id});
  }
  return testing::rebuild(header, std::move(ops));
}

TEST_CASE("batched sends and processings stream as the whole-history checker judges them",
          "[delivery][stream]") {
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    History const h = batched_history(seed);
    DeliveryReport const whole = check_delivery_whole(h);
    for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{7},
                                      std::uint64_t{1} << 16}) {
      INFO("seed " << seed << ", settle delay " << delay << "\n" << history::to_jsonl(h));
      REQUIRE(check_delivery_stream(h.header(), ops_of(h), StreamOptions{delay}) == whole);
    }
    INFO("seed " << seed);
    CHECK(check_streaming(h.header(), ops_of(h), [&] { return h; }) == check_history(h));
  }
}

}  // namespace
}  // namespace mqcheck::checker
