// SPDX-License-Identifier: Apache-2.0
// File: tests/viz/state_graph_dot_test.cpp (tests, layer: viz)
// The explorer's state graph as DOT: roles drawn (initial, violating, end, counterexample),
// labels quoted, the cap honoured with a note, repeated ids drawn once, determinism.
#include "viz/state_graph_dot.hpp"

#include <catch2/catch.hpp>

#include "viz_histories.hpp"

namespace mqcheck::viz {
namespace {

StateGraph diamond() {
  StateGraph g;
  g.title = "acks=1, one crash";
  g.states = {{1, "initial", true, false, false, true},
              {2, "m1 appended", false, false, false, true},
              {3, "broker-0 down", false, false, false, false},
              {4, "m1 \"lost\"\nacked", false, true, true, true}};
  g.steps = {{1, 2, "p1 sends m1", true},
             {1, 3, "broker-0 crashes", false},
             {2, 4, "broker-0 crashes", true},
             {3, 4, "p1 sends m1", false}};
  return g;
}

TEST_CASE("state graph DOT draws each role and the counterexample", "[viz]") {
  std::string const dot = render_state_graph_dot(diamond());
  CHECK(dot.rfind("digraph states {", 0) == 0);
  CHECK(dot.find("label=\"acks=1, one crash\"") != std::string::npos);
  CHECK(dot.find("s1 [label=\"initial\", style=\"bold,rounded\", penwidth=2.5];") !=
        std::string::npos);
  CHECK(dot.find("s3 [label=\"broker-0 down\"];") != std::string::npos);
  CHECK(dot.find("s4 [label=\"m1 \\\"lost\\\"\\nacked\", color=\"#cf222e\", "
                 "fontcolor=\"#cf222e\", peripheries=2, penwidth=2.5];") != std::string::npos);
  CHECK(dot.find("s2 -> s4 [label=\"broker-0 crashes\", color=\"#cf222e\", penwidth=2.5];") !=
        std::string::npos);
  CHECK(dot.find("s1 -> s3 [label=\"broker-0 crashes\"];") != std::string::npos);
  CHECK(test::count_of(dot, " -> ") == 4);
  CHECK(dot.find("more states") == std::string::npos);
  CHECK(render_state_graph_dot(diamond()) == dot);
}

TEST_CASE("state graph DOT honours the cap and draws a repeated id once", "[viz]") {
  StateGraph g = diamond();
  g.states.push_back(g.states[0]);
  std::string const capped = render_state_graph_dot(g, 2);
  CHECK(test::count_of(capped, "[label=") == 3);  // s1, s2 and the edge between them.
  CHECK(capped.find("s1 -> s2") != std::string::npos);
  CHECK(capped.find("s3") == std::string::npos);
  CHECK(capped.find("label=\"2 more states not drawn\"") != std::string::npos);
  CHECK(test::count_of(render_state_graph_dot(g), "s1 [") == 1);
}

}  // namespace
}  // namespace mqcheck::viz
