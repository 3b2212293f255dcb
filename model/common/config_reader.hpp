// SPDX-License-Identifier: Apache-2.0
// File: model/common/config_reader.hpp (layer: model)
// Typed, strict reading of a ConfigMap (a broker's or client's own keys, as written). Every
// key a model reads is declared; a key nobody declared is an InputError naming the nearest
// declared key, and a value of the wrong form is an InputError at its file, line and key.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config_map.hpp"
#include "core/time.hpp"

namespace mqcheck::model {

/// Largest millisecond value a key takes: about 31 years, far from overflow in microseconds.
inline constexpr std::int64_t config_ms_max = 1'000'000'000'000;

/// Throws an InputError for `scope`.`key`, at the key's line when `map` holds it, else at
/// `where` (a required key that is missing).
[[noreturn]] void fail_at(ConfigMap const& map, std::string const& scope, SourceMark const& where,
                          std::string const& key, std::string const& problem);

class ConfigReader {
 public:
  /// `scope` prefixes keys in messages ("broker_config", "producers[0].config").
  ConfigReader(ConfigMap const& map, std::string scope, SourceMark where);

  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
  bool boolean(std::string_view key, bool fallback);
  /// Returns the value as written, "" when the key is absent (free text: a principal, a
  /// client id, a list the caller splits).
  std::string text(std::string_view key);
  DurationUs duration(std::string_view key, DurationUs fallback);
  /// Returns the index in `choices` of the value; `fallback` when the key is absent.
  std::size_t choice(std::string_view key, std::size_t fallback,
                     std::initializer_list<std::string_view> choices);

  /// Throws for the first key that no call above declared, except lenient ones (from a
  /// broker's own config file: listed as ignored by the caller). Call it after reading them all.
  void reject_unknown() const;

 private:
  ConfigValue const* find(std::string_view key);
  [[noreturn]] void fail(ConfigValue const& value, std::string_view key,
                         std::string const& problem) const;

  ConfigMap const& map_;
  std::string scope_;
  SourceMark where_;
  std::vector<std::string> declared_;  // In declaration order, for suggestions.
};

}  // namespace mqcheck::model
