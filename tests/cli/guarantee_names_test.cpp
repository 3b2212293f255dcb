// SPDX-License-Identifier: Apache-2.0
// The scenario loader (sim/) and the checker each list the guarantee names; sim/ may not
// include checker/, so this test keeps the two lists equal.
#include <catch2/catch.hpp>

#include <algorithm>

#include "checker/check.hpp"
#include "history/history_io.hpp"
#include "sim/scenario.hpp"

TEST_CASE("an expect block accepts exactly the guarantees the checker judges", "[cli]") {
  CHECK(mqcheck::sim::expectable_guarantees() == mqcheck::checker::all_guarantee_names());
}

TEST_CASE("a history header may promise every guarantee the checker judges", "[cli]") {
  // The history reader rejects unknown names in `promises`; it must know all of them.
  auto const readable = mqcheck::history::guarantee_names();
  for (std::string_view name : mqcheck::checker::all_guarantee_names()) {
    CAPTURE(name);
    CHECK(std::find(readable.begin(), readable.end(), name) != readable.end());
  }
}
