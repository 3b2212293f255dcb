// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_stream_agreement.hpp (tests, layer: checker)
// What the streaming ordering tests share: a history streamed at settle delays 0, 3 and 2^20,
// each answer held to check_ordering's (and check_streaming's to check_history's), with how
// many passes the longest delay took and whether it loaded.
#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "history/history_io.hpp"
#include "tests/checker/random_history.hpp"
#include "tests/common/soak.hpp"

namespace mqcheck::checker::testing {

struct OrderingStreamed {
  std::uint64_t passes = 0;
  bool loaded = false;  // The ordering stream could not decide: the history was loaded.
  std::vector<Verdict> verdicts;
};

inline OrderingStreamed stream_ordering(history::History const& h) {
  std::vector<Verdict> const whole = check_ordering(h);
  OrderingStreamed out;
  for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{1} << 20}) {
    StreamStats stats;
    out.verdicts = check_ordering_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("settle delay " << delay << "\n" << history::to_jsonl(h));
    REQUIRE(out.verdicts == whole);
    out.passes = stats.passes;
    out.loaded = stats.loaded_for == "ordering";
    StreamStats full_stats;
    DeliveryReport const full = check_streaming(
        h.header(), ops_of(h), [&] { return h; }, {}, StreamOptions{delay}, &full_stats);
    REQUIRE(full == check_history(h));
    // The whole check may load for transactions or features; for ordering only when this did.
    if (!out.loaded) CHECK(full_stats.loaded_for != "ordering");
  }
  return out;
}

/// Whether the ordering stream decides `h` (at the default settle delay) without loading it.
inline bool ordering_streams(history::History const& h) {
  StreamStats stats;
  (void)check_ordering_stream(h.header(), ops_of(h), StreamOptions{}, &stats);
  return stats.loaded_for.empty();
}

/// The kinds of every anomaly the verdicts list, in their order.
inline std::vector<std::string> anomaly_kinds(OrderingStreamed const& s) {
  std::vector<std::string> out;
  for (Verdict const& v : s.verdicts)
    for (Anomaly const& a : v.anomalies) out.push_back(a.kind);
  return out;
}

/// How many of the verdicts' anomalies are of `kind`.
inline std::ptrdiff_t anomaly_count(OrderingStreamed const& s, std::string const& kind) {
  std::vector<std::string> const all = anomaly_kinds(s);
  return std::count(all.begin(), all.end(), kind);
}

/// Of random valid histories that stream with no ordering anomaly, those `inject` (given the
/// history and the seed's generator) turned into another history that still has none.
struct InjectedShare {
  int injected = 0;
  int loaded = 0;  // Of those, how many the stream loaded anyway.
};

/// Runs seeds 1..soak(seeds) (generator seed * salt; every other seed without features), each
/// injected history held to check_ordering at three delays (stream_ordering).
template <class Inject>
InjectedShare stream_injected(std::uint64_t seeds, std::uint64_t salt, Inject inject) {
  InjectedShare share;
  for (std::uint64_t seed = 1; seed <= mqcheck::testing::soak(seeds); ++seed) {
    SplitMix64 rng(seed * salt);
    Shape shape = random_shape(rng);
    if (seed % 2 == 0) shape.features = false;
    history::History const h = random_valid_history(seed, shape);
    StreamStats stats;
    (void)check_ordering_stream(h.header(), ops_of(h), StreamOptions{}, &stats);
    std::optional<history::History> const injected = inject(h, rng);
    if (!injected) continue;
    INFO("seed " << seed);
    OrderingStreamed const got = stream_ordering(*injected);
    bool const clean = got.verdicts.empty() || got.verdicts[0].anomalies.empty();
    if (!stats.loaded_for.empty() || !clean) continue;
    ++share.injected;
    if (got.loaded) ++share.loaded;
  }
  INFO(share.loaded << " of " << share.injected << " loaded");
  return share;
}

}  // namespace mqcheck::checker::testing
