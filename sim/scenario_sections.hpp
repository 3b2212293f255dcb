// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_sections.hpp (layer: sim, internal to the scenario loader)
// Readers of the scenario file's sections, split across scenario*.cpp by what they read.
// Each takes the section's YAML node and returns typed values or throws InputError; none
// looks at any other section (cross-references are checked in scenario.cpp).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/config_map.hpp"
#include "core/input_error.hpp"
#include "sim/scenario.hpp"
#include "sim/yaml_reader.hpp"

namespace mqcheck::sim {

// Limits on sizes (TigerStyle: put a limit on everything): a typo such as
// `messages: 10000000000` is refused, not turned into an out-of-memory crash.
inline constexpr std::int64_t messages_max = 1'000'000'000;

/// Returns the index of `text` in `choices`, or throws naming the nearest choice.
template <std::size_t n>
inline std::size_t read_choice(YamlField const& field,
                               std::array<std::string_view, n> const& choices,
                               std::string_view what) {
  std::string const text = field.text();
  for (std::size_t i = 0; i < n; ++i) {
    if (choices[i] == text) return i;
  }
  std::string const near = nearest(text, choices);
  std::string problem = "unknown " + std::string(what) + " " + quote_text(text);
  if (!near.empty()) field.fail(problem + "; did you mean '" + near + "'?");
  problem += "; expected one of";
  for (std::size_t i = 0; i < n; ++i) {
    problem += (i == 0 ? " '" : ", '") + std::string(choices[i]) + "'";
  }
  field.fail(problem);
}

/// Names declared so far (topics and queues, producer ids), each with the line it came from.
using Declared = std::map<std::string, int>;

/// Reads the `topic` of a producer or consumer, which must name a declared topic or queue.
std::string read_topic_ref(YamlField const& field, Declared const& topics);

/// Reads a non-empty list of distinct, non-empty tags (Kafka: a record header's values).
std::vector<std::string> read_tags(YamlField const& field);

// A Kafka consumer's extras (scenario_consumer.cpp; docs/scenario-format.md): each reads its
// key's map; topics must be declared.
TransformSpec read_transform(YamlField const& field, Declared const& topics);
FilterSpec read_filter(YamlField const& field);
DelaySpec read_delay(YamlField const& field);
DeadLetterSpec read_dead_letter(YamlField const& field, Declared const& topics);
RetryTopicsSpec read_retry_topics(YamlField const& field, Declared const& topics);
SeekSpec read_seek(YamlField const& field);

/// Reads a map of a broker's or client's own keys; values must be scalars and keep their text
/// and position. The keys are not checked here: the broker's model validates them.
ConfigMap read_config_map(YamlField const& field);

/// Reads `network:` (default latency, drop, duplicate, reorder, and per-link overrides).
NetworkSpec read_network(YamlField const& field);

/// Reads `faults:`, the timed schedule, in file order (ties at one `at` apply in that order).
std::vector<TimedFault> read_faults(YamlField const& field);

/// Reads `fault_rates:`, the random (Poisson) faults.
std::vector<RandomFault> read_fault_rates(YamlField const& field);

}  // namespace mqcheck::sim
