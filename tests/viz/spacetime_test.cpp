// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/spacetime_test.cpp (tests, layer: viz)
// The space-time diagram: lanes in role order, one mark per op with its anchor, arrows that
// follow a message, the lost message highlighted (and nothing else), filters, escaping and
// byte-for-byte determinism.
#include "viz/spacetime.hpp"

#include <catch2/catch.hpp>

#include "checker/check.hpp"
#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

using namespace test;

TEST_CASE("spacetime draws a lane per process in role order and a mark per op", "[viz]") {
  History const h = power_loss_history();
  Spacetime const d = render_spacetime(h, nullptr, {});
  CHECK(d.shown.size() == h.size());
  CHECK(d.omitted == 0);
  for (std::size_t i = 0; i < h.size(); ++i) {
    CHECK(count_of(d.svg, "id=\"op-" + std::to_string(i) + "\"") == 1);
  }
  auto const p1 = d.svg.find(">p1</text>");
  auto const broker = d.svg.find(">broker-0</text>");
  auto const billing = d.svg.find(">billing-0</text>");
  REQUIRE(p1 != std::string::npos);
  CHECK(p1 < broker);
  CHECK(broker < billing);
  CHECK(d.svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(d.svg.find("href") == std::string::npos);  // No external resource.
}

TEST_CASE("spacetime arrows follow a message from send to broker, back, and on", "[viz]") {
  History const h = power_loss_history();
  std::vector<std::uint64_t> all;
  for (std::uint64_t i = 0; i < h.size(); ++i) all.push_back(i);
  std::vector<Arrow> const arrows = spacetime_arrows(h, all);
  std::vector<Arrow> const expected = {
      {0, 1, MessageId{1}, "send"},    {1, 3, MessageId{1}, "confirm"},
      {4, 5, MessageId{2}, "send"},    {5, 6, MessageId{2}, "confirm"},
      {1, 7, MessageId{1}, "deliver"},
  };
  CHECK(arrows == expected);
}

TEST_CASE("spacetime without broker events links the confirmed send to the receipt", "[viz]") {
  History h(drained_header());
  add(h, 0, "p1", OpType::invoke, OpKind::send, {rec(7)});
  add(h, 10, "p1", OpType::ok, OpKind::send, {rec(7, 0)});
  add(h, 20, "c-0", OpType::invoke, OpKind::process, {rec(7)}, "billing");
  std::vector<Arrow> const arrows = spacetime_arrows(h, {0, 1, 2});
  CHECK(arrows == std::vector<Arrow>{{1, 2, MessageId{7}, "deliver"}});
}

TEST_CASE("spacetime highlights the lost message along its whole path, and only it", "[viz]") {
  History const h = power_loss_history();
  checker::DeliveryReport const report = checker::check_history(h);
  Spacetime const d = render_spacetime(h, &report, {});
  // m2's send, append and confirm (ops 4, 5, 6) are highlighted; m1's ops are not.
  for (int op : {4, 5, 6}) {
    CHECK(d.svg.find("id=\"op-" + std::to_string(op) + "\" class=\"mark hl hl-lost") !=
          std::string::npos);
  }
  for (int op : {0, 1, 3, 7, 9}) {
    CHECK(d.svg.find("id=\"op-" + std::to_string(op) + "\" class=\"mark\"") != std::string::npos);
  }
  CHECK(count_of(d.svg, "class=\"arrow a-send hl hl-lost\"") == 1);
  CHECK(count_of(d.svg, "class=\"arrow a-confirm hl hl-lost\"") == 1);
  CHECK(d.svg.find("witness") != std::string::npos);  // The ack op 6 witnesses the loss.
}

TEST_CASE("spacetime filters by message but keeps faults, and caps the rows", "[viz]") {
  History const h = power_loss_history();
  SpacetimeOptions options;
  options.filter.messages = {MessageId{2}};
  Spacetime const d = render_spacetime(h, nullptr, options);
  CHECK(d.shown == std::vector<std::uint64_t>{4, 5, 6, 10, 11});
  CHECK(d.svg.find("billing-0") == std::string::npos);  // No op of it shown: no lane.
  options.filter = {};
  options.filter.from = SimTimeUs{1000};
  options.filter.to = SimTimeUs{1300};
  CHECK(render_spacetime(h, nullptr, options).shown == std::vector<std::uint64_t>{4, 5, 6, 7});
  options.filter = {};
  options.events_max = 3;
  Spacetime const capped = render_spacetime(h, nullptr, options);
  CHECK(capped.shown.size() == 3);
  CHECK(capped.omitted == h.size() - 3);
}

TEST_CASE("spacetime escapes user strings and is deterministic", "[viz]") {
  History const h = power_loss_history("<script>alert(1)</script>", "b\"&'<x>");
  checker::DeliveryReport const report = checker::check_history(h);
  std::string const svg = render_spacetime(h, &report, {}).svg;
  CHECK(svg.find("<script>") == std::string::npos);
  CHECK(svg.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(svg.find("b&quot;&amp;&#39;&lt;x&gt;") != std::string::npos);
  CHECK(render_spacetime(h, &report, {}).svg == svg);
}

}  // namespace
}  // namespace mqcheck::viz
