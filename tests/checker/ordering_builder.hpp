// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/ordering_builder.hpp (tests, layer: checker)
// What the hand-written ordering tests share: a history of the partition-ordered topic
// "orders", read by groups billing (optionally with a tag filter) and audit, built op by op;
// and the check that the streaming ordering pass answers as check_ordering does.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "checker/check.hpp"
#include "checker/ordering.hpp"
#include "checker/ordering_stream.hpp"

namespace mqcheck::checker::testing {

class OrdersHistory {
 public:
  /// `billing_filter`: the tags billing subscribes to (empty: every message).
  explicit OrdersHistory(std::vector<std::string> billing_filter = {}) {
    header_.drained = true;
    header_.ordering = {{"orders", history::OrderingScope::partition}};
    header_.subscriptions = {{"orders", {"billing", "audit"}}};
    if (!billing_filter.empty()) header_.groups["billing"].filter = std::move(billing_filter);
    history_ = history::History(header_);
  }
  history::History const& history() const { return history_; }

 protected:
  struct OwnHeader {};
  /// A history of other topics than "orders": `header` as it is.
  OrdersHistory(OwnHeader, history::Header header) : header_(std::move(header)) {
    history_ = history::History(header_);
  }

 public:
  /// Appends an op one microsecond after the last; returns its index.
  std::uint64_t add(std::string process, history::OpType type, history::OpKind f, std::string group,
                    std::vector<history::Record> records) {
    history::Op op;
    op.time = SimTimeUs{++time_};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.value = std::move(records);
    history_.append(std::move(op));
    return history_.ops().back().index;
  }

 private:
  history::Header header_;
  history::History history_{history::Header{}};
  std::int64_t time_ = 0;
};

/// Streams `h` at settle delays 0, 3 and 2^20: each answer must be check_ordering's, and with
/// `whole_too` the whole streaming check's report must be check_history's. Returns the passes
/// the longest delay took (1: decided in one pass; 2: it doubted and read the history again).
inline std::uint64_t ordering_stream_passes(history::History const& h, bool whole_too = false) {
  std::vector<Verdict> const whole = check_ordering(h);
  std::uint64_t passes = 0;
  for (std::uint64_t const delay : {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{1} << 20}) {
    StreamStats stats;
    std::vector<Verdict> const streamed =
        check_ordering_stream(h.header(), ops_of(h), StreamOptions{delay}, &stats);
    INFO("settle delay " << delay);
    REQUIRE(streamed == whole);
    passes = stats.passes;
    if (!whole_too) continue;
    DeliveryReport const full = check_streaming(
        h.header(), ops_of(h), [&] { return h; }, {}, StreamOptions{delay});
    REQUIRE(full == check_history(h));
  }
  return passes;
}

}  // namespace mqcheck::checker::testing
