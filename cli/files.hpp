// SPDX-License-Identifier: Apache-2.0
// File: cli/files.hpp (layer: cli)
// Writing the files the commands produce (reports, histories, traces, DOT) and choosing a
// report's form by its name. One place, so that every command names the option and the path
// when a file cannot be written, with exit status 2 like any other bad input.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

#include "core/input_error.hpp"

namespace mqcheck::cli {

/// Returns true when `path` ends in `suffix` (".html", ".svg", ".dot").
inline bool has_suffix(std::string_view path, std::string_view suffix) {
  return path.size() >= suffix.size() && path.substr(path.size() - suffix.size()) == suffix;
}

/// Opens `path` for writing, calls `write(stream)`, and flushes; throws InputError naming
/// `option` and `path` when the file cannot be opened or written.
template <class Write>
void write_with(std::string const& path, char const* option, Write&& write) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw InputError({path, 0, 0}, option, "cannot open the file for writing");
  write(out);
  if (!out.flush()) throw InputError({path, 0, 0}, option, "writing the file failed");
}

/// Writes `text` to `path` (see write_with).
inline void write_text(std::string const& path, char const* option, std::string const& text) {
  write_with(path, option, [&](std::ostream& out) { out << text; });
}

}  // namespace mqcheck::cli
