// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/history_builder.hpp (tests, layer: checker)
// Writes tiny histories by hand for checker tests, one op a line, as Jepsen's kafka_test.clj
// does. Each call appends one op and returns its index, so a test can name its witnesses;
// times advance by one per op, so the history's "time never goes back" invariant holds.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checker/delivery.hpp"
#include "history/history.hpp"

namespace mqcheck::checker::testing {

using history::OpType;

class HistoryBuilder {
 public:
  HistoryBuilder() { history_.header().drained = true; }

  /// Sets the header's drained flag (the builder starts drained: most tests judge a final
  /// state; the "unseen" tests turn it off).
  HistoryBuilder& drained(bool value) {
    history_.header().drained = value;
    return *this;
  }

  /// Lists `groups` as the subscribers of `topic` in the header.
  HistoryBuilder& subscribe(std::string const& topic, std::vector<std::string> groups) {
    history_.header().subscriptions[topic] = std::move(groups);
    return *this;
  }

  /// Appends a send op of `process` for message `ids` to `topic`; returns its index.
  std::uint64_t send(OpType type, std::string process, std::vector<std::uint64_t> ids,
                     std::string const& topic = "orders") {
    return append(type, history::OpKind::send, std::move(process), "", ids, topic);
  }

  /// Appends a process op of `group` (by process "<group>-0") for `ids`; returns its index.
  std::uint64_t process(OpType type, std::string const& group, std::vector<std::uint64_t> ids,
                        std::string const& topic = "orders") {
    return append(type, history::OpKind::process, group + "-0", group, ids, topic);
  }

  /// Appends a process op by a named consumer `process` of `group`; returns its index.
  std::uint64_t process_by(OpType type, std::string process, std::string const& group,
                           std::vector<std::uint64_t> ids, std::string const& topic = "orders") {
    return append(type, history::OpKind::process, std::move(process), group, ids, topic);
  }

  /// Appends any other op (poll, ack, an event); returns its index.
  std::uint64_t other(OpType type, history::OpKind f, std::string process,
                      std::vector<std::uint64_t> ids, std::string const& topic = "orders") {
    return append(type, f, std::move(process), "", ids, topic);
  }

  history::History const& history() const { return history_; }

 private:
  std::uint64_t append(OpType type, history::OpKind f, std::string process, std::string group,
                       std::vector<std::uint64_t> const& ids, std::string const& topic) {
    history::Op op;
    op.time = SimTimeUs{time_us_++};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    for (std::uint64_t id : ids) op.value.push_back(history::Record{MessageId{id}, topic, {}, {}});
    return history_.append(std::move(op));
  }

  history::History history_;
  std::int64_t time_us_ = 0;
};

/// Returns (a copy of) the verdict on `guarantee` in `report`, so that it may outlive a
/// temporary report; fails the test when there is none.
inline Verdict verdict_of(DeliveryReport const& report, std::string_view guarantee) {
  for (Verdict const& verdict : report.verdicts)
    if (verdict.guarantee == guarantee) return verdict;
  FAIL("no verdict on " << guarantee);
  return report.verdicts.front();
}

/// Returns the kinds of `verdict`'s anomalies, in report order.
inline std::vector<std::string> kinds(Verdict const& verdict) {
  std::vector<std::string> out;
  for (Anomaly const& anomaly : verdict.anomalies) out.push_back(anomaly.kind);
  return out;
}

}  // namespace mqcheck::checker::testing

// Failed comparisons print the values, not "{?}".
template <>
struct Catch::StringMaker<mqcheck::checker::Validity> {
  static std::string convert(mqcheck::checker::Validity v) {
    return std::string(mqcheck::checker::to_string(v));
  }
};

template <>
struct Catch::StringMaker<mqcheck::checker::Anomaly> {
  static std::string convert(mqcheck::checker::Anomaly const& a) {
    std::string text = "{" + a.kind + ", message " + std::to_string(a.message.value) +
                       ", group " + a.group + ", witnesses";
    for (std::uint64_t w : a.witnesses) text += " " + std::to_string(w);
    return text + ", \"" + a.explanation + "\"}";
  }
};
