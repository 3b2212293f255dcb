// SPDX-License-Identifier: Apache-2.0
// File: core/config_map.hpp (layer: core)
// Broker and client configuration exactly as the user wrote it: the broker's own key names
// (`acks`, `x-queue-type`, `flushDiskType`, ...) mapped to their text, each with the place it
// came from, so that a model's config parser can reject a bad value with file, line and key.
#pragma once

#include <map>
#include <string>

#include "core/input_error.hpp"

namespace mqcheck {

struct ConfigValue {
  std::string text;  // The scalar as written ("all", "2", "true").
  SourceMark mark;   // Where the value stands.
  /// From a broker's own config file (a Kafka .properties file), which holds keys mqcheck does
  /// not model: a reader leaves such a key alone when nobody declared it, instead of rejecting
  /// it as the typo it would be in a scenario, and the run lists it as ignored.
  bool lenient = false;
  /// Set by a model's config reader when it declares the key: after the world is built, a
  /// lenient value still unread is one the model ignored. Bookkeeping, not configuration, so
  /// it may change on a const map.
  mutable bool read = false;
};

/// Ordered by key, so that iteration (and every message derived from it) is deterministic.
using ConfigMap = std::map<std::string, ConfigValue>;

}  // namespace mqcheck
