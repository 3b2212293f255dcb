// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/random_history.hpp (tests, layer: checker)
// Deterministic random VALID histories for the checker's property tests (issue 3): from a seed
// and a Shape, a tiny broker model (per-partition logs, consumer cursors) writes what producers
// and consumers would record, so that every guarantee the header promises holds. The checker
// may answer `unknown` (info sends, crash-like info processes) but never report an anomaly.
// anomaly_injection.hpp then breaks exactly one thing. No <random>: the PRNG is splitmix64,
// so a seed printed by a failing test reproduces the same history on every platform.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "history/history.hpp"
#include "tests/common/splitmix64.hpp"

namespace mqcheck::checker::testing {

using mqcheck::testing::SplitMix64;

/// What a random history is made of. Feature groups (filter, dead-letter, broadcast) and
/// header features (tags, tenants, ACLs, delays) come with `features`; a transactional topic
/// "tx" read by a read_committed group "rc" comes with `transactions`.
struct Shape {
  int producers = 2;
  int topics = 2;          // Topics t0, t1, ...; each promises partition order or nothing.
  int partitions = 2;
  int groups = 2;          // Plain clustering groups g0, g1, ...
  int max_consumers = 3;   // Per group, 1..max.
  int messages = 24;       // Distinct message ids sent (transactional ones included).
  int max_batch = 3;       // Records per poll.
  double p_fail_send = 0.1;
  double p_info_send = 0.1;
  double p_crash = 0.05;   // Per processed record: an info process, an assign, a re-read.
  bool transactions = false;
  bool features = false;
  // With `features`: also a broadcast group, a dead-letter group and a priority queue (each
  // streamed by checker/feature_stream.hpp unless a shape needs the whole history).
  bool whole_features = true;
  // A consume-transform-produce pipeline: group "xf" reads t0 and sends, per input, one output
  // (a record with a `source`) to topic "out"; in a transaction with `transactions` (aborted
  // now and then, the input then read again), else acknowledged or retried after a failure.
  bool pipeline = false;
};

/// Draws a small random shape (used by the agreement tests, so histories vary in every way).
inline Shape random_shape(SplitMix64& rng) {
  Shape s;
  s.producers = rng.between(1, 3);
  s.topics = rng.between(1, 3);
  s.partitions = rng.between(1, 3);
  s.groups = rng.between(1, 3);
  s.max_consumers = rng.between(1, 3);
  s.messages = rng.between(1, 30);
  s.max_batch = rng.between(1, 4);
  s.p_fail_send = rng.chance(0.5) ? 0.15 : 0.0;
  s.p_info_send = rng.chance(0.5) ? 0.15 : 0.0;
  s.p_crash = rng.chance(0.5) ? 0.1 : 0.0;
  s.transactions = rng.chance(0.5);
  s.features = rng.chance(0.5);
  return s;
}

/// Writes one valid history per call of generate().
class RandomHistoryGenerator {
 public:
  RandomHistoryGenerator(std::uint64_t seed, Shape shape) : rng_(seed), shape_(shape) {}

  /// Returns a drained history in which every judged guarantee holds (valid or unknown).
  history::History generate() {
    plan_groups();
    std::uint64_t idle = 0;
    while (idle < 1000) {
      std::vector<int> actors;  // -1 - p for producer p, c for consumer c.
      if (sent_ < shape_.messages)
        for (int p = 0; p < shape_.producers; ++p) actors.push_back(-1 - p);
      for (std::size_t c = 0; c < consumers_.size(); ++c)
        if (has_work(consumers_[c])) actors.push_back(static_cast<int>(c));
      if (actors.empty()) {
        if (!anything_delayed()) break;
        now_ += 10;  // Wait for a delayed message to come due.
        ++idle;
        continue;
      }
      int const actor = actors[rng_.below(actors.size())];
      if (actor < 0) produce(-1 - actor);
      else consume(consumers_[static_cast<std::size_t>(actor)]);
    }
    return std::move(history_);
  }

 private:
  struct Entry {
    std::uint64_t id = 0;
    bool aborted = false;
    std::string tag;
    std::int64_t deliver_after = 0;  // 0 = not delayed.
    std::int32_t priority = 0;
    bool dispatched = false;         // Priority queue "pq" only: handed to group "pg".
  };
  struct Cursor {
    std::string topic;
    int partition = 0;
    std::int64_t next = 0;
  };
  struct Consumer {
    std::string process;
    std::string group;
    std::vector<Cursor> cursors;
  };
  struct GroupPlan {
    std::string name;
    std::vector<std::string> topics;
    int consumers = 1;
    bool broadcast = false;
  };
  using Batch = std::pair<Cursor*, std::vector<std::int64_t>>;  // Cursor, offsets to read.

  history::Header& header() { return history_.header(); }
  history::GroupSpec const* spec(std::string const& group) {
    auto it = header().groups.find(group);
    return it == header().groups.end() ? nullptr : &it->second;
  }

  void plan_groups() {
    header().drained = true;
    std::vector<std::string> ordered;
    std::vector<std::string> unordered;
    for (int t = 0; t < shape_.topics; ++t) {
      std::string const topic = "t" + std::to_string(t);
      topics_.push_back(topic);
      if (rng_.chance(0.7)) {
        header().ordering[topic] = history::OrderingScope::partition;
        ordered.push_back(topic);
      } else {
        unordered.push_back(topic);
      }
    }
    std::vector<GroupPlan> plans;
    for (int g = 0; g < shape_.groups; ++g) {
      GroupPlan plan{"g" + std::to_string(g), {}, rng_.between(1, shape_.max_consumers), false};
      for (std::string const& topic : topics_)
        if (rng_.chance(0.6)) plan.topics.push_back(topic);
      if (plan.topics.empty()) plan.topics.push_back(topics_[rng_.below(topics_.size())]);
      plans.push_back(plan);
    }
    if (shape_.transactions) {
      plans.push_back({"rc", {"tx"}, rng_.between(1, 2), false});
      header().groups["rc"].isolation = history::GroupSpec::Isolation::read_committed;
    }
    if (shape_.pipeline) {
      plans.push_back({"xf", {topics_[0]}, rng_.between(1, 2), false});
      header().subscriptions["out"];
    }
    if (shape_.features) plan_feature_groups(plans, unordered);
    for (GroupPlan const& plan : plans) add_consumers(plan);
    for (std::string const& topic : topics_) header().subscriptions[topic];
    if (shape_.transactions) header().subscriptions["tx"];
    for (GroupPlan const& plan : plans)
      for (std::string const& topic : plan.topics)
        header().subscriptions[topic].push_back(plan.name);
  }

  void plan_feature_groups(std::vector<GroupPlan>& plans,
                           std::vector<std::string> const& unordered) {
    // Ordering judges a group's first processings, not each broadcast instance's, so the
    // broadcast group prefers an unordered topic (where one instance may miss a message
    // without reordering the group).
    std::string const any = unordered.empty() ? topics_[rng_.below(topics_.size())]
                                              : unordered[rng_.below(unordered.size())];
    if (shape_.whole_features) {
      plans.push_back({"bc", {any}, 2, true});
      header().groups["bc"].mode = history::GroupSpec::Mode::broadcast;
      std::string const dl_topic = topics_[rng_.below(topics_.size())];
      plans.push_back({"dl", {dl_topic}, 1, false});
      header().groups["dl"].dead_letter_topic = dl_topic + "-dlq";
      header().groups["dl"].dead_letter_after = 2;
    }
    // A broker-side tag filter leaves offset gaps in a poll, which poll-skip would judge on a
    // topic that promises order; so the filtered group reads unordered topics only.
    if (!unordered.empty()) {
      plans.push_back({"f", unordered, 1, false});
      header().groups["f"].filter = {"TagA"};
    }
    // A priority queue read through broker dispatch events (RabbitMQ x-max-priority).
    if (shape_.whole_features) {
      consumers_.push_back({"pg-0", "pg", {}});
      header().subscriptions["pq"] = {"pg"};
      header().groups["pg"].tenant = "blue";
    }
    for (GroupPlan const& plan : plans) header().groups[plan.name].tenant = "blue";
    // Some plain groups hold delayed messages back themselves (Kafka's paused consumption):
    // the delay check then judges only their processing.
    for (GroupPlan const& plan : plans)
      if (plan.name[0] == 'g' && rng_.chance(0.5))
        header().groups[plan.name].delay = history::GroupSpec::DelayBy::consumer;
    std::vector<std::string> all = topics_;
    if (shape_.whole_features) all.push_back("pq");
    if (shape_.transactions) all.push_back("tx");
    header().acls["alice"].produce = all;
    header().acls["bob"].consume = all;
  }

  void add_consumers(GroupPlan const& plan) {
    std::size_t const first = consumers_.size();
    for (int c = 0; c < plan.consumers; ++c)
      consumers_.push_back({plan.name + "-" + std::to_string(c), plan.name, {}});
    int slot = 0;
    for (std::string const& topic : plan.topics) {
      for (int p = 0; p < shape_.partitions; ++p) {
        if (plan.broadcast) {
          for (int c = 0; c < plan.consumers; ++c)
            consumers_[first + static_cast<std::size_t>(c)].cursors.push_back({topic, p, 0});
        } else {
          consumers_[first + static_cast<std::size_t>(slot++ % plan.consumers)].cursors.push_back(
              {topic, p, 0});
        }
      }
    }
  }

  std::uint64_t emit(history::Op op) {
    op.time = SimTimeUs{now_};
    now_ += 10;
    if (shape_.features && op.type != history::OpType::event) {
      bool const producer = op.process[0] == 'p' && op.process[1] != 'g';  // p0, not pg-0
      op.principal = producer ? "alice" : "bob";
      if (op.f == history::OpKind::send) op.tenant = "blue";
    }
    return history_.append(std::move(op));
  }

  static history::Op make(std::string process, history::OpType type, history::OpKind f,
                          std::vector<history::Record> value = {}, std::string group = "",
                          std::string txn = "") {
    history::Op op;
    op.process = std::move(process);
    op.type = type;
    op.f = f;
    op.value = std::move(value);
    op.group = std::move(group);
    op.txn = std::move(txn);
    return op;
  }

  std::vector<Entry>& log(std::string const& topic, int partition) {
    return logs_[{topic, partition}];
  }

  void produce(int p) {
    std::string const process = "p" + std::to_string(p);
    if (shape_.transactions && rng_.chance(0.3)) return produce_transaction(process);
    if (shape_.features && shape_.whole_features && rng_.chance(0.15))
      return produce_priority(process);
    std::string const topic = topics_[rng_.below(topics_.size())];
    int const partition =
        static_cast<int>(rng_.below(static_cast<std::uint64_t>(shape_.partitions)));
    Entry entry{next_id_++, false, "", 0};
    ++sent_;
    history::Record rec = history::Record::of(MessageId{entry.id}, topic);
    if (shape_.features) {
      entry.tag = rec.tag = rng_.chance(0.5) ? "TagA" : "TagB";
      if (rng_.chance(0.2)) entry.deliver_after = now_ + 30;
      if (entry.deliver_after != 0) rec.deliver_after = SimTimeUs{entry.deliver_after};
    }
    bool retry = true;
    while (retry) {
      retry = false;
      emit(make(process, history::OpType::invoke, history::OpKind::send, {rec}));
      if (rng_.chance(shape_.p_fail_send)) {
        emit(make(process, history::OpType::fail, history::OpKind::send,
                  {history::Record::of(rec.id, topic)}));
        retry = rng_.chance(0.5);
      } else if (rng_.chance(shape_.p_info_send)) {
        if (rng_.chance(0.5)) log(topic, partition).push_back(entry);
        emit(make(process, history::OpType::info, history::OpKind::send,
                  {history::Record::of(rec.id, topic)}));
      } else {
        auto& l = log(topic, partition);
        l.push_back(entry);
        emit(make(process, history::OpType::ok, history::OpKind::send,
                  {history::Record::of(rec.id, topic, Offset{std::int64_t(l.size() - 1)},
                                       partition)}));
      }
    }
  }

  // One whole transaction on topic "tx": begin, 1-3 acknowledged sends, commit or abort.
  void produce_transaction(std::string const& process) {
    std::string const txn = process + "/" + std::to_string(++txn_count_);
    emit(make(process, history::OpType::invoke, history::OpKind::txn_begin, {}, "", txn));
    emit(make(process, history::OpType::ok, history::OpKind::txn_begin, {}, "", txn));
    bool const commit = rng_.chance(0.75);
    int const n = rng_.between(1, 3);
    for (int i = 0; i < n && sent_ < shape_.messages; ++i) {
      int const partition =
          static_cast<int>(rng_.below(static_cast<std::uint64_t>(shape_.partitions)));
      Entry entry{next_id_++, !commit, "", 0};
      ++sent_;
      auto& l = log("tx", partition);
      l.push_back(entry);
      history::Record rec = history::Record::of(MessageId{entry.id}, "tx");
      emit(make(process, history::OpType::invoke, history::OpKind::send, {rec}, "", txn));
      rec.partition = partition;
      rec.offset = Offset{std::int64_t(l.size() - 1)};
      emit(make(process, history::OpType::ok, history::OpKind::send, {rec}, "", txn));
    }
    auto const f = commit ? history::OpKind::txn_commit : history::OpKind::txn_abort;
    emit(make(process, history::OpType::invoke, f, {}, "", txn));
    emit(make(process, history::OpType::ok, f, {}, "", txn));
  }

  // An acknowledged send to the priority queue and the broker's append event.
  void produce_priority(std::string const& process) {
    Entry entry{next_id_++, false, "", 0, static_cast<std::int32_t>(rng_.below(6)), false};
    ++sent_;
    auto& l = log("pq", 0);
    l.push_back(entry);
    history::Record rec = history::Record::of(MessageId{entry.id}, "pq");
    rec.priority = entry.priority;
    emit(make(process, history::OpType::invoke, history::OpKind::send, {rec}));
    history::Record stored =
        history::Record::of(rec.id, "pq", Offset{std::int64_t(l.size() - 1)}, 0);
    emit(make(process, history::OpType::ok, history::OpKind::send, {stored}));
    stored.priority = entry.priority;
    emit(make("broker-0", history::OpType::event, history::OpKind::append, {stored}));
  }

  // The broker hands group pg the ready message of highest priority (oldest first among
  // equals), then pg-0 records the delivery and processes it.
  void consume_priority(Consumer const& consumer) {
    auto& l = log("pq", 0);
    std::size_t best = l.size();
    for (std::size_t i = 0; i < l.size(); ++i)
      if (!l[i].dispatched && (best == l.size() || l[i].priority > l[best].priority)) best = i;
    l[best].dispatched = true;
    history::Record rec =
        history::Record::of(MessageId{l[best].id}, "pq", Offset{std::int64_t(best)}, 0);
    emit(make("broker-0", history::OpType::event, history::OpKind::dispatch,
              {history::Record::of(rec.id, "pq")}, consumer.group));
    emit(make(consumer.process, history::OpType::ok, history::OpKind::deliver, {rec},
              consumer.group));
    emit(make(consumer.process, history::OpType::invoke, history::OpKind::process, {rec},
              consumer.group));
    emit(make(consumer.process, history::OpType::ok, history::OpKind::process, {rec},
              consumer.group));
  }

  bool has_work(Consumer& consumer) {
    if (consumer.group == "pg") {
      for (Entry const& e : log("pq", 0))
        if (!e.dispatched) return true;
      return false;
    }
    return !batch_for(consumer, 1).second.empty();
  }

  // Offsets the consumer may read next from one cursor, at most `max`; skips what its group
  // never sees (aborted under read_committed, tags its filter rejects) and stops at a message
  // whose delay has not ended.
  Batch batch_for(Consumer& consumer, int max) {
    history::GroupSpec const* s = spec(consumer.group);
    for (Cursor& cursor : consumer.cursors) {
      std::vector<std::int64_t> offsets;
      auto const& l = log(cursor.topic, cursor.partition);
      for (std::int64_t o = cursor.next; o < std::int64_t(l.size()) && int(offsets.size()) < max;
           ++o) {
        Entry const& e = l[static_cast<std::size_t>(o)];
        if (e.deliver_after > now_) break;
        if (e.aborted) continue;
        if (s && !s->filter.empty() &&
            std::find(s->filter.begin(), s->filter.end(), e.tag) == s->filter.end())
          continue;
        offsets.push_back(o);
      }
      if (!offsets.empty()) return {&cursor, offsets};
    }
    return {nullptr, {}};
  }

  bool anything_delayed() {
    for (auto const& [key, l] : logs_)
      for (Entry const& e : l)
        if (e.deliver_after > now_) return true;
    return false;
  }

  void consume(Consumer& consumer) {
    if (consumer.group == "pg") return consume_priority(consumer);
    if (consumer.group == "xf") return transform(consumer);
    Batch batch = batch_for(consumer, rng_.between(1, shape_.max_batch));
    Cursor& cursor = *batch.first;
    auto const& l = log(cursor.topic, cursor.partition);
    std::vector<history::Record> polled;
    for (std::int64_t o : batch.second)
      polled.push_back(history::Record::of(MessageId{l[std::size_t(o)].id}, cursor.topic,
                                           Offset{o}, cursor.partition));
    emit(make(consumer.process, history::OpType::invoke, history::OpKind::poll, {},
              consumer.group));
    emit(make(consumer.process, history::OpType::ok, history::OpKind::poll, polled,
              consumer.group));
    history::GroupSpec const* s = spec(consumer.group);
    for (history::Record const& rec : polled) {
      if (s && !s->dead_letter_topic.empty() && rng_.chance(0.2)) {
        dead_letter(consumer, rec, *s);
        cursor.next = rec.offset->value + 1;
        continue;
      }
      emit(make(consumer.process, history::OpType::invoke, history::OpKind::process, {rec},
                consumer.group));
      if (rng_.chance(shape_.p_crash)) {
        emit(make(consumer.process, history::OpType::info, history::OpKind::process, {rec},
                  consumer.group));
        std::vector<history::Record> held;
        for (Cursor const& c : consumer.cursors)
          held.push_back(history::Record::of(MessageId{0}, c.topic, {}, c.partition));
        emit(make(consumer.process, history::OpType::ok, history::OpKind::assign, held,
                  consumer.group));
        cursor.next = rec.offset->value;  // Re-read from the record it crashed on.
        return;
      }
      emit(make(consumer.process, history::OpType::ok, history::OpKind::process, {rec},
                consumer.group));
      if (rng_.chance(0.2))
        emit(make(consumer.process, history::OpType::ok, history::OpKind::ack, {rec},
                  consumer.group));
      cursor.next = rec.offset->value + 1;
    }
    if (rng_.chance(0.3))  // A commit names the last record read, at its own offset.
      emit(make(consumer.process, history::OpType::ok, history::OpKind::commit,
                {polled.back()}, consumer.group));
  }

  // The transformer: poll, then per record process it and send its output, in one transaction
  // per record when the shape has transactions (KIP-98's consume-transform-produce loop).
  void transform(Consumer& consumer) {
    Batch batch = batch_for(consumer, rng_.between(1, shape_.max_batch));
    Cursor& cursor = *batch.first;
    auto const& l = log(cursor.topic, cursor.partition);
    std::vector<history::Record> polled;
    for (std::int64_t o : batch.second)
      polled.push_back(history::Record::of(MessageId{l[std::size_t(o)].id}, cursor.topic, Offset{o},
                                           cursor.partition));
    emit(
        make(consumer.process, history::OpType::invoke, history::OpKind::poll, {}, consumer.group));
    emit(
        make(consumer.process, history::OpType::ok, history::OpKind::poll, polled, consumer.group));
    for (history::Record const& rec : polled) {
      std::string const txn =
          shape_.transactions ? consumer.process + "/" + std::to_string(++xf_txns_) : "";
      bool const abort = !txn.empty() && rng_.chance(0.2);
      if (!txn.empty()) {
        emit(make(consumer.process, history::OpType::invoke, history::OpKind::txn_begin, {}, "",
                  txn));
        emit(make(consumer.process, history::OpType::ok, history::OpKind::txn_begin, {}, "", txn));
      }
      emit(make(consumer.process, history::OpType::invoke, history::OpKind::process, {rec},
                consumer.group, txn));
      emit(make(consumer.process, history::OpType::ok, history::OpKind::process, {rec},
                consumer.group, txn));
      send_output(consumer.process, rec.id, txn);
      if (!txn.empty()) {
        auto const f = abort ? history::OpKind::txn_abort : history::OpKind::txn_commit;
        emit(make(consumer.process, history::OpType::invoke, f, {}, "", txn));
        emit(make(consumer.process, history::OpType::ok, f, {}, "", txn));
      }
      if (abort) {  // Rolled back, input position included: read it again.
        std::vector<history::Record> held;
        for (Cursor const& c : consumer.cursors)
          held.push_back(history::Record::of(MessageId{0}, c.topic, {}, c.partition));
        emit(make(consumer.process, history::OpType::ok, history::OpKind::assign, held,
                  consumer.group));
        cursor.next = rec.offset->value;
        return;
      }
      cursor.next = rec.offset->value + 1;
    }
  }

  // One output of input `source`, to "out": retried after a failure (not in a transaction,
  // where a failed send would fail the commit), acknowledged at last.
  void send_output(std::string const& process, MessageId source, std::string const& txn) {
    history::Record rec = history::Record::of(MessageId{next_id_++}, "out");
    rec.source = source;
    auto& l = log("out", 0);
    bool retry = true;
    while (retry) {
      emit(make(process, history::OpType::invoke, history::OpKind::send, {rec}, "", txn));
      retry = txn.empty() && rng_.chance(shape_.p_fail_send);
      if (retry) {
        emit(make(process, history::OpType::fail, history::OpKind::send,
                  {history::Record::of(rec.id, "out")}, "", txn));
        continue;
      }
      l.push_back(Entry{rec.id.value, false, "", 0});
      auto const type =
          rng_.chance(shape_.p_info_send / 4) ? history::OpType::info : history::OpType::ok;
      emit(make(process, type, history::OpKind::send,
                {history::Record::of(rec.id, "out", Offset{std::int64_t(l.size() - 1)}, 0)}, "",
                txn));
    }
  }

  // The group gives up on the message after `after` ok nacks, and the broker appends it to
  // the group's dead-letter topic (RocketMQ %DLQ%<group>, RabbitMQ x-delivery-limit).
  void dead_letter(Consumer const& consumer, history::Record const& rec,
                   history::GroupSpec const& s) {
    for (std::int64_t i = 0; i < s.dead_letter_after; ++i)
      emit(make(consumer.process, history::OpType::ok, history::OpKind::nack, {rec},
                consumer.group));
    std::int64_t& next = dlq_offsets_[s.dead_letter_topic];
    emit(make("broker-0", history::OpType::event, history::OpKind::append,
              {history::Record::of(rec.id, s.dead_letter_topic, Offset{next++}, 0)}));
  }

  SplitMix64 rng_;
  Shape shape_;
  history::History history_;
  std::vector<std::string> topics_;
  std::vector<Consumer> consumers_;
  std::map<std::pair<std::string, int>, std::vector<Entry>> logs_;
  std::map<std::string, std::int64_t> dlq_offsets_;
  std::int64_t now_ = 0;
  int sent_ = 0;
  int txn_count_ = 0;
  int xf_txns_ = 0;  // The transformer's own, so its names count up ("xf-0/7").
  std::uint64_t next_id_ = 1;
};

/// Returns the valid history of `seed` and `shape`.
inline history::History random_valid_history(std::uint64_t seed, Shape const& shape) {
  return RandomHistoryGenerator(seed, shape).generate();
}

/// Rebuilds `ops` into a history with `header`: reindexed from 0 in their order, times made
/// non-decreasing, so that an edited copy of a history (a dropped, repeated or changed op) is
/// again one the reader could have read.
inline history::History rebuild(history::Header const& header, std::vector<history::Op> ops) {
  history::History out(header);
  SimTimeUs last{};
  for (history::Op& op : ops) {
    op.time = std::max(op.time, last);
    last = op.time;
    out.append(std::move(op));
  }
  return out;
}

/// Makes `min_edits` to 3 random edits a delivery checker notices: an op repeated at the end (a
/// duplicate processing, a resend), dropped (a lost processing, an invoke left open), or an
/// `ok` turned `info` or `fail`.
inline history::History delivery_edited(history::History const& h, SplitMix64& rng, int min_edits) {
  std::vector<history::Op> ops(h.ops().begin(), h.ops().end());
  int const edits = rng.between(min_edits, 3);
  for (int e = 0; e < edits && !ops.empty(); ++e) {
    std::size_t const at = rng.below(ops.size());
    switch (rng.below(4)) {
      case 0:
        ops.push_back(ops[at]);
        ops.back().time = ops[ops.size() - 2].time;
        break;
      case 1:
        ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(at));
        break;
      case 2:
        if (ops[at].type == history::OpType::ok) ops[at].type = history::OpType::info;
        break;
      default:
        if (ops[at].type == history::OpType::ok) ops[at].type = history::OpType::fail;
        break;
    }
  }
  return rebuild(h.header(), std::move(ops));
}

}  // namespace mqcheck::checker::testing
