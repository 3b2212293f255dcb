// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_tables_test.cpp (tests, layer: checker)
// The streaming ordering pass finds its units, producer orders and read positions in flat
// tables (dense rows per topic, KeyNumbers) rather than maps. These histories aim at what such
// tables get wrong: partition ids large, sparse, negative or at the edge of the dense rows
// (two units sharing a cell), many consumer processes, a poll spanning partitions, and offsets
// going backwards with and without a position reset (an assign voids the read marks by epoch,
// not by erasing). Each is checked against check_ordering, and for the passes it took.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "checker/ordering.hpp"
#include "checker/ordering_keys.hpp"
#include "checker/ordering_stream.hpp"
#include "tests/checker/ordering_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::OrderingScope;
using history::Record;

// Sends, polls, processes, commits and assigns in "orders" (testing::OrdersHistory).
class Builder : public testing::OrdersHistory {
 public:
  // Sends message `id` from `producer`, stored at (partition, offset).
  Record send(std::string const& producer, std::uint64_t id, std::int32_t partition,
              std::int64_t offset) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
    Record const stored = Record::of(MessageId{id}, "orders", Offset{offset}, partition);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  void poll(std::string const& process, std::string const& group, std::vector<Record> records) {
    add(process, OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(std::string const& process, std::string const& group, Record const& r) {
    add(process, OpType::ok, OpKind::process, group, {Record::of(r.id, r.topic)});
  }
  // Polls, processes and commits `r` (one record) as `process` of `group`.
  void consume(std::string const& process, std::string const& group, Record const& r) {
    poll(process, group, {r});
    this->process(process, group, r);
    add(process, OpType::ok, OpKind::commit, group, {r});
  }
  void assign(std::string const& process, std::string const& group, std::int32_t partition) {
    Record held;
    held.topic = "orders";
    held.partition = partition;
    add(process, OpType::ok, OpKind::assign, group, {held});
  }
};

// The passes the stream took, each settle delay's answer held to check_ordering's.
std::uint64_t passes_of(History const& h) { return testing::ordering_stream_passes(h); }

std::vector<std::string> anomaly_kinds(History const& h) {
  std::vector<std::string> kinds;
  for (Verdict const& v : check_ordering(h))
    for (Anomaly const& a : v.anomalies) kinds.push_back(a.kind);
  return kinds;
}

// Partitions that a flat table may confuse: 0 and the topic without partition (column 0),
// -1 (whose column wraps to 0 if computed in 32 bits), the last dense column and the first
// past it, and far ids only the map knows.
constexpr std::int32_t edge_partitions[] = {0, -1, 4095, 4096, 4097, 5'000'000, 2'147'483'647};

TEST_CASE("flat units keep large, sparse and negative partitions apart", "[ordering][stream]") {
  Builder b;
  std::vector<Record> sent;
  std::uint64_t id = 0;
  // Two messages per partition, offsets 0 and 1, sent partition by partition.
  for (int round = 0; round < 2; ++round)
    for (std::int32_t const p : edge_partitions) sent.push_back(b.send("p0", ++id, p, round));
  // Each group processes partition by partition in the reverse order: across partitions
  // nothing is ordered, so this is valid only if no two partitions share a unit.
  std::size_t const n = std::size(edge_partitions);
  for (std::string const group : {"billing", "audit"}) {
    for (std::size_t k = n; k-- > 0;) {
      std::string const process = group + "-" + std::to_string(k);
      b.consume(process, group, sent[k]);
      b.consume(process, group, sent[n + k]);
    }
  }
  CHECK(anomaly_kinds(b.history()).empty());
  CHECK(passes_of(b.history()) == 1);
}

TEST_CASE("flat units still see a reorder inside a far partition", "[ordering][stream]") {
  for (std::int32_t const p : edge_partitions) {
    Builder b;
    Record const first = b.send("p0", 1, p, 7);
    Record const second = b.send("p0", 2, p, 8);
    // billing processes offset 8 before offset 7: reordered (one poll lists both, in order).
    b.poll("billing-0", "billing", {first, second});
    b.process("billing-0", "billing", second);
    b.process("billing-0", "billing", first);
    INFO("partition " << p);
    CHECK(anomaly_kinds(b.history()) == std::vector<std::string>{"reordered"});
    CHECK(passes_of(b.history()) == 2);
  }
}

TEST_CASE("read positions are kept per consumer process and partition, many of them",
          "[ordering][stream]") {
  Builder b;
  constexpr int partitions = 24, processes = 40, per_partition = 6;
  std::vector<std::vector<Record>> logs(partitions);
  std::uint64_t id = 0;
  for (int offset = 0; offset < per_partition; ++offset)
    for (int p = 0; p < partitions; ++p)
      logs[p].push_back(b.send("p" + std::to_string(p % 5), ++id, p * 37, offset));
  // Every process of billing reads every partition from its start, interleaved: each keeps
  // its own position per partition. (audit too, one process.)
  for (int offset = 0; offset < per_partition; ++offset)
    for (int p = 0; p < partitions; ++p)
      for (int c = 0; c < processes; c += 7)
        b.poll("billing-" + std::to_string(c), "billing", {logs[p][offset]});
  for (int p = 0; p < partitions; ++p)
    for (Record const& r : logs[p]) {
      b.process("billing-0", "billing", r);
      b.consume("audit-0", "audit", r);
    }
  CHECK(anomaly_kinds(b.history()).empty());
  CHECK(passes_of(b.history()) == 1);
}

TEST_CASE("a poll spanning partitions continues each where it ended", "[ordering][stream]") {
  auto const run = [](bool skip) {
    Builder b;
    std::vector<Record> a, c;
    std::uint64_t id = 0;
    for (int offset = 0; offset < 4; ++offset) {
      a.push_back(b.send("p0", ++id, 3, offset));
      c.push_back(b.send("p1", ++id, 9, offset));
    }
    b.poll("billing-0", "billing", {a[0], c[0], a[1], c[1]});
    // The next poll: partition 3 from offset 2, partition 9 from offset 2 (or 3: a skip).
    b.poll("billing-0", "billing", {c[skip ? 3 : 2], a[2], a[3]});
    if (!skip) b.poll("billing-0", "billing", {c[3]});
    for (std::vector<Record> const* log : {&a, &c})
      for (Record const& r : *log) {
        b.process("billing-0", "billing", r);
        b.process("audit-0", "audit", r);
      }
    return b.history();
  };
  History const clean = run(false);
  CHECK(anomaly_kinds(clean).empty());
  CHECK(passes_of(clean) == 1);
  History const skipped = run(true);
  CHECK(anomaly_kinds(skipped) == std::vector<std::string>{"poll-skip"});
  CHECK(passes_of(skipped) == 2);
}

TEST_CASE("offsets going backwards: allowed after an assign, caught after it as before",
          "[ordering][stream]") {
  auto const run = [](bool reassign, bool back_again) {
    Builder b;
    std::vector<Record> log;
    for (int offset = 0; offset < 6; ++offset) log.push_back(b.send("p0", offset + 1, 2, offset));
    for (int offset = 0; offset < 4; ++offset) b.poll("billing-0", "billing", {log[offset]});
    if (reassign) b.assign("billing-0", "billing", 2);  // Resets billing-0's position...
    b.poll("billing-0", "billing", {log[1]});           // ...so reading from 1 again is fine.
    b.poll("billing-0", "billing", {log[2]});
    // Once more from 1, with no reset in between: a nonmonotonic-poll either way.
    if (back_again) b.poll("billing-0", "billing", {log[1]});
    for (Record const& r : log) {
      b.process("billing-0", "billing", r);
      b.process("audit-0", "audit", r);
    }
    return b.history();
  };
  History const reset = run(true, false);
  CHECK(anomaly_kinds(reset).empty());
  CHECK(passes_of(reset) == 1);
  for (bool const reassign : {false, true}) {
    History const back = run(reassign, true);
    INFO("reassign " << reassign);
    std::vector<std::string> const kinds = anomaly_kinds(back);
    CHECK(std::count(kinds.begin(), kinds.end(), "nonmonotonic-poll") >= 1);
    CHECK(passes_of(back) == 1);  // A step back is reported as it comes, with no load.
  }
}

TEST_CASE("KeyNumbers numbers keys densely in order of arrival, across growth",
          "[ordering][stream]") {
  ordering_detail::KeyNumbers numbers;
  std::vector<std::uint64_t> keys;
  // Keys that differ only in their high half, only in their low half, and 0.
  for (std::uint64_t i = 0; i < 300; ++i) {
    keys.push_back(i << 32);
    keys.push_back((std::uint64_t{7} << 32) | (i * 4096));
  }
  keys.push_back(~std::uint64_t{0});
  std::set<std::uint64_t> seen;  // (7 << 32 comes twice.)
  std::vector<std::uint32_t> given;
  for (std::uint64_t const key : keys) {
    bool fresh = false;
    std::uint32_t const number = numbers.number(key, fresh);
    CHECK(fresh == seen.insert(key).second);
    if (fresh) CHECK(number == seen.size() - 1);
    given.push_back(number);
  }
  CHECK(numbers.size() == seen.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {  // Asked again after every growth.
    bool fresh = true;
    CHECK(numbers.number(keys[i], fresh) == given[i]);
    CHECK_FALSE(fresh);
  }
}

}  // namespace
}  // namespace mqcheck::checker
