// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/transactions_pipeline_stream_test.cpp (tests, layer: checker)
// Exactly-once-pipeline on the streaming path (checker/transactions_pipeline_stream.hpp):
// whenever the transactions stream decides, its verdicts must equal check_transactions' on
// random pipeline histories (valid, and edited so that some break), it must decide most valid
// ones, must doubt a duplicated or lost output, and must hold flat memory on a long pipeline.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/transactions.hpp"
#include "checker/transactions_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;
using testing::TxnHistoryBuilder;

struct PipeRun {
  bool decided = false;
  std::vector<Verdict> verdicts;
  std::size_t peak_bytes = 0;       // The whole stream's.
  std::size_t peak_pipe_bytes = 0;  // The pipeline pass's.
  std::size_t peak_live_bytes = 0;  // The whole stream's but ended transactions' names.
};

// `recent` bounds the recent names whose ending the stream keeps, and `recent_ids` the ids
// (TransactionsStream's constructor).
PipeRun stream_pipeline(History const& h, std::size_t recent = 64,
                        std::uint64_t recent_ids = std::uint64_t{1} << 16) {
  TransactionsStream stream(h.header(), recent, recent_ids);
  PipeRun run;
  for (Op const& op : h.ops()) {
    stream.observe(op);
    if ((op.index & 0x3ff) != 0) continue;
    run.peak_bytes = std::max(run.peak_bytes, stream.memory_bytes());
    run.peak_pipe_bytes = std::max(run.peak_pipe_bytes, stream.pipeline_memory_bytes());
    run.peak_live_bytes =
        std::max(run.peak_live_bytes, stream.memory_bytes() - stream.ended_memory_bytes());
  }
  run.peak_bytes = std::max(run.peak_bytes, stream.memory_bytes());
  run.peak_pipe_bytes = std::max(run.peak_pipe_bytes, stream.pipeline_memory_bytes());
  run.peak_live_bytes =
      std::max(run.peak_live_bytes, stream.memory_bytes() - stream.ended_memory_bytes());
  run.decided = stream.decided();
  if (run.decided) run.verdicts = stream.finish();
  return run;
}

bool has_pipeline(std::vector<Verdict> const& verdicts) {
  return std::any_of(verdicts.begin(), verdicts.end(),
                     [](Verdict const& v) { return v.guarantee == "exactly-once-pipeline"; });
}

// An edit the pipeline check notices: a dropped op (a lost output ack or commit), a repeated
// op (a second output, a second processing), an outcome changed, or an output sent again
// under a new id (a duplicate).
History edit_pipeline(History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  if (ops.empty()) return h;
  std::size_t const at = rng.below(ops.size());
  switch (rng.below(4)) {
    case 0:
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    case 1:
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(ops.size()) + 1), ops[at]);
      break;
    case 2:
      if (history::is_client_op(ops[at]) && ops[at].type != OpType::invoke)
        ops[at].type = rng.chance(0.5) ? OpType::fail : OpType::info;
      break;
    default:
      for (std::size_t i = at; i < ops.size(); ++i) {
        if (ops[i].f != OpKind::send || ops[i].value.empty() || !ops[i].value[0].source) continue;
        Op copy = ops[i];
        copy.value[0].id = MessageId{1'000'000};
        copy.type = OpType::ok;
        ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(i + 1), copy);
        break;
      }
      break;
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("streamed exactly-once-pipeline equals check_transactions on random histories",
          "[txn][stream][pipeline]") {
  int valid_pipelines = 0, valid_decided = 0, edited_decided = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    SplitMix64 rng(seed * 7919);
    testing::Shape shape = testing::random_shape(rng);
    shape.pipeline = true;
    shape.features = false;
    History const valid = testing::random_valid_history(seed, shape);
    History const edited = edit_pipeline(valid, rng);
    for (History const* h : {&valid, &edited}) {
      INFO("seed " << seed << (h == &valid ? " valid" : " edited") << "\n"
                   << history::to_jsonl(*h));
      std::vector<Verdict> const whole = check_transactions(*h);
      PipeRun const run = stream_pipeline(*h);
      if (run.decided) REQUIRE(run.verdicts == whole);
      if (h == &valid && has_pipeline(whole)) {
        ++valid_pipelines;
        valid_decided += run.decided ? 1 : 0;
      }
      if (h == &edited && run.decided && has_pipeline(whole)) ++edited_decided;
    }
  }
  // Most valid pipelines were proved in one pass (the rest: an output of unknown outcome).
  CHECK(valid_pipelines > 0);
  CHECK(valid_decided * 10 > valid_pipelines * 6);
  CHECK(edited_decided > 0);
}

// With the record of recent ids shrunk to 8 ids (and of names to one interval per
// generation), older ids are forgotten all the time: a late read or retry must then doubt,
// never decide wrongly; with no bound at all nothing is forgotten (the whole history's
// classes, as before the bound existed).
TEST_CASE("a stream that forgets old ids still equals check_transactions when it decides",
          "[txn][stream][pipeline]") {
  std::size_t constexpr unbounded = std::size_t{1} << 40;
  std::vector<std::size_t> const bounds = {unbounded, 64, 1};
  // Ids: a window far wider than the histories (2^20), the default one, and one page of 8 ids.
  std::vector<std::uint64_t> const id_bounds = {std::uint64_t{1} << 20, std::uint64_t{1} << 16, 8};
  std::vector<int> decided(bounds.size(), 0);
  int histories = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    SplitMix64 rng(seed * 7727);
    testing::Shape shape = testing::random_shape(rng);
    shape.pipeline = rng.chance(0.5);
    shape.transactions = true;
    shape.features = false;
    History const valid = testing::random_valid_history(seed, shape);
    History const edited = edit_pipeline(valid, rng);
    for (History const* h : {&valid, &edited}) {
      INFO("seed " << seed << "\n" << history::to_jsonl(*h));
      std::vector<Verdict> const whole = check_transactions(*h);
      ++histories;
      for (std::size_t b = 0; b < bounds.size(); ++b) {
        PipeRun const run = stream_pipeline(*h, bounds[b], id_bounds[b]);
        if (run.decided) REQUIRE(run.verdicts == whole);
        decided[b] += run.decided ? 1 : 0;
      }
    }
  }
  INFO("of " << histories << " decided: unbounded " << decided[0] << ", 64 " << decided[1] << ", 1 "
             << decided[2]);
  // Forgetting only turns decisions into doubts; small histories rarely reach 64 intervals.
  CHECK(decided[1] <= decided[0]);
  CHECK(decided[2] <= decided[1]);
  CHECK(decided[1] * 100 >= decided[0] * 95);
  CHECK(decided[2] > 0);
}

TEST_CASE("check_streaming's report on pipeline histories equals check_history",
          "[txn][stream][pipeline]") {
  int pipelines = 0, streamed = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(60); ++seed) {
    SplitMix64 rng(seed * 31);
    testing::Shape shape = testing::random_shape(rng);
    shape.pipeline = true;
    shape.features = false;
    History const h = edit_pipeline(testing::random_valid_history(seed, shape), rng);
    INFO("seed " << seed << "\n" << history::to_jsonl(h));
    int loads = 0;
    DeliveryReport const report = check_streaming(h.header(), ops_of(h), [&] {
      ++loads;
      return h;
    });
    REQUIRE(report == check_history(h));
    if (!has_pipeline(report.verdicts)) continue;
    ++pipelines;
    streamed += loads == 0 ? 1 : 0;
  }
  // Pipelines take the streaming path (no load) unless a stream doubts: most of them do.
  CHECK(pipelines > 0);
  CHECK(streamed * 3 > pipelines);
}

// A pipeline of `inputs` messages, one producer and partition, no failures; transactional
// (some transactions aborted, the input read again) or not.
History long_pipeline(int inputs, bool transactional = true) {
  testing::Shape shape;
  shape.producers = 1;
  shape.topics = 1;
  shape.partitions = 1;
  shape.groups = 0;
  shape.max_consumers = 1;
  shape.messages = inputs;
  shape.p_fail_send = 0;
  shape.p_info_send = 0;
  shape.p_crash = 0;
  shape.transactions = transactional;
  shape.pipeline = true;
  return testing::random_valid_history(17, shape);
}

// The pipeline pass's bytes are flat, and so are the visibility pass's beside it, although plain
// inputs and transactional outputs (some aborted) take turns in the id space, and the
// transformer's counted transaction names, one in five aborted, take turns between committed
// and aborted (both keep recent ones only: checker/transactions_ended.hpp).
TEST_CASE("the pipeline stream's memory is flat on a long pipeline", "[txn][stream][pipeline]") {
  for (bool const transactional : {false, true}) {
    PipeRun const small = stream_pipeline(long_pipeline(2'000, transactional));
    PipeRun const large =
        stream_pipeline(long_pipeline(mqcheck::testing::soak(20'000), transactional));
    INFO("transactional " << transactional << ", bytes " << small.peak_bytes << " -> "
                          << large.peak_bytes << ", live " << small.peak_live_bytes << " -> "
                          << large.peak_live_bytes << ", pipeline's " << small.peak_pipe_bytes
                          << " -> " << large.peak_pipe_bytes);
    REQUIRE(small.decided);
    REQUIRE(large.decided);
    REQUIRE(has_pipeline(large.verdicts));
    CHECK(large.peak_pipe_bytes <= small.peak_pipe_bytes + small.peak_pipe_bytes / 10);
    CHECK(large.peak_live_bytes <= small.peak_live_bytes + small.peak_live_bytes / 10);
    CHECK(large.peak_bytes <= small.peak_bytes + small.peak_bytes / 10);
  }
}

// `h` with each output sent again after its transaction aborted (the transformer processes the
// input again in its next transaction) renamed to the aborted output's id, everywhere: an
// application that derives output ids from its inputs.
History resend_outputs(History const& h) {
  std::set<std::string> aborted;
  for (Op const& op : h.ops())
    if (op.f == OpKind::txn_abort && !op.txn.empty()) aborted.insert(op.txn);
  std::map<std::pair<std::string, MessageId>, MessageId> dropped;  // (process, input) -> output.
  std::map<MessageId, MessageId> renamed;
  for (Op const& op : h.ops()) {
    if (op.f != OpKind::send || op.type != OpType::invoke || op.txn.empty()) continue;
    for (history::Record const& record : op.value) {
      if (!record.source) continue;
      auto const key = std::make_pair(op.process, *record.source);
      MessageId id = record.id;
      auto const earlier = dropped.find(key);
      if (earlier != dropped.end()) {
        if (earlier->second != id) renamed.emplace(id, earlier->second);
        id = earlier->second;
        dropped.erase(earlier);
      }
      if (aborted.contains(op.txn)) dropped.emplace(key, id);
    }
  }
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  std::set<MessageId> used;  // Then renumbered in order, so that the ids leave no gaps.
  for (Op& op : ops) {
    for (history::Record& record : op.value) {
      auto const to = renamed.find(record.id);
      if (to != renamed.end()) record.id = to->second;
      used.insert(record.id);
    }
  }
  std::map<MessageId, MessageId> dense;
  for (MessageId const id : used) dense.emplace(id, MessageId{dense.size()});
  for (Op& op : ops) {
    for (history::Record& record : op.value) {
      record.id = dense.at(record.id);
      if (record.source) record.source = dense.at(*record.source);
    }
  }
  return testing::rebuild(h.header(), std::move(ops));
}

TEST_CASE("random pipelines whose outputs are sent again under their ids equal check_transactions",
          "[txn][stream][pipeline][resend]") {
  int resent = 0, decided = 0, valid_decided = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(300); ++seed) {
    SplitMix64 rng(seed * 4099);
    testing::Shape shape = testing::random_shape(rng);
    shape.pipeline = true;
    shape.transactions = true;
    shape.features = false;
    History const valid = testing::random_valid_history(seed, shape);
    History const again = resend_outputs(valid);
    if (again == valid) continue;  // No transformer transaction aborted.
    ++resent;
    bool const valid_streams = stream_pipeline(valid).decided;
    for (bool const edit : {false, true}) {
      History const h = edit ? edit_pipeline(again, rng) : again;
      INFO("seed " << seed << "\n" << history::to_jsonl(h));
      PipeRun const run = stream_pipeline(h);
      if (run.decided) REQUIRE(run.verdicts == check_transactions(h));
      if (!edit && run.decided) ++decided;
      if (!edit && valid_streams) valid_decided += run.decided ? 1 : 0;
    }
  }
  INFO("resent " << resent << ", decided " << decided << ", of those whose fresh ids decide "
                 << valid_decided);
  CHECK(resent > 0);
  CHECK(decided * 10 > resent * 6);  // None decided before (session 16).
}

// Transformer xf (process xf-0) processes inputs 1 and 2 in t1 and sends outputs 101 and 102
// for them; t1 aborts (ended: `abort`, or left open by a crash) with 102's send in flight,
// which completes after the abort's invoke, with its source. t2 processes both again and sends
// the outputs again under the same ids (an application retrying the transaction), commits,
// and rc reads them.
TxnHistoryBuilder resent_pipeline(bool abort) {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"xf"}).subscribe("out", {"rc"});
  b.send(OpType::ok, "p0", {1});
  b.send(OpType::ok, "p0", {2});
  b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "t1");
  for (std::uint64_t const input : {1, 2}) {
    b.read(OpType::ok, OpKind::process, "xf", {input}, "t1");
    b.output(OpType::invoke, "xf-0", 100 + input, input, "t1");
  }
  b.output(OpType::ok, "xf-0", 101, 1, "t1");
  if (abort) b.txn(OpType::invoke, OpKind::txn_abort, "xf-0", "t1");
  b.output(abort ? OpType::ok : OpType::info, "xf-0", 102, 2, "t1");
  if (abort) b.txn(OpType::ok, OpKind::txn_abort, "xf-0", "t1");
  b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "t2");
  for (std::uint64_t const input : {1, 2}) {
    b.read(OpType::ok, OpKind::process, "xf", {input}, "t2");
    b.output(OpType::invoke, "xf-0", 100 + input, input, "t2");
    b.output(OpType::ok, "xf-0", 100 + input, input, "t2");
  }
  b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "t2");
  b.txn(OpType::ok, OpKind::txn_commit, "xf-0", "t2");
  b.read(OpType::ok, OpKind::process, "rc", {101, 102}, "", "out");
  return b;
}

// Returns the stream's run on `h`, having checked that it equals check_transactions if it
// decided.
PipeRun resent_run(History const& h) {
  INFO(history::to_jsonl(h));
  PipeRun const run = stream_pipeline(h);
  if (run.decided) REQUIRE(run.verdicts == check_transactions(h));
  return run;
}

TEST_CASE("a pipeline output sent again after its transaction aborted streams",
          "[txn][stream][pipeline][resend]") {
  SECTION("aborted, its late attempt with a source, sent again: decided, valid") {
    History const h = resent_pipeline(true).history();
    PipeRun const run = resent_run(h);
    CHECK(run.decided);
    CHECK(check_transactions(h).back().validity == Validity::valid);
  }
  SECTION("left open by a crash, drained: decided, valid") {
    History const h = resent_pipeline(false).history();
    CHECK(resent_run(h).decided);
    CHECK(check_transactions(h).back().validity == Validity::valid);
  }
  SECTION("left open, not drained (t1 may still commit): a doubt") {
    TxnHistoryBuilder b = resent_pipeline(false);
    b.drained(false);
    CHECK_FALSE(resent_run(b.history()).decided);
    CHECK(check_transactions(b.history()).back().validity == Validity::unknown);
  }
  SECTION("t1 commits after all: duplicated outputs, a doubt") {
    TxnHistoryBuilder b = resent_pipeline(false);
    b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "t1");
    b.txn(OpType::ok, OpKind::txn_commit, "xf-0", "t1");
    CHECK_FALSE(resent_run(b.history()).decided);
    CHECK(check_transactions(b.history()).back().validity == Validity::invalid);
  }
  SECTION("t1's commit invoked after all, never completed (unknown): a doubt") {
    TxnHistoryBuilder b = resent_pipeline(false);
    b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "t1");
    CHECK_FALSE(resent_run(b.history()).decided);
    CHECK(check_transactions(b.history()).back().validity == Validity::unknown);
  }
  SECTION("t1 aborts after t2 sent them again: decided") {
    TxnHistoryBuilder b = resent_pipeline(false);
    b.txn(OpType::ok, OpKind::txn_abort, "xf-0", "t1");
    CHECK(resent_run(b.history()).decided);
  }
  SECTION("a late attempt of t1 after t2 sent it again: a doubt") {
    TxnHistoryBuilder b = resent_pipeline(true);
    b.output(OpType::fail, "xf-0", 101, 1, "t1");
    CHECK_FALSE(resent_run(b.history()).decided);
  }
}

// The same with the outputs of aborted transactions sent again under their ids: what the
// stream keeps of the messages sent again is bounded (the places of the latest few hundred).
TEST_CASE("the stream's memory is flat on a long pipeline that sends outputs again",
          "[txn][stream][pipeline][resend]") {
  PipeRun const small = stream_pipeline(resend_outputs(long_pipeline(2'000)));
  PipeRun const large =
      stream_pipeline(resend_outputs(long_pipeline(mqcheck::testing::soak(20'000))));
  INFO("bytes " << small.peak_bytes << " -> " << large.peak_bytes << ", live "
                << small.peak_live_bytes << " -> " << large.peak_live_bytes);
  REQUIRE(small.decided);
  REQUIRE(large.decided);
  CHECK(large.peak_live_bytes <= small.peak_live_bytes + small.peak_live_bytes / 10);
  CHECK(large.peak_bytes <= small.peak_bytes + small.peak_bytes / 10);
}

TEST_CASE("a second committed output, or none, makes the pipeline stream doubt",
          "[txn][stream][pipeline]") {
  History const valid = long_pipeline(40);
  REQUIRE(stream_pipeline(valid).decided);
  std::vector<Op> ops(valid.ops().begin(), valid.ops().end());
  // The acknowledgement of an output whose transaction commits.
  auto const output = std::find_if(ops.begin(), ops.end(), [&](Op const& op) {
    return op.f == OpKind::send && op.type == OpType::ok && !op.value.empty() &&
           op.value[0].topic == "out" && std::any_of(ops.begin(), ops.end(), [&](Op const& end) {
             return end.f == OpKind::txn_commit && end.type == OpType::ok && end.txn == op.txn;
           });
  });
  REQUIRE(output != ops.end());
  SECTION("duplicated") {
    Op second = *output;
    second.value[0].id = MessageId{1'000'000};
    second.value[0].source = output[-1].value[0].source;
    ops.insert(output + 1, second);
  }
  SECTION("lost") {
    ops.erase(output - 1, output + 1);  // Its invoke and ok: the input has no output.
  }
  History const broken = testing::rebuild(valid.header(), std::move(ops));
  std::vector<Verdict> const whole = check_transactions(broken);
  REQUIRE(has_pipeline(whole));
  CHECK(whole.back().validity == Validity::invalid);
  CHECK_FALSE(stream_pipeline(broken).decided);
}

// A transformer crashed while committing (the pipeline scenario's crash at seeds 58 and 94):
// xf-0 processes inputs 1 and 2 in t1, sends outputs 101 (ok, at out/0 offset 1) and 102
// (info); t1's commit ends info, its status unknown (transactions_table.cpp, resolve). The
// restarted xf-0 processes both again in t2 and, if `resend`, sends the outputs again under
// their ids (at offsets 11 and 12), commits, and rc reads them at t2's places (if `read`).
TxnHistoryBuilder crash_pipeline(bool resend = true, bool read = true) {
  TxnHistoryBuilder b;
  b.read_committed("rc").subscribe("orders", {"xf"}).subscribe("out", {"rc", "audit"});
  b.send(OpType::ok, "p0", {1});
  b.send(OpType::ok, "p0", {2});
  b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "t1");
  b.read(OpType::ok, OpKind::process, "xf", {1}, "t1");
  b.output(OpType::invoke, "xf-0", 101, 1, "t1");
  b.output(OpType::ok, "xf-0", 101, 1, "t1");
  b.read(OpType::ok, OpKind::process, "xf", {2}, "t1");
  b.output(OpType::invoke, "xf-0", 102, 2, "t1");
  b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "t1");
  b.output(OpType::info, "xf-0", 102, 2, "t1");
  b.txn(OpType::info, OpKind::txn_commit, "xf-0", "t1");
  b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "t2");
  for (std::uint64_t const input : {1, 2}) {
    b.read(OpType::ok, OpKind::process, "xf", {input}, "t2");
    if (!resend) continue;
    b.output(OpType::invoke, "xf-0", 100 + input, input, "t2");
    b.output(OpType::ok, "xf-0", 100 + input, input, "t2");
  }
  b.txn(OpType::invoke, OpKind::txn_commit, "xf-0", "t2");
  b.txn(OpType::ok, OpKind::txn_commit, "xf-0", "t2");
  if (!resend || !read) return b;
  b.read_at(OpType::ok, OpKind::process, "rc", 101, 0, 11, "out");
  b.read_at(OpType::ok, OpKind::process, "rc", 102, 0, 12, "out");
  return b;
}

// `h` with its ok output sends placed at partition 0: t1's at offset id - 100, t2's at
// id - 90 (`t2_offset` moves t2's first one).
History crash_placed(History const& h, std::int64_t t2_offset = 11) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  for (Op& op : ops) {
    if (op.f != OpKind::send || op.type != OpType::ok || op.value.size() != 1) continue;
    history::Record& record = op.value.front();
    if (!record.source) continue;
    auto const id = static_cast<std::int64_t>(record.id.value);
    record.partition = 0;
    record.offset = Offset{op.txn == "t1" ? id - 100 : id == 101 ? t2_offset : id - 90};
  }
  return testing::rebuild(h.header(), std::move(ops));
}

// The stream's run on `h`, checked against check_transactions when it decides.
PipeRun crash_run(History const& h) {
  INFO(history::to_jsonl(h));
  PipeRun const run = stream_pipeline(h);
  if (run.decided) REQUIRE(run.verdicts == check_transactions(h));
  return run;
}

std::string const crash_uncertain_2 =
    "uncertain: 2 inputs with an output whose send or transaction outcome is unknown";

TEST_CASE("a transformer crashed while committing, its outputs sent again, streams",
          "[txn][stream][pipeline][crash]") {
  SECTION("read at the new places: decided, the pipeline uncertain") {
    History const h = crash_placed(crash_pipeline().history());
    PipeRun const run = crash_run(h);
    REQUIRE(run.decided);
    CHECK(run.verdicts.back().validity == Validity::unknown);
    CHECK(run.verdicts.back().reason == crash_uncertain_2);
    CHECK(run.verdicts.front().validity == Validity::valid);
    int loads = 0;  // The whole check streams too, and equals check_history.
    DeliveryReport const report = check_streaming(h.header(), ops_of(h), [&] {
      ++loads;
      return h;
    });
    CHECK(report == check_history(h));
    CHECK(loads == 0);
  }
  SECTION("not read: decided") {
    CHECK(crash_run(crash_placed(crash_pipeline(true, false).history())).decided);
  }
  SECTION("never sent again: decided, the pipeline uncertain") {
    PipeRun const run = crash_run(crash_placed(crash_pipeline(false).history()));
    REQUIRE(run.decided);
    CHECK(run.verdicts.back().reason == crash_uncertain_2);
  }
  SECTION("rc read t1's copies after its commit request: decided, maybe read") {
    TxnHistoryBuilder b = crash_pipeline(false);
    b.read_at(OpType::ok, OpKind::process, "rc", 101, 0, 1, "out");
    PipeRun const run = crash_run(crash_placed(b.history()));
    REQUIRE(run.decided);
    CHECK(run.verdicts.front().validity == Validity::unknown);
    CHECK(run.verdicts.front().reason ==
          "commit outcome unknown (txn-commit info): 1 message read by a read_committed group "
          "after the commit request");
  }
  SECTION("rc read t1's copy, then t2 sent it again there: a doubt") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("out", {"rc"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 101, "t1", 0, 1, "out");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
    b.read_at(OpType::ok, OpKind::poll, "rc", 101, 0, 7, "out");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.sent_at(OpType::ok, "p1", 101, "t2", 0, 7, "out");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    CHECK_FALSE(crash_run(b.history()).decided);
    CHECK(check_transactions(b.history()).front().validity == Validity::invalid);
  }
  SECTION("a read without an offset: a doubt") {
    TxnHistoryBuilder b = crash_pipeline();
    b.read(OpType::ok, OpKind::poll, "rc", {101}, "", "out");
    CHECK_FALSE(crash_run(crash_placed(b.history())).decided);
  }
  SECTION("a read at t1's place: a doubt (maybe)") {
    TxnHistoryBuilder b = crash_pipeline();
    b.read_at(OpType::ok, OpKind::poll, "rc", 101, 0, 1, "out");
    History const h = crash_placed(b.history());
    CHECK_FALSE(crash_run(h).decided);
    CHECK(check_transactions(h).front().validity == Validity::unknown);
  }
  SECTION("t2 acknowledged at t1's place, read there: a doubt") {
    History const h = crash_placed(crash_pipeline().history(), 1);
    std::vector<Op> ops(h.ops().begin(), h.ops().end());
    for (Op& op : ops)
      if (op.group == "rc" && op.value.front().id == MessageId{101})
        op.value.front().offset = Offset{1};
    CHECK_FALSE(crash_run(testing::rebuild(h.header(), std::move(ops))).decided);
  }
  SECTION("a read_uncommitted read without an offset: a doubt (maybe, not counted)") {
    TxnHistoryBuilder b = crash_pipeline();
    b.read(OpType::ok, OpKind::poll, "audit", {101}, "", "out");
    CHECK_FALSE(crash_run(crash_placed(b.history())).decided);
  }
  SECTION("a read_uncommitted read at t2's place before its commit: counted, decided") {
    History const h = crash_placed(crash_pipeline(true, false).history());
    std::vector<Op> ops(h.ops().begin(), h.ops().end());
    auto const commit = std::find_if(ops.begin(), ops.end(), [](Op const& op) {
      return op.f == OpKind::txn_commit && op.txn == "t2";
    });
    Op read;
    read.type = OpType::ok;
    read.f = OpKind::poll;
    read.process = "audit-0";
    read.group = "audit";
    read.value = {history::Record::of(MessageId{101}, "out", Offset{11}, 0)};
    ops.insert(commit, read);
    History const edited = testing::rebuild(h.header(), std::move(ops));
    PipeRun const run = crash_run(edited);
    REQUIRE(run.decided);
    CHECK(run.verdicts.front().reason.find("read_uncommitted group audit read 1") !=
          std::string::npos);
  }
  SECTION("t1's commit ok comes later: a doubt (duplicated)") {
    TxnHistoryBuilder b = crash_pipeline();
    b.txn(OpType::ok, OpKind::txn_commit, "xf-0", "t1");
    History const h = crash_placed(b.history());
    CHECK_FALSE(crash_run(h).decided);
    CHECK(check_transactions(h).back().validity == Validity::invalid);
  }
  SECTION("t1 aborted later: a doubt") {
    TxnHistoryBuilder b = crash_pipeline();
    b.txn(OpType::ok, OpKind::txn_abort, "xf-0", "t1");
    CHECK_FALSE(crash_run(crash_placed(b.history())).decided);
  }
  SECTION("t2 aborts: a doubt") {
    History const h = crash_placed(crash_pipeline(true, false).history());
    std::vector<Op> ops(h.ops().begin(), h.ops().end());
    for (Op& op : ops)
      if (op.txn == "t2" && op.f == OpKind::txn_commit) op.f = OpKind::txn_abort;
    CHECK_FALSE(crash_run(testing::rebuild(h.header(), std::move(ops))).decided);
  }
  SECTION("sent a third time while t2 is open, read where t1 and t3 were: a doubt") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("out", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 101, "t1", 0, 1, "out");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.sent_at(OpType::ok, "p1", 101, "t2", 0, 2, "out");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t3");
    b.sent_at(OpType::ok, "p1", 101, "t3", 0, 1, "out");
    b.read_at(OpType::ok, OpKind::poll, "audit", 101, 0, 1, "out");  // Maybe: not counted.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t3");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t3");
    CHECK_FALSE(crash_run(b.history()).decided);
  }
  SECTION("audit read t1's copy where t2 is acknowledged later: a doubt (precommitted)") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("out", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 101, "t1", 0, 1, "out");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
    b.read_at(OpType::ok, OpKind::poll, "audit", 101, 0, 5, "out");  // Pinned to t2's copy.
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.sent_at(OpType::ok, "p1", 101, "t2", 0, 5, "out");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    CHECK_FALSE(crash_run(b.history()).decided);
  }
  SECTION("a late acknowledgement of an aborted transaction at t2's place: a doubt") {
    TxnHistoryBuilder b;
    b.read_committed("rc").subscribe("out", {"rc", "audit"});
    b.txn(OpType::ok, OpKind::txn_begin, "p0", "t0");
    b.txn(OpType::ok, OpKind::txn_abort, "p0", "t0");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t1");
    b.sent_at(OpType::ok, "p1", 101, "t1", 0, 1, "out");
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::info, OpKind::txn_commit, "p1", "t1");
    b.txn(OpType::ok, OpKind::txn_begin, "p1", "t2");
    b.sent_at(OpType::ok, "p1", 101, "t2", 0, 2, "out");
    b.sent_at(OpType::ok, "p0", 101, "t0", 0, 2, "out");             // A copy of t0 there.
    b.read_at(OpType::ok, OpKind::poll, "audit", 101, 0, 2, "out");  // Maybe: not counted.
    b.txn(OpType::invoke, OpKind::txn_commit, "p1", "t2");
    b.txn(OpType::ok, OpKind::txn_commit, "p1", "t2");
    CHECK_FALSE(crash_run(b.history()).decided);
  }
  SECTION("sent a third time: a doubt") {
    TxnHistoryBuilder b = crash_pipeline(true, false);
    b.txn(OpType::ok, OpKind::txn_begin, "xf-0", "t3");
    b.output(OpType::invoke, "xf-0", 101, 1, "t3");
    CHECK_FALSE(crash_run(crash_placed(b.history())).decided);
  }
  SECTION("t1's commit did not end info (left open): a doubt") {
    History const h = crash_placed(crash_pipeline().history());
    std::vector<Op> ops;
    for (Op const& op : h.ops())
      if (!(op.txn == "t1" && op.f == OpKind::txn_commit && op.type == OpType::info))
        ops.push_back(op);
    CHECK_FALSE(crash_run(testing::rebuild(h.header(), std::move(ops))).decided);
  }
}

}  // namespace
}  // namespace mqcheck::checker
