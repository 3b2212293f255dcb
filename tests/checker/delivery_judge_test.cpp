// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/delivery_judge_test.cpp (tests, layer: checker)
// The verdicts-only delivery judgement (checker::judge_stream, DeliveryStream::judge, what the
// explorer keeps of a settle) against the full report: the same validities, present and
// promised bits on random histories and their mutations, under random headers (drained or not,
// allowed anomaly kinds, promises, guarantees asked for); and a stream reset between
// histories (DeliveryStream::reset, checker::StreamJudge) judges each as a new one would,
// whatever came before: the histories reuse the same message ids, names and transactions, so
// a field reset() forgot would carry into the next one.
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpType;
using testing::HistoryBuilder;
using testing::SplitMix64;

// Up to three random edits a delivery checker notices (testing::delivery_edited).
History edited(History const& h, SplitMix64& rng) { return testing::delivery_edited(h, rng, 0); }

// The header's word varied: drained or not, a random set of allowed anomaly kinds and of
// promised delivery guarantees.
history::Header varied_header(history::Header header, SplitMix64& rng) {
  header.drained = rng.chance(0.5);
  header.allowed.clear();
  for (char const* kind : {"duplicated", "lost", "unseen", "unexpected"})
    if (rng.chance(0.3)) header.allowed[kind] = "test";
  if (rng.chance(0.5)) {
    header.promises.clear();
    for (std::string_view g : guarantee_names())
      if (rng.chance(0.5)) header.promises.emplace_back(g);
  }
  return header;
}

// A random non-empty set of delivery guarantees, in random order.
std::vector<std::string> asked_for(SplitMix64& rng) {
  std::vector<std::string> only;
  for (std::string_view g : guarantee_names())
    if (rng.chance(0.6)) only.emplace_back(g);
  if (only.empty()) only.emplace_back(guarantee_names()[rng.below(4)]);
  if (only.size() > 1 && rng.chance(0.5)) std::swap(only.front(), only.back());
  return only;
}

// One case: a history, the header it is judged under, the guarantees asked for.
struct JudgeCase {
  History history;
  history::Header header;
  std::vector<std::string> only;
};

std::vector<JudgeCase> random_cases(std::uint64_t count) {
  std::vector<JudgeCase> cases;
  for (std::uint64_t seed = 1; seed <= count; ++seed) {
    SplitMix64 rng(seed * 104729);
    testing::Shape const shape = testing::random_shape(rng);
    History h = edited(testing::random_valid_history(seed, shape), rng);
    history::Header header = varied_header(h.header(), rng);
    cases.push_back(JudgeCase{std::move(h), std::move(header), asked_for(rng)});
  }
  return cases;
}

std::string described(JudgeCase const& c) {
  std::string text = "drained " + std::to_string(c.header.drained) + ", allowed:";
  for (auto const& [kind, why] : c.header.allowed) text += " " + kind;
  text += ", only:";
  for (std::string const& g : c.only) text += " " + g;
  return text + "\n" + history::to_jsonl(c.history);
}

TEST_CASE("the verdicts-only judgement equals the full report's on random histories",
          "[delivery][judge]") {
  std::vector<JudgeCase> const cases = random_cases(mqcheck::testing::soak(800));
  std::array<int, 3> seen{};  // Verdicts seen invalid, revalidated, unknown: both paths ran.
  for (JudgeCase const& c : cases) {
    INFO(described(c));
    DeliveryReport const report = check_stream(c.header, ops_of(c.history), c.only);
    DeliveryJudgement const full = judgement_of(report);
    REQUIRE(judge_stream(c.header, ops_of(c.history), c.only) == full);
    for (Validity const v : full.validity) {
      seen[0] += v == Validity::invalid ? 1 : 0;
      seen[2] += v == Validity::unknown ? 1 : 0;
    }
    seen[1] += report.permitted.empty() ? 0 : 1;
  }
  // Shares of the cases (the sanitizer build runs a fifth of them: soak()): at 800 cases, more
  // than 50 invalid, 10 revalidated and 50 unknown verdicts.
  int const n = static_cast<int>(cases.size());
  CHECK(seen[0] * 16 > n);
  CHECK(seen[1] * 80 > n);
  CHECK(seen[2] * 16 > n);
}

TEST_CASE("the findings equal the full report's whatever the settle delay", "[delivery][judge]") {
  // A short delay settles messages (their summary, a second pass, a transaction read again):
  // judge() then ends on finish()'s report or judges the settled summary with the open rest.
  std::vector<JudgeCase> const cases = random_cases(mqcheck::testing::soak(400));
  for (JudgeCase const& c : cases) {
    for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{1} << 16}) {
      INFO("settle delay " << delay << ", " << described(c));
      DeliveryStream full(c.header, StreamOptions{delay}, nullptr);
      DeliveryStream judged(c.header, StreamOptions{delay}, nullptr);
      for (Op const& op : c.history.ops()) {
        full.observe(op);
        judged.observe(op);
      }
      REQUIRE(judged.judge(ops_of(c.history)) == findings_of(full.finish(ops_of(c.history))));
    }
  }
}

// Judges every case with one stream of `options`, reset before each, in the order of `order`,
// and requires each report (or findings) to equal a new stream's.
void require_reset_is_new(std::vector<JudgeCase> const& cases,
                          std::vector<std::size_t> const& order, StreamOptions const& options) {
  StreamStats reused_stats;
  DeliveryStream reused(cases[order[0]].header, options, &reused_stats);
  bool first = true;
  for (std::size_t const k : order) {
    JudgeCase const& c = cases[k];
    INFO("case " << k << ", settle delay " << options.settle_delay << ", recent intervals "
                 << options.settled_recent_intervals << ", " << described(c));
    if (!first) reused.reset(c.header);
    first = false;
    for (Op const& op : c.history.ops()) reused.observe(op);
    StreamStats fresh_stats;
    DeliveryStream fresh(c.header, options, &fresh_stats);
    for (Op const& op : c.history.ops()) fresh.observe(op);
    // Alternately the whole report (every count and witness) and the findings.
    if (k % 2 == 0) {
      REQUIRE(reused.finish(ops_of(c.history)) == fresh.finish(ops_of(c.history)));
    } else {
      REQUIRE(reused.judge(ops_of(c.history)) == findings_of(fresh.finish(ops_of(c.history))));
    }
    // And the same work: a leftover that the report hides (a replayed id rebuilt again, an
    // outcome taken as let go) shows in the passes and rebuilds. Not the memory: capacity
    // kept is the point.
    if (k % 2 == 0) {
      CHECK(reused_stats.passes == fresh_stats.passes);
      CHECK(reused_stats.rebuilt == fresh_stats.rebuilt);
      CHECK(reused_stats.outcomes_rebuilt == fresh_stats.outcomes_rebuilt);
      CHECK(reused_stats.txns_reread == fresh_stats.txns_reread);
    }
    CHECK(reused_stats.ops == fresh_stats.ops);
    CHECK(reused_stats.settled == fresh_stats.settled);
    CHECK(reused_stats.open_peak == fresh_stats.open_peak);
  }
}

TEST_CASE("a stream reset between histories judges each as a new stream would",
          "[delivery][judge]") {
  std::vector<JudgeCase> const cases = random_cases(mqcheck::testing::soak(300));
  std::vector<std::size_t> forward(cases.size());
  for (std::size_t k = 0; k < cases.size(); ++k) forward[k] = k;
  std::vector<std::size_t> const backward(forward.rbegin(), forward.rend());
  // Settling at once, with settled outcomes and ended transactions kept for one interval only
  // (their let-go paths: the floor of kept outcomes, transactions read again), settling late,
  // and never (the explorer's histories are shorter than the default delay).
  StreamOptions tight{0};
  tight.settled_recent_intervals = 1;
  tight.txn_recent_intervals = 1;
  for (StreamOptions const& options :
       {StreamOptions{0}, tight, StreamOptions{2}, StreamOptions{std::uint64_t{1} << 16}}) {
    require_reset_is_new(cases, forward, options);
    require_reset_is_new(cases, backward, options);
  }
}

TEST_CASE("a reused StreamJudge gives judge_stream's judgement, history after history",
          "[delivery][judge]") {
  std::vector<JudgeCase> const cases = random_cases(mqcheck::testing::soak(300));
  StreamJudge judge;
  for (int round = 0; round < 2; ++round) {  // Forward, then backward.
    for (std::size_t n = 0; n < cases.size(); ++n) {
      JudgeCase const& c = cases[round == 0 ? n : cases.size() - 1 - n];
      INFO(described(c));
      REQUIRE(judge.judge(c.header, ops_of(c.history), c.only) ==
              judgement_of(check_stream(c.header, ops_of(c.history), c.only)));
    }
  }
}

TEST_CASE("what a judged history leaves behind never reaches the next one", "[delivery][judge]") {
  // Message 1 is duplicated, then settled; the next history sends and processes it once.
  HistoryBuilder a;
  a.subscribe("orders", {"billing"});
  a.send(OpType::invoke, "p1", {1});
  a.send(OpType::ok, "p1", {1});
  a.process(OpType::ok, "billing", {1});
  a.process(OpType::ok, "billing", {2});  // Never sent: unexpected.
  a.process(OpType::ok, "billing", {1});
  HistoryBuilder b;
  b.subscribe("orders", {"billing"});
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::ok, "billing", {1});
  history::Header ha = a.history().header();
  history::Header hb = b.history().header();
  ha.drained = hb.drained = true;
  auto const names = guarantee_names();
  std::vector<std::string> const all(names.begin(), names.end());
  StreamJudge judge;
  DeliveryJudgement const first = judge.judge(ha, ops_of(a.history()), all);
  CHECK(first.validity[0] == Validity::invalid);  // At-most-once: duplicated.
  CHECK(first.validity[3] == Validity::invalid);  // No-unexpected: message 2 never sent.
  DeliveryJudgement const second = judge.judge(hb, ops_of(b.history()), all);
  CHECK(second.validity == std::array<Validity, 4>{});  // All valid.
  CHECK(second == judge_stream(hb, ops_of(b.history()), all));
  // Allowed kinds: a duplicate the header permits leaves at-most-once valid, and exactly-once
  // too though it was invalid only by it.
  ha.allowed["duplicated"] = "test";
  ha.allowed["unexpected"] = "test";
  DeliveryJudgement const permitted = judge.judge(ha, ops_of(a.history()), all);
  CHECK(permitted.validity == std::array<Validity, 4>{});
  CHECK(permitted == judgement_of(check_stream(ha, ops_of(a.history()), all)));
}

TEST_CASE("a topic no subscription lists is read by the groups that processed it there",
          "[delivery][judge]") {
  // expected_groups: group dlq read message 1 only in another topic, so no group must read
  // "orders" (at-least-once unknown); group billing reads "audit" by processing it there.
  HistoryBuilder b;
  b.send(OpType::invoke, "p1", {1});
  b.send(OpType::ok, "p1", {1});
  b.process(OpType::ok, "dlq", {1}, "orders-dlq");
  b.send(OpType::invoke, "p1", {2}, "audit");
  b.send(OpType::ok, "p1", {2}, "audit");
  b.process(OpType::ok, "billing", {2}, "audit");
  auto const names = guarantee_names();
  std::vector<std::string> const all(names.begin(), names.end());
  history::Header const& header = b.history().header();
  DeliveryJudgement const judged = judge_stream(header, ops_of(b.history()), all);
  CHECK(judged.validity[1] == Validity::unknown);
  CHECK(judged == judgement_of(check_stream(header, ops_of(b.history()), all)));
}

}  // namespace
}  // namespace mqcheck::checker
