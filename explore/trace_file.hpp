// SPDX-License-Identifier: Apache-2.0
// File: explore/trace_file.hpp (layer: explore)
// A counterexample as a file: JSON holding the scenario path, the bounds that matter for
// replay (--crashes, --settle), the guarantee it breaks, the choice indices and the words of
// each step. `mqcheck replay TRACE` reads it back. A bad file is an InputError naming the key.
#pragma once

#include <string>

#include "explore/explore.hpp"

namespace mqcheck::explore {

/// Returns the JSON text of `trace` (one object, keys in a fixed order, ending in a newline).
std::string format_trace(Trace const& trace);

/// Parses a trace from `text`, read from `path` (for error messages). Unknown keys, missing
/// keys and wrong types are InputErrors that name the key (and the nearest valid one).
Trace parse_trace(std::string const& text, std::string const& path);

/// Reads and parses the trace file at `path`.
Trace load_trace(std::string const& path);

}  // namespace mqcheck::explore
