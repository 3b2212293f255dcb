// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/scenario_fuzz_test.cpp (layer: sim tests)
// Deterministic mutation fuzzing of the scenario loader. Valid scenario texts are mutated
// thousands of times (characters deleted, inserted or replaced from a YAML-ish alphabet, lines
// swapped, the text truncated) by a seeded splitmix64, and every result must either parse or
// throw mqcheck::InputError naming the file: never another exception, never a crash (this
// test runs under ASan and UBSan in the sanitizer build).
#include <catch2/catch.hpp>
#include "tests/common/splitmix64.hpp"
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/input_error.hpp"
#include "sim/scenario.hpp"

using mqcheck::InputError;
using mqcheck::sim::parse_scenario;

namespace {

using mqcheck::testing::SplitMix64;

constexpr std::string_view alphabet = ":-[]{},\n #'\"0123456789abcdefghijklmnopqrstuvwxyz";

std::string read_data(std::string const& name) {
  std::ifstream in(std::string(MQCHECK_SOURCE_DIR) + "/tests/sim/data/" + name);
  REQUIRE(in.good());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A third seed text in block style, so that indentation is mutated too.
std::string const block_style = R"(name: block
broker: kafka
topics:
  - name: t
    partitions: 2
producers:
  - id: p
    topic: t
    messages: 5
    interval:
      distribution: uniform
      min: 1ms
      max: 2ms
consumers:
  - group: g
    topic: t
faults:
  - at: 1ms
    partition:
      groups:
        - [broker-0]
        - [p, g-0]
    for: 2ms
quiesce: 10ms
expect:
  at-least-once: valid
)";

std::string swap_lines(std::string const& text, SplitMix64& rng) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t const end = text.find('\n', begin);
    if (end == std::string::npos) {
      lines.push_back(text.substr(begin));
      break;
    }
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  std::swap(lines[rng.below(lines.size())], lines[rng.below(lines.size())]);
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i == 0 ? "" : "\n") + lines[i];
  return out;
}

/// Applies one to four random edits to `text`.
std::string mutate(std::string text, SplitMix64& rng) {
  std::size_t const edits = 1 + rng.below(4);
  for (std::size_t e = 0; e < edits; ++e) {
    char const c = alphabet[rng.below(alphabet.size())];
    switch (rng.below(5)) {
      case 0:
        if (!text.empty()) text.erase(rng.below(text.size()), 1);
        break;
      case 1:
        text.insert(rng.below(text.size() + 1), 1, c);
        break;
      case 2:
        if (!text.empty()) text[rng.below(text.size())] = c;
        break;
      case 3:
        text = swap_lines(text, rng);
        break;
      default:
        text.resize(rng.below(text.size() + 1));
        break;
    }
  }
  return text;
}

struct Outcome {
  int parsed = 0;
  int rejected = 0;
  int syntax_errors = 0;                                 // Rejected by yaml-cpp.
  int key_errors = 0;                                    // Rejected by the loader, naming a key.
  std::uint64_t digest = 14'695'981'039'346'656'037ULL;  // FNV-1a of every message.
};

void record(Outcome& outcome, std::string_view message) {
  for (char c : message) {
    outcome.digest = (outcome.digest ^ static_cast<unsigned char>(c)) * 1'099'511'628'211ULL;
  }
}

/// Parses one mutant; anything but success or a well-formed InputError fails the test.
void check_one(std::string const& mutant, Outcome& outcome) {
  try {
    (void)parse_scenario(mutant, "fuzz.yaml");
    ++outcome.parsed;
    record(outcome, "ok");
  } catch (InputError const& e) {
    ++outcome.rejected;
    std::string const what = e.what();
    record(outcome, what);
    if (what.find("YAML syntax error") != std::string::npos) ++outcome.syntax_errors;
    if (!e.key().empty()) ++outcome.key_errors;
    bool const well_formed = e.mark().file == "fuzz.yaml" && what.starts_with("fuzz.yaml") &&
                             !e.problem().empty() && e.mark().line >= 0 && e.mark().column >= 0;
    if (!well_formed) FAIL("malformed InputError: " << what << "\nfor input:\n" << mutant);
  } catch (std::exception const& e) {
    FAIL("escaped exception: " << e.what() << "\nfor input:\n" << mutant);
  } catch (...) {
    FAIL("escaped non-standard exception for input:\n" << mutant);
  }
}

/// Mutates each seed text `mutants_per_text` times and parses every mutant.
Outcome run_campaign(std::uint64_t seed, int mutants_per_text) {
  std::vector<std::string> const texts{read_data("kafka_every_key.yaml"),
                                       read_data("reference_minimal.yaml"), block_style};
  SplitMix64 rng(seed);
  Outcome outcome;
  for (std::string const& text : texts) {
    for (int i = 0; i < mutants_per_text; ++i) check_one(mutate(text, rng), outcome);
  }
  return outcome;
}

}  // namespace

TEST_CASE("the seed texts are valid scenarios", "[scenario][fuzz]") {
  CHECK(parse_scenario(block_style, "block.yaml").faults.size() == 1);
  CHECK_NOTHROW(parse_scenario(read_data("kafka_every_key.yaml"), "every.yaml"));
  CHECK_NOTHROW(parse_scenario(read_data("reference_minimal.yaml"), "minimal.yaml"));
}

TEST_CASE("mutated scenarios parse or throw InputError, nothing else", "[scenario][fuzz]") {
  constexpr int mutants_per_text = 2'000;
  Outcome const outcome = run_campaign(20'240'601, mutants_per_text);
  CAPTURE(outcome.parsed, outcome.rejected, outcome.syntax_errors, outcome.key_errors);
  CHECK(outcome.parsed + outcome.rejected == 3 * mutants_per_text);
  // Not vacuous: the mutants reach both yaml-cpp's errors and the loader's own checks, and
  // some survive (a mutation inside a name or a comment keeps the scenario valid).
  CHECK(outcome.parsed > 100);
  CHECK(outcome.syntax_errors > 100);
  CHECK(outcome.key_errors > 1'000);
}

TEST_CASE("the fuzz campaign is deterministic", "[scenario][fuzz][determinism]") {
  Outcome const a = run_campaign(7, 200);
  Outcome const b = run_campaign(7, 200);
  CHECK(a.parsed == b.parsed);
  CHECK(a.rejected == b.rejected);
  CHECK(a.digest == b.digest);
  Outcome const c = run_campaign(8, 200);
  CHECK(c.digest != a.digest);  // The seed matters.
}
