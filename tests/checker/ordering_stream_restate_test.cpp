// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_restate_test.cpp (tests, layer: checker)
// The streaming ordering pass takes most records by a shortcut: an op that is neither a send
// nor a first processing, naming a held message in its topic, at the partition and offset
// held and with no key, only restates it (StreamState::restate). These histories aim at the
// shortcut's edges: a record that differs from what is held in one field at a time, an op with
// no process, and a consumer so far behind its producers that every read is of a cold message
// (the pass then asks for the next id's lines ahead: reads out of send order must not matter).
// Each is checked against check_ordering and, through the shared table, check_history. The id
// table's tagged index cells (IdTable) are checked against a std::set, across its growth.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "checker/id_table.hpp"
#include "checker/ordering.hpp"
#include "history/history_io.hpp"
#include "tests/checker/ordering_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using history::Record;

// "orders" with one producer and partition 0: send, poll, process, commit (OrdersHistory).
class Restates : public testing::OrdersHistory {
 public:
  Record send(std::uint64_t id, std::int64_t offset) {
    add("p0", OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
    Record const stored = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    add("p0", OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  // Polls, processes and commits `r` as `process` of `group`, each op naming `r` as given
  // (the processing as its id and topic only).
  void consume(std::string const& process, std::string const& group, Record const& r) {
    add(process, OpType::invoke, OpKind::poll, group, {r});
    add(process, OpType::ok, OpKind::poll, group, {r});
    add(process, OpType::invoke, OpKind::process, group, {Record::of(r.id, r.topic)});
    add(process, OpType::ok, OpKind::process, group, {Record::of(r.id, r.topic)});
    add(process, OpType::ok, OpKind::commit, group, {r});
  }
};

std::vector<std::string> kinds_of(history::History const& h) {
  std::vector<std::string> kinds;
  for (Verdict const& v : check_ordering(h))
    for (Anomaly const& a : v.anomalies) kinds.push_back(a.kind);
  return kinds;
}

// Three messages at offsets 0..2, both groups consuming them in order; then `late` (a commit
// of billing-0) naming message 2 as `restated`.
history::History with_late_commit(Record const& restated,
                                  std::string const& process = "billing-0") {
  Restates b;
  std::vector<Record> sent;
  for (std::uint64_t id = 1; id <= 3; ++id) sent.push_back(b.send(id, std::int64_t(id) - 1));
  for (Record const& r : sent) {
    b.consume("billing-0", "billing", r);
    b.consume("audit-0", "audit", r);
  }
  b.add(process, OpType::ok, OpKind::commit, "billing", {restated});
  return b.history();
}

TEST_CASE(
    "a record that restates what is held is taken by the shortcut, and one that differs "
    "is judged",
    "[ordering][stream]") {
  Record const held = Record::of(MessageId{2}, "orders", Offset{1}, 0);
  // The near miss: the same partition and offset again. Valid, in one pass.
  history::History const same = with_late_commit(held);
  CHECK(kinds_of(same).empty());
  CHECK(testing::ordering_stream_passes(same, true) == 1);
  // A record without partition nor offset restates too.
  CHECK(testing::ordering_stream_passes(with_late_commit(Record::of(MessageId{2}, "orders")),
                                        true) == 1);

  Record other_offset = held;
  other_offset.offset = Offset{2};  // Message 3's offset: inconsistent-offsets.
  Record other_partition = held;
  other_partition.partition = 1;
  Record other_topic = held;
  other_topic.topic = "orderz";  // Same length as "orders": the text is compared, not the size.
  Record keyed = held;
  keyed.key = "k";
  for (Record const& differs : {other_offset, other_partition, other_topic, keyed}) {
    history::History const h = with_late_commit(differs);
    INFO(history::to_jsonl(h));
    std::uint64_t const passes = testing::ordering_stream_passes(h, true);
    // A key only adds a fact (the message is in a key's chain), which the stream keeps, and
    // another topic is a copy's (ordering_stream_copies.cpp), judged there; the others are
    // doubts, for the loading pass to judge.
    CHECK(passes == (differs.key.empty() && differs.topic == held.topic ? 2u : 1u));
  }
  std::vector<std::string> const kinds = kinds_of(with_late_commit(other_offset));
  CHECK(!kinds.empty());
  CHECK(std::all_of(kinds.begin(), kinds.end(),
                    [](std::string const& k) { return k == "inconsistent-offsets"; }));
  // An op naming no process is a doubt (placements need one), restating or not.
  CHECK(testing::ordering_stream_passes(with_late_commit(held, ""), true) == 2);
}

// `messages` sent by two producers to partitions 0..3, each read by billing and audit `lag`
// messages later, in the order `order` gives of each window of `window` messages (the
// identity: send order). A read out of offset order in one partition is an anomaly.
history::History far_behind(std::uint64_t messages, std::uint64_t lag, std::uint64_t window,
                            bool shuffle) {
  Restates b;
  std::vector<Record> sent;
  std::vector<std::int64_t> next(4, 0);
  std::uint64_t consumed = 0;
  auto const consume_up_to = [&](std::uint64_t end) {
    while (consumed + window <= end) {
      std::vector<std::uint64_t> order;
      for (std::uint64_t k = 0; k < window; ++k) order.push_back(consumed + k);
      // Reverse each window: ids come in a different order from their sends, but each
      // partition's offsets still in order when the window holds one message per partition.
      if (shuffle) std::reverse(order.begin(), order.end());
      for (std::uint64_t const k : order) {
        Record const& r = sent[k];
        int const instance = *r.partition % 2;
        b.consume("billing-" + std::to_string(instance), "billing", r);
        b.consume("audit-" + std::to_string(instance), "audit", r);
      }
      consumed += window;
    }
  };
  for (std::uint64_t id = 1; id <= messages; ++id) {
    std::int32_t const partition = static_cast<std::int32_t>(id % 4);
    std::string const producer = "p" + std::to_string(id % 2);
    b.add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
    std::int64_t& offset = next[static_cast<std::size_t>(partition)];
    Record const stored = Record::of(MessageId{id}, "orders", Offset{offset++}, partition);
    b.add(producer, OpType::ok, OpKind::send, "", {stored});
    sent.push_back(stored);
    if (sent.size() > lag) consume_up_to(sent.size() - lag);
  }
  consume_up_to(sent.size());
  return b.history();
}

TEST_CASE("a consumer far behind its producers is judged the same whatever order it reads ids in",
          "[ordering][stream]") {
  // 400 messages behind: some 5,000 ops between a message's send and its first read, past the
  // gap (1,024 ops) after which the pass asks for the next id's lines ahead.
  for (std::uint64_t const window : {1u, 4u}) {
    history::History const h = far_behind(1200, 400, window, window > 1);
    INFO("window " << window);
    CHECK(kinds_of(h).empty());
    CHECK(testing::ordering_stream_passes(h, true) == 1);
  }
  // Windows of 8 reversed put offset n+1 of a partition before offset n: reordered, found by
  // the loading pass after the stream doubts.
  history::History const reordered = far_behind(1200, 400, 8, true);
  std::vector<std::string> const kinds = kinds_of(reordered);
  CHECK(std::count(kinds.begin(), kinds.end(), "reordered") > 0);
  CHECK(testing::ordering_stream_passes(reordered, true) == 2);
}

// Ids whose tags (hash bits past the home's) must tell them apart; `DistBits` as IdTable's.
template <unsigned DistBits>
void agree_with_set(std::uint64_t stride) {
  IdTable<std::uint64_t, DistBits> table;
  std::set<std::uint64_t> model;
  // Grows several times (the tags move with the index size), erases every third id (backward
  // shifts carry the tags), then asks about present and absent ids alike.
  for (std::uint64_t k = 1; k <= 20'000; ++k) {
    bool fresh = false;
    table.insert(k * stride, fresh) = k;
    model.insert(k * stride);
    if (k % 3 == 0) {
      table.erase((k - 1) * stride);
      model.erase((k - 1) * stride);
    }
  }
  table.prefetch_guess(stride);  // Asks only: nothing to check but that it reads in bounds.
  table.prefetch_index(stride);
  std::size_t wrong = 0;
  for (std::uint64_t k = 0; k <= 21'000; ++k) {
    std::uint64_t const* const found = table.find(k * stride);
    bool const held = model.contains(k * stride);
    wrong += (found != nullptr) != held || (found != nullptr && *found != k);
    wrong += table.find(k * stride + 1) != nullptr && !model.contains(k * stride + 1);
  }
  CHECK(wrong == 0);
  CHECK(table.size() == model.size());
  for (std::uint64_t const id : model) table.erase(id);
  CHECK(table.size() == 0);
  table.prefetch_guess(stride);  // Empty again: still in bounds.
  CHECK(table.find(stride) == nullptr);
}

TEST_CASE("an id table's tagged cells find exactly the ids it holds", "[stream]") {
  for (std::uint64_t const stride : {1u, 7u, 1024u, 65'537u}) {
    INFO("stride " << stride);
    agree_with_set<32>(stride);  // Six bits of distance, the rest a tag.
    agree_with_set<2>(stride);   // Distances saturate often: the entry decides.
  }
}

}  // namespace
}  // namespace mqcheck::checker
