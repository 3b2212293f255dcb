// SPDX-License-Identifier: Apache-2.0
// File: core/distribution.cpp (layer: core)
// Text form of a Distribution, for messages and reports. Invariant: it names exactly the
// fields the distribution's kind uses, each with format_duration, so the text is exact.
#include "core/distribution.hpp"

#include "core/assert.hpp"

namespace mqcheck {

std::string format_distribution(Distribution const& d) {
  switch (d.kind) {
    case Distribution::Kind::constant:
      return "constant(" + format_duration(d.mean) + ")";
    case Distribution::Kind::uniform:
      return "uniform(min " + format_duration(d.min) + ", max " + format_duration(d.max) + ")";
    case Distribution::Kind::exponential:
      return "exponential(mean " + format_duration(d.mean) + ", min " + format_duration(d.min) +
             ")";
    case Distribution::Kind::normal:
      return "normal(mean " + format_duration(d.mean) + ", stddev " + format_duration(d.stddev) +
             ", min " + format_duration(d.min) + ")";
  }
  MQCHECK_ASSERT_MSG(false, "unknown Distribution::Kind");
  return "";
}

}  // namespace mqcheck
