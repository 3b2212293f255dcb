// SPDX-License-Identifier: Apache-2.0
// Boxed (model/common/boxed.hpp), the Kafka disk Entry's rare fields behind a pointer: it must
// behave as the plain fields it replaced, since the explorer compares and hashes disk entries.
// An empty box equals (and hashes as) a box of the default value; copies are deep; a moved-from
// box reads as the default.
#include "model/common/boxed.hpp"

#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/kafka/messages.hpp"

namespace mqcheck::model {
namespace {

std::uint64_t digest_of(kafka::EntryExtra const& x) {
  Hasher h;
  x.hash_into(h);
  return h.digest();
}
std::uint64_t digest_of(Boxed<kafka::EntryExtra> const& b) {
  Hasher h;
  b.hash_into(h);
  return h.digest();
}

TEST_CASE("an empty box reads, compares and hashes as the default value") {
  Boxed<kafka::EntryExtra> empty;
  Boxed<kafka::EntryExtra> defaulted;
  defaulted.edit();  // Allocated, still the default.
  CHECK(empty.get() == kafka::EntryExtra{});
  CHECK(empty == defaulted);
  CHECK(digest_of(empty) == digest_of(defaulted));
  CHECK(digest_of(empty) == digest_of(kafka::EntryExtra{}));
}

TEST_CASE("a box's copies are deep and its value takes part in == and the hash") {
  Boxed<kafka::EntryExtra> a;
  a.edit().partitions = {1, 2};
  a.edit().leader = 2;
  Boxed<kafka::EntryExtra> b = a;
  CHECK(a == b);
  CHECK(digest_of(a) == digest_of(b));
  b.edit().partitions.push_back(3);
  CHECK(a.get().partitions == std::vector<std::uint32_t>{1, 2});  // The copy is its own.
  CHECK_FALSE(a == b);
  CHECK(digest_of(a) != digest_of(b));
  Boxed<kafka::EntryExtra> c;
  c = b;
  CHECK(c == b);
  Boxed<kafka::EntryExtra> moved = std::move(c);
  CHECK(moved == b);
}

TEST_CASE("disk entries differing only in a boxed field differ") {
  kafka::Entry e = kafka::Entry::of(kafka::Entry::Kind::partition_state);
  kafka::Entry f = e;
  CHECK(e == f);
  f.extra.edit().isr = 0b101;
  CHECK_FALSE(e == f);
  kafka::Entry g = f;  // Entry copies carry the box's value.
  CHECK(g == f);
  CHECK(g.extra.get().isr == 0b101);
  // The per-message entry stays small: what the box is for (messages.hpp).
  CHECK(sizeof(kafka::Entry) <= 72);
}

}  // namespace
}  // namespace mqcheck::model
