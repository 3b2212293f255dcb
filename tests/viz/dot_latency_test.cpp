// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/dot_latency_test.cpp (tests, layer: viz)
// Precedence-cycle DOT (the two orders of a reordered pair, labelled with their witnesses,
// names quoted) and the latency figures (nearest-rank percentiles, histogram).
#include <catch2/catch.hpp>

#include "viz/dot.hpp"
#include "viz/latency.hpp"
#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using namespace test;

// m1 stored at offset 0, m2 at 1; group billing processes m2 first.
History reordered_history() {
  History h(drained_header());
  h.header().ordering["orders"] = history::OrderingScope::queue;
  add(h, 0, "p1", OpType::invoke, OpKind::send, {rec(1)});
  add(h, 10, "p1", OpType::ok, OpKind::send, {rec(1, 0)});
  add(h, 20, "p1", OpType::invoke, OpKind::send, {rec(2)});
  add(h, 30, "p1", OpType::ok, OpKind::send, {rec(2, 1)});
  add(h, 40, "c\"0", OpType::invoke, OpKind::process, {rec(2, 1)}, "billing");
  add(h, 50, "c\"0", OpType::ok, OpKind::process, {rec(2, 1)}, "billing");
  add(h, 60, "c\"0", OpType::invoke, OpKind::process, {rec(1, 0)}, "billing");
  add(h, 70, "c\"0", OpType::ok, OpKind::process, {rec(1, 0)}, "billing");
  return h;
}

TEST_CASE("precedence DOT draws the reordered pair as a two-edge cycle", "[viz]") {
  History const h = reordered_history();
  checker::DeliveryReport const report = checker::check_history(h);
  std::string const dot = render_precedence_dot(h, report);
  INFO(dot);
  CHECK(dot.rfind("digraph precedence {", 0) == 0);
  CHECK(count_of(dot, "subgraph cluster_") == 1);
  CHECK(dot.find("\"c0_m1\" -> \"c0_m2\"") != std::string::npos);
  CHECK(dot.find("\"c0_m2\" -> \"c0_m1\" [color=red") != std::string::npos);
  CHECK(dot.find("c\\\"0") != std::string::npos);  // The process name, quoted.
  CHECK(dot.find("reordered: group billing") != std::string::npos);
  CHECK(render_precedence_dot(h, checker::check_history(power_loss_history()))
            .find("no ordering cycle") != std::string::npos);
}

TEST_CASE("latencies: send to confirm and to processing, nearest-rank percentiles", "[viz]") {
  Latencies const l = latencies_of(power_loss_history());
  CHECK(l.send_to_confirm_us == std::vector<std::int64_t>{200, 200});
  CHECK(l.send_to_process_us == std::vector<std::int64_t>{1500});
  std::vector<std::int64_t> const v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK(percentile(v, 50) == 5);
  CHECK(percentile(v, 90) == 9);
  CHECK(percentile(v, 99) == 10);
  CHECK(percentile(v, 100) == 10);
  CHECK(percentile({}, 50) == 0);
  std::string const svg = histogram_svg(v, "a<b", 5);
  CHECK(count_of(svg, "<rect") == 5);
  CHECK(svg.find("a&lt;b") != std::string::npos);
  CHECK(histogram_svg({}, "t").find("no samples") != std::string::npos);
}

}  // namespace
}  // namespace mqcheck::viz
