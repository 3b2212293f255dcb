// SPDX-License-Identifier: Apache-2.0
// The partitioner stepped by hand (model/kafka/partitioner.hpp): KIP-480's move to another
// partition on a new batch (never the same one, only one with a leader), KIP-794's switch
// after batch.size bytes with a full batch or 2 x batch.size regardless, its adaptive weights
// (a partition with more queued batches is drawn less often), RoundRobinPartitioner's double
// count on a new batch before 4.0, and the determinism of the draws.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <vector>

#include "model/kafka/partitioner.hpp"
#include "model/kafka/producer_batch.hpp"

namespace mqcheck::model::kafka {
namespace {

struct FakeAccumulator {  // What the producer shows the partitioner.
  std::vector<PartitionSlot> slots;
  std::vector<std::int64_t> queues;
  explicit FakeAccumulator(std::uint32_t n) : slots(n, PartitionSlot{true, -1}), queues(n, 0) {}
};

std::uint32_t pick(Partitioner& p, PartitionerConfig const& c, FakeAccumulator const& a,
                   std::int64_t batch_size = 16'384) {
  auto const slot = [&](std::uint32_t i) { return a.slots[i]; };
  auto const queued = [&](std::uint32_t i) { return a.queues[i]; };
  return p.choose(c, {}, 0, record_bytes(""), batch_overhead_bytes, batch_size,
                  static_cast<std::uint32_t>(a.slots.size()), slot, queued);
}

TEST_CASE("KIP-480: a new batch moves the sticky partition to another one with a leader",
          "[kafka][partitioner]") {
  PartitionerConfig c;
  c.kind = PartitionerKind::sticky;
  c.seed = 7;
  FakeAccumulator a(4);
  a.slots[3].available = false;
  Partitioner p;
  std::uint32_t last = pick(p, c, a);
  for (int i = 0; i < 200; ++i) {  // No open batch anywhere: every record moves it.
    std::uint32_t const next = pick(p, c, a);
    CHECK(next != last);
    CHECK(next != 3);
    last = next;
  }
  a.slots[last].open_bytes = 500;  // An open batch with room: the record stays.
  CHECK(pick(p, c, a) == last);
  CHECK(pick(p, c, a) == last);
}

TEST_CASE("KIP-794: switch after batch.size bytes with a full batch, else after twice",
          "[kafka][partitioner]") {
  PartitionerConfig c;
  c.kind = PartitionerKind::built_in;
  c.adaptive = false;
  c.sticky_batch_size = 1'000;
  c.seed = 3;
  FakeAccumulator a(3);
  Partitioner p;
  // Each record a new batch of 171 bytes, never full: a switch after 12 records (2052 >= 2000).
  std::uint32_t const first = pick(p, c, a, 1'000);
  for (int i = 1; i < 12; ++i) CHECK(pick(p, c, a, 1'000) == first);
  // The 13th record is the first of the next partition's run (drawn: it may be the same one).
  Partitioner q;
  a.slots.assign(3, PartitionSlot{true, 900});  // Open batches with no room: each starts one.
  // batch.size 171: every new batch is full at once, so a switch after 1000 bytes: 6 records.
  std::uint32_t const start = pick(q, c, a, 171);
  for (int i = 1; i < 6; ++i) CHECK(pick(q, c, a, 171) == start);
}

TEST_CASE("KIP-794 adaptive: fewer queued batches, drawn more often", "[kafka][partitioner]") {
  PartitionerConfig c;
  c.kind = PartitionerKind::built_in;
  c.sticky_batch_size = 1;  // Switch after every record.
  FakeAccumulator a(2);
  a.queues = {9, 0};  // Weights 1 and 10.
  std::map<std::uint32_t, int> seen;
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    c.seed = seed;
    Partitioner p;
    // Uniform draws until both partitions have had a queue (RecordAccumulator.partitionReady
    // builds load statistics only then); a few records make that all but certain.
    for (int i = 0; i < 6; ++i) pick(p, c, a);
    seen[pick(p, c, a)] += 1;
  }
  CHECK(seen[1] > 3 * seen[0]);
}

TEST_CASE("RoundRobinPartitioner counts twice on a new batch before 4.0", "[kafka][partitioner]") {
  PartitionerConfig c;
  c.kind = PartitionerKind::round_robin;
  FakeAccumulator a(4);
  for (bool const double_call : {true, false}) {
    c.double_call = double_call;
    Partitioner p;
    std::vector<std::uint32_t> got;
    for (int i = 0; i < 4; ++i) got.push_back(pick(p, c, a));
    CHECK(got == (double_call ? std::vector<std::uint32_t>{1, 3, 1, 3}
                              : std::vector<std::uint32_t>{0, 1, 2, 3}));
  }
}

TEST_CASE("the draws depend on the seed and the state only", "[kafka][partitioner]") {
  PartitionerConfig c;
  c.kind = PartitionerKind::sticky;
  c.seed = 11;
  FakeAccumulator a(5);
  Partitioner p;
  Partitioner q;
  for (int i = 0; i < 50; ++i) CHECK(pick(p, c, a) == pick(q, c, a));
  CHECK(p == q);
  c.seed = 12;
  Partitioner r;
  std::vector<std::uint32_t> with_11;
  std::vector<std::uint32_t> with_12;
  PartitionerConfig c11 = c;
  c11.seed = 11;
  Partitioner s;
  for (int i = 0; i < 50; ++i) {
    with_11.push_back(pick(s, c11, a));
    with_12.push_back(pick(r, c, a));
  }
  CHECK(with_11 != with_12);
}

}  // namespace
}  // namespace mqcheck::model::kafka
