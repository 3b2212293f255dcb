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
    for (std::uint64_t id : ids) op.value.push_back(history::Record::of(MessageId{id}, topic));
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

namespace mqcheck::checker::testing {

/// Writes tiny transactional histories (checker/transactions.hpp tests): ops carry a `txn`,
/// outputs a `source`, and groups an isolation level. Same conventions as HistoryBuilder:
/// starts drained, one op per call, returns its index, time advances by one per op.
class TxnHistoryBuilder {
 public:
  TxnHistoryBuilder() { history_.header().drained = true; }

  /// Sets the header's drained flag.
  TxnHistoryBuilder& drained(bool value) {
    history_.header().drained = value;
    return *this;
  }

  /// Declares `group` read_committed in the header (groups not declared read uncommitted).
  TxnHistoryBuilder& read_committed(std::string const& group) {
    history_.header().groups[group].isolation =
        history::GroupSpec::Isolation::read_committed;
    return *this;
  }

  /// Lists `groups` as the subscribers of `topic` in the header.
  TxnHistoryBuilder& subscribe(std::string const& topic, std::vector<std::string> groups) {
    history_.header().subscriptions[topic] = std::move(groups);
    return *this;
  }

  /// Appends a send of `ids` to `topic` by `process`, in transaction `txn` ("" = none).
  std::uint64_t send(OpType type, std::string process, std::vector<std::uint64_t> ids,
                     std::string txn = "", std::string const& topic = "orders") {
    return append(type, history::OpKind::send, std::move(process), "", std::move(txn),
                  records(ids, topic));
  }

  /// Appends a send of output `id` made from input `source` to `topic`, in `txn`.
  std::uint64_t output(OpType type, std::string process, std::uint64_t id, std::uint64_t source,
                       std::string txn = "", std::string const& topic = "out") {
    std::vector<history::Record> value = records({id}, topic);
    value.front().source = MessageId{source};
    return append(type, history::OpKind::send, std::move(process), "", std::move(txn),
                  std::move(value));
  }

  /// Appends a txn-begin, txn-commit or txn-abort op of `txn` by `process`.
  std::uint64_t txn(OpType type, history::OpKind f, std::string process, std::string txn) {
    return append(type, f, std::move(process), "", std::move(txn), {});
  }

  /// Appends a consumer op (poll, deliver, process) of `ids` by "<group>-0", in `txn`.
  std::uint64_t read(OpType type, history::OpKind f, std::string const& group,
                     std::vector<std::uint64_t> ids, std::string txn = "",
                     std::string const& topic = "orders") {
    return read_by(type, f, group + "-0", group, std::move(ids), std::move(txn), topic);
  }

  /// Appends a consumer op by a named `process` of `group`.
  std::uint64_t read_by(OpType type, history::OpKind f, std::string process,
                        std::string const& group, std::vector<std::uint64_t> ids,
                        std::string txn = "", std::string const& topic = "orders") {
    return append(type, f, std::move(process), group, std::move(txn), records(ids, topic));
  }

  /// Appends a consumer op whose single record names a (partition, offset).
  std::uint64_t read_at(OpType type, history::OpKind f, std::string const& group,
                        std::uint64_t id, std::int32_t partition, std::int64_t offset,
                        std::string const& topic = "orders") {
    std::vector<history::Record> value{
        history::Record::of(MessageId{id}, topic, Offset{offset}, partition)};
    return append(type, f, group + "-0", group, "", std::move(value));
  }

  /// Appends a send completion whose single record has a (partition, offset).
  std::uint64_t sent_at(OpType type, std::string process, std::uint64_t id, std::string txn,
                        std::int32_t partition, std::int64_t offset,
                        std::string const& topic = "orders") {
    std::vector<history::Record> value{
        history::Record::of(MessageId{id}, topic, Offset{offset}, partition)};
    return append(type, history::OpKind::send, std::move(process), "", std::move(txn),
                  std::move(value));
  }

  history::History const& history() const { return history_; }

 private:
  static std::vector<history::Record> records(std::vector<std::uint64_t> const& ids,
                                              std::string const& topic) {
    std::vector<history::Record> value;
    for (std::uint64_t id : ids) value.push_back(history::Record::of(MessageId{id}, topic));
    return value;
  }

  std::uint64_t append(OpType type, history::OpKind f, std::string process, std::string group,
                       std::string txn, std::vector<history::Record> value) {
    history::Op op;
    op.time = SimTimeUs{time_us_++};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.group = std::move(group);
    op.txn = std::move(txn);
    op.value = std::move(value);
    return history_.append(std::move(op));
  }

  history::History history_;
  std::int64_t time_us_ = 0;
};

}  // namespace mqcheck::checker::testing

namespace mqcheck::checker::testing {

/// The optional op fields the feature properties (checker/features.hpp) read.
struct OpFields {
  std::string group{};      // Consumer group, or the queue a broker dispatches from.
  std::string tenant{};     // RabbitMQ vhost, RocketMQ namespace.
  std::string principal{};  // The authenticated user.
};

/// Writes tiny histories for the feature properties: records carry tags, priorities, delays
/// and offsets (see the record helpers below); ops carry a group, tenant and principal; events
/// (append, dispatch, expire) are written like any op. Same conventions as HistoryBuilder:
/// starts drained, one op per call returning its index, time advances by one per op unless
/// at() moves it.
class FeatureHistoryBuilder {
 public:
  FeatureHistoryBuilder() { history_.header().drained = true; }

  /// The header, to set groups, ACLs, subscriptions or drained.
  history::Header& header() { return history_.header(); }

  /// Makes the next op happen at `time_us`, which must not be before the previous op.
  FeatureHistoryBuilder& at(std::int64_t time_us) {
    REQUIRE(time_us >= time_us_);
    time_us_ = time_us;
    return *this;
  }

  /// Appends one op and returns its index.
  std::uint64_t op(OpType type, history::OpKind f, std::string process,
                   std::vector<history::Record> value, OpFields fields = {}) {
    history::Op op;
    op.time = SimTimeUs{time_us_++};
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.value = std::move(value);
    op.group = std::move(fields.group);
    op.tenant = std::move(fields.tenant);
    op.principal = std::move(fields.principal);
    return history_.append(std::move(op));
  }

  history::History const& history() const { return history_; }

 private:
  history::History history_;
  std::int64_t time_us_ = 0;
};

/// Returns a record naming message `id` of `topic`.
inline history::Record msg(std::uint64_t id, std::string topic = "orders") {
  return history::Record::of(MessageId{id}, std::move(topic));
}
/// Returns `r` with tag `tag`.
inline history::Record tagged(history::Record r, std::string tag) {
  r.tag = std::move(tag);
  return r;
}
/// Returns `r` with priority `priority`.
inline history::Record prioritized(history::Record r, std::int32_t priority) {
  r.priority = priority;
  return r;
}
/// Returns `r` to be delivered from `time_us` on.
inline history::Record delayed(history::Record r, std::int64_t time_us) {
  r.deliver_after = SimTimeUs{time_us};
  return r;
}
/// Returns `r` stored at `offset`.
inline history::Record at_offset(history::Record r, std::int64_t offset) {
  r.offset = Offset{offset};
  return r;
}

}  // namespace mqcheck::checker::testing

namespace mqcheck::checker::testing {

// Record helpers for the ordering tests (checker/ordering.hpp); they compose with msg() and
// at_offset() above and with FeatureHistoryBuilder::op().

/// Returns `r` in partition `partition`.
inline history::Record partitioned(history::Record r, std::int32_t partition) {
  r.partition = partition;
  return r;
}
/// Returns `r` with message key `key`.
inline history::Record keyed(history::Record r, std::string key) {
  r.key = std::move(key);
  return r;
}
/// Returns a record naming message `id` of `topic` stored at (`partition`, `offset`).
inline history::Record placed(std::uint64_t id, std::int32_t partition, std::int64_t offset,
                              std::string topic = "orders") {
  return history::Record::of(MessageId{id}, std::move(topic), Offset{offset}, partition);
}

}  // namespace mqcheck::checker::testing
