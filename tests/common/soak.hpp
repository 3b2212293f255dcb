// SPDX-License-Identifier: Apache-2.0
// File: tests/common/soak.hpp (tests)
// How many seeds a seeded test loop runs: all of them in an optimised or plain Debug build,
// about a fifth under AddressSanitizer. The sanitizer build hunts memory errors, which a
// fraction of the seeds already exercise (every code path is reached in the first few dozen);
// its suite was near the CI budget, most of it spent in these loops. The Release and Debug
// suites keep every seed, so no verdict loses coverage.
#pragma once

#include <cstdint>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)  // Clang spells it this way; GCC defines the macro.
#define MQCHECK_SOAK_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define MQCHECK_SOAK_SANITIZED 1
#endif

/// Tags a test that checks the answer of a large search or sweep, not a code path of its own:
/// the sanitizer build hides it (Catch2 runs "[." tags only when asked), the optimised and
/// Debug suites run it. Use it only where smaller tests reach the same code.
#if defined(MQCHECK_SOAK_SANITIZED)
#define MQCHECK_NOT_SANITIZED "[.not-sanitized]"
#else
#define MQCHECK_NOT_SANITIZED "[not-sanitized]"
#endif

namespace mqcheck::testing {

/// True in a build with AddressSanitizer (MQCHECK_SANITIZE=ON).
#if defined(MQCHECK_SOAK_SANITIZED)
inline constexpr bool sanitized_build = true;
#else
inline constexpr bool sanitized_build = false;
#endif

/// Returns how many of `n` seeds a loop runs: `n`, or under the sanitizer n/5 but never fewer
/// than min(n, 8), so a small loop still runs a handful. Assertions on a count that grows with
/// the seeds (e.g. "at least a tenth applied") must be written against soak(n), not n.
constexpr std::uint64_t soak(std::uint64_t n) {
  if (!sanitized_build) return n;
  std::uint64_t const floor = n < 8 ? n : 8;
  return n / 5 > floor ? n / 5 : floor;
}

}  // namespace mqcheck::testing
