// SPDX-License-Identifier: Apache-2.0
// File: core/assert.hpp (layer: core)
// Assertions that stay on in every build type: a broken invariant in a simulator must stop
// the run loudly, not produce a plausible but wrong verdict.
#pragma once

namespace mqcheck::detail {
[[noreturn]] void assert_failed(char const* expr, char const* file, int line, char const* msg);
}  // namespace mqcheck::detail

#define MQCHECK_ASSERT(expr)                                                      \
  do {                                                                            \
    if (!(expr)) ::mqcheck::detail::assert_failed(#expr, __FILE__, __LINE__, ""); \
  } while (false)

#define MQCHECK_ASSERT_MSG(expr, msg)                                              \
  do {                                                                             \
    if (!(expr)) ::mqcheck::detail::assert_failed(#expr, __FILE__, __LINE__, msg); \
  } while (false)
