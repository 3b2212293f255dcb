// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_network.cpp (layer: sim)
// Reads the `network:` section: the default latency distribution and loss, duplication and
// reordering chances, plus per-link overrides. Link ends stay text ("broker-0", "*"); the
// world builder resolves them against node names.
#include <array>
#include <string_view>

#include "sim/scenario_sections.hpp"
#include "sim/scenario_values.hpp"

namespace mqcheck::sim {
namespace {

constexpr std::array<std::string_view, 5> network_keys{"latency", "drop", "duplicate", "reorder",
                                                       "links"};
constexpr std::array<std::string_view, 6> link_keys{"from", "to",        "latency",
                                                    "drop", "duplicate", "reorder"};

std::optional<Ratio> optional_ratio(YamlMap const& map, std::string_view key) {
  std::optional<YamlField> const field = map.find(key);
  if (!field) return std::nullopt;
  return read_ratio(*field);
}

LinkSpec read_link(YamlField const& field) {
  YamlMap const map = field.map(link_keys);
  LinkSpec link;
  link.from = map.require("from").name();
  link.to = map.require("to").name();
  if (std::optional<YamlField> const latency = map.find("latency")) {
    link.latency = read_distribution(*latency);
  }
  link.drop = optional_ratio(map, "drop");
  link.duplicate = optional_ratio(map, "duplicate");
  link.reorder = optional_ratio(map, "reorder");
  // A link that overrides nothing is almost certainly a mistake (a misplaced key).
  if (!link.latency && !link.drop && !link.duplicate && !link.reorder) {
    field.fail(
        "a link must override at least one of 'latency', 'drop', 'duplicate' and "
        "'reorder'");
  }
  link.mark = field.mark();
  return link;
}

}  // namespace

NetworkSpec read_network(YamlField const& field) {
  YamlMap const map = field.map(network_keys);
  NetworkSpec network;
  if (std::optional<YamlField> const latency = map.find("latency")) {
    network.latency = read_distribution(*latency);
  }
  network.drop = optional_ratio(map, "drop").value_or(Ratio{0, 1});
  network.duplicate = optional_ratio(map, "duplicate").value_or(Ratio{0, 1});
  network.reorder = optional_ratio(map, "reorder").value_or(Ratio{0, 1});
  if (std::optional<YamlField> const links = map.find("links")) {
    for (YamlField const& item : links->items()) network.links.push_back(read_link(item));
  }
  return network;
}

}  // namespace mqcheck::sim
