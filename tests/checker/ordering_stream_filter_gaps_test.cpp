// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_filter_gaps_test.cpp (tests, layer: checker)
// A gap in the reads of a group with a tag filter streams: the gaps' second pass reads the sent
// tags of the messages claimed in it (ordering_stream_skips.hpp), as check_offsets'
// known_between asks of the filter (the first tag a send states, else the claiming record's).
// Each history is held to check_ordering's report (and check_streaming's to check_history's)
// at three settle delays, and must not load; one whose claims the second pass cannot file
// still loads. Random such histories must agree too, and stream.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "checker/ordering.hpp"
#include "tests/checker/ordering_builder.hpp"
#include "tests/checker/ordering_stream_agreement.hpp"
#include "tests/common/soak.hpp"
#include "tests/common/splitmix64.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using history::Record;

// "orders" (testing::OrdersHistory), billing reading tag "a" only (or the filter given).
class F10Orders : public testing::OrdersHistory {
 public:
  explicit F10Orders(std::vector<std::string> filter = {"a"}) : OrdersHistory(std::move(filter)) {}
  // Message `id` sent to `offset`: the invoke states `invoke_tag`, the ok `ok_tag`.
  Record send(std::uint64_t id, std::int64_t offset, std::string const& invoke_tag,
              std::string const& ok_tag) {
    Record sent = Record::of(MessageId{id}, "orders");
    sent.tag = invoke_tag;
    add("p0", OpType::invoke, OpKind::send, "", {sent});
    Record stored = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    stored.tag = ok_tag;
    add("p0", OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  Record send(std::uint64_t id, std::int64_t offset, std::string const& tag = "a") {
    return send(id, offset, tag, tag);
  }
  // A record of message `id` at `offset` stating `tag`, which no send of ours wrote.
  static Record at(std::uint64_t id, std::int64_t offset, std::string const& tag) {
    Record r = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    r.tag = tag;
    return r;
  }
  void poll(std::string const& group, std::vector<Record> records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(std::string const& group, Record const& r) {
    add(group + "-0", OpType::ok, OpKind::process, group, {Record::of(r.id, r.topic)});
  }
  void process_all(std::vector<Record> const& records) {
    for (Record const& r : records) {
      process("billing", r);
      process("audit", r);
    }
  }
};

std::vector<std::string> f10_kinds(history::History const& h, bool& loaded) {
  testing::OrderingStreamed const got = testing::stream_ordering(h);
  loaded = got.loaded;
  return testing::anomaly_kinds(got);
}

std::vector<std::string> const f10_skip{"poll-skip"};
std::vector<std::string> const f10_none{};

TEST_CASE("a filtered gap over an accepted tag is a poll-skip, streamed",
          "[ordering][stream][skips][filter]") {
  for (std::string const tag : {"a", "b"}) {
    F10Orders s;
    Record const first = s.send(1, 0);
    Record const second = s.send(2, 1, tag);
    Record const third = s.send(3, 2);
    s.poll("billing", {first});
    s.poll("billing", {third});
    s.process_all({first, second, third});
    bool loaded = true;
    INFO("tag " << tag);
    CHECK(f10_kinds(s.history(), loaded) == (tag == "a" ? f10_skip : f10_none));
    CHECK_FALSE(loaded);
  }
}

TEST_CASE("a filtered gap over an offset claimed after the read, by its send or a poll",
          "[ordering][stream][skips][filter]") {
  // From p2, or from p0 after message 3 (p0's order broken too: a reordered, which the pass
  // over the reorders reads beside the gaps' and the sent tags' passes).
  for (std::string const producer : {"p2", "p0"}) {
    for (std::string const tag : {"a", "b"}) {
      for (bool const by_send : {true, false}) {
        F10Orders s;
        Record const first = s.send(1, 0);
        Record const third = s.send(3, 2);
        s.poll("billing", {first});
        s.poll("billing", {third});  // Offset 1 unclaimed yet: a gap the first pass keeps.
        // Message 2's tag is its send's, whichever record claims offset 1 first.
        Record sent = Record::of(MessageId{2}, "orders");
        sent.tag = tag;
        s.add(producer, OpType::invoke, OpKind::send, "", {sent});
        if (!by_send) s.poll("audit", {F10Orders::at(2, 1, tag == "a" ? "b" : "a")});
        s.add(producer, OpType::ok, OpKind::send, "", {F10Orders::at(2, 1, tag)});
        s.process_all({first, F10Orders::at(2, 1, tag), third});
        INFO("producer " << producer << ", tag " << tag << ", claimed by its send " << by_send);
        testing::OrderingStreamed const got = testing::stream_ordering(s.history());
        CHECK(testing::anomaly_count(got, "poll-skip") == (tag == "a" ? 1 : 0));
        CHECK(testing::anomaly_count(got, "reordered") == (producer == "p0" ? 1 : 0));
        CHECK_FALSE(got.loaded);
      }
    }
  }
}

TEST_CASE("a filtered gap reads the first tag a send states, not the claim's",
          "[ordering][stream][skips][filter]") {
  // The invoke states no tag, the ok does: the ok's is the message's.
  for (std::string const tag : {"a", "b"}) {
    F10Orders s;
    Record const first = s.send(1, 0);
    Record const second = s.send(2, 1, "", tag);
    Record const third = s.send(3, 2);
    s.poll("billing", {first});
    s.poll("billing", {third});
    s.process_all({first, second, third});
    bool loaded = true;
    INFO("ok tag " << tag);
    CHECK(f10_kinds(s.history(), loaded) == (tag == "a" ? f10_skip : f10_none));
    CHECK_FALSE(loaded);
  }
  // The invoke's tag wins over an ok (or a later send) stating another.
  for (std::string const tag : {"a", "b"}) {
    F10Orders s;
    Record const first = s.send(1, 0);
    Record const second = s.send(2, 1, tag, tag == "a" ? "b" : "a");
    Record const third = s.send(3, 2);
    s.poll("billing", {first});
    s.poll("billing", {third});
    s.process_all({first, second, third});
    bool loaded = true;
    INFO("invoke tag " << tag);
    CHECK(f10_kinds(s.history(), loaded) == (tag == "a" ? f10_skip : f10_none));
    CHECK_FALSE(loaded);
  }
}

TEST_CASE("a filtered gap over a message sent untagged, or never sent",
          "[ordering][stream][skips][filter]") {
  for (bool const sent : {true, false}) {
    F10Orders s;
    Record const first = s.send(1, 0);
    Record const third = s.send(3, 2);
    if (sent) {  // Sent with no tag: "" is its tag, which billing's filter rejects...
      s.add("p0", OpType::invoke, OpKind::send, "", {Record::of(MessageId{2}, "orders")});
    }
    // ...whatever the record claiming offset 1 states; never sent, that record's tag decides.
    s.poll("audit", {F10Orders::at(2, 1, "a")});
    s.poll("billing", {first});
    s.poll("billing", {third});
    s.process_all({first, F10Orders::at(2, 1, "a"), third});
    bool loaded = true;
    INFO("sent " << sent);
    CHECK(f10_kinds(s.history(), loaded) == (sent ? f10_none : f10_skip));
    CHECK_FALSE(loaded);
  }
}

TEST_CASE("a filtered gap: expired messages and a wildcard filter",
          "[ordering][stream][skips][filter]") {
  for (bool const expired : {true, false}) {
    F10Orders s({"*"});  // Accepts every tag, "" too.
    Record const first = s.send(1, 0);
    Record const second = s.send(2, 1, "");
    Record const third = s.send(3, 2);
    s.poll("billing", {first});
    s.poll("billing", {third});
    if (expired) s.add("broker", OpType::event, OpKind::expire, "", {second});
    s.process_all({first, second, third});
    bool loaded = true;
    INFO("expired " << expired);
    CHECK(f10_kinds(s.history(), loaded) == (expired ? f10_none : f10_skip));
    CHECK_FALSE(loaded);
  }
}

TEST_CASE("a filtered gap over several offsets names the first accepted one",
          "[ordering][stream][skips][filter]") {
  F10Orders s;
  std::vector<Record> log;
  for (std::uint64_t id = 1; id <= 6; ++id)
    log.push_back(s.send(id, static_cast<std::int64_t>(id) - 1, id == 4 || id == 5 ? "a" : "b"));
  s.poll("billing", {log[0]});
  s.poll("billing", {log[5]});  // Over 1..4: 2 and 3 rejected, 4 accepted (the witness), 5 too.
  s.process_all(log);
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(testing::anomaly_kinds(got) == f10_skip);
  CHECK(got.verdicts[0].anomalies[0].message == MessageId{4});
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a filtered gap in a topic whose claims do not all name their partition loads",
          "[ordering][stream][skips][filter]") {
  F10Orders s;
  Record const first = s.send(1, 0);
  // As in ordering_stream_skips_test: offset 1's claim names no partition, its invoke does.
  Record invoked = Record::of(MessageId{2}, "orders");
  invoked.partition = 0;
  invoked.tag = "a";
  s.add("p0", OpType::invoke, OpKind::send, "", {invoked});
  Record second = F10Orders::at(2, 1, "a");
  second.partition.reset();
  s.add("p0", OpType::ok, OpKind::send, "", {second});
  Record const third = s.send(3, 2);
  s.poll("billing", {first});
  s.poll("billing", {third});
  s.process_all({first, F10Orders::at(2, 1, "a"), third});
  bool loaded = false;
  CHECK(f10_kinds(s.history(), loaded) == f10_skip);
  CHECK(loaded);
}

// A random history of `count` offsets whose billing reads (filter "a", "*" or "a" and "b")
// jump some: each message sent before the reads (its tags stated on the invoke, the ok or
// both, differing or not, or none), sent after them, or never sent but read by audit; some
// expire later; two producers.
history::History f10_random(std::uint64_t seed) {
  mqcheck::testing::SplitMix64 rng(seed * 104729);
  std::vector<std::vector<std::string>> const filters{{"a"}, {"*"}, {"a", "b"}};
  F10Orders s(filters[rng.below(filters.size())]);
  auto const tag = [&] { return std::string(rng.below(2) == 0 ? "a" : "b"); };
  std::int64_t const count = 4 + static_cast<std::int64_t>(rng.below(9));
  std::vector<Record> log;
  std::vector<std::pair<std::uint64_t, std::string>> late;
  for (std::int64_t offset = 0; offset < count; ++offset) {
    std::uint64_t const id = static_cast<std::uint64_t>(offset) + 1;
    std::string const t = tag();
    std::string const producer = rng.below(2) == 0 ? "p0" : "p1";
    Record sent = Record::of(MessageId{id}, "orders");
    bool send_now = true;
    switch (rng.below(6)) {
      case 0:
        sent.tag = t;
        break;
      case 1:
        break;  // The invoke states none.
      case 2:
        sent.tag = t == "a" ? "b" : "a";
        break;
      case 3:
        late.emplace_back(id, t), send_now = false;
        break;
      case 4:  // Never sent.
        s.poll("audit", {F10Orders::at(id, offset, t)});
        send_now = false;
        break;
      default:
        sent.tag = "";
        break;
    }
    Record stored = F10Orders::at(id, offset, rng.below(4) == 0 ? "" : t);
    log.push_back(F10Orders::at(id, offset, t));
    if (send_now) {
      s.add(producer, OpType::invoke, OpKind::send, "", {sent});
      s.add(producer, OpType::ok, OpKind::send, "", {stored});
    }
  }
  std::vector<Record> batch;
  for (std::int64_t offset = 0; offset < count; ++offset) {
    if (offset != 0 && offset != count - 1 && rng.below(2) == 0) continue;
    batch.push_back(log[static_cast<std::size_t>(offset)]);
    if (batch.size() == 2 || rng.below(2) == 0) s.poll("billing", std::move(batch)), batch.clear();
  }
  if (!batch.empty()) s.poll("billing", batch);
  for (auto const& [id, t] : late) {
    Record sent = Record::of(MessageId{id}, "orders");
    sent.tag = t;
    s.add("p2", OpType::invoke, OpKind::send, "", {sent});
    s.add("p2", OpType::ok, OpKind::send, "", {log[id - 1]});
  }
  for (Record const& r : log)
    if (rng.below(5) == 0) s.add("broker", OpType::event, OpKind::expire, "", {r});
  s.process_all(log);
  return s.history();
}

TEST_CASE("random filtered gaps stream as check_ordering", "[ordering][stream][skips][filter]") {
  int total = 0;
  int loaded = 0;
  int skips = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    INFO("seed " << seed);
    testing::OrderingStreamed const got = testing::stream_ordering(f10_random(seed));
    ++total;
    if (got.loaded) ++loaded;
    if (testing::anomaly_count(got, "poll-skip") > 0) ++skips;
  }
  INFO("total " << total << ", loaded " << loaded << ", with a poll-skip " << skips);
  CHECK(skips * 5 > total);    // Accepted tags skipped in many...
  CHECK(loaded * 10 < total);  // ...and nearly all stream.
}

}  // namespace
}  // namespace mqcheck::checker
