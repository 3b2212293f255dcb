// SPDX-License-Identifier: Apache-2.0
// File: sim/yaml_reader.hpp (layer: sim)
// Typed, position-aware reading of a parsed YAML document for the scenario loader. Every
// accessor returns a value of the type asked for or throws an InputError that names the file,
// the 1-based line and column, and the dotted key path ("producers[0].rate_per_s"). Nothing
// here substitutes a default for bad input, and no yaml-cpp exception leaves this layer.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/input_error.hpp"

namespace mqcheck::sim {

class YamlMap;

/// One YAML node, with the dotted path that leads to it and the file it came from.
class YamlField {
 public:
  /// `empty_at` is where to report an empty (null) node, whose own yaml-cpp mark is where the
  /// parser noticed the absence, often the next line; a map passes the key's mark.
  YamlField(YAML::Node node, std::string path, std::string file,
            YAML::Mark empty_at = YAML::Mark::null_mark());

  /// Returns where the node starts, 1-based (0 when yaml-cpp has no position for it).
  SourceMark mark() const;
  /// Returns the dotted key path of the node ("" for the document itself).
  std::string const& path() const { return path_; }
  /// Returns the underlying yaml-cpp node.
  YAML::Node const& node() const { return node_; }
  /// Returns the node in words for messages: "'abc'", "a map", "a sequence" or "nothing".
  std::string describe() const;
  /// Throws InputError(mark(), path(), problem).
  [[noreturn]] void fail(std::string const& problem) const;

  /// Returns the text of a scalar; throws unless the node is a scalar (null is not one).
  std::string text() const;
  /// Returns the text of a non-empty scalar: names, ids, targets.
  std::string name() const;
  /// Returns the decimal integer written here, checked against [min, max].
  std::int64_t integer(std::int64_t min, std::int64_t max) const;
  /// Returns the unsigned decimal integer (up to 2^64 - 1) written here.
  std::uint64_t unsigned_integer() const;
  /// Returns true for `true` and false for `false`; any other spelling is an error.
  bool boolean() const;
  /// Returns the elements of a sequence, with paths "path[0]", "path[1]", ...
  std::vector<YamlField> items() const;
  /// Returns the node as a map whose keys must all be in `keys`; see YamlMap.
  YamlMap map(std::span<std::string_view const> keys, std::string_view hint = {}) const;

 private:
  YAML::Node node_;
  YAML::Mark mark_;
  std::string path_;
  std::string file_;
};

/// A YAML map with scalar, non-empty, unique keys, kept in file order.
class YamlMap {
 public:
  struct Entry {
    std::string key;
    SourceMark key_mark;
    YamlField value;
  };

  /// Checks that `field` is a map with scalar, non-empty and unique keys; any key is allowed.
  explicit YamlMap(YamlField field);

  /// Throws for the first key (in file order) not in `keys`, suggesting the nearest one.
  /// `hint` is appended to the message when nothing is near ("broker keys go under 'config'").
  void allow_only(std::span<std::string_view const> keys, std::string_view hint = {}) const;
  /// Returns whether `key` is present.
  bool has(std::string_view key) const;
  /// Returns the value of `key`, or nothing when it is absent.
  std::optional<YamlField> find(std::string_view key) const;
  /// Returns the value of `key`; throws "required key is missing" at the map's mark.
  YamlField require(std::string_view key) const;
  /// Throws "required key is missing" for `key`, at the map's mark.
  [[noreturn]] void fail_missing(std::string_view key) const;
  /// Returns the map itself as a field (for its mark and path).
  YamlField const& self() const { return self_; }
  /// Returns the entries in file order.
  std::vector<Entry> const& entries() const { return entries_; }
  /// Returns the dotted path of `key` inside this map.
  std::string child_path(std::string_view key) const;

 private:
  YamlField self_;
  std::vector<Entry> entries_;
};

/// Parses `text` as exactly one YAML document and returns its root. Converts yaml-cpp's
/// exceptions into InputError; an empty text (or one holding only comments) is an error too.
YamlField parse_yaml(std::string const& text, std::string const& file);

/// Returns the 1-based SourceMark of a yaml-cpp mark (0 where yaml-cpp has none).
SourceMark to_source_mark(YAML::Mark const& mark, std::string const& file);

/// Returns `text` quoted for a message, cut to 40 characters: 'abc'.
std::string quote_text(std::string_view text);

}  // namespace mqcheck::sim
