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
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"
#include "history/history_io.hpp"

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

}  // namespace mqcheck::checker::testing
