// SPDX-License-Identifier: Apache-2.0
// File: sim/det_math.cpp (layer: sim)
// det_log and det_exp by argument reduction and truncated Taylor series. Only +, -, *, /,
// std::frexp and std::ldexp are used; the constants are exact binary literals.
#include "sim/det_math.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/assert.hpp"

namespace mqcheck::sim {

namespace {

// ln 2 split so that k * ln2_hi is exact for every |k| < 2^21: ln2_hi keeps the leading 32
// significant bits of ln 2 (its low 21 mantissa bits are zero) and ln2_lo is the rest,
// rounded to nearest. Both were computed from ln 2 to 300 bits with mpmath.
constexpr double ln2_hi = 0x1.62e42fee00000p-1;
constexpr double ln2_lo = 0x1.a39ef35793c76p-33;
constexpr double inv_ln2 = 0x1.71547652b82fep+0;    // 1 / ln 2, rounded; only picks k.
constexpr double sqrt_half = 0x1.6a09e667f3bcdp-1;  // sqrt(1/2), rounded.

// Beyond these, e^x overflows to +inf or rounds to 0 whatever the reduction would give. The
// bounds also keep k well inside int.
constexpr double exp_overflow_x = 710.0;
constexpr double exp_underflow_x = -746.0;

// ln(1 + f) = 2 atanh(s) with s = f / (2 + f). Writing 2 atanh(s) = 2s + s * tail(s^2), the
// tail is 2 (z/3 + z^2/5 + ...) with z = s^2 <= 0.0295 (|s| <= 3 - 2 sqrt(2)). Twelve terms
// leave a truncation error below 0.0295^12 / 25, far under 2^-53 relative.
constexpr int log_terms = 12;
// e^r = 1 + r + r^2 (1/2 + r/6 + ...) with |r| <= ln(2) / 2; sixteen factors 1/n reach the
// r^17 / 17! term, below 1e-24.
constexpr int exp_factor_max = 17;

constexpr std::array<double, log_terms> log_coefficients = [] {
  std::array<double, log_terms> c{};
  for (int k = 0; k < log_terms; ++k) c[k] = 2.0 / (2 * k + 3);  // 2/3, 2/5, 2/7, ...
  return c;
}();

// Returns 2 (z/3 + z^2/5 + ... ), by Horner's rule from the smallest term.
double atanh_tail(double z) {
  double sum = log_coefficients[log_terms - 1];
  for (int k = log_terms - 2; k >= 0; --k) sum = log_coefficients[k] + z * sum;
  return z * sum;
}

// Returns e^r - 1 - r for |r| <= ln(2) / 2, as r^2/2 (1 + r/3 (1 + r/4 (1 + ...))).
double expm1_tail(double r) {
  double nested = 1.0;
  for (int n = exp_factor_max; n >= 3; --n) nested = 1.0 + r * nested / n;
  return 0.5 * (r * r) * nested;
}

}  // namespace

double det_log(double x) {
  MQCHECK_ASSERT(x > 0.0 && x <= std::numeric_limits<double>::max());
  int exponent = 0;
  double mantissa = std::frexp(x, &exponent);  // x = mantissa * 2^exponent, mantissa in [1/2, 1).
  if (mantissa < sqrt_half) {                  // Centre the mantissa on 1: [sqrt(1/2), sqrt(2)).
    mantissa *= 2.0;
    exponent -= 1;
  }
  // f is exact (Sterbenz). Keeping f as the leading term and computing only the small
  // correction from s makes the rounding of s cost a fraction of an ulp.
  double const f = mantissa - 1.0;
  double const s = f / (2.0 + f);
  double const half_f_squared = 0.5 * f * f;
  double const tail = atanh_tail(s * s);
  auto const k = static_cast<double>(exponent);
  // ln x = k ln2 + f - (f^2/2 - s (f^2/2 + tail)); the identity 2s = f - s f gives the split.
  double const result =
      k * ln2_hi - ((half_f_squared - (s * (half_f_squared + tail) + k * ln2_lo)) - f);
  MQCHECK_ASSERT((x < 1.0) == (result < 0.0));
  return result;
}

double det_exp(double x) {
  MQCHECK_ASSERT(x == x);  // Not NaN.
  if (x > exp_overflow_x) return std::numeric_limits<double>::infinity();
  if (x < exp_underflow_x) return 0.0;
  // x = k ln2 + r with k the nearest integer to x / ln2, so |r| <= ln(2) / 2 (plus rounding).
  double const scaled = x * inv_ln2;
  auto const k = static_cast<int>(scaled < 0.0 ? scaled - 0.5 : scaled + 0.5);
  auto const kd = static_cast<double>(k);
  double const r_hi = x - kd * ln2_hi;  // Exact: kd * ln2_hi is exact and close to x.
  double const r_lo = kd * ln2_lo;
  double const r = r_hi - r_lo;
  double const y = 1.0 + (r_hi + (expm1_tail(r) - r_lo));
  double const result = std::ldexp(y, k);  // Exact unless the result is subnormal.
  MQCHECK_ASSERT(result >= 0.0);
  return result;
}

}  // namespace mqcheck::sim
