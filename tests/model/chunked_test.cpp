// SPDX-License-Identifier: Apache-2.0
// Chunked (model/common/chunked.hpp), the disk files' and partition logs' storage, across its
// block boundaries: entries of 64 KiB make a block of 8, so a few dozen entries span several
// blocks, and appends, truncation (at a boundary and inside a block), prefix erasure and
// equality must all read as a plain vector of the same entries would.
#include "model/common/chunked.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <vector>

namespace mqcheck::model {
namespace {

struct Wide {
  int value = 0;
  std::array<char, 65536> pad{};
  bool operator==(Wide const& o) const { return value == o.value; }
};

std::vector<Wide> wides(int from, int to) {
  std::vector<Wide> out;
  for (int v = from; v < to; ++v) out.push_back(Wide{v, {}});
  return out;
}

Chunked<Wide> chunked(int from, int to) {
  Chunked<Wide> c;
  for (int v = from; v < to; ++v) c.push_back(Wide{v, {}});
  return c;
}

TEST_CASE("a chunked sequence reads back in order across its blocks", "[disk]") {
  Chunked<Wide> const c = chunked(0, 21);
  REQUIRE(c.size() == 21);
  for (std::size_t i = 0; i < c.size(); ++i) CHECK(c[i].value == static_cast<int>(i));
  int expected = 0;
  for (Wide const& w : c) CHECK(w.value == expected++);
  CHECK(expected == 21);
  CHECK(c.back().value == 20);
  CHECK(c == wides(0, 21));
  CHECK_FALSE(c == wides(0, 20));
}

TEST_CASE("truncation at and inside a block, then appends, match a vector", "[disk]") {
  Chunked<Wide> c = chunked(0, 21);
  c.truncate(16);  // Two full blocks.
  CHECK(c == wides(0, 16));
  c.truncate(9);  // Inside the second block.
  CHECK(c == wides(0, 9));
  for (int v = 9; v < 30; ++v) c.push_back(Wide{v, {}});
  CHECK(c == wides(0, 30));
  CHECK(c == chunked(0, 30));  // Same entries, grown without a cut: equal.
  c.truncate(0);
  CHECK(c.empty());
  CHECK(c == Chunked<Wide>{});
}

TEST_CASE("erasing a prefix keeps the rest in order", "[disk]") {
  Chunked<Wide> c = chunked(0, 21);
  c.erase(c.begin(), c.begin() + 10);
  CHECK(c == wides(10, 21));
  c.push_back(Wide{21, {}});
  CHECK(c == wides(10, 22));
}

}  // namespace
}  // namespace mqcheck::model
