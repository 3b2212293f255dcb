// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_txn_stream_test.cpp (tests, layer: checker)
// The streaming ordering pass across aborted transactions: a read_committed consumer jumps the
// offsets aborted data holds (KIP-98), and any consumer jumps a message an ok txn-abort named,
// as check_offsets allows. The stream accepts such a gap once the abort is known and must
// answer as check_ordering does on every history: random transactional histories whose topic
// "tx" promises partition order, their mutations (an abort moved after the reads, a commit
// after an abort, an abort turned into a commit, isolation dropped), and hand-written ones.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
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

// Streams `h` at several settle delays; each answer must be check_ordering's, and
// check_streaming's report check_history's. Returns the passes at the longest delay.
std::uint64_t txn_stream_passes(History const& h, std::uint64_t seed = 0) {
  std::vector<Verdict> const whole = check_ordering(h);
  std::uint64_t passes = 0;
  for (std::uint64_t const delay :
       {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{64}, std::uint64_t{1} << 16}) {
    StreamStats stats;
    std::vector<Verdict> const streamed =
        check_ordering_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("seed " << seed << ", settle delay " << delay << "\n" << history::to_jsonl(h));
    REQUIRE(streamed == whole);
    DeliveryReport const full = check_streaming(
        h.header(), ops_of(h), [&] { return h; }, {}, StreamOptions{delay});
    REQUIRE(full == check_history(h));
    passes = stats.passes;
  }
  return passes;
}

// A partition-ordered topic "tx" read by group rc (read_committed unless `plain`) and, with
// `plain_group`, by group "plain" too (read_uncommitted), written in transactions, built op by
// op.
class TxnOrders {
 public:
  explicit TxnOrders(bool plain = false, bool plain_group = false) {
    header_.drained = true;
    header_.ordering = {{"tx", history::OrderingScope::partition}};
    header_.subscriptions = {{"tx", {"rc"}}};
    if (plain_group) header_.subscriptions["tx"].push_back("plain");
    if (!plain) header_.groups["rc"].isolation = history::GroupSpec::Isolation::read_committed;
    history_ = History(header_);
  }
  History const& history() const { return history_; }

  void add(std::string process, OpType type, OpKind f, std::vector<Record> records,
           std::string txn = "", std::string group = "") {
    Op op;
    op.time = SimTimeUs{++time_};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.txn = std::move(txn);
    op.value = std::move(records);
    history_.append(std::move(op));
  }
  // Message `id` sent and stored at `offset` of partition 0 in transaction `txn`.
  void send(std::uint64_t id, std::int64_t offset, std::string const& txn) {
    add("p", OpType::invoke, OpKind::send, {Record::of(MessageId{id}, "tx")}, txn);
    add("p", OpType::ok, OpKind::send, {Record::of(MessageId{id}, "tx", Offset{offset}, 0)}, txn);
  }
  void end(std::string const& txn, OpKind f, OpType type = OpType::ok) {
    add("p", OpType::invoke, f, {}, txn);
    add("p", type, f, {}, txn);
  }
  // Messages 1, 2 and 3 at offsets 0, 1 and 2, each in a transaction of its own (p/1, p/2,
  // p/3); p/2 aborts, the others commit.
  void aborted_between_commits() {
    send(1, 0, "p/1");
    end("p/1", OpKind::txn_commit);
    send(2, 1, "p/2");
    end("p/2", OpKind::txn_abort);
    send(3, 2, "p/3");
    end("p/3", OpKind::txn_commit);
  }
  // `group`-0 polls and processes message `id` at `offset`.
  void read(std::uint64_t id, std::int64_t offset, std::string const& group = "rc") {
    Record const r = Record::of(MessageId{id}, "tx", Offset{offset}, 0);
    add(group + "-0", OpType::ok, OpKind::poll, {r}, "", group);
    add(group + "-0", OpType::ok, OpKind::process, {r}, "", group);
  }

 private:
  history::Header header_;
  History history_{history::Header{}};
  std::int64_t time_ = 0;
};

std::vector<Verdict> ordering_of(History const& h) { return check_ordering(h); }

TEST_CASE("a read_committed consumer jumping aborted data streams in one pass, valid",
          "[ordering][stream][txn]") {
  TxnOrders t;
  t.send(1, 0, "p/1");
  t.end("p/1", OpKind::txn_commit);
  t.send(2, 1, "p/2");
  t.send(3, 2, "p/2");
  t.end("p/2", OpKind::txn_abort);
  t.send(4, 3, "p/3");
  t.end("p/3", OpKind::txn_commit);
  t.read(1, 0);
  t.read(4, 3);  // Jumps offsets 1 and 2: aborted data.
  CHECK(txn_stream_passes(t.history()) == 1);
  std::vector<Verdict> const verdicts = ordering_of(t.history());
  REQUIRE(verdicts.size() == 1);
  CHECK(verdicts[0].validity == Validity::valid);
}

TEST_CASE("a failed commit makes aborted data too", "[ordering][stream][txn]") {
  TxnOrders t;
  t.send(1, 0, "p/1");
  t.end("p/1", OpKind::txn_commit);
  t.send(2, 1, "p/2");
  t.end("p/2", OpKind::txn_commit, OpType::fail);
  t.send(3, 2, "p/3");
  t.end("p/3", OpKind::txn_commit);
  t.read(1, 0);
  t.read(3, 2);
  CHECK(txn_stream_passes(t.history()) == 1);
  CHECK(ordering_of(t.history())[0].validity == Validity::valid);
}

TEST_CASE("jumping a committed message is a poll-skip, found by the gaps' second pass",
          "[ordering][stream][txn]") {
  TxnOrders t;
  t.aborted_between_commits();
  t.send(4, 3, "p/4");
  t.end("p/4", OpKind::txn_commit);
  t.read(1, 0);
  t.read(4, 3);  // Jumps 1 (aborted) and 2 (committed).
  CHECK(txn_stream_passes(t.history()) == 2);
  std::vector<Verdict> const verdicts = ordering_of(t.history());
  REQUIRE(verdicts.size() == 1);
  REQUIRE(verdicts[0].anomalies.size() == 1);
  CHECK(verdicts[0].anomalies[0].kind == "poll-skip");
  CHECK(verdicts[0].anomalies[0].message == MessageId{3});
}

TEST_CASE("a group that is not read_committed may not jump aborted data",
          "[ordering][stream][txn]") {
  for (bool const beside : {false, true}) {  // With or without a read_committed group beside.
    TxnOrders t(/*plain=*/!beside, /*plain_group=*/beside);
    std::string const group = beside ? "plain" : "rc";
    t.aborted_between_commits();
    if (beside) {
      t.read(1, 0);
      t.read(3, 2);  // rc jumps offset 1: no anomaly.
    }
    t.read(1, 0, group);
    t.read(3, 2, group);
    INFO("beside a read_committed group: " << beside);
    CHECK(txn_stream_passes(t.history()) == 2);
    REQUIRE(ordering_of(t.history())[0].anomalies.size() == 1);
    CHECK(ordering_of(t.history())[0].anomalies[0].kind == "poll-skip");
    CHECK(ordering_of(t.history())[0].anomalies[0].group == group);
  }
}

TEST_CASE("any group may jump a message an ok txn-abort named", "[ordering][stream][txn]") {
  TxnOrders t(/*plain=*/true);
  t.send(1, 0, "p/1");
  t.end("p/1", OpKind::txn_commit);
  t.send(2, 1, "p/2");
  t.add("p", OpType::invoke, OpKind::txn_abort, {Record::of(MessageId{2}, "tx")}, "p/2");
  t.add("p", OpType::ok, OpKind::txn_abort, {Record::of(MessageId{2}, "tx")}, "p/2");
  t.send(3, 2, "p/3");
  t.end("p/3", OpKind::txn_commit);
  t.read(1, 0);
  t.read(3, 2);
  CHECK(txn_stream_passes(t.history()) == 1);
  CHECK(ordering_of(t.history())[0].validity == Validity::valid);
}

TEST_CASE("a read past aborted data before the abort is known takes a second pass, same verdict",
          "[ordering][stream][txn]") {
  TxnOrders t;
  t.send(1, 0, "p/1");
  t.end("p/1", OpKind::txn_commit);
  t.send(2, 1, "p/2");
  t.send(3, 2, "p/3");
  t.end("p/3", OpKind::txn_commit);
  t.read(1, 0);
  t.read(3, 2);  // Offset 1's transaction has not ended yet.
  t.end("p/2", OpKind::txn_abort);
  CHECK(txn_stream_passes(t.history()) == 2);
  CHECK(ordering_of(t.history())[0].validity == Validity::valid);
}

TEST_CASE("a commit after an abort doubts: the offsets were committed data after all",
          "[ordering][stream][txn]") {
  TxnOrders t;
  t.aborted_between_commits();
  t.read(1, 0);
  t.read(3, 2);
  t.end("p/2", OpKind::txn_commit);  // Kafka refuses it; the whole-history table says committed.
  CHECK(txn_stream_passes(t.history()) == 2);
  REQUIRE(ordering_of(t.history())[0].anomalies.size() == 1);
  CHECK(ordering_of(t.history())[0].anomalies[0].kind == "poll-skip");
}

TEST_CASE("an abort after a commit leaves the offsets committed data", "[ordering][stream][txn]") {
  TxnOrders t;
  t.send(1, 0, "p/1");
  t.end("p/1", OpKind::txn_commit);
  t.send(2, 1, "p/2");
  t.end("p/2", OpKind::txn_commit);
  t.send(3, 2, "p/2");  // A send in the committed transaction, then its abort.
  t.end("p/2", OpKind::txn_abort);
  t.send(4, 3, "p/4");
  t.end("p/4", OpKind::txn_commit);
  t.read(1, 0);
  t.read(2, 1);
  t.read(4, 3);  // Jumps offset 2: committed (the commit ok wins).
  CHECK(txn_stream_passes(t.history()) == 2);
  REQUIRE(ordering_of(t.history())[0].anomalies.size() == 1);
  CHECK(ordering_of(t.history())[0].anomalies[0].message == MessageId{3});
}

// A long history of one-message transactions, one in five aborted: the stream decides it in
// one pass and its memory does not grow with the length (the aborted offsets are pruned).
History long_aborts(std::uint64_t messages) {
  TxnOrders t;
  std::vector<std::pair<std::uint64_t, std::int64_t>> committed;
  for (std::uint64_t id = 1; id <= messages; ++id) {
    std::string const txn = "p/" + std::to_string(id);
    auto const offset = static_cast<std::int64_t>(id - 1);
    t.send(id, offset, txn);
    bool const abort = id % 5 == 0;
    t.end(txn, abort ? OpKind::txn_abort : OpKind::txn_commit);
    if (!abort) committed.emplace_back(id, offset);
    if (committed.size() > 40) {  // Read 40 messages behind.
      t.read(committed.front().first, committed.front().second);
      committed.erase(committed.begin());
    }
  }
  for (auto const& [id, offset] : committed) t.read(id, offset);
  return t.history();
}

TEST_CASE("many aborted transactions stream in flat memory", "[ordering][stream][txn]") {
  auto const peak = [](std::uint64_t messages) {
    History const h = long_aborts(messages);
    StreamStats stats;
    CHECK(check_ordering_stream(h.header(), ops_of(h), StreamOptions{64}, &stats) ==
          check_ordering(h));
    CHECK(stats.passes == 1);
    return stats.memory_peak_bytes;
  };
  std::size_t const small = peak(mqcheck::testing::soak(2'000));
  std::size_t const large = peak(mqcheck::testing::soak(20'000));
  INFO("bytes " << small << " / " << large);
  CHECK(large < small + small / 4);
}

// One random edit that moves transactions' ends about.
History txn_mutate(History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  std::vector<std::size_t> ends;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (ops[i].f == OpKind::txn_abort || ops[i].f == OpKind::txn_commit) ends.push_back(i);
  if (ends.empty()) return h;
  std::size_t const at = ends[rng.below(ends.size())];
  switch (rng.below(5)) {
    case 0: {  // The end comes last: reads past its data came first.
      Op const moved = ops[at];
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(at));
      ops.push_back(moved);
      break;
    }
    case 1:  // A commit after an abort (or a second one).
      ops.push_back(ops[at]);
      ops.back().f = OpKind::txn_commit;
      ops.back().type = OpType::ok;
      break;
    case 2:  // An abort turned commit, or a commit turned abort.
      ops[at].f = ops[at].f == OpKind::txn_abort ? OpKind::txn_commit : OpKind::txn_abort;
      break;
    case 3:  // A failed commit.
      ops[at].f = OpKind::txn_commit;
      if (ops[at].type == OpType::ok) ops[at].type = OpType::fail;
      break;
    default: {  // The abort names the messages of its transaction.
      for (Op const& op : h.ops())
        if (op.f == OpKind::send && op.type == OpType::ok && op.txn == ops[at].txn)
          for (Record const& r : op.value) ops[at].value.push_back(Record::of(r.id, r.topic));
      ops[at].f = OpKind::txn_abort;
      break;
    }
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("the stream equals check_ordering on random histories with aborted transactions",
          "[ordering][stream][txn]") {
  int one_pass_with_aborts = 0;
  int doubted = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(400); ++seed) {
    SplitMix64 rng(seed * 7919);
    testing::Shape shape = testing::random_shape(rng);
    shape.transactions = true;
    shape.messages = rng.between(8, 40);
    History h = testing::random_valid_history(seed, shape);
    h.header().ordering["tx"] = history::OrderingScope::partition;
    if (seed % 7 == 0) h.header().groups["rc"].isolation = history::GroupSpec::Isolation{};
    h = testing::rebuild(h.header(), std::vector<Op>(h.ops().begin(), h.ops().end()));
    bool const aborts = std::any_of(h.ops().begin(), h.ops().end(), [](Op const& op) {
      return op.f == OpKind::txn_abort && op.type == OpType::ok;
    });
    std::uint64_t const passes = txn_stream_passes(h, seed);
    one_pass_with_aborts += passes == 1 && aborts && seed % 7 != 0;
    History const edited = txn_mutate(h, rng);
    doubted += txn_stream_passes(edited, seed) == 2;
  }
  INFO("one pass with aborts " << one_pass_with_aborts << ", edited and doubted " << doubted);
  CHECK(one_pass_with_aborts > static_cast<int>(mqcheck::testing::soak(400) / 4));
  CHECK(doubted > 0);
}

}  // namespace
}  // namespace mqcheck::checker
