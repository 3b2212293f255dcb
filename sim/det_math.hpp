// SPDX-License-Identifier: Apache-2.0
// File: sim/det_math.hpp (layer: sim)
// Logarithm and exponential built from +, -, *, / and the exact std::frexp / std::ldexp only.
// Invariant: results are bit-identical on every compiler, libm and build type, because each
// operation used is correctly rounded by IEEE 754 (the build also sets -ffp-contract=off, so
// no fused multiply-add changes a rounding). A host std::log may differ in the last bit
// between libms, and one such bit would change a sampled delay and so a whole history.
#pragma once

namespace mqcheck::sim {

/// Returns the natural logarithm of `x`, within about one ulp of the exact value.
/// Requires 0 < x < +inf (subnormal inputs are accepted).
double det_log(double x);

/// Returns e raised to `x`, within about one ulp of the exact value for normal results.
/// Returns +inf above the overflow threshold (~709.78) and 0 far below the underflow one.
/// Requires x not NaN.
double det_exp(double x);

}  // namespace mqcheck::sim
