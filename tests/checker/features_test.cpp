// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/features_test.cpp (tests, layer: checker)
// check_features composes the feature checkers: only exercised properties get a verdict, in
// the order of feature_names(), and the same history always gives the same verdicts.
#include "checker/features.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "history/history_io.hpp"
#include "tests/checker/history_builder.hpp"

namespace mqcheck::checker {
namespace {

using history::OpKind;
using history::OpType;
using testing::delayed;
using testing::FeatureHistoryBuilder;
using testing::msg;

std::vector<std::string> guarantees(std::vector<Verdict> const& verdicts) {
  std::vector<std::string> out;
  for (Verdict const& verdict : verdicts) out.push_back(verdict.guarantee);
  return out;
}

TEST_CASE("check_features: a plain history exercises no feature", "[checker][features]") {
  FeatureHistoryBuilder b;
  b.op(OpType::invoke, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::send, "p1", {msg(1)});
  b.op(OpType::ok, OpKind::process, "billing-0", {msg(1)}, {.group = "billing"});
  CHECK(check_features(b.history()).empty());
}

TEST_CASE("check_features: only exercised properties, in report order", "[checker][features]") {
  FeatureHistoryBuilder b;
  b.header().acls["alice"].produce = {"orders"};
  b.op(OpType::ok, OpKind::send, "p1", {delayed(msg(1), 100)},
       {.tenant = "blue", .principal = "alice"});
  b.at(50).op(OpType::ok, OpKind::deliver, "billing-0", {msg(1)},
              {.group = "billing", .tenant = "blue"});
  std::vector<Verdict> const verdicts = check_features(b.history());
  CHECK(guarantees(verdicts) == std::vector<std::string>{"delay", "tenancy", "authorization"});
  REQUIRE(verdicts.size() == 3);
  CHECK(verdicts[0].validity == Validity::invalid);
  CHECK(verdicts[1].validity == Validity::valid);
  CHECK(verdicts[2].validity == Validity::valid);
  CHECK(check_features(b.history()) == verdicts);  // Deterministic.
}

TEST_CASE("check_features: every property at once", "[checker][features]") {
  FeatureHistoryBuilder b;
  history::GroupSpec& spec = b.header().groups["g"];
  spec.mode = history::GroupSpec::Mode::broadcast;
  spec.filter = {"*"};
  spec.dead_letter_topic = "dlq";
  spec.dead_letter_after = 1;
  spec.tenant = "t";
  b.header().acls["alice"].produce = {"*"};
  b.op(OpType::ok, OpKind::send, "p1", {testing::prioritized(delayed(msg(1), 0), 1)},
       {.principal = "alice"});
  b.op(OpType::event, OpKind::dispatch, "broker-0", {msg(1)}, {.group = "g"});
  std::vector<std::string_view> const names = feature_names();
  std::vector<std::string> const all(names.begin(), names.end());
  CHECK(guarantees(check_features(b.history())) == all);
}

TEST_CASE("feature names and anomaly kinds are the history format's", "[checker][features]") {
  // A header's `promises` and `allowed` name them; a spelling drift would silently unpromise.
  auto const known = [](auto const& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (std::string_view const name : feature_names())
    CHECK(known(history::guarantee_names(), name));
  for (std::string_view const kind :
       {"early-delivery", "priority-inversion", "dlq-missing", "dlq-duplicate", "broadcast-miss",
        "filter-leak", "tenant-leak", "unauthorized-access"})
    CHECK(known(history::anomaly_kind_names(), kind));
}

}  // namespace
}  // namespace mqcheck::checker
