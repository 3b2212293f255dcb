// SPDX-License-Identifier: Apache-2.0
// File: tests/common/run_mqcheck.hpp (tests)
// Runs the mqcheck binary the way a user does, for end-to-end tests: the command line, its exit
// status and everything it printed. MQCHECK_BINARY is set by tests/CMakeLists.txt.
#pragma once

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

namespace mqcheck::testing {

struct CommandResult {
  int status;
  std::string output;  // stdout and stderr together.
};

/// Runs `mqcheck ARGS` through the shell; status -1 when it did not exit normally.
inline CommandResult run_mqcheck(std::string const& args) {
  std::string const command = std::string(MQCHECK_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  int const raw = pclose(pipe);
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, output};
}

}  // namespace mqcheck::testing
