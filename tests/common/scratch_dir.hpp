// SPDX-License-Identifier: Apache-2.0
// File: tests/common/scratch_dir.hpp (tests)
// A test binary's scratch directory: one per process and tag under the system's temporary
// directory, created on first use and removed with everything in it when the process exits,
// so end-to-end tests leave nothing behind however often the suite runs (each run used to
// leave a mqcheck-cli-<pid> directory of histories and reports in /tmp).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>
#include <system_error>

namespace mqcheck::testing {

namespace scratch_detail {

// The directories made so far, removed when the process ends (static destruction).
struct Made {
  std::map<std::string, std::filesystem::path> by_tag;
  Made() = default;
  Made(Made const&) = delete;
  Made& operator=(Made const&) = delete;
  ~Made() {
    for (auto const& [tag, dir] : by_tag) {
      std::error_code ignored;  // Nothing to report to at exit; a leftover is harmless.
      std::filesystem::remove_all(dir, ignored);
    }
  }
};

inline Made& made() {
  static Made dirs;
  return dirs;
}

}  // namespace scratch_detail

/// The directory `<tmp>/mqcheck-<tag>-<pid>`, created if need be; removed at exit.
inline std::filesystem::path scratch_dir(std::string const& tag) {
  auto& dirs = scratch_detail::made().by_tag;
  auto it = dirs.find(tag);
  if (it == dirs.end()) {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("mqcheck-" + tag + "-" + std::to_string(::getpid()));
    it = dirs.emplace(tag, std::move(dir)).first;
  }
  std::filesystem::create_directories(it->second);
  return it->second;
}

}  // namespace mqcheck::testing
