// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_truncation_damaged_test.cpp (tests, layer: checker)
// The streaming ordering pass at a truncated leader log (ordering_stream_truncation.cpp) whose
// history a harness damaged: a send invoke written twice (the message is then resent, and
// ordering_stream_resends.cpp pairs its attempts), a retry after a timeout, a completion the
// message table files alone. Rule T of check_ordering's truncated_claims takes back the claims
// acknowledged before the new message's send began, read from the invoke of the attempt its ok
// completes (invoke_of): the stream follows it where it pairs that attempt as send_outcomes.cpp
// does (begun_of), and loads where it cannot. Each history is held to check_ordering's report
// (and check_streaming's to check_history's) at three settle delays.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "tests/checker/ordering_builder.hpp"
#include "tests/checker/ordering_stream_agreement.hpp"
#include "tests/common/soak.hpp"
#include "tests/common/splitmix64.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using history::Record;

// Sends, polls, processes in "orders", partition 0 (testing::OrdersHistory: groups billing and
// audit), as the truncation test's log, with the ends of a send apart.
class T10Log : public testing::OrdersHistory {
 public:
  void invoke(std::string const& producer, std::uint64_t id) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  void end(std::string const& producer, std::uint64_t id, OpType type) {
    add(producer, type, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  Record ack(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    Record stored = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  Record send(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    invoke(producer, id);
    return ack(producer, id, offset);
  }
  void consume(std::vector<Record> const& records) {  // Both groups read and process them.
    for (std::string const group : {"billing", "audit"}) {
      add(group + "-0", OpType::ok, OpKind::poll, group, records);
      for (Record const& r : records) add(group + "-0", OpType::ok, OpKind::process, group, {r});
    }
  }
  void process(std::string const& group, Record const& r) {
    add(group + "-0", OpType::ok, OpKind::process, group, {r});
  }
};

std::ptrdiff_t t10_count(testing::OrderingStreamed const& s, std::string const& kind) {
  return testing::anomaly_count(s, kind);
}

TEST_CASE("a message whose send invoke was written twice takes a lost offset: streams",
          "[ordering][stream][truncation]") {
  T10Log s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);  // Lost with the leader, never read.
  s.invoke("p0", 3);
  s.invoke("p0", 3);  // The harness wrote the invoke twice: the ok pairs with the first.
  Record const again = s.ack("p0", 3, 1);
  Record const next = s.send("p0", 4, 2);
  s.consume({first, again, next});
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(t10_count(got, "inconsistent-offsets") == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a retry after a timeout takes a lost offset: begun is the retry's invoke",
          "[ordering][stream][truncation]") {
  for (bool const reordered : {false, true}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.invoke("p0", 3);
    s.end("p0", 3, OpType::info);  // Timed out: out of its producer's order for good.
    s.send("p0", 2, 1);            // Acknowledged after 3 first began, before its retry...
    Record const lost = s.send("p0", 4, 2);
    s.invoke("p0", 3);  // ...which takes offset 1 back, and 4's claim above it.
    Record const again = s.ack("p0", 3, 1);
    Record const next = s.send("p1", 5, 2);
    s.consume({first, again, next});
    // Message 4 lost its offset: a group processing it last orders nothing by it.
    if (reordered) s.process("billing", lost);
    INFO("reordered " << reordered);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 2);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("an ok the table files alone takes a lost offset: only its first claim goes",
          "[ordering][stream][truncation]") {
  // truncated_claims has no begun for it: it voids the offset's first ack claim and no other,
  // so 4's claim above it stays (and 4 is read there).
  for (bool const invoked : {false, true}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.invoke("p0", 2);
    Record const kept = s.send("p1", 4, 2);  // Acknowledged before 2, which goes: 4 stays.
    s.ack("p0", 2, 1);
    if (invoked) {  // Both attempts failed: the ok pairs with neither.
      s.invoke("p0", 3);
      s.invoke("p0", 3);
      s.end("p0", 3, OpType::fail);
      s.end("p0", 3, OpType::fail);
    }  // Else its invoke was lost.
    Record const again = s.ack("p0", 3, 1);
    s.consume({first, again, kept});
    INFO("invoked " << invoked);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("an ok with no invoke where an invoke naming no message may pair with it loads",
          "[ordering][stream][truncation]") {
  T10Log s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);
  s.add("p0", OpType::invoke, OpKind::send, "", {});  // send_outcomes.cpp pairs it on f alone.
  Record const again = s.ack("p0", 3, 1);
  s.consume({first, again});
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(t10_count(got, "inconsistent-offsets") == 1);
  CHECK(got.loaded);
}

TEST_CASE("an ok written twice at an offset a consumer read another message at: streams",
          "[ordering][stream][truncation]") {
  // Its first claim goes as it is made (rule R: message 2 was read there), and so does the
  // second, which the table files alone (its one invoke paired with the first): a consumer's
  // read of it there places it again.
  for (bool const read_again : {false, true}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    Record const old = s.send("p0", 2, 1);
    s.consume({first, old});
    s.invoke("p1", 3);
    Record const again = s.ack("p1", 3, 1);
    s.ack("p1", 3, 1);
    if (read_again) s.consume({again});  // Back to offset 1: a tie with message 2, no reorder.
    Record const next = s.send("p1", 4, 2);
    s.consume({next});
    INFO("read again " << read_again);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("an ok at an offset a consumer read another message at, never acknowledged: streams",
          "[ordering][stream][truncation]") {
  // Message 2's ok was lost: 3's is the first ack claim at offset 1, which rule T leaves, and
  // R voids unless a consumer reads 3 there.
  for (bool const read_again : {false, true}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.invoke("p0", 2);
    s.consume({first, Record::of(MessageId{2}, "orders", Offset{1}, 0)});
    s.invoke("p1", 3);
    Record const again = s.ack("p1", 3, 1);
    if (read_again) s.consume({again});
    Record const next = s.send("p1", 4, 2);
    s.consume({next});
    INFO("read again " << read_again);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("the late ok of a message read at an offset another was acknowledged at loads",
          "[ordering][stream][truncation]") {
  // 2's ok comes after 3's, at offset 1: an ack claim after 3's there, whose rule T takes back
  // what was acknowledged before 2 began, and which the stream does not follow (watch_ack).
  for (bool const resent : {false, true}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.invoke("p0", 2);
    if (resent) s.invoke("p0", 2);
    s.consume({first, Record::of(MessageId{2}, "orders", Offset{1}, 0)});
    Record const again = s.send("p1", 3, 1);
    Record const next = s.send("p1", 4, 2);
    s.ack("p0", 2, 1);
    s.consume({again, next});
    INFO("resent " << resent);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK(got.loaded);
  }
}

TEST_CASE("an ok at an offset only a send's info placed another message at loads",
          "[ordering][stream][truncation]") {
  // No consumer read offset 3, so rule R keeps 3's claim there, which orders 3 before 4 in
  // p1's order: a reorder the stream would not see if it left 3 unplaced.
  T10Log s;
  Record const first = s.send("p0", 1, 0);
  s.invoke("p0", 2);
  s.add("p0", OpType::info, OpKind::send, "", {Record::of(MessageId{2}, "orders", Offset{3}, 0)});
  s.send("p1", 3, 3);
  Record const next = s.send("p1", 4, 2);
  s.consume({first, next});
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(t10_count(got, "reordered") == 1);
  CHECK(got.loaded);
}

TEST_CASE("an ok whose one invoke a failure completed already takes a lost offset: loads",
          "[ordering][stream][truncation]") {
  // The table files the ok alone (no invoke): truncated_claims voids the first claim at the
  // offset only, and 4's claim above it stays, which p0's next send, stored below it,
  // reorders. The stream cannot tell this ok from one a batched invoke pairs with.
  T10Log s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);
  s.send("p0", 4, 3);
  s.invoke("p0", 3);
  s.end("p0", 3, OpType::fail);
  Record const again = s.ack("p0", 3, 1);
  Record const next = s.send("p0", 5, 2);
  s.consume({first, again, next});
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(t10_count(got, "inconsistent-offsets") == 1);
  CHECK(t10_count(got, "reordered") == 1);
  CHECK(got.loaded);
}

TEST_CASE("an ok written twice of messages a truncation takes back: both claims go",
          "[ordering][stream][truncation]") {
  // billing processes 2 before 3, which sits below it (read there: it stays): reordered while
  // 2 keeps offset 2. Rule T voids both of 2's ack claims when both came before 9's send
  // began; one written after stays.
  for (bool const late : {false, true}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.invoke("p0", 2);
    s.invoke("p0", 3);
    Record const kept = s.ack("p0", 3, 1);
    s.ack("p0", 2, 2);
    if (!late) s.ack("p0", 2, 2);  // The harness wrote the ok twice.
    s.add("audit-0", OpType::ok, OpKind::poll, "audit", {first, kept});
    s.invoke("p1", 9);
    if (late) s.ack("p0", 2, 2);  // Written again after 9's send began: that claim stays.
    s.ack("p1", 9, 1);            // Gone at once too (R: 3 was read there).
    s.process("billing", Record::of(MessageId{2}, "orders"));
    s.process("billing", kept);
    INFO("late " << late);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK(t10_count(got, "reordered") == (late ? 1 : 0));
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("an ok written twice at the offset a truncation takes: streams unless written late",
          "[ordering][stream][truncation]") {
  // At the offset itself, a claim acknowledged after 9's send began is one the stream does not
  // follow (holder_known): it loads. With `early`, a consumer reads 9 there before its ok.
  for (int const shape : {0, 1, 2}) {
    bool const late = shape == 1;
    bool const early = shape == 2;
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.send("p0", 2, 1);
    if (!late) s.ack("p0", 2, 1);
    s.invoke("p1", 9);
    if (late) s.ack("p0", 2, 1);
    Record const again = Record::of(MessageId{9}, "orders", Offset{1}, 0);
    if (early) s.consume({first, again});
    s.ack("p1", 9, 1);
    if (!early) s.consume({first, again});
    INFO("shape " << shape);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK(got.loaded == late);
  }
}

TEST_CASE("a lost message's ok written again at the end: R alone decides that claim",
          "[ordering][stream][truncation]") {
  // 2's first ok is the offset's first ack claim, so truncated_claims' rule T passes over the
  // one written again; R voids it when a consumer read 3 there. Read by a processing only, no
  // poll tells the stream so: it loads.
  for (bool const polled : {true, false}) {
    T10Log s;
    Record const first = s.send("p0", 1, 0);
    s.send("p0", 2, 1);
    Record const again = s.send("p1", 3, 1);
    if (polled) {
      s.consume({first, again});
    } else {
      s.process("billing", first);
      s.process("billing", again);
    }
    s.ack("p0", 2, 1);  // The harness appended 2's ok again.
    INFO("polled " << polled);
    testing::OrderingStreamed const got = testing::stream_ordering(s.history());
    CHECK(t10_count(got, "inconsistent-offsets") == 1);
    CHECK(got.loaded == !polled);
  }
}

TEST_CASE("an ok of a resent message at a conflicted offset it holds loads",
          "[ordering][stream][truncation]") {
  // 3's second attempt's ok pairs with its second invoke: its own rule T takes back what was
  // acknowledged before that invoke, from offset 1 up, which the stream does not follow.
  T10Log s;
  Record const first = s.send("p0", 1, 0);
  s.send("p0", 2, 1);
  s.invoke("p1", 3);
  Record const again = s.ack("p1", 3, 1);
  s.send("p0", 4, 2);  // Acknowledged before 3's second invoke: T of that ok voids it.
  s.invoke("p1", 3);
  s.ack("p1", 3, 1);
  s.consume({first, again});
  testing::OrderingStreamed const got = testing::stream_ordering(s.history());
  CHECK(t10_count(got, "inconsistent-offsets") == 1);
  CHECK(got.loaded);
}

// One partition's log under random truncations, as the truncation test's simulation (a send
// may be appended before its ok, and read first), written by a harness that now and then
// writes a send invoke twice, loses one, or writes an ok twice.
class T10DamagedSim {
 public:
  explicit T10DamagedSim(std::uint64_t seed) : rng_(seed) {}
  history::History run(int steps) {
    for (int i = 0; i < steps; ++i) step();
    return log_.history();
  }
  int damaged = 0;  // Lines written twice or lost.
  int doubled = 0;  // Of those, oks written twice.

 private:
  void step() {
    std::uint64_t const roll = rng_.below(100);
    if (roll < 20) return invoke();
    if (roll < 45) return ack();
    if (roll < 50) return truncate();
    if (roll < 54) return ack_appended();
    if (roll < 77) return poll();
    return process();
  }
  void invoke() {
    std::string const producer = rng_.below(2) == 0 ? "p0" : "p1";
    std::uint64_t const roll = rng_.below(10);
    if (roll > 0) log_.invoke(producer, next_id_);  // 0: lost.
    if (roll == 1) log_.invoke(producer, next_id_);
    damaged += roll <= 1 ? 1 : 0;
    inflight_.emplace_back(producer, next_id_++);
  }
  void ack() {  // A producer's sends complete in the order it made them.
    if (inflight_.empty()) return;
    std::string const producer = inflight_[rng_.below(inflight_.size())].first;
    auto const first = std::find_if(inflight_.begin(), inflight_.end(),
                                    [&](auto const& sent) { return sent.first == producer; });
    auto const offset = static_cast<std::int64_t>(stored_.size());
    if (rng_.below(4) == 0) {  // Appended now, acknowledged later (ack_appended).
      stored_.push_back(Record::of(MessageId{first->second}, "orders", Offset{offset}, 0));
      appended_.push_back(*first);
    } else {
      stored_.push_back(acknowledge(producer, first->second, offset));
    }
    inflight_.erase(first);
  }
  Record acknowledge(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    Record const stored = log_.ack(producer, id, offset);
    if (rng_.below(10) == 0) {
      log_.ack(producer, id, offset);
      ++damaged;
      ++doubled;
    }
    return stored;
  }
  void ack_appended() {  // The oldest appended send still in the log gets its ok.
    if (appended_.empty()) return;
    auto const& [producer, id] = appended_.front();
    auto const kept = std::find_if(stored_.begin(), stored_.end(),
                                   [&](Record const& r) { return r.id.value == id; });
    if (kept != stored_.end()) acknowledge(producer, id, kept->offset->value);
    appended_.erase(appended_.begin());
  }
  void truncate() {
    if (stored_.empty()) return;
    stored_.resize(rng_.below(stored_.size()));
    std::erase_if(appended_, [&](auto const& sent) {  // Cut before its ok: it times out.
      bool const cut = std::none_of(stored_.begin(), stored_.end(),
                                    [&](Record const& r) { return r.id.value == sent.second; });
      if (cut) log_.end(sent.first, sent.second, OpType::info);
      return cut;
    });
  }
  void poll() {
    std::string const group = rng_.below(2) == 0 ? "billing" : "audit";
    std::size_t& next = next_read_[group];
    if (rng_.below(6) == 0) next = rng_.below(next + 1);
    std::vector<Record> records;
    for (int n = rng_.between(1, 3); n > 0 && next < stored_.size(); --n)
      records.push_back(stored_[next++]);
    if (records.empty()) return;
    log_.add(group + "-0", OpType::ok, OpKind::poll, group, records);
    for (Record const& r : records) polled_[group].push_back(r);
  }
  void process() {  // In the order polled, each message once.
    std::string const group = rng_.below(2) == 0 ? "billing" : "audit";
    std::vector<Record>& polled = polled_[group];
    if (polled.empty()) return;
    Record const record = polled.front();
    polled.erase(polled.begin());
    if (!processed_[group].insert(record.id.value).second) return;
    log_.process(group, record);
  }

  mqcheck::testing::SplitMix64 rng_;
  T10Log log_;
  std::uint64_t next_id_ = 1;
  std::vector<std::pair<std::string, std::uint64_t>> inflight_;
  std::vector<std::pair<std::string, std::uint64_t>> appended_;  // In the log, not acknowledged.
  std::vector<Record> stored_;
  std::map<std::string, std::size_t> next_read_;
  std::map<std::string, std::vector<Record>> polled_;
  std::map<std::string, std::set<std::uint64_t>> processed_;
};

TEST_CASE("random truncations of a damaged history stream as check_ordering",
          "[ordering][stream][truncation]") {
  int conflicted = 0;        // Damaged histories with an inconsistent-offsets...
  int streamed = 0;          // ...that streamed.
  int doubled = 0;           // Of those, with an ok written twice...
  int doubled_streamed = 0;  // ...that streamed.
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    INFO("seed " << seed);
    T10DamagedSim sim(seed * 7919);
    history::History const h = sim.run(60);
    testing::OrderingStreamed const got = testing::stream_ordering(h);  // Agrees, or fails.
    if (sim.damaged == 0 || t10_count(got, "inconsistent-offsets") == 0) continue;
    ++conflicted;
    if (!got.loaded) ++streamed;
    if (sim.doubled == 0) continue;
    ++doubled;
    if (!got.loaded) ++doubled_streamed;
  }
  INFO("conflicted " << conflicted << ", streamed " << streamed << "; doubled " << doubled
                     << ", streamed " << doubled_streamed);
  CHECK(conflicted * 2 > static_cast<int>(mqcheck::testing::soak(300)));
  CHECK(streamed * 10 > conflicted);
}

}  // namespace
}  // namespace mqcheck::checker
