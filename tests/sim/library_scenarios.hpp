// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/library_scenarios.hpp
// The scenario files of the library's folders (scenarios/<dir>/*.yaml), sorted, for the tests
// that sweep them.
#pragma once

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <vector>

namespace mqcheck::testing {

inline std::vector<std::filesystem::path> library_scenarios(
    std::initializer_list<char const*> dirs) {
  std::vector<std::filesystem::path> out;
  for (char const* dir : dirs) {
    for (auto const& e :
         std::filesystem::directory_iterator(std::filesystem::path(MQCHECK_SOURCE_DIR) / dir)) {
      if (e.path().extension() == ".yaml") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace mqcheck::testing
