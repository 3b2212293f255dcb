// SPDX-License-Identifier: Apache-2.0
// Exact parsing of durations, ratios, integers and booleans; edit distance and suggestions.
#include "core/parse.hpp"

#include <catch2/catch.hpp>

#include "core/input_error.hpp"

namespace mqcheck {
namespace {

TEST_CASE("durations parse exactly, in whole microseconds", "[parse]") {
  CHECK(parse_duration("0") == DurationUs{0});
  CHECK(parse_duration("250us") == DurationUs{250});
  CHECK(parse_duration("15ms") == DurationUs{15'000});
  CHECK(parse_duration("1.5ms") == DurationUs{1'500});
  CHECK(parse_duration("2s") == DurationUs{2'000'000});
  CHECK(parse_duration("0.000001s") == DurationUs{1});
  CHECK(parse_duration("3m") == DurationUs{180'000'000});
  CHECK_FALSE(parse_duration("1.5us"));  // Not whole microseconds.
  CHECK_FALSE(parse_duration("10"));     // A unit is required except for 0.
  CHECK_FALSE(parse_duration("-5ms"));
  CHECK_FALSE(parse_duration("ms"));
  CHECK_FALSE(parse_duration("5 ms"));
  CHECK_FALSE(parse_duration("1.ms"));
  CHECK_FALSE(parse_duration("99999999999999999999s"));
}

TEST_CASE("ratios parse exactly and reduce", "[parse]") {
  CHECK(parse_ratio("0") == Ratio{0, 1});
  CHECK(parse_ratio("1") == Ratio{1, 1});
  CHECK(parse_ratio("1/1000") == Ratio{1, 1000});
  CHECK(parse_ratio("0.1%") == Ratio{1, 1000});
  CHECK(parse_ratio("0.001") == Ratio{1, 1000});
  CHECK(parse_ratio("10%") == Ratio{1, 10});
  CHECK(parse_ratio("2/4")->num == 1);
  CHECK_FALSE(parse_ratio("3/2"));
  CHECK_FALSE(parse_ratio("1/0"));
  CHECK_FALSE(parse_ratio("150%"));
  CHECK_FALSE(parse_ratio("-0.1"));
  CHECK_FALSE(parse_ratio("abc"));
}

TEST_CASE("integers and booleans", "[parse]") {
  CHECK(parse_int("42") == 42);
  CHECK(parse_int("-7") == -7);
  CHECK_FALSE(parse_int("9223372036854775808"));
  CHECK_FALSE(parse_int("4x"));
  CHECK_FALSE(parse_int(""));
  CHECK(parse_bool("true") == true);
  CHECK(parse_bool("false") == false);
  CHECK_FALSE(parse_bool("yes"));
}

TEST_CASE("nearest suggests a plausible typo fix and nothing else", "[input-error]") {
  std::vector<std::string_view> const keys{"acks", "retries", "min.insync.replicas"};
  CHECK(nearest("ack", keys) == "acks");
  CHECK(nearest("retires", keys) == "retries");
  CHECK(nearest("min.insync.replica", keys) == "min.insync.replicas");
  CHECK(nearest("compression.type", keys).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("an input error names file, line, column and key", "[input-error]") {
  InputError const e({"s.yaml", 7, 3}, "producers[0].rate",
                     "unknown key (did you mean 'rate_per_s'?)");
  CHECK(std::string(e.what()) ==
        "s.yaml:7:3: key 'producers[0].rate': unknown key (did you mean 'rate_per_s'?)");
}

}  // namespace
}  // namespace mqcheck

namespace mqcheck {
namespace {

TEST_CASE("an input error without a file is a command-line error", "[input-error]") {
  InputError const e({}, "--guarantee", "unknown guarantee 'orderin' (did you mean 'ordering'?)");
  CHECK(std::string(e.what()) ==
        "command line: key '--guarantee': unknown guarantee 'orderin' (did you mean 'ordering'?)");
}

}  // namespace
}  // namespace mqcheck
