// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/streamed_check.hpp (tests, layer: checker)
// What the streaming-path tests of the feature checks share: one check_streaming run that
// notes whether it loaded the history, a light damage (a few ops dropped, repeated at the end
// or retyped) and the lookup of one guarantee's verdict in a report.
#pragma once

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "checker/check.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"
#include "tests/common/splitmix64.hpp"

namespace mqcheck::checker::testing {

struct Streamed {
  DeliveryReport report;
  StreamStats stats;
  bool loaded = false;  // The stream doubted and the history was loaded.
};

inline Streamed stream(history::History const& h, std::uint64_t settle_delay = 1 << 16) {
  Streamed out;
  out.report = check_streaming(
      h.header(), ops_of(h),
      [&] {
        out.loaded = true;
        return h;
      },
      {}, StreamOptions{settle_delay}, &out.stats);
  return out;
}

/// Drops, repeats or retypes one to three ops, as the agreement test's damage does.
inline history::History damage(history::History const& h, mqcheck::testing::SplitMix64& rng) {
  using history::OpType;
  std::vector<history::Op> ops(h.ops().begin(), h.ops().end());
  for (int e = rng.between(1, 3); e > 0 && !ops.empty(); --e) {
    std::size_t const i = rng.below(ops.size());
    switch (rng.below(3)) {
      case 0: ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i)); break;
      case 1: ops.push_back(ops[i]); break;  // Happens again at the end.
      default:
        if (ops[i].type != OpType::event)
          ops[i].type = std::array{OpType::ok, OpType::info, OpType::fail}[rng.below(3)];
        break;
    }
  }
  return rebuild(h.header(), std::move(ops));
}

/// Returns the verdict of `guarantee` in `report`, or nullptr.
inline Verdict const* verdict_named(DeliveryReport const& report, std::string_view guarantee) {
  auto const found =
      std::find_if(report.verdicts.begin(), report.verdicts.end(),
                   [&](Verdict const& v) { return v.guarantee == guarantee; });
  return found == report.verdicts.end() ? nullptr : &*found;
}

/// Streams `make(n)` for a short and a ten times longer history (2,000 and 20,000 messages, fewer
/// under the sanitizers); each must stream without loading, give check_history's report and
/// judge `guarantee` valid. Returns the two peaks of the streams' memory, for the caller to hold
/// flat.
template <class Make>
std::array<std::size_t, 2> memory_peaks(Make make, std::string_view guarantee) {
  std::array<std::size_t, 2> peak{};
  std::uint64_t const sizes[2] = {mqcheck::testing::soak(2'000), mqcheck::testing::soak(20'000)};
  for (int i = 0; i < 2; ++i) {
    history::History const h = make(sizes[i]);
    Streamed const s = stream(h, 64);
    REQUIRE_FALSE(s.loaded);
    REQUIRE(s.stats.features_streamed);
    REQUIRE(s.report == check_history(h));
    Verdict const* const verdict = verdict_named(s.report, guarantee);
    REQUIRE(verdict != nullptr);
    REQUIRE(verdict->validity == Validity::valid);
    peak[i] = s.stats.memory_peak_bytes;
  }
  return peak;
}

}  // namespace mqcheck::checker::testing
