// SPDX-License-Identifier: Apache-2.0
// File: sim/properties_file.hpp (layer: sim)
// Java `.properties` files (server.properties, producer.properties, consumer.properties), so a
// user can check the Kafka settings they actually run. The format is java.util.Properties'
// load(Reader): see its Javadoc (https://docs.oracle.com/en/java/javase/17/docs/api/java.base/
// java/util/Properties.html#load(java.io.Reader)). A real file holds many keys mqcheck does not
// model (bootstrap.servers, key.serializer, log.dirs, num.network.threads, ...): its values are
// marked lenient, so the model's config reader leaves an undeclared one alone instead of
// rejecting it, and `ignored_keys` lists them afterwards — never silently dropped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/config_map.hpp"
#include "sim/scenario.hpp"

namespace mqcheck::sim {

/// Parses the text of a .properties file named `file` (for error marks). Rules of
/// java.util.Properties.load: a line starting (after blanks) with '#' or '!' is a comment; the
/// key ends at the first unescaped '=', ':' or blank, then blanks and one '=' or ':' are
/// skipped; a line ending in an odd number of backslashes continues on the next (its leading
/// blanks dropped); escapes \t \n \r \f \uXXXX and \c (= c) apply in keys and values; a later
/// line for the same key wins. Every value is lenient and marked with its line and column.
/// Throws InputError naming the line for a malformed \u escape.
ConfigMap parse_properties(std::string_view text, std::string const& file);

/// Reads and parses the file at `path`; `where` (the scenario key that named it) is blamed
/// when the file cannot be read.
ConfigMap read_properties(std::string const& path, SourceMark const& where);

/// Returns `base` with every key of `over` set to over's value (inline keys win over a file's).
ConfigMap overlay(ConfigMap base, ConfigMap const& over);

/// A key taken from a properties file that no model reader declared, so it had no effect.
struct IgnoredKey {
  std::string scope;  // "broker_config", "producers[0].config", ...
  std::string key;
  SourceMark mark;    // Its line in the properties file.
};

/// Returns the lenient keys of `s` that no config reader declared, in scope order then key
/// order. Meaningful after the scenario's world was built (simulate or run), which reads them.
std::vector<IgnoredKey> ignored_keys(Scenario const& s);

}  // namespace mqcheck::sim
