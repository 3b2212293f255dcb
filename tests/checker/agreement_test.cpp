// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/agreement_test.cpp (tests, layer: checker)
// Issue 3's differential test: the naive reference checker (reference_checker.hpp, written
// from docs/anomalies.md) and check_history must agree on every guarantee's presence,
// validity and anomalies (kind, message, group, witnesses) over thousands of random histories:
// valid ones, ones with an injected anomaly, and unconstrained mutations of both (dropped,
// repeated and retyped ops, no drain). A disagreement prints the seed and a minimised history
// to paste into a file for `mqcheck check`. The [.soak] case runs ten times as many.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
#include "tests/checker/reference_checker.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker {
namespace {

namespace ref = testing::reference;
using history::Op;
using history::OpType;
using testing::SplitMix64;

std::string show(std::string const& kind, std::uint64_t message, std::string const& group,
                 std::vector<std::uint64_t> const& witnesses) {
  std::string text = kind + " message " + std::to_string(message) + " group '" + group + "' ops";
  for (std::uint64_t w : witnesses) text += " " + std::to_string(w);
  return text;
}

std::string_view spelled(ref::RefValidity v) {
  return v == ref::RefValidity::valid ? "valid"
         : v == ref::RefValidity::unknown ? "unknown"
                                          : "invalid";
}

/// Returns "" when both checkers agree on `h`, else each difference on a line.
std::string disagreement(history::History const& h) {
  auto const want = ref::reference_check(h);
  DeliveryReport const got = check_history(h);
  std::string out;
  for (Verdict const& v : got.verdicts)
    if (v.guarantee != "exactly-once-pipeline" && !want.count(v.guarantee))
      out += v.guarantee + ": checker judged it, the reference finds it not exercised\n";
  for (auto const& [guarantee, r] : want) {
    Verdict const* v = nullptr;
    for (Verdict const& x : got.verdicts)
      if (x.guarantee == guarantee) v = &x;
    if (!v) {
      out += guarantee + ": reference judged it, the checker gave no verdict\n";
      continue;
    }
    if (to_string(v->validity) != spelled(r.validity))
      out += guarantee + ": checker " + std::string(to_string(v->validity)) + " (" + v->reason +
             "), reference " + std::string(spelled(r.validity)) + "\n";
    std::vector<std::string> a, b;
    for (Anomaly const& x : v->anomalies)
      a.push_back(show(x.kind, x.message.value, x.group, x.witnesses));
    for (ref::RefAnomaly const& x : r.anomalies)
      b.push_back(show(x.kind, x.message, x.group, x.witnesses));
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    for (std::string const& x : a)
      if (!std::binary_search(b.begin(), b.end(), x))
        out += guarantee + ": checker only: " + x + "\n";
    for (std::string const& x : b)
      if (!std::binary_search(a.begin(), a.end(), x))
        out += guarantee + ": reference only: " + x + "\n";
  }
  return out;
}

history::History from_ops(history::Header const& header, std::vector<Op> ops) {
  history::History h(header);
  for (Op& op : ops) h.append(std::move(op));
  return h;
}

/// The first line of a disagreement without its numbers: what minimising must keep.
std::string gist(std::string const& diff) {
  std::string out;
  for (char c : diff.substr(0, diff.find('\n')))
    if (c < '0' || c > '9') out += c;
  return out;
}

/// Drops ops one at a time, as long as the two checkers still disagree in the same way.
history::History minimise(history::History h) {
  std::string const kept = gist(disagreement(h));
  for (std::size_t i = h.size(); i-- > 0;) {
    std::vector<Op> ops(h.ops().begin(), h.ops().end());
    ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i));
    history::History smaller = from_ops(h.header(), std::move(ops));
    if (gist(disagreement(smaller)) == kept) h = std::move(smaller);
  }
  return h;
}

/// Unconstrained damage: drops, repeats, retypes ops and may turn the drain off, so that the
/// histories reach every corner (open invokes, info completions, redeliveries).
history::History mutate(history::History const& h, SplitMix64& rng) {
  std::vector<Op> ops(h.ops().begin(), h.ops().end());
  history::Header header = h.header();
  int const edits = rng.between(1, 4);
  for (int e = 0; e < edits && !ops.empty(); ++e) {
    std::size_t const i = rng.below(ops.size());
    switch (rng.below(6)) {
      case 0: ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i)); break;
      case 1: ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(i) + 1, ops[i]); break;
      case 2:
        if (ops[i].type != OpType::event)
          ops[i].type = std::array{OpType::ok, OpType::info, OpType::fail}[rng.below(3)];
        break;
      case 3: header.drained = !header.drained; break;
      case 4:  // Redeliver: the op happens again at the end.
        ops.push_back(ops[i]);
        ops.back().time = ops[ops.size() - 2].time;
        break;
      default:  // Another consumer of the group did it.
        if (!ops[i].group.empty()) ops[i].process += "b";
        break;
    }
  }
  return from_ops(header, std::move(ops));
}

/// The history of one agreement seed: valid, injected, or mutated, a third each.
history::History history_for(std::uint64_t seed) {
  SplitMix64 rng(seed);
  testing::Shape shape = testing::random_shape(rng);
  auto const injectors = testing::all_injectors();
  testing::Injector const& injector = injectors[rng.below(injectors.size())];
  std::uint64_t const kind = rng.below(3);
  if (kind != 0) {
    shape.features = shape.features || injector.features;
    shape.transactions = shape.transactions || injector.transactions;
  }
  history::History h = testing::random_valid_history(seed, shape);
  if (kind == 0) return h;
  if (auto broken = injector.inject(h, rng)) h = std::move(broken->history);
  if (kind == 2) h = mutate(h, rng);
  return h;
}

/// Checks `count` seeds from `first`; prints the first disagreement on each guarantee (with
/// its minimised history) and how many seeds disagreed on it.
void agree_on(std::uint64_t first, std::uint64_t count) {
  std::map<std::string, int> by_guarantee;
  for (std::uint64_t seed = first; seed < first + count; ++seed) {
    history::History const h = history_for(seed);
    std::string const diff = disagreement(h);
    if (diff.empty()) continue;
    std::string const guarantee = diff.substr(0, diff.find(':'));
    if (by_guarantee[guarantee]++ > 0) continue;
    history::History const small = minimise(h);
    INFO("seed " << seed << "\n" << diff << "minimised (" << disagreement(small)
                 << "):\n" << history::to_jsonl(small));
    CHECK(diff == "");
  }
  for (auto const& [guarantee, n] : by_guarantee) {
    INFO(n << " of " << count << " seeds disagree on " << guarantee);
    CHECK(n == 0);
  }
}

TEST_CASE("the reference checker and check_history agree on random histories",
          "[checker][agreement]") {
  agree_on(1, mqcheck::testing::soak(1000));  // The [.soak] case below runs 30000.
}

TEST_CASE("the reference checker and check_history agree on many more histories",
          "[.soak][checker][agreement]") {
  agree_on(100'000, 30'000);
}

}  // namespace
}  // namespace mqcheck::checker
