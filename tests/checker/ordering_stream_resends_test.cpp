// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_resends_test.cpp (tests, layer: checker)
// The streaming ordering pass follows a message sent more than once, and one stored at two
// offsets, without loading the history (checker/ordering_stream_resends.cpp): a resend keeps the
// message in its producer's order only when every other attempt failed, as check_ordering's
// sent_position has it, and a message stored twice spans both offsets in its consumers' orders.
// Each history is held to check_ordering's report (and check_streaming's to check_history's)
// and, where the stream claims to judge it, to not loading. Random histories with a resend
// injected must agree too, and mostly not load.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/ordering_builder.hpp"
#include "tests/checker/ordering_stream_agreement.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;
using mqcheck::testing::soak;
using testing::SplitMix64;

// Sends, polls and processings in "orders", partition 0 (testing::OrdersHistory: groups billing
// and audit). A send attempt is its invoke and its completion, which may be apart.
class ResendLog : public testing::OrdersHistory {
 public:
  void invoke(std::string const& producer, std::uint64_t id) {
    add(producer, OpType::invoke, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  void fail(std::string const& producer, std::uint64_t id) {
    add(producer, OpType::fail, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  void info(std::string const& producer, std::uint64_t id) {
    add(producer, OpType::info, OpKind::send, "", {Record::of(MessageId{id}, "orders")});
  }
  Record ack(std::string const& producer, std::uint64_t id, std::int64_t offset) {
    Record stored = at(id, offset);
    add(producer, OpType::ok, OpKind::send, "", {stored});
    return stored;
  }
  static Record at(std::uint64_t id, std::int64_t offset) {
    return Record::of(MessageId{id}, "orders", Offset{offset}, 0);
  }
  // `group` polls `records` and processes each, in that order.
  void consume(std::string const& group, std::vector<Record> const& records) {
    add(group + "-0", OpType::ok, OpKind::poll, group, records);
    for (Record const& r : records) add(group + "-0", OpType::ok, OpKind::process, group, {r});
  }
  void consume(std::vector<Record> const& records) {
    for (std::string const group : {"billing", "audit"}) consume(group, records);
  }
  // `group` polls `polled`, then processes `processed`.
  void consume(std::string const& group, std::vector<Record> const& polled,
               std::vector<Record> const& processed) {
    add(group + "-0", OpType::ok, OpKind::poll, group, polled);
    for (Record const& r : processed) add(group + "-0", OpType::ok, OpKind::process, group, {r});
  }
};

testing::OrderingStreamed stream_resent(History const& h) { return testing::stream_ordering(h); }

std::ptrdiff_t reordered_count(testing::OrderingStreamed const& s) {
  return testing::anomaly_count(s, "reordered");
}

TEST_CASE("a resend after a failed attempt streams in its producer's order",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.fail("p1", 1);
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 0);
  s.invoke("p1", 1);  // The resend: the one attempt that may have written message 1.
  Record const first = s.ack("p1", 1, 1);
  s.consume({second, first});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a resend after a failed attempt is reordered when stored before a later send",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.fail("p1", 1);
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 1);
  s.invoke("p1", 1);  // Sent after message 2, stored before it: in the producer's order.
  Record const first = s.ack("p1", 1, 0);
  s.consume({first, second});
  CHECK(reordered_count(stream_resent(s.history())) == 1);
}

TEST_CASE("a resend after an info attempt leaves its producer's order",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.info("p1", 1);  // May have written it: two writers, no place in p1's order.
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 1);
  s.invoke("p1", 1);
  Record const first = s.ack("p1", 1, 0);
  s.consume({first, second});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("an ok attempt keeps its place while its resend fails", "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  Record const first = s.ack("p1", 1, 0);
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 1);
  s.invoke("p1", 1);  // Its failure leaves message 1 at its first attempt's place.
  s.fail("p1", 1);
  s.consume({first, second});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("an ok attempt stored after a later send is reordered though a resend came",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 0);
  Record const first = s.ack("p1", 1, 1);
  s.invoke("p1", 1);
  s.fail("p1", 1);
  s.consume({second, first});
  CHECK(reordered_count(stream_resent(s.history())) == 1);
}

TEST_CASE("two ok attempts store a message twice and leave its producer's order",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  Record const first = s.ack("p1", 1, 0);
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 1);
  s.consume({first, second});
  s.invoke("p1", 1);  // A transaction re-run: stored again, read again.
  Record const again = s.ack("p1", 1, 2);
  s.consume({again});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message that leaves its producer's order no longer orders its later sends",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.ack("p1", 1, 1);  // In p1's order at offset 1...
  s.invoke("p1", 1);
  s.ack("p1", 1, 2);  // ...until a second ok attempt takes it out.
  s.invoke("p1", 2);
  s.ack("p1", 2, 0);  // Sent after message 1, stored before it: no longer compared.
  s.consume({ResendLog::at(2, 0), ResendLog::at(1, 1), ResendLog::at(1, 2)});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a completion from another process stands alone and takes the place away",
          "[ordering][stream][resend]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.fail("p1", 1);
  s.invoke("p1", 2);
  Record const second = s.ack("p1", 2, 1);
  s.invoke("p1", 1);                       // Never completed: it may have written message 1...
  Record const first = s.ack("p2", 1, 0);  // ...and so may this, which pairs with no invoke.
  s.consume({first, second});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("two attempts open at once take no place until one ends", "[ordering][stream][resend]") {
  SECTION("the first to end is ok: its place") {
    ResendLog s;
    s.invoke("p1", 1);
    s.invoke("p1", 1);
    Record const first = s.ack("p1", 1, 0);
    s.fail("p1", 1);
    s.consume({first});
    testing::OrderingStreamed const got = stream_resent(s.history());
    CHECK(testing::anomaly_kinds(got).empty());
    CHECK_FALSE(got.loaded);
  }
  SECTION("the first fails: the second's place, checked against a send made meanwhile") {
    ResendLog s;
    s.invoke("p1", 1);
    s.invoke("p1", 1);  // Two open: either may be the one writer.
    s.invoke("p1", 2);
    Record const second = s.ack("p1", 2, 0);
    s.fail("p1", 1);                         // The first attempt of 1 failed...
    Record const first = s.ack("p1", 1, 1);  // ...so the second, sent before 2, wrote it above.
    s.consume({second, first});
    testing::OrderingStreamed const got = stream_resent(s.history());
    CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"reordered"});
    CHECK_FALSE(got.loaded);
  }
}

// A retried batch stored twice: messages 1 and 2 at offsets 0, 1 and again at 2, 3.
ResendLog stored_twice(bool read_second_first) {
  ResendLog s;
  s.invoke("p1", 1);
  s.invoke("p1", 2);
  s.consume("audit", {ResendLog::at(1, 0), ResendLog::at(2, 1)});
  s.ack("p1", 1, 2);
  s.ack("p1", 2, 3);
  std::vector<Record> again{ResendLog::at(1, 2), ResendLog::at(2, 3)};
  if (read_second_first) {
    // Spans [0, 2] and [1, 3] overlap: neither message comes first in the broker's order.
    s.add("billing-0", OpType::ok, OpKind::poll, "billing", {ResendLog::at(2, 1)});
    s.add("billing-0", OpType::ok, OpKind::process, "billing", {ResendLog::at(2, 1)});
    s.add("billing-0", OpType::ok, OpKind::poll, "billing", {ResendLog::at(1, 2)});
    s.add("billing-0", OpType::ok, OpKind::process, "billing", {ResendLog::at(1, 2)});
  } else {
    s.consume("billing", {ResendLog::at(1, 0), ResendLog::at(2, 1)});
  }
  s.consume("audit", again);
  return s;
}

TEST_CASE("a message stored twice streams in its consumers' order", "[ordering][stream][span]") {
  testing::OrderingStreamed const got = stream_resent(stored_twice(false).history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

TEST_CASE("messages stored twice with overlapping spans may be processed either way",
          "[ordering][stream][span]") {
  testing::OrderingStreamed const got = stream_resent(stored_twice(true).history());
  CHECK(testing::anomaly_count(got, "reordered") == 0);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a span overlapping other messages orders none of them", "[ordering][stream][span]") {
  ResendLog s;
  for (std::uint64_t id = 1; id <= 3; ++id) s.invoke("p1", id);
  s.ack("p1", 1, 0);
  s.ack("p1", 2, 1);
  s.ack("p1", 3, 2);
  s.consume("audit",
            {ResendLog::at(1, 0), ResendLog::at(2, 1), ResendLog::at(3, 2), ResendLog::at(1, 3)});
  // Message 1 spans [0, 3], over 2 and 3: billing may process it after them.
  s.consume("billing", {ResendLog::at(2, 1), ResendLog::at(3, 2), ResendLog::at(1, 3)});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_count(got, "reordered") == 0);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message stored twice processed after a later one is reordered",
          "[ordering][stream][span]") {
  ResendLog s;
  for (std::uint64_t id = 1; id <= 3; ++id) s.invoke("p1", id);
  s.ack("p1", 1, 0);
  s.ack("p1", 2, 1);
  s.ack("p1", 3, 3);
  s.consume("audit",
            {ResendLog::at(1, 0), ResendLog::at(2, 1), ResendLog::at(1, 2), ResendLog::at(3, 3)});
  // Message 1 spans [0, 2]: before 3 at offset 3, processed after it.
  s.consume("billing", {ResendLog::at(2, 1), ResendLog::at(1, 2), ResendLog::at(3, 3)},
            {ResendLog::at(2, 1), ResendLog::at(3, 3), ResendLog::at(1, 2)});
  CHECK(reordered_count(stream_resent(s.history())) == 1);
}

TEST_CASE("a second offset of a message held by another loads", "[ordering][stream][span]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.invoke("p1", 2);
  s.ack("p1", 1, 0);
  s.ack("p1", 2, 1);
  s.consume({ResendLog::at(1, 0), ResendLog::at(2, 1), ResendLog::at(1, 2), ResendLog::at(2, 0)});
  CHECK(stream_resent(s.history()).loaded);
}

// A retried batch stored three times (each retry's ack lost, the broker appending it again):
// messages 1 and 2 at offsets 0, 1, again at 2, 3 and at 4, 5, read in full by audit.
TEST_CASE("a message stored three times streams in its consumers' order",
          "[ordering][stream][span]") {
  ResendLog s;
  s.invoke("p1", 1);
  s.invoke("p1", 2);
  s.ack("p1", 1, 4);  // The third append's ack: its first claim.
  s.ack("p1", 2, 5);
  std::vector<Record> log;
  for (std::int64_t offset = 0; offset < 6; ++offset)
    log.push_back(ResendLog::at(1 + static_cast<std::uint64_t>(offset % 2), offset));
  s.consume("audit", log);
  s.consume("billing", {log[0], log[1]});
  s.consume("billing", {log[2], log[3], log[4], log[5]}, {});  // Read again, not processed.
  s.invoke("p1", 3);
  s.consume("billing", {s.ack("p1", 3, 6)});  // Sent after the batch: after [0, 4] and [1, 5].
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got).empty());
  CHECK_FALSE(got.loaded);
}

// Message 1 at offsets 0, 2 and 6 spans [0, 6]; 2..5 sit at 1, 3, 4, 5. With `six_first`,
// another consumer reads it at 6 first: 2 is then its third offset, else its second.
ResendLog stored_thrice_around(bool six_first = false) {
  ResendLog s;
  for (std::uint64_t id = 1; id <= 5; ++id) s.invoke("p1", id);
  s.ack("p1", 1, 0);
  s.ack("p1", 2, 1);
  for (std::uint64_t id = 3; id <= 5; ++id) s.ack("p1", id, static_cast<std::int64_t>(id));
  if (six_first) s.add("audit-1", OpType::ok, OpKind::poll, "audit", {ResendLog::at(1, 6)});
  s.consume("audit",
            {ResendLog::at(1, 0), ResendLog::at(2, 1), ResendLog::at(1, 2), ResendLog::at(3, 3),
             ResendLog::at(4, 4), ResendLog::at(5, 5), ResendLog::at(1, 6)});
  return s;
}

TEST_CASE("a span's middle offset inside a crossing is named for the second pass",
          "[ordering][stream][span]") {
  bool const six_first = GENERATE(false, true);
  ResendLog s = stored_thrice_around(six_first);
  // Billing processes 3 before 2: the range [1, 3] holds offset 2, which only message 1's
  // span names; 1 overlaps both, so 2 alone is reordered.
  s.consume("billing", {ResendLog::at(2, 1), ResendLog::at(1, 2), ResendLog::at(3, 3)},
            {ResendLog::at(3, 3), ResendLog::at(2, 1)});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(testing::anomaly_kinds(got) == std::vector<std::string>{"reordered"});
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a message stored three times processed after a later one is reordered",
          "[ordering][stream][span]") {
  ResendLog s;
  for (std::uint64_t id = 1; id <= 3; ++id) s.invoke("p1", id);
  s.ack("p1", 1, 2);
  s.ack("p1", 2, 3);
  s.ack("p1", 3, 4);
  std::vector<Record> const log{ResendLog::at(1, 0), ResendLog::at(1, 1), ResendLog::at(1, 2),
                                ResendLog::at(2, 3), ResendLog::at(3, 4)};
  s.consume("audit", log);
  // Message 1 spans [0, 2]: before 2 and 3, processed after both. Its first offset, 2, is the
  // ack's: the stream counts it there, inside the span.
  s.consume("billing", log, {log[3], log[4], log[1]});
  testing::OrderingStreamed const got = stream_resent(s.history());
  CHECK(reordered_count(got) == 1);
  CHECK_FALSE(got.loaded);
}

TEST_CASE("a third offset held by another message, or past the cap, loads",
          "[ordering][stream][span]") {
  SECTION("another's offset") {
    ResendLog s = stored_thrice_around();
    s.consume("billing", {ResendLog::at(1, 0), ResendLog::at(1, 4)});  // 4 is message 4's.
    CHECK(stream_resent(s.history()).loaded);
  }
  SECTION("its 65th offset") {
    ResendLog s;
    s.invoke("p1", 1);
    s.ack("p1", 1, 0);
    int const stored = GENERATE(64, 65);
    std::vector<Record> log;
    for (std::int64_t offset = 0; offset < stored; ++offset)
      log.push_back(ResendLog::at(1, offset));
    s.consume("audit", log);
    CHECK(stream_resent(s.history()).loaded == (stored > 64));
  }
}

// A truncation of the leader's log (ordering_stream_truncation.cpp) voids ack claims only.
// Message 1 is acknowledged at 5 and read at 7; a later send B acknowledged at 3 (another's
// ack claim there) truncates every ack claim from 3 up, so 1 sits at 7 alone. Billing then
// processes 1 before 4, stored at 6: reordered. Counting 1 at 5 would hide it. Sent once or
// resent (a failed attempt first, which marks it restated), read at 7 before B or after, and
// billing's records of it at 7 or with no offset (then nothing states 7 again after B).
TEST_CASE("a span whose first offset a truncation voids is not counted there",
          "[ordering][stream][span][truncation]") {
  bool const resent = GENERATE(false, true);
  bool const read_first = GENERATE(true, false);
  bool const billing_offset = GENERATE(true, false);
  ResendLog s;
  s.invoke("p1", 10);
  s.ack("p1", 10, 3);
  s.invoke("p1", 1);
  if (resent) {
    s.fail("p1", 1);
    s.invoke("p1", 1);
  }
  s.ack("p1", 1, 5);
  if (read_first) s.add("audit-0", OpType::ok, OpKind::poll, "audit", {ResendLog::at(1, 7)});
  s.invoke("p2", 20);
  s.ack("p2", 20, 3);  // Truncated from 3 up: 10's claim at 3 and 1's at 5 go.
  if (!read_first) s.add("audit-0", OpType::ok, OpKind::poll, "audit", {ResendLog::at(1, 7)});
  s.invoke("p3", 4);
  s.ack("p3", 4, 6);
  if (billing_offset) {
    s.consume("billing", {ResendLog::at(4, 6), ResendLog::at(1, 7)},
              {ResendLog::at(1, 7), ResendLog::at(4, 6)});
  } else {
    s.consume("billing", {ResendLog::at(4, 6)},
              {Record::of(MessageId{1}, "orders"), ResendLog::at(4, 6)});
  }
  testing::OrderingStreamed const got = stream_resent(s.history());
  CAPTURE(resent, read_first, billing_offset);
  CHECK(reordered_count(got) == 1);
  // Sent once and read after B, 1 lost its offset with its claim (take_back), and 7 is then
  // its first: exact, so it streams.
  CHECK(got.loaded == (resent || read_first));
}

// --- Random histories with a resend injected. ---

enum class Resent { after_fail, after_info, stored_again, stored_more };

bool ordered_topic(History const& h, std::string const& topic) {
  auto const found = h.header().ordering.find(topic);
  return found != h.header().ordering.end() && found->second != history::OrderingScope::none;
}

// Returns `h` with a resend of one of its messages sent by one single-record invoke to an
// ordered topic: an attempt that failed (or ended info) before it, or (stored_again) a second
// attempt acknowledged at a new offset of its partition after every other op, or (stored_more)
// two to four new offsets after every other op, some apart, each a resend's ack or read by a
// new consumer of a group subscribed to the topic.
std::optional<History> inject_resend(History const& h, SplitMix64& rng, Resent kind) {
  std::map<MessageId, std::vector<std::uint64_t>> invokes;
  for (Op const& op : h.ops())
    if (op.f == OpKind::send && op.type == OpType::invoke)
      for (Record const& r : op.value) invokes[r.id].push_back(op.index);
  std::vector<std::uint64_t> candidates;
  for (auto const& [id, at] : invokes) {
    Op const& op = h.ops()[at.front()];
    if (at.size() == 1 && op.value.size() == 1 && ordered_topic(h, op.value[0].topic))
      candidates.push_back(at.front());
  }
  if (candidates.empty()) return std::nullopt;
  Op const invoke = h.ops()[candidates[rng.below(candidates.size())]];
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  if (kind != Resent::stored_again) {
    Op ended = invoke;
    ended.type = kind == Resent::after_fail ? OpType::fail : OpType::info;
    ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(invoke.index), {invoke, ended});
    return testing::rebuild(h.header(), std::move(ops));
  }
  Record const& sent = invoke.value[0];
  std::optional<std::int32_t> partition;
  for (Op const& op : h.ops())
    if (op.type == OpType::ok && op.f == OpKind::send && op.value.size() == 1 &&
        op.value[0].id == sent.id)
      partition = op.value[0].partition;
  if (!partition) return std::nullopt;
  std::int64_t last = -1;
  for (Op const& op : h.ops())
    for (Record const& r : op.value)
      if (r.topic == sent.topic && r.partition == partition && r.offset)
        last = std::max(last, r.offset->value);
  auto const readers = h.header().subscriptions.find(sent.topic);
  bool const readable = readers != h.header().subscriptions.end() && !readers->second.empty();
  int const more = kind == Resent::stored_again ? 1 : 2 + static_cast<int>(rng.below(3));
  std::int64_t offset = last;
  for (int k = 0; k < more; ++k) {
    offset += kind == Resent::stored_again ? 1 : 1 + static_cast<std::int64_t>(rng.below(2));
    Op acked = invoke;
    acked.type = OpType::ok;
    acked.value[0].partition = partition;
    acked.value[0].offset = Offset{offset};
    if (kind == Resent::stored_more && readable && rng.below(2) == 0) {
      Op read = acked;
      read.process = "spans-0";
      read.f = OpKind::poll;
      read.group = *readers->second.begin();
      ops.push_back(read);
      continue;
    }
    ops.push_back(invoke);
    ops.push_back(acked);
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("random histories with a resend injected stream as check_ordering",
          "[ordering][stream][resend]") {
  int injected = 0;
  int loaded = 0;
  int stored_more = 0;  // Of those, messages stored at three offsets or more...
  int stored_more_loaded = 0;
  for (std::uint64_t seed = 1; seed <= soak(300); ++seed) {
    SplitMix64 rng(seed * 7919);
    testing::Shape shape = testing::random_shape(rng);
    if (seed % 2 == 0) shape.features = false;
    History const h = testing::random_valid_history(seed, shape);
    StreamStats stats;
    (void)check_ordering_stream(h.header(), ops_of(h), StreamOptions{}, &stats);
    bool const base_streams = stats.loaded_for.empty();
    for (Resent const kind :
         {Resent::after_fail, Resent::after_info, Resent::stored_again, Resent::stored_more}) {
      std::optional<History> const resent = inject_resend(h, rng, kind);
      if (!resent) continue;
      std::vector<Verdict> const whole = check_ordering(*resent);
      StreamStats got;
      INFO("seed " << seed << "\n" << history::to_jsonl(*resent));
      REQUIRE(check_ordering_stream(resent->header(), ops_of(*resent), StreamOptions{}, &got) ==
              whole);
      REQUIRE(check_ordering_stream(resent->header(), ops_of(*resent), StreamOptions{2}) == whole);
      if (!base_streams) continue;
      ++injected;
      if (got.loaded_for == "ordering") ++loaded;
      if (kind != Resent::stored_more) continue;
      ++stored_more;
      if (got.loaded_for == "ordering") ++stored_more_loaded;
    }
  }
  INFO("injected " << injected << ", loaded " << loaded);
  INFO("stored three times or more " << stored_more << ", loaded " << stored_more_loaded);
  CHECK(injected > static_cast<int>(soak(300)));
  CHECK(loaded * 4 < injected);  // Most stream in bounded memory.
  CHECK(stored_more * 4 > static_cast<int>(soak(300)));
  CHECK(stored_more_loaded * 4 < stored_more);
}

}  // namespace
}  // namespace mqcheck::checker
