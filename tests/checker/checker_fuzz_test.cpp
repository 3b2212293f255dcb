// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/checker_fuzz_test.cpp (tests, layer: checker)
// The checker on malformed-but-parseable histories: random valid histories, mutated in the
// ways a buggy harness writes them (ops dropped, repeated or moved; types, kinds, processes and
// transactions swapped; values emptied or exchanged, so invokes and completions no longer
// match; transactions with no records). Each mutant goes through the file format and the
// reader: one the reader rejects is an InputError (exit 2), fine. One it accepts must get a
// verdict from check_history without an assert or a crash, and check_streaming must give the
// same report. A failure prints the seed and the mutant, ready for `mqcheck check`.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "core/input_error.hpp"
#include "history/history_io.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

using history::History;
using history::Op;
using history::OpKind;
using history::OpType;
using testing::SplitMix64;

constexpr OpType kTypes[] = {OpType::invoke, OpType::ok, OpType::fail, OpType::info};
constexpr OpKind kClientKinds[] = {OpKind::send,     OpKind::poll,       OpKind::deliver,
                                   OpKind::process,  OpKind::ack,        OpKind::nack,
                                   OpKind::commit,   OpKind::txn_begin,  OpKind::txn_commit,
                                   OpKind::txn_abort, OpKind::assign};

std::size_t pick(SplitMix64& rng, std::size_t n) { return static_cast<std::size_t>(rng.below(n)); }

Op& any_op(std::vector<Op>& ops, SplitMix64& rng) { return ops[pick(rng, ops.size())]; }

// A transaction that begins and commits (or aborts) with no record, by a fresh or known process.
void add_empty_txn(std::vector<Op>& ops, SplitMix64& rng) {
  std::string const txn = "fuzz/" + std::to_string(rng.below(4));
  std::string const process = any_op(ops, rng).process;
  std::size_t at = pick(rng, ops.size() + 1);
  OpKind const end = rng.chance(0.5) ? OpKind::txn_commit : OpKind::txn_abort;
  for (auto [type, f] : {std::pair{OpType::invoke, OpKind::txn_begin},
                         std::pair{OpType::ok, OpKind::txn_begin}, std::pair{OpType::invoke, end},
                         std::pair{kTypes[1 + pick(rng, 3)], end}}) {
    Op op;
    op.process = process;
    op.type = type;
    op.f = f;
    op.txn = txn;
    at = std::min(at, ops.size());
    op.time = at < ops.size() ? ops[at].time : (ops.empty() ? SimTimeUs{} : ops.back().time);
    ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(at), std::move(op));
    at += 1 + pick(rng, 3);
  }
}

// One random edit of `ops` (never empty).
void edit(std::vector<Op>& ops, SplitMix64& rng) {
  std::size_t const at = pick(rng, ops.size());
  Op& op = ops[at];
  switch (rng.below(12)) {
    case 0:  // Drop a line.
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    case 1:  // Duplicate a line somewhere later.
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(at + pick(rng, ops.size() - at) + 1),
                 Op(op));
      break;
    case 2:  // Move a line (reorder).
      std::swap(op, any_op(ops, rng));
      break;
    case 3:  // Swap the type of a client op.
      if (history::is_client_op(op)) op.type = kTypes[pick(rng, 4)];
      break;
    case 4:  // Swap the kind of a client op.
      if (history::is_client_op(op)) op.f = kClientKinds[pick(rng, std::size(kClientKinds))];
      break;
    case 5:  // An empty value: an invoke naming no message, a completion naming none.
      op.value.clear();
      break;
    case 6:  // Another op's value: invoke and completion no longer match.
      op.value = any_op(ops, rng).value;
      break;
    case 7:  // Another op's process or group.
      (rng.chance(0.5) ? op.process : op.group) = any_op(ops, rng).process;
      break;
    case 8:  // Another op's transaction, or none.
      op.txn = rng.chance(0.3) ? std::string() : any_op(ops, rng).txn;
      break;
    case 9:  // A record's place from another record: offsets reused, partitions crossed.
      if (!op.value.empty()) {
        Op const& other = any_op(ops, rng);
        if (!other.value.empty()) {
          history::Record& record = op.value[pick(rng, op.value.size())];
          history::Record const& from = other.value[pick(rng, other.value.size())];
          record.offset = from.offset;
          record.partition = from.partition;
          if (rng.chance(0.3)) record.id = from.id;
        }
      }
      break;
    case 10:
      add_empty_txn(ops, rng);
      break;
    default:  // A record's fields cleared or its source pointed elsewhere.
      for (history::Record& record : op.value) {
        if (rng.chance(0.5)) record.offset.reset();
        if (rng.chance(0.3)) record.topic.clear();
        Op const& other = any_op(ops, rng);
        if (rng.chance(0.2) && !other.value.empty()) record.source = other.value.front().id;
      }
      break;
  }
}

/// Returns the mutant of `seed`, as the reader reads it back, or nothing when it rejects it.
std::optional<History> mutant(std::uint64_t seed, std::string& text) {
  SplitMix64 rng(seed * 2654435761u + 1);
  testing::Shape const shape = testing::random_shape(rng);
  History const valid = testing::random_valid_history(seed, shape);
  std::vector<Op> ops(valid.ops().begin(), valid.ops().end());
  int const edits = rng.between(1, 6);
  for (int e = 0; e < edits && !ops.empty(); ++e) edit(ops, rng);
  text = history::to_jsonl(testing::rebuild(valid.header(), std::move(ops)));
  std::istringstream in(text);
  try {
    return history::read_history(in, "fuzz.jsonl");
  } catch (InputError const&) {
    return std::nullopt;  // Rejected with file, line and key: exit 2, as the contract says.
  }
}

TEST_CASE("mutated histories get a verdict, never an assert, streaming or not",
          "[checker][fuzz]") {
  std::uint64_t read = 0;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(2000); ++seed) {
    std::string text;
    std::optional<History> const h = mutant(seed, text);
    if (!h) continue;
    ++read;
    INFO("seed " << seed << "\n" << text);
    DeliveryReport const whole = check_history(*h);
    int loads = 0;
    DeliveryReport const streamed = check_streaming(h->header(), ops_of(*h), [&] {
      ++loads;
      return *h;
    });
    REQUIRE(streamed == whole);
    REQUIRE(check_streaming(h->header(), ops_of(*h), [&] { return *h; }, {},
                            StreamOptions{seed % 5}) == whole);
  }
  CHECK(read > mqcheck::testing::soak(2000) / 2);  // Most mutants are parseable.
}

// The bug that motivated this test: a send invoke naming no message (docs/history-format.md
// allows it for any op whose completion lists the messages), in a transaction.
TEST_CASE("a transactional send whose invoke names no message gets a verdict",
          "[checker][fuzz]") {
  std::string const text =
      R"({"mqcheck-history":1,"drained":true,"subscriptions":{"tx":["rc"]},)"
      R"("groups":{"rc":{"isolation":"read-committed"}}})" "\n"
      R"({"index":0,"time":0,"process":"p1","type":"invoke","f":"txn-begin","txn":"p1/1"})" "\n"
      R"({"index":1,"time":1,"process":"p1","type":"ok","f":"txn-begin","txn":"p1/1"})" "\n"
      R"({"index":2,"time":2,"process":"p1","type":"invoke","f":"send","txn":"p1/1"})" "\n"
      R"({"index":3,"time":3,"process":"p1","type":"ok","f":"send","txn":"p1/1",)"
      R"("value":[{"id":1,"topic":"tx","partition":0,"offset":0}]})" "\n"
      R"({"index":4,"time":4,"process":"p1","type":"invoke","f":"txn-commit","txn":"p1/1"})" "\n"
      R"({"index":5,"time":5,"process":"p1","type":"ok","f":"txn-commit","txn":"p1/1"})" "\n"
      R"({"index":6,"time":6,"process":"c1","type":"invoke","f":"process","group":"rc",)"
      R"("value":[{"id":1,"topic":"tx"}]})" "\n"
      R"({"index":7,"time":7,"process":"c1","type":"ok","f":"process","group":"rc",)"
      R"("value":[{"id":1,"topic":"tx"}]})" "\n";
  std::istringstream in(text);
  History const h = history::read_history(in, "empty-invoke.jsonl");
  DeliveryReport const report = check_history(h);
  for (Verdict const& v : report.verdicts) {
    INFO(v.guarantee << ": " << v.reason);
    CHECK(v.validity != Validity::invalid);
  }
  CHECK(check_streaming(h.header(), ops_of(h), [&] { return h; }) == report);
}

}  // namespace
}  // namespace mqcheck::checker
