// SPDX-License-Identifier: Apache-2.0
// Structural hashing (explore/value_hash.hpp): aggregates are hashed field by field, so equal
// values hash equal, a change in any field changes the digest, and a field added to a message
// later is covered without anyone writing a hash for it. And the trace file format's errors.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/input_error.hpp"
#include "explore/trace_file.hpp"
#include "explore/value_hash.hpp"
#include "model/kafka/messages.hpp"

namespace {

using namespace mqcheck;

struct Inner {
  std::int32_t a = 0;
  Offset offset;
  bool operator==(Inner const&) const = default;
};

struct Outer {
  std::uint64_t id = 0;
  std::string name;
  std::vector<Inner> items;
  std::optional<std::int32_t> maybe;
  std::map<std::uint32_t, Inner> by_key;
  std::variant<Inner, std::string> either;
};

}  // namespace

TEST_CASE("field counts are exact, nested aggregates included") {
  CHECK(explore::detail::field_count<Inner>() == 2);
  CHECK(explore::detail::field_count<Outer>() == 6);
  CHECK(explore::detail::field_count<Offset>() == 1);
}

TEST_CASE("equal values hash equal; any changed field changes the digest") {
  Outer const base{7, "x", {{1, Offset{2}}}, 3, {{4, {5, Offset{6}}}}, Inner{8, Offset{9}}};
  CHECK(explore::digest_of(base) == explore::digest_of(Outer(base)));
  std::vector<Outer> changed(7, base);
  changed[0].id = 8;
  changed[1].name = "y";
  changed[2].items[0].offset = Offset{3};
  changed[3].maybe.reset();
  changed[4].by_key[4].a = 6;
  changed[5].either = std::string("Inner");
  changed[6].items.push_back({});
  for (Outer const& c : changed) CHECK(explore::digest_of(c) != explore::digest_of(base));
}

TEST_CASE("kafka messages hash by content, alternative included") {
  model::kafka::Message const a = model::kafka::ProduceRequest{};
  model::kafka::Message const b = model::kafka::ProduceResponse{};
  model::kafka::ProduceRequest r;
  r.record.id = MessageId{2};
  CHECK(explore::digest_of(a) != explore::digest_of(b));
  CHECK(explore::digest_of(a) != explore::digest_of(model::kafka::Message{r}));
  model::kafka::Message const c = r;
  CHECK(explore::digest_of(c) == explore::digest_of(model::kafka::Message{r}));
}

TEST_CASE("trace files: unknown keys suggest the nearest, missing keys are named") {
  std::string const good =
      R"({"mqcheck-trace":1,"scenario":"s.yaml","guarantee":"at-least-once","choices":[1,0]})";
  explore::Trace const t = explore::parse_trace(good, "t.json");
  CHECK(t.choices == std::vector<std::uint32_t>{1, 0});
  CHECK_THROWS_WITH(
      explore::parse_trace(R"({"mqcheck-trace":1,"scenario":"s","choises":[]})", "t.json"),
      Catch::Contains("did you mean 'choices'"));
  CHECK_THROWS_WITH(explore::parse_trace(R"({"mqcheck-trace":1,"scenario":"s"})", "t.json"),
                    Catch::Contains("choices"));
  CHECK_THROWS_AS(explore::parse_trace("[1,2]", "t.json"), InputError);
  CHECK_THROWS_AS(explore::parse_trace("{", "t.json"), InputError);
  CHECK_THROWS_AS(
      explore::parse_trace(R"({"mqcheck-trace":1,"scenario":"s","choices":"x"})", "t.json"),
      InputError);
}
