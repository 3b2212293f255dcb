// SPDX-License-Identifier: Apache-2.0
// A node's disk in the explorer (explore/world.hpp SharedDisk): copies of a node share it until
// one of them writes, and a write through one copy is never seen through another (a copied
// World must stay the value it was).
#include <catch2/catch.hpp>
#include <cstdint>

#include "explore/world.hpp"

namespace {

using namespace mqcheck;
using Disk = explore::SharedDisk<std::int64_t>;

}  // namespace

TEST_CASE("shared disk: a copy shares until written, and a write stays in its own copy") {
  Disk a;
  CHECK(a.get().files().empty());  // Never written: an empty disk.
  a.edit().append(0, 1);
  Disk b = a;
  CHECK(&b.get() == &a.get());  // Shared: copying the node did not copy the entries.
  b.edit().append(0, 2);
  CHECK(&b.get() != &a.get());
  CHECK(a.get().entries(0).size() == 1);
  CHECK(b.get().entries(0).size() == 2);
  a.edit().fsync();  // a is alone again: written in place.
  CHECK(a.get().unsynced() == 0);
  CHECK(b.get().unsynced() == 2);
}
