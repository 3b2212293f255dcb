// SPDX-License-Identifier: Apache-2.0
// The node disk as a flat list of files: files written in any order are listed by ascending
// id (the explorer hashes that list, so its order must be canonical), sparse ids are found,
// and truncation, fsync and power loss act per file as before.
#include <catch2/catch.hpp>

#include "model/common/disk.hpp"

namespace mqcheck::model {
namespace {

TEST_CASE("files are listed by ascending id whatever order they were written in", "[disk]") {
  Disk<int> d;
  for (FileId f : {7u, 2u, 40u, 0u, 2u, 7u}) d.append(f, static_cast<int>(f));
  std::vector<FileId> ids;
  for (auto const& [id, file] : d.files()) ids.push_back(id);
  CHECK(ids == std::vector<FileId>{0, 2, 7, 40});
  CHECK(d.entries(2) == std::vector<int>{2, 2});
  CHECK(d.entries(40) == std::vector<int>{40});
  CHECK(d.entries(3).empty());  // Never written.
  CHECK(d.entries(1000).empty());
}

TEST_CASE("two disks with the same writes in another file order are equal", "[disk]") {
  Disk<int> a;
  Disk<int> b;
  a.append(1, 10);
  a.append(0, 5);
  b.append(0, 5);
  b.append(1, 10);
  CHECK(a == b);
}

TEST_CASE("a power loss keeps each file's synced prefix; truncation is durable", "[disk]") {
  Disk<int> d;
  d.append(0, 1);
  d.append(3, 1);
  d.fsync();
  d.append(0, 2);
  d.append(3, 2);
  d.append(3, 3);
  CHECK(d.unsynced() == 3);
  d.truncate(3, 1);
  CHECK(d.unsynced() == 1);
  d.lose_unsynced();
  CHECK(d.entries(0) == std::vector<int>{1});
  CHECK(d.entries(3) == std::vector<int>{1});
}

}  // namespace
}  // namespace mqcheck::model
