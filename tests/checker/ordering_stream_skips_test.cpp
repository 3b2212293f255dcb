// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_skips_test.cpp (tests, layer: checker)
// The streaming ordering pass reports check_offsets' consumer-read anomalies without loading
// the history: a nonmonotonic-poll as it comes (one pass), a gap in one consumer's reads after
// a second pass over the ops that tells a poll-skip from a legitimate jump (an offset claimed
// only later, a message expired later, aborted data whose abort comes later, a filtered tag, a
// reset). Each history is held to check_ordering's report (and check_streaming's to
// check_history's), and for the passes it took and whether it loaded. Random histories with
// injected skips and step-backs must agree too, and mostly not load.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
#include "tests/checker/ordering_builder.hpp"
#include "tests/checker/ordering_stream_agreement.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::OpKind;
using history::OpType;
using history::Record;
using mqcheck::testing::soak;
using testing::SplitMix64;

// Sends (with a tag), polls, processes, assigns and expiries in "orders"
// (testing::OrdersHistory: groups billing and audit).
class Skips : public testing::OrdersHistory {
 public:
  using OrdersHistory::OrdersHistory;
  Record send(std::string const& producer, std::uint64_t id, std::int64_t offset,
              std::string const& tag = "") {
    Record sent = Record::of(MessageId{id}, "orders");
    sent.tag = tag;
    add(producer, OpType::invoke, OpKind::send, "", {sent});
    Record stored = Record::of(MessageId{id}, "orders", Offset{offset}, 0);
    stored.tag = tag;
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  void poll(std::string const& group, std::vector<Record> records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, std::move(records));
  }
  void process(std::string const& group, Record const& r) {
    add(group + "-0", OpType::ok, OpKind::process, group, {Record::of(r.id, r.topic)});
  }
  void expire(Record const& r) { add("broker", OpType::event, OpKind::expire, "", {r}); }
  void assign(std::string const& group) {
    Record held;
    held.topic = "orders";
    held.partition = 0;
    add(group + "-0", OpType::ok, OpKind::assign, group, {held});
  }
};

using Streamed = testing::OrderingStreamed;

Streamed stream(History const& h) { return testing::stream_ordering(h); }

std::vector<std::string> kinds(Streamed const& s) { return testing::anomaly_kinds(s); }

// Offsets 0..count-1 sent by p0 (message ids 1..count), every message processed by both groups.
std::vector<Record> sent_log(Skips& s, int count) {
  std::vector<Record> log;
  for (int offset = 0; offset < count; ++offset)
    log.push_back(s.send("p0", static_cast<std::uint64_t>(offset) + 1, offset));
  return log;
}

void process_all(Skips& s, std::vector<Record> const& log) {
  for (Record const& r : log) {
    s.process("billing", r);
    s.process("audit", r);
  }
}

TEST_CASE("a nonmonotonic-poll is reported in one pass, with no load",
          "[ordering][stream][skips]") {
  Skips s;
  std::vector<Record> const log = sent_log(s, 4);
  s.poll("billing", {log[0], log[1], log[2]});
  s.poll("billing", {log[1], log[2], log[3]});  // Back to offset 1, no assign between.
  process_all(s, log);
  Streamed const got = stream(s.history());
  CHECK(kinds(got) == std::vector<std::string>{"nonmonotonic-poll"});
  CHECK(got.verdicts[0].anomalies[0].message == MessageId{2});
  CHECK(got.passes == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a poll-skip is reported after a second pass, with no load",
          "[ordering][stream][skips]") {
  Skips s;
  std::vector<Record> const log = sent_log(s, 4);
  s.poll("billing", {log[0]});
  s.poll("billing", {log[2], log[3]});  // Jumps offset 1, message 2.
  process_all(s, log);
  Streamed const got = stream(s.history());
  CHECK(kinds(got) == std::vector<std::string>{"poll-skip"});
  CHECK(got.verdicts[0].anomalies[0].message == MessageId{2});
  CHECK(got.passes == 2);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a gap over a message expired later is no poll-skip", "[ordering][stream][skips]") {
  for (bool const expired : {true, false}) {
    Skips s;
    std::vector<Record> const log = sent_log(s, 3);
    s.poll("billing", {log[0]});
    s.poll("billing", {log[2]});
    process_all(s, log);
    if (expired) s.expire(log[1]);  // Retention took offset 1, after the jump.
    Streamed const got = stream(s.history());
    INFO("expired " << expired);
    CHECK(kinds(got) ==
          (expired ? std::vector<std::string>{} : std::vector<std::string>{"poll-skip"}));
    CHECK(got.passes == 2);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("a gap claimed only after it opened is a poll-skip; one never claimed is not",
          "[ordering][stream][skips]") {
  for (bool const claimed : {true, false}) {
    Skips s;
    Record const first = s.send("p0", 1, 0);
    Record const third = s.send("p0", 3, 2);
    s.poll("billing", {first});
    s.poll("billing", {third});                                   // Offset 1 is unknown yet...
    Record const late = claimed ? s.send("p1", 2, 1) : Record{};  // ...then claimed.
    process_all(
        s, claimed ? std::vector<Record>{first, late, third} : std::vector<Record>{first, third});
    Streamed const got = stream(s.history());
    INFO("claimed " << claimed);
    CHECK(kinds(got) ==
          (claimed ? std::vector<std::string>{"poll-skip"} : std::vector<std::string>{}));
    if (claimed) CHECK(got.verdicts[0].anomalies[0].message == MessageId{2});
    CHECK(got.passes == 2);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("a gap with a tag filter: rejected tags stream in one pass, others after more",
          "[ordering][stream][skips]") {
  for (std::string const tag : {"b", "a"}) {
    Skips s({"a"});  // billing reads tag a only.
    Record const first = s.send("p0", 1, 0, "a");
    Record const second = s.send("p0", 2, 1, tag);
    Record const third = s.send("p0", 3, 2, "a");
    s.poll("billing", {first});
    s.poll("billing", {third});
    process_all(s, {first, second, third});
    Streamed const got = stream(s.history());
    INFO("tag " << tag);
    if (tag == "b") {  // Rejected: the first pass clears the gap.
      CHECK(kinds(got).empty());
      CHECK(got.passes == 1);
      CHECK_FALSE(got.loaded);
    } else {  // Accepted: a poll-skip, once later passes read the sent tags in the gap.
      CHECK(kinds(got) == std::vector<std::string>{"poll-skip"});
      CHECK(got.passes >= 2);
      CHECK_FALSE(got.loaded);
    }
  }
}

TEST_CASE("a reset between reads allows a step back and a jump", "[ordering][stream][skips]") {
  Skips s;
  std::vector<Record> const log = sent_log(s, 4);
  s.poll("billing", {log[0], log[1]});
  s.assign("billing");
  s.poll("billing", {log[0]});  // Back: reset.
  s.assign("billing");
  s.poll("billing", {log[3]});  // Forward over 1 and 2: reset.
  process_all(s, log);
  Streamed const got = stream(s.history());
  CHECK(kinds(got).empty());
  CHECK(got.passes == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("several jumps in one history keep check_ordering's order and witnesses",
          "[ordering][stream][skips]") {
  Skips s;
  std::vector<Record> const log = sent_log(s, 8);
  s.poll("billing", {log[0]});
  s.poll("audit", {log[0], log[1]});
  s.poll("billing", {log[3]});          // Skips 1 and 2: message 2 is the witness.
  s.poll("audit", {log[1]});            // Back.
  s.poll("audit", {log[4]});            // Skips 2 and 3.
  s.poll("billing", {log[2], log[3]});  // Back, over the same offsets.
  s.poll("billing", {log[7]});          // Skips 4..6, of which 5 expires.
  s.expire(log[4]);
  process_all(s, log);
  Streamed const got = stream(s.history());
  CHECK(kinds(got).size() == 5);
  CHECK(got.passes == 2);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a gap in a topic whose claims do not all name their partition loads",
          "[ordering][stream][skips]") {
  Skips s;
  Record const first = s.send("p0", 1, 0);
  // Message 2's send names partition 0 before its offset, whose record names none: check_offsets
  // files that claim under the message's partition, which the second pass could not know.
  Record invoked = Record::of(MessageId{2}, "orders");
  invoked.partition = 0;
  s.add("p0", OpType::invoke, OpKind::send, "", {invoked});
  Record second = Record::of(MessageId{2}, "orders", Offset{1});
  s.add("p0", OpType::ok, OpKind::send, "", {second});
  second.partition = 0;
  Record const third = s.send("p0", 3, 2);
  s.poll("billing", {first});
  s.poll("billing", {third});  // Jumps offset 1.
  process_all(s, {first, second, third});
  Streamed const got = stream(s.history());
  CHECK(kinds(got) == std::vector<std::string>{"poll-skip"});
  CHECK(got.loaded);
}

// A read_committed group "rc" of a partition-ordered topic "tx", written in transactions.
class TxnSkips {
 public:
  TxnSkips() {
    header_.drained = true;
    header_.ordering = {{"tx", history::OrderingScope::partition}};
    header_.subscriptions = {{"tx", {"rc"}}};
    header_.groups["rc"].isolation = history::GroupSpec::Isolation::read_committed;
    history_ = History(header_);
  }
  History const& history() const { return history_; }
  void add(OpType type, OpKind f, std::vector<Record> records, std::string txn,
           std::string group = "", std::string process = "p") {
    history::Op op;
    op.time = SimTimeUs{++time_};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.txn = std::move(txn);
    op.value = std::move(records);
    history_.append(std::move(op));
  }
  void send(std::uint64_t id, std::int64_t offset, std::string const& txn) {
    add(OpType::invoke, OpKind::send, {Record::of(MessageId{id}, "tx")}, txn);
    add(OpType::ok, OpKind::send, {Record::of(MessageId{id}, "tx", Offset{offset}, 0)}, txn);
  }
  void end(std::string const& txn, OpKind f) {
    add(OpType::invoke, f, {}, txn);
    add(OpType::ok, f, {}, txn);
  }
  void read(std::uint64_t id, std::int64_t offset) {
    Record const r = Record::of(MessageId{id}, "tx", Offset{offset}, 0);
    add(OpType::ok, OpKind::poll, {r}, "", "rc", "rc-0");
    add(OpType::ok, OpKind::process, {r}, "", "rc", "rc-0");
  }

 private:
  history::Header header_;
  History history_{history::Header{}};
  std::int64_t time_ = 0;
};

TEST_CASE("a read_committed gap over data whose transaction ends later",
          "[ordering][stream][skips][txn]") {
  for (OpKind const end : {OpKind::txn_abort, OpKind::txn_commit}) {
    TxnSkips t;
    t.send(1, 0, "p/1");
    t.end("p/1", OpKind::txn_commit);
    t.send(2, 1, "p/2");  // Open while the consumer jumps it...
    t.send(3, 2, "p/3");
    t.end("p/3", OpKind::txn_commit);
    t.read(1, 0);
    t.read(3, 2);
    t.end("p/2", end);  // ...then aborted (aborted data: no anomaly) or committed (a skip).
    Streamed const got = stream(t.history());
    INFO("commit " << (end == OpKind::txn_commit));
    CHECK(kinds(got) == (end == OpKind::txn_commit ? std::vector<std::string>{"poll-skip"}
                                                   : std::vector<std::string>{}));
    CHECK(got.passes == 2);
    CHECK_FALSE(got.loaded);
  }
}

TEST_CASE("a send after its transaction ended is judged by the commits named around it",
          "[ordering][stream][skips][txn]") {
  for (OpKind const first_end : {OpKind::txn_commit, OpKind::txn_abort}) {
    for (bool const commit_after : {false, true}) {
      TxnSkips t;
      t.send(1, 0, "p/1");
      t.end("p/1", OpKind::txn_commit);
      t.end("p/2", first_end);
      t.send(2, 1, "p/2");  // Late: its transaction's end was seen before it.
      t.send(3, 2, "p/3");
      t.end("p/3", OpKind::txn_commit);
      t.read(1, 0);
      t.read(3, 2);
      if (commit_after) t.end("p/2", OpKind::txn_commit);  // A commit ok wins: committed.
      Streamed const got = stream(t.history());
      INFO("first end commit " << (first_end == OpKind::txn_commit) << ", commit after "
                               << commit_after);
      // Aborted (Kafka completes a batch in flight while it aborts, KIP-98) and never
      // committed: aborted data the read_committed group may skip. Committed: a poll-skip.
      bool const committed = first_end == OpKind::txn_commit || commit_after;
      CHECK(kinds(got) ==
            (committed ? std::vector<std::string>{"poll-skip"} : std::vector<std::string>{}));
      CHECK(got.passes == 2);
      CHECK_FALSE(got.loaded);
    }
  }
}

struct Tally {
  int injected = 0;  // Histories whose ordering anomalies are only poll-skips and step-backs,
                     // injected into one that streams...
  int loaded = 0;    // ...that the stream loaded anyway...
  int reread = 0;    // ...or judged after its second pass over the gaps.
};

// `h` with one injected anomaly or two: its report must be check_ordering's. Counted when the
// history it came from streamed, and its only anomalies are the injected kinds.
void require_same(History const& h, std::uint64_t seed, bool base_streams, Tally& tally) {
  std::vector<Verdict> const whole = check_ordering(h);
  StreamStats stats;
  std::vector<Verdict> const streamed =
      check_ordering_stream(h.header(), ops_of(h), StreamOptions{}, &stats);
  INFO("seed " << seed << ", passes " << stats.passes << "\n" << history::to_jsonl(h));
  REQUIRE(streamed == whole);
  if (whole.empty() || whole[0].anomalies.empty()) return;
  bool const reads_only = std::all_of(
      whole[0].anomalies.begin(), whole[0].anomalies.end(),
      [](Anomaly const& a) { return a.kind == "poll-skip" || a.kind == "nonmonotonic-poll"; });
  if (!reads_only || !base_streams) return;
  ++tally.injected;
  if (stats.loaded_for == "ordering") ++tally.loaded;
  if (stats.loaded_for.empty() && stats.passes == 2) ++tally.reread;
}

TEST_CASE("random histories with injected skips and step-backs stream as check_ordering",
          "[ordering][stream][skips]") {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= soak(400); ++seed) {
    SplitMix64 rng(seed * 7919);
    testing::Shape shape = testing::random_shape(rng);
    if (seed % 2 == 0) shape.features = false;
    History const h = testing::random_valid_history(seed, shape);
    std::optional<testing::Injection> const skipped = testing::inject_poll_skip(h, rng);
    std::optional<testing::Injection> const back = testing::inject_nonmonotonic_poll(h, rng);
    bool const base = testing::ordering_streams(h);
    if (skipped) require_same(skipped->history, seed, base, tally);
    if (back) require_same(back->history, seed, base, tally);
    if (skipped) {
      std::optional<testing::Injection> const both =
          testing::inject_nonmonotonic_poll(skipped->history, rng);
      if (both) require_same(both->history, seed, base, tally);
    }
  }
  INFO("injected " << tally.injected << ", loaded " << tally.loaded << ", reread " << tally.reread);
  CHECK(tally.injected > static_cast<int>(soak(400) / 2));
  CHECK(tally.loaded * 4 < tally.injected);  // Most stream in bounded memory...
  CHECK(tally.reread * 4 > tally.injected);  // ...many after a second look at their gaps.
}

}  // namespace
}  // namespace mqcheck::checker
