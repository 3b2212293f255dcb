// SPDX-License-Identifier: Apache-2.0
// The scenario loader (sim/) and the checker each list the guarantee names; sim/ may not
// include checker/, so this test keeps the two lists equal.
#include <catch2/catch.hpp>

#include "checker/check.hpp"
#include "sim/scenario.hpp"

TEST_CASE("an expect block accepts exactly the guarantees the checker judges", "[cli]") {
  CHECK(mqcheck::sim::expectable_guarantees() == mqcheck::checker::all_guarantee_names());
}
