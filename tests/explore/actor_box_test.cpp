// SPDX-License-Identifier: Apache-2.0
// A node's boxed actor (explore/actor_box.hpp): a value like the variant it stands for (a copy
// is deep, visiting reaches the alternative held), hashed as the variant is hashed (the state
// fingerprint must not change with the boxing), and its bytes are its own alternative's size.
#include "explore/actor_box.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include "explore/value_hash.hpp"

namespace {

using namespace mqcheck;

struct Small {
  std::int64_t count = 0;
};
struct Large {
  std::string name;
  std::string more;
  std::string most;
};
using Actor = std::variant<Small, Large>;
using Box = explore::ActorBox<Actor>;

std::int64_t count_of(Box const& box) {
  return box.visit([](auto const& a) -> std::int64_t {
    if constexpr (std::is_same_v<std::decay_t<decltype(a)>, Small>) return a.count;
    return -1;
  });
}

}  // namespace

TEST_CASE("actor box: a copy is deep, and visiting changes only the box visited") {
  Box a = Actor(Small{3});
  Box b = a;
  b.visit([](auto& x) {
    if constexpr (std::is_same_v<std::decay_t<decltype(x)>, Small>) x.count = 9;
  });
  CHECK(count_of(a) == 3);
  CHECK(count_of(b) == 9);
  a = b;
  CHECK(count_of(a) == 9);
  a = Actor(Large{"broker", {}, {}});  // Assigning another alternative (a restart) replaces it.
  CHECK(count_of(a) == -1);
  CHECK(std::holds_alternative<Large>(a.value()));
  CHECK(std::get<Large>(a.value()).name == "broker");
}

TEST_CASE("actor box: hashed as the variant it holds, sized as its alternative") {
  Actor const small = Small{5};
  Actor const large = Large{"p1", "x", "y"};
  CHECK(explore::digest_of(Box(small)) == explore::digest_of(small));
  CHECK(explore::digest_of(Box(large)) == explore::digest_of(large));
  CHECK(explore::digest_of(Box(small)) != explore::digest_of(Box(Actor(Small{6}))));
  CHECK(Box(small).bytes() == sizeof(Small));
  CHECK(Box(large).bytes() == sizeof(Large));
  CHECK(sizeof(Box) < sizeof(Actor));  // The point: a node no longer holds the largest.
}
