// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/streamed_check.hpp (tests, layer: checker)
// What the streaming-path tests of the feature checks share: one check_streaming run that
// notes whether it loaded the history, a light damage (a few ops dropped, repeated at the end
// or retyped), the lookup of one guarantee's verdict in a report, the random featured
// histories and the loop that holds the stream to check_history on them.
#pragma once

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checker/check.hpp"
#include "checker/delivery_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/anomaly_injection.hpp"
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

/// Streams `h` as stream() does and holds the report to check_history's (the history printed
/// when they differ); returns the run.
inline Streamed stream_agreeing(history::History const& h) {
  Streamed s = stream(h);
  INFO(history::to_jsonl(h));
  CHECK(s.report == check_history(h));
  return s;
}

/// Returns the verdict of `guarantee` in `report`; fails the test when there is none.
inline Verdict verdict_required(DeliveryReport const& report, std::string const& guarantee) {
  for (Verdict const& v : report.verdicts)
    if (v.guarantee == guarantee) return v;
  FAIL("no " + guarantee + " verdict");
  return Verdict{};
}

/// Runs the streaming delivery pass alone over `h` with `options`; returns its stats and, when
/// `report` is given, writes the report there.
inline StreamStats stream_delivery(history::History const& h, StreamOptions const& options,
                                   DeliveryReport* report = nullptr) {
  StreamStats stats;
  DeliveryReport const got = check_delivery_stream(h.header(), ops_of(h), options, &stats);
  if (report != nullptr) *report = got;
  return stats;
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

/// A random shape with the feature properties: a broadcast group, a dead-letter group and a
/// priority queue beside the plain groups, and the shapes that need the whole history.
inline Shape featured_shape(mqcheck::testing::SplitMix64& rng) {
  Shape shape = random_shape(rng);
  shape.features = true;
  shape.whole_features = true;
  return shape;
}

/// With probability `p`, injects one anomaly drawn from all_injectors() into `h`; a drawn
/// transactional injector injects nothing (the feature histories have no transactions to break).
inline void maybe_inject(history::History& h, mqcheck::testing::SplitMix64& rng, double p) {
  auto const injectors = all_injectors();
  Injector const& injector = injectors[rng.below(injectors.size())];
  if (rng.chance(p) && !injector.transactions)
    if (auto broken = injector.inject(h, rng)) h = std::move(broken->history);
}

/// With probability 0.3, damage(h).
inline void maybe_damage(history::History& h, mqcheck::testing::SplitMix64& rng) {
  if (rng.chance(0.3)) h = damage(h, rng);
}

/// What streaming a run of random histories showed.
struct Tally {
  std::uint64_t judged = 0;            // With a verdict of the guarantee.
  std::uint64_t streamed = 0;          // ...whose feature verdicts came from the stream.
  std::uint64_t streamed_invalid = 0;  // ...and that verdict was invalid.
};

/// Streams `make(seed)` for seeds 1..count (a third with a short settle delay, so that later ops
/// meet messages already let go) and requires check_history's report of each, byte for byte,
/// with the feature verdicts from the stream exactly when it did not load. An empty
/// `guarantee` counts every history as judged.
template <class Make>
Tally agree_streamed(std::uint64_t count, Make make, std::string_view guarantee) {
  Tally tally;
  for (std::uint64_t seed = 1; seed <= count; ++seed) {
    history::History const h = make(seed);
    Streamed const s = stream(h, seed % 3 == 0 ? 4 : 1 << 16);
    DeliveryReport const whole = check_history(h);
    INFO("seed " << seed << "\n" << history::to_jsonl(h));
    REQUIRE(s.report == whole);
    CHECK(s.stats.features_streamed == !s.loaded);  // Feature verdicts come from one or other.
    Verdict const* const verdict = guarantee.empty() ? nullptr : verdict_named(whole, guarantee);
    if (!guarantee.empty() && verdict == nullptr) continue;
    ++tally.judged;
    if (!s.stats.features_streamed) continue;
    ++tally.streamed;
    tally.streamed_invalid += verdict != nullptr && verdict->validity == Validity::invalid;
  }
  return tally;
}

}  // namespace mqcheck::checker::testing
