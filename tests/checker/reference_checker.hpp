// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/reference_checker.hpp (tests, layer: checker)
// A second, deliberately naive checker written straight from docs/anomalies.md, for the
// agreement tests of issue 3: each rule is a loop (or two nested ones) over the op vector,
// with the section of the page it comes from beside it. It reads history/ types only and calls
// nothing from checker/, so that a bug shared by both is unlikely. It judges the delivery
// guarantees, ordering (partition scope), transactional visibility and the features; its
// output is the verdict and the set of (kind, message, group, witnesses) per guarantee.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "history/history.hpp"

namespace mqcheck::checker::testing::reference {

using history::Op;
using history::OpKind;
using history::OpType;
using history::Record;

enum class RefValidity { valid, unknown, invalid };

struct RefAnomaly {
  std::string kind;
  std::uint64_t message = 0;
  std::string group;
  std::vector<std::uint64_t> witnesses;  // Ascending.
  auto key() const { return std::tie(kind, message, group, witnesses); }
  bool operator<(RefAnomaly const& o) const { return key() < o.key(); }
  bool operator==(RefAnomaly const& o) const { return key() == o.key(); }
};

struct RefVerdict {
  std::string guarantee;
  RefValidity validity = RefValidity::valid;
  std::vector<RefAnomaly> anomalies;  // Sorted.
  std::vector<std::string> unknowns;  // Why unknown, in short words (for a person).
};

/// Facts shared by every rule: pairing, transaction status, send outcomes.
class Facts {
 public:
  explicit Facts(history::History const& h) : h_(h), ops_(h.ops().begin(), h.ops().end()) {
    pair_ops();
    read_transactions();
  }

  history::Header const& header() const { return h_.header(); }
  std::vector<Op> const& ops() const { return ops_; }

  static bool names(Op const& op, std::uint64_t id) {
    for (Record const& r : op.value)
      if (r.id.value == id) return true;
    return false;
  }
  static bool is_consumer_op(Op const& op) {
    return op.f == OpKind::poll || op.f == OpKind::deliver || op.f == OpKind::process;
  }
  /// §1 Pairing: the completion of invoke i, if any.
  std::optional<std::uint64_t> completion_of(std::uint64_t i) const {
    auto it = completion_.find(i);
    return it == completion_.end() ? std::nullopt : std::optional(it->second);
  }
  /// The invoke a completion completed, if any.
  std::optional<std::uint64_t> invoke_of(std::uint64_t c) const {
    for (auto const& [i, done] : completion_)
      if (done == c) return i;
    return std::nullopt;
  }
  bool open_invoke(Op const& op) const {
    return op.type == OpType::invoke && !completion_of(op.index);
  }

  /// Transactions, model table: committed, aborted, unknown or open.
  enum class TxnStatus { committed, aborted, unknown, open };
  TxnStatus status(std::string const& txn) const { return txn_status_.at(txn); }

  /// The type an op counts as for delivery, after transactions (§1 Transactions): ok sends of
  /// a transaction that did not commit are info; a process in an aborted transaction (or an
  /// open one after a drain) is nothing; in an unknown or open one it is info. Open invokes
  /// count as info. Returns nothing for ops that count for nothing.
  std::optional<OpType> counted(Op const& op) const {
    OpType type = op.type;
    if (type == OpType::invoke) {
      if (!open_invoke(op)) return std::nullopt;  // Its completion speaks for it.
      type = OpType::info;
    }
    if (op.txn.empty() || (op.f != OpKind::send && op.f != OpKind::process)) return type;
    TxnStatus const s = status(op.txn);
    if (op.f == OpKind::send) {
      if (type == OpType::ok && s != TxnStatus::committed) return OpType::info;
      return type;
    }
    if (type == OpType::fail) return type;
    if (s == TxnStatus::committed) return type;
    if (s == TxnStatus::aborted) return std::nullopt;
    if (s == TxnStatus::open && header().drained) return std::nullopt;
    return OpType::info;
  }

  /// §1 Send outcome: ok, info or fail; nothing when no send op names the message.
  std::optional<OpType> outcome(std::uint64_t id) const {
    bool any = false, info = false;
    for (Op const& op : ops_) {
      if (op.f != OpKind::send || !names(op, id)) continue;
      any = true;
      auto const c = counted(op);
      if (c == OpType::ok) return OpType::ok;
      if (c == OpType::info) info = true;
    }
    if (!any) return std::nullopt;
    return info ? OpType::info : OpType::fail;
  }

  /// The first send op naming `id` that satisfies `pred` (by index).
  template <class Pred>
  std::optional<std::uint64_t> first_send(std::uint64_t id, Pred pred) const {
    for (Op const& op : ops_)
      if (op.f == OpKind::send && names(op, id) && pred(op)) return op.index;
    return std::nullopt;
  }
  std::optional<std::uint64_t> first_send(std::uint64_t id) const {
    return first_send(id, [](Op const&) { return true; });
  }

  /// The send record's topic (first send op naming it), else the first op naming it.
  std::string topic_of(std::uint64_t id) const {
    for (Op const& op : ops_)
      if (op.f == OpKind::send)
        for (Record const& r : op.value)
          if (r.id.value == id) return r.topic;
    for (Op const& op : ops_)
      for (Record const& r : op.value)
        if (r.id.value == id) return r.topic;
    return "";
  }

  /// Every message id any op names (records of assign ops name partitions, not messages).
  std::set<std::uint64_t> message_ids() const {
    std::set<std::uint64_t> out;
    for (Op const& op : ops_)
      if (op.f != OpKind::assign)
        for (Record const& r : op.value) out.insert(r.id.value);
    return out;
  }

  history::GroupSpec spec(std::string const& group) const {
    auto it = header().groups.find(group);
    return it == header().groups.end() ? history::GroupSpec{} : it->second;
  }

  /// Features, what the checks share: a message's tag from its first send op that has one.
  std::string tag_of(std::uint64_t id) const {
    for (Op const& op : ops_)
      if (op.f == OpKind::send)
        for (Record const& r : op.value)
          if (r.id.value == id && !r.tag.empty()) return r.tag;
    return "";
  }
  /// §Features filtering: does `group`'s filter reject message `id`?
  bool filtered_out(std::string const& group, std::uint64_t id) const {
    std::vector<std::string> const filter = spec(group).filter;
    if (filter.empty()) return false;
    std::string const tag = tag_of(id);
    for (std::string const& f : filter)
      if (f == "*" || (!tag.empty() && f == tag)) return false;
    return true;
  }

 private:
  // §1 Pairing: a completion completes the earliest open invoke of the same process and f
  // with the same message ids in any order, or with no message ids at all.
  void pair_ops() {
    std::set<std::uint64_t> open;
    for (Op const& op : ops_) {
      if (op.type == OpType::event) continue;
      if (op.type == OpType::invoke) {
        open.insert(op.index);
        continue;
      }
      for (std::uint64_t i : open) {
        Op const& inv = ops_[i];
        // Not in the page: a txn-* completion completes an invoke of its own transaction
        // only (else a crashed commit would be completed by the next transaction's ok).
        if (inv.process == op.process && inv.f == op.f && inv.txn == op.txn &&
            (inv.value.empty() || same_ids(inv, op))) {
          completion_[i] = op.index;
          open.erase(i);
          break;
        }
      }
    }
  }
  static bool same_ids(Op const& a, Op const& b) {
    std::multiset<std::uint64_t> x, y;
    for (Record const& r : a.value) x.insert(r.id.value);
    for (Record const& r : b.value) y.insert(r.id.value);
    return x == y;
  }

  // Transactions, the model: status from the txn-* ops of each transaction.
  void read_transactions() {
    std::map<std::string, std::vector<Op const*>> by;
    for (Op const& op : ops_)
      if (!op.txn.empty()) by[op.txn].push_back(&op);
    for (auto const& [txn, ops] : by) {
      bool commit_ok = false, abort_ok = false, commit_any = false, commit_unknown = false;
      bool commit_all_fail = true, commit_fail = false, abort_any = false;
      for (Op const* op : ops) {
        if (op->f == OpKind::txn_commit) {
          commit_any = true;
          if (op->type == OpType::ok) commit_ok = true;
          if (op->type == OpType::info || open_invoke(*op)) commit_unknown = true;
          if (op->type != OpType::fail && op->type != OpType::invoke) commit_all_fail = false;
          if (op->type == OpType::fail) commit_fail = true;
          if (open_invoke(*op)) commit_all_fail = false;
        }
        if (op->f == OpKind::txn_abort) {
          abort_any = true;
          if (op->type == OpType::ok) abort_ok = true;
        }
      }
      TxnStatus s = TxnStatus::open;
      if (commit_ok) s = TxnStatus::committed;
      else if (abort_ok || (commit_any && commit_fail && commit_all_fail)) s = TxnStatus::aborted;
      else if (commit_unknown) s = TxnStatus::unknown;
      else if (abort_any) s = TxnStatus::aborted;
      txn_status_[txn] = s;
    }
  }

  history::History const& h_;
  std::vector<Op> ops_;
  std::map<std::uint64_t, std::uint64_t> completion_;  // invoke index -> completion index
  std::map<std::string, TxnStatus> txn_status_;
};

/// Verdicts merge worst-wins (§1 Validity): any anomaly but `unseen` is invalid; an unseen
/// anomaly or an unknown cause is unknown.
inline void finish(RefVerdict& v) {
  for (RefAnomaly& a : v.anomalies) std::sort(a.witnesses.begin(), a.witnesses.end());
  std::sort(v.anomalies.begin(), v.anomalies.end());
  bool const proven = std::any_of(v.anomalies.begin(), v.anomalies.end(),
                                  [](RefAnomaly const& a) { return a.kind != "unseen"; });
  if (proven) v.validity = RefValidity::invalid;
  else if (!v.unknowns.empty() || !v.anomalies.empty()) v.validity = RefValidity::unknown;
  else v.validity = RefValidity::valid;
}

// ---- Delivery (§§1-6) ----------------------------------------------------------------------

/// §1 Expected groups: subscriptions[T] when listed (even empty), else every group with an ok
/// or info process op whose record names T.
inline std::vector<std::string> expected_groups(Facts const& f, std::string const& topic) {
  auto it = f.header().subscriptions.find(topic);
  if (it != f.header().subscriptions.end()) return it->second;
  std::vector<std::string> out;
  for (Op const& op : f.ops()) {
    if (op.f != OpKind::process || !f.counted(op) || *f.counted(op) == OpType::fail) continue;
    for (Record const& r : op.value)
      if (r.topic == topic && std::find(out.begin(), out.end(), op.group) == out.end())
        out.push_back(op.group);
  }
  return out;
}

/// (ok, info) counted process ops of message `id` by `group` (and by `process`, if given).
inline std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> processings(
    Facts const& f, std::uint64_t id, std::string const& group, std::string const* process) {
  std::pair<std::vector<std::uint64_t>, std::vector<std::uint64_t>> out;
  for (Op const& op : f.ops()) {
    if (op.f != OpKind::process || op.group != group || !Facts::names(op, id)) continue;
    if (process && op.process != *process) continue;
    auto const c = f.counted(op);
    if (c == OpType::ok) out.first.push_back(op.index);
    if (c == OpType::info) out.second.push_back(op.index);
  }
  return out;
}

/// §Features dead-letter: exhausted (N ok nacks) by `group` and arrived in its topic D.
inline std::vector<std::uint64_t> ok_nacks(Facts const& f, std::string const& group,
                                           std::uint64_t id) {
  std::vector<std::uint64_t> out;
  for (Op const& op : f.ops())
    if (op.f == OpKind::nack && op.type == OpType::ok && op.group == group && Facts::names(op, id))
      out.push_back(op.index);
  return out;
}
inline bool arrived_in(Facts const& f, std::string const& topic, std::uint64_t id) {
  for (Op const& op : f.ops())
    if (op.type != OpType::invoke && op.type != OpType::fail)
      for (Record const& r : op.value)
        if (r.id.value == id && r.topic == topic) return true;
  return false;
}
inline bool dead_lettered(Facts const& f, std::string const& group, std::uint64_t id) {
  history::GroupSpec const s = f.spec(group);
  return !s.dead_letter_topic.empty() && s.dead_letter_after > 0 &&
         std::int64_t(ok_nacks(f, group, id).size()) >= s.dead_letter_after &&
         arrived_in(f, s.dead_letter_topic, id);
}

/// §2 At-least-once: lost, unseen, uncertain, no reader.
inline RefVerdict at_least_once(Facts const& f) {
  RefVerdict v{"at-least-once", {}, {}, {}};
  for (std::uint64_t id : f.message_ids()) {
    if (f.outcome(id) != OpType::ok) continue;
    std::string const topic = f.topic_of(id);
    std::vector<std::string> const groups = expected_groups(f, topic);
    if (groups.empty()) v.unknowns.push_back("no consumer group reads topic " + topic);
    std::uint64_t const ok = *f.first_send(id, [&](Op const& op) {
      return f.counted(op) == OpType::ok;
    });
    std::vector<std::uint64_t> witnesses{ok};
    if (auto inv = f.invoke_of(ok)) witnesses.insert(witnesses.begin(), *inv);
    for (std::string const& g : groups) {
      if (f.filtered_out(g, id) || dead_lettered(f, g, id)) continue;
      auto const [oks, infos] = processings(f, id, g, nullptr);
      if (!oks.empty()) continue;
      if (!infos.empty()) v.unknowns.push_back("uncertain");
      else
        v.anomalies.push_back({f.header().drained ? "lost" : "unseen", id, g, witnesses});
    }
  }
  finish(v);
  return v;
}

/// §4 At-most-once: duplicated (two ok process ops in one group, or one broadcast
/// instance), possibly duplicated (ok + info adding up to two).
inline RefVerdict at_most_once(Facts const& f) {
  RefVerdict v{"at-most-once", {}, {}, {}};
  std::set<std::tuple<std::uint64_t, std::string, std::string>> units;  // (id, group, instance)
  for (Op const& op : f.ops())
    if (op.f == OpKind::process)
      for (Record const& r : op.value)
        units.insert({r.id.value, op.group,
                      f.spec(op.group).mode == history::GroupSpec::Mode::broadcast ? op.process
                                                                                   : ""});
  for (auto const& [id, group, instance] : units) {
    auto const [oks, infos] =
        processings(f, id, group, instance.empty() ? nullptr : &instance);
    if (oks.size() >= 2) v.anomalies.push_back({"duplicated", id, group, oks});
    else if (oks.size() + infos.size() >= 2) v.unknowns.push_back("possibly processed twice");
  }
  finish(v);
  return v;
}

/// §5 No-unexpected: an ok process of a message never sent, or whose every send failed.
inline RefVerdict no_unexpected(Facts const& f) {
  RefVerdict v{"no-unexpected", {}, {}, {}};
  for (Op const& op : f.ops()) {
    if (op.f != OpKind::process || f.counted(op) != OpType::ok) continue;
    std::set<std::uint64_t> seen;
    for (Record const& r : op.value) {
      std::uint64_t const id = r.id.value;
      if (!seen.insert(id).second) continue;
      auto const out = f.outcome(id);
      if (out && out != OpType::fail) continue;
      RefAnomaly a{"unexpected", id, op.group, {op.index}};
      for (Op const& s : f.ops())
        if (s.f == OpKind::send && s.type == OpType::fail && Facts::names(s, id))
          a.witnesses.push_back(s.index);
      v.anomalies.push_back(a);
    }
  }
  finish(v);
  return v;
}

/// §6 Exactly-once: the worst of the three, the union of their anomalies.
inline RefVerdict exactly_once(std::vector<RefVerdict> const& three) {
  RefVerdict v{"exactly-once", {}, {}, {}};
  for (RefVerdict const& t : three) {
    v.anomalies.insert(v.anomalies.end(), t.anomalies.begin(), t.anomalies.end());
    if (t.validity != RefValidity::valid) v.unknowns.push_back(t.guarantee);
  }
  finish(v);
  return v;
}

// ---- Ordering (partition scope) -----------------------------------------------------------

/// §Ordering "Where the broker put a message": partition and offsets, from client ops that
/// are not `fail`s.
struct Placement {
  std::optional<std::int32_t> partition;
  std::map<std::int64_t, std::uint64_t> offsets;  // offset -> first op reporting it
};

inline bool reports(Op const& op) {
  return op.type != OpType::event && op.type != OpType::fail && op.f != OpKind::assign;
}

/// The partition a record is in: its own, else the first one a placing op reports for its id.
inline std::optional<std::int32_t> partition_in(Facts const& f, Record const& r) {
  if (r.partition) return r.partition;
  for (Op const& op : f.ops())
    if (op.f == OpKind::send && op.type == OpType::ok)
      for (Record const& x : op.value)
        if (x.id == r.id && x.partition) return x.partition;
  for (Op const& op : f.ops())
    if (reports(op))
      for (Record const& x : op.value)
        if (x.id == r.id && x.partition) return x.partition;
  return std::nullopt;
}

inline bool consumer_claim(Op const& op) {
  return reports(op) && (op.f == OpKind::poll || op.f == OpKind::deliver ||
                         op.f == OpKind::process || op.f == OpKind::ack ||
                         op.f == OpKind::nack || op.f == OpKind::commit);
}

/// acks=1 truncation (docs/anomalies.md, "Ordering"): the ok send `op` said message `r.id`
/// sits at r.offset, but a consumer read only other messages there, or a later ok send put
/// another message at an offset at or below it, after a send began that began after `op`.
inline bool truncated(Facts const& f, Op const& op, Record const& r) {
  if (op.f != OpKind::send || op.type != OpType::ok || !r.offset) return false;
  std::string const topic = r.topic.empty() ? f.topic_of(r.id.value) : r.topic;
  auto const part = partition_in(f, r);
  auto same_place = [&](Record const& x) {
    return (x.topic.empty() ? f.topic_of(x.id.value) : x.topic) == topic &&
           partition_in(f, x) == part;
  };
  bool read_other = false, read_it = false;
  for (Op const& c : f.ops())
    if (consumer_claim(c))
      for (Record const& x : c.value)
        if (x.offset == r.offset && same_place(x)) (x.id == r.id ? read_it : read_other) = true;
  if (read_other && !read_it) return true;
  // Later ok sends of message b at offset o <= r.offset, with an earlier ok send of another
  // message at o: the log was truncated to o before b's send began.
  for (Op const& b : f.ops()) {
    if (b.f != OpKind::send || b.type != OpType::ok) continue;
    for (Record const& y : b.value) {
      if (!y.offset || !same_place(y) || y.offset->value > r.offset->value) continue;
      Op const* first = nullptr;
      Record const* first_record = nullptr;
      for (Op const& a : f.ops())
        if (!first && a.f == OpKind::send && a.type == OpType::ok && a.index <= b.index)
          for (Record const& x : a.value)
            if (!first && x.offset == y.offset && same_place(x)) {
              first = &a;
              first_record = &x;
            }
      if (first == nullptr || first_record->id == y.id) continue;
      if (op.index == b.index && r.id == y.id) continue;
      std::optional<std::uint64_t> begun;
      for (std::uint64_t i = 0; i < b.index; ++i)
        if (f.completion_of(i) == b.index) begun = i;
      if (begun ? op.index < *begun : (y.offset == r.offset && op.index <= first->index))
        return true;
    }
  }
  return false;
}

inline Placement placement(Facts const& f, std::uint64_t id) {
  Placement p;
  for (Op const& op : f.ops())
    if (op.f == OpKind::send && op.type == OpType::ok && Facts::names(op, id)) {
      for (Record const& r : op.value)
        if (r.id.value == id && r.partition) p.partition = r.partition;
      break;
    }
  for (Op const& op : f.ops()) {
    if (p.partition || !reports(op)) continue;
    for (Record const& r : op.value)
      if (r.id.value == id && r.partition && !p.partition) p.partition = r.partition;
  }
  for (Op const& op : f.ops()) {
    if (!reports(op)) continue;
    for (Record const& r : op.value)
      if (r.id.value == id && r.offset && (!r.partition || r.partition == p.partition) &&
          !truncated(f, op, r))
        p.offsets.emplace(r.offset->value, op.index);
  }
  return p;
}

inline std::optional<history::OrderingScope> scope_of(Facts const& f, std::string const& t) {
  auto it = f.header().ordering.find(t);
  if (it == f.header().ordering.end() || it->second == history::OrderingScope::none)
    return std::nullopt;
  return it->second;
}

inline void judge_poll(Facts const& f, std::map<std::uint64_t, Placement>& place,
                       std::pair<std::string, std::optional<std::int32_t>> const& tp,
                       auto const& prev, auto const& cur, std::string const& group,
                       RefVerdict& v) {
  if (cur.first.first <= prev.last) {
    v.anomalies.push_back({"nonmonotonic-poll", cur.second, group, {prev.op, cur.first.op}});
    return;
  }
  if (cur.first.first <= prev.last + 1) return;
  std::optional<std::tuple<std::int64_t, std::uint64_t, std::uint64_t>> skipped;  // offset, id, op
  for (auto const& [id, p] : place) {
    if (f.topic_of(id) != tp.first || p.partition != tp.second) continue;
    bool excused = false;
    for (Op const& op : f.ops())
      if (Facts::names(op, id) && ((op.type == OpType::event && op.f == OpKind::expire) ||
                                   (op.type == OpType::ok && op.f == OpKind::txn_abort)))
        excused = true;
    if (excused) continue;
    for (auto const& [offset, op] : p.offsets) {
      // Aborted data: the offset's first claim is a send in a transaction that did not
      // commit, and the group reads committed.
      Op const& by = f.ops()[op];
      bool const aborted_data = by.f == OpKind::send && !by.txn.empty() &&
                                f.status(by.txn) != Facts::TxnStatus::committed &&
                                f.spec(group).isolation ==
                                    history::GroupSpec::Isolation::read_committed;
      if (offset > prev.last && offset < cur.first.first && !aborted_data &&
          (!skipped || offset < std::get<0>(*skipped)))
        skipped = std::make_tuple(offset, id, op);
    }
  }
  if (skipped)
    v.anomalies.push_back({"poll-skip", std::get<1>(*skipped), group,
                           {prev.op, cur.first.op, std::get<2>(*skipped)}});
}

/// nonmonotonic-poll and poll-skip: successive ok polls or deliveries of one (topic,
/// partition) by one process, with no assign, crash or restart of it in between.
inline void polls(Facts const& f, std::map<std::uint64_t, Placement>& place, RefVerdict& v) {
  struct Seen {
    std::uint64_t op;
    std::int64_t first, last;
  };
  std::set<std::string> processes;
  for (Op const& op : f.ops()) processes.insert(op.process);
  for (std::string const& process : processes) {
    std::map<std::pair<std::string, std::optional<std::int32_t>>, Seen> last;
    for (Op const& op : f.ops()) {
      if (op.process != process) continue;
      if ((op.f == OpKind::assign && op.type != OpType::event) ||
          (op.f == OpKind::txn_abort && op.type != OpType::invoke) ||
          (op.f == OpKind::txn_commit && op.type == OpType::fail) ||
          (op.type == OpType::event && (op.f == OpKind::crash || op.f == OpKind::power_loss ||
                                        op.f == OpKind::restart)))
        last.clear();
      if ((op.f != OpKind::poll && op.f != OpKind::deliver) || op.type != OpType::ok) continue;
      std::map<std::pair<std::string, std::optional<std::int32_t>>,
               std::pair<Seen, std::uint64_t>> now;  // tp -> (first/last, first message)
      for (Record const& r : op.value) {
        if (!r.offset || !scope_of(f, r.topic)) continue;
        auto const key = std::make_pair(r.topic,
                                        r.partition ? r.partition : place[r.id.value].partition);
        auto it = now.find(key);
        if (it == now.end()) now[key] = {{op.index, r.offset->value, r.offset->value}, r.id.value};
        else it->second.first.last = r.offset->value;
      }
      for (auto const& [key, cur] : now) {
        auto it = last.find(key);
        if (it != last.end()) judge_poll(f, place, key, it->second, cur, op.group, v);
        last[key] = cur.first;
      }
    }
  }
}

/// reordered: within one (topic, partition) and group, the first ok processings disagree
/// with the broker order (A before B when all A's offsets are below all B's). One anomaly
/// per cycle (strongly connected component), named by its first message in broker order.
inline void reorderings(Facts const& f, std::map<std::uint64_t, Placement>& place,
                        std::map<std::uint64_t, std::string>& topic, RefVerdict& v) {
  std::set<std::string> groups;
  for (Op const& op : f.ops())
    if (op.f == OpKind::process && op.type == OpType::ok) groups.insert(op.group);
  for (std::string const& g : groups) {
    std::map<std::uint64_t, std::pair<std::uint64_t, std::size_t>> pos;  // first processing
    for (Op const& op : f.ops())
      if (op.f == OpKind::process && op.type == OpType::ok && op.group == g)
        for (std::size_t k = 0; k < op.value.size(); ++k)
          pos.emplace(op.value[k].id.value, std::make_pair(op.index, k));
    std::map<std::pair<std::string, std::optional<std::int32_t>>, std::vector<std::uint64_t>> by;
    for (auto const& [id, at] : pos)
      if (scope_of(f, topic[id]) && !place[id].offsets.empty())
        by[{topic[id], place[id].partition}].push_back(id);
    for (auto const& [tp, ids] : by) {
      std::size_t const n = ids.size();
      auto lo = [&](std::size_t i) { return place[ids[i]].offsets.begin()->first; };
      auto hi = [&](std::size_t i) { return place[ids[i]].offsets.rbegin()->first; };
      std::vector<std::vector<bool>> reach(n, std::vector<bool>(n, false));
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
          if (i != j && (hi(i) < lo(j) || pos[ids[i]] < pos[ids[j]])) reach[i][j] = true;
      for (std::size_t k = 0; k < n; ++k)
        for (std::size_t i = 0; i < n; ++i)
          for (std::size_t j = 0; j < n; ++j)
            if (reach[i][k] && reach[k][j]) reach[i][j] = true;
      std::vector<bool> done(n, false);
      for (std::size_t i = 0; i < n; ++i) {
        if (done[i]) continue;
        std::vector<std::size_t> scc{i};
        for (std::size_t j = 0; j < n; ++j)
          if (j != i && reach[i][j] && reach[j][i]) scc.push_back(j);
        for (std::size_t j : scc) done[j] = true;
        if (scc.size() < 2) continue;
        std::size_t a = scc[0], b = scc[0];
        for (std::size_t j : scc) {
          if (lo(j) < lo(a)) a = j;
          if (pos[ids[j]] < pos[ids[b]]) b = j;
        }
        v.anomalies.push_back({"reordered", ids[a], g,
                               {place[ids[a]].offsets.begin()->second,
                                place[ids[b]].offsets.begin()->second, pos[ids[b]].first,
                                pos[ids[a]].first}});
      }
    }
  }
}

/// Returns nothing when ordering is not exercised, or promises a scope this reference does
/// not implement (only `partition` is).
inline std::optional<RefVerdict> ordering(Facts const& f) {
  bool exercised = false;
  for (auto const& [t, s] : f.header().ordering)
    if (s != history::OrderingScope::none && s != history::OrderingScope::partition)
      return std::nullopt;
  std::set<std::uint64_t> const ids = f.message_ids();
  std::map<std::uint64_t, Placement> place;
  std::map<std::uint64_t, std::string> topic;
  for (std::uint64_t id : ids) {
    place[id] = placement(f, id);
    topic[id] = f.topic_of(id);
  }
  bool positioned = false;
  for (Op const& op : f.ops())
    if (op.f == OpKind::process && op.type == OpType::ok)
      for (Record const& r : op.value)
        if (scope_of(f, topic[r.id.value])) {
          exercised = true;
          if (!place[r.id.value].offsets.empty()) positioned = true;
        }
  if (!exercised) return std::nullopt;
  RefVerdict v{"ordering", {}, {}, {}};
  if (!positioned) v.unknowns.push_back("no processed message has a position");
  auto tp_of = [&](Record const& r) {
    return std::make_pair(r.topic, r.partition ? r.partition : place[r.id.value].partition);
  };
  // inconsistent-offsets: two messages claimed at one (topic, partition, offset).
  std::map<std::tuple<std::string, std::optional<std::int32_t>, std::int64_t>,
           std::vector<std::pair<std::uint64_t, std::uint64_t>>>
      claims;  // slot -> (message, first op), in claim order
  for (Op const& op : f.ops()) {
    if (!reports(op)) continue;
    for (Record const& r : op.value) {
      if (!r.offset || !scope_of(f, r.topic)) continue;
      auto const [t, p] = tp_of(r);
      auto& c = claims[{t, p, r.offset->value}];
      if (std::none_of(c.begin(), c.end(), [&](auto const& x) { return x.first == r.id.value; }))
        c.emplace_back(r.id.value, op.index);
    }
  }
  for (auto const& [slot, c] : claims) {
    if (c.size() < 2) continue;
    RefAnomaly a{"inconsistent-offsets", c[1].first, "", {}};
    for (auto const& x : c) a.witnesses.push_back(x.second);
    v.anomalies.push_back(a);
  }
  polls(f, place, v);
  reorderings(f, place, topic, v);
  finish(v);
  return v;
}

// ---- Transactions: aborted-read, precommitted-read, torn-transaction ------------------------

inline bool transactional(Facts const& f) {
  for (Op const& op : f.ops())
    if ((!op.txn.empty() && op.type != OpType::event) || op.f == OpKind::txn_begin ||
        op.f == OpKind::txn_commit || op.f == OpKind::txn_abort)
      return true;
  return false;
}

inline bool read_committed(Facts const& f, std::string const& group) {
  return f.spec(group).isolation == history::GroupSpec::Isolation::read_committed;
}

inline std::optional<std::uint64_t> commit_request(Facts const& f, std::string const& txn) {
  for (Op const& op : f.ops())
    if (op.txn == txn && op.f == OpKind::txn_commit) return op.index;
  return std::nullopt;
}

/// The op that aborted `txn`: its ok txn-abort, else a failed txn-commit, else any txn-abort.
inline std::uint64_t abort_op(Facts const& f, std::string const& txn) {
  std::optional<std::uint64_t> fail, any;
  for (Op const& op : f.ops()) {
    if (op.txn != txn) continue;
    if (op.f == OpKind::txn_abort && op.type == OpType::ok) return op.index;
    if (op.f == OpKind::txn_commit && op.type == OpType::fail && !fail) fail = op.index;
    if (op.f == OpKind::txn_abort && !any) any = op.index;
  }
  return fail ? *fail : *any;
}

/// One read of message `id` by a read_committed group: the anomaly it makes, if any; sets
/// `unknown` for a read after the request of a commit whose outcome is unknown.
inline std::optional<RefAnomaly> judge_read(Facts const& f, Op const& read, Record const& r,
                                            bool& unknown) {
  std::uint64_t const id = r.id.value;
  std::vector<std::string> copies;  // "" = a non-transactional copy
  std::vector<std::string> matched;
  for (Op const& op : f.ops()) {
    if (op.f != OpKind::send || !Facts::names(op, id)) continue;
    if (std::find(copies.begin(), copies.end(), op.txn) == copies.end()) copies.push_back(op.txn);
    if (op.type != OpType::ok || !r.offset) continue;
    for (Record const& s : op.value)
      if (s.id.value == id && s.topic == r.topic && s.partition == r.partition &&
          s.offset == r.offset &&
          std::find(matched.begin(), matched.end(), op.txn) == matched.end())
        matched.push_back(op.txn);
  }
  if (matched.size() == 1) copies = matched;
  std::optional<RefAnomaly> worst;
  bool maybe = false;
  for (std::string const& txn : copies) {
    if (txn.empty()) return std::nullopt;
    auto const s = f.status(txn);
    auto const request = commit_request(f, txn);
    if (s == Facts::TxnStatus::committed || s == Facts::TxnStatus::unknown) {
      if (request && read.index > *request) {
        if (s == Facts::TxnStatus::committed) return std::nullopt;
        maybe = true;
      } else if (!worst || worst->kind != "precommitted-read") {
        worst = RefAnomaly{"precommitted-read", id, read.group, {read.index, *request}};
      }
    } else if (!worst) {
      std::uint64_t const w = s == Facts::TxnStatus::aborted
                                  ? abort_op(f, txn)
                                  : *f.first_send(id, [&](Op const& o) { return o.txn == txn; });
      worst = RefAnomaly{"aborted-read", id, read.group, {read.index, w}};
    }
  }
  if (maybe) {
    unknown = true;
    return std::nullopt;
  }
  return worst;
}

inline std::vector<std::string> topics_read(Facts const& f, std::string const& group) {
  std::vector<std::string> out;
  for (auto const& [t, groups] : f.header().subscriptions)
    if (std::find(groups.begin(), groups.end(), group) != groups.end()) out.push_back(t);
  if (!out.empty()) return out;
  for (Op const& op : f.ops())
    if (op.f == OpKind::process && op.group == group && f.counted(op) &&
        f.counted(op) != OpType::fail)
      for (Record const& r : op.value)
        if (std::find(out.begin(), out.end(), r.topic) == out.end()) out.push_back(r.topic);
  return out;
}

/// torn-transaction: after a drain, a read_committed group that processed part of a committed
/// transaction must process all of it on the topics it reads.
inline void torn(Facts const& f, std::set<std::string> const& groups, RefVerdict& v) {
  std::set<std::string> txns;
  for (Op const& op : f.ops())
    if (!op.txn.empty() && f.status(op.txn) == Facts::TxnStatus::committed) txns.insert(op.txn);
  for (std::string const& txn : txns) {
    std::vector<std::uint64_t> ids;
    for (Op const& op : f.ops())
      if (op.f == OpKind::send && op.txn == txn && (op.type == OpType::ok ||
                                                    op.type == OpType::info || f.open_invoke(op)))
        for (Record const& r : op.value)
          if (std::find(ids.begin(), ids.end(), r.id.value) == ids.end())
            ids.push_back(r.id.value);
    for (std::string const& g : groups) {
      std::optional<std::uint64_t> first;
      for (std::uint64_t id : ids) {
        auto const oks = processings(f, id, g, nullptr).first;
        if (!oks.empty() && (!first || oks.front() < *first)) first = oks.front();
      }
      if (!first) continue;
      std::vector<std::string> const topics = topics_read(f, g);
      for (std::uint64_t id : ids) {
        if (std::find(topics.begin(), topics.end(), f.topic_of(id)) == topics.end()) continue;
        auto const [oks, infos] = processings(f, id, g, nullptr);
        if (!oks.empty()) continue;
        if (!infos.empty() || !f.header().drained) {
          v.unknowns.push_back("torn undecided");
          continue;
        }
        v.anomalies.push_back({"torn-transaction", id, g,
                               {*first, *f.first_send(id, [&](Op const& o) {
                                  return o.txn == txn;
                                })}});
      }
    }
  }
}

inline std::optional<RefVerdict> transactional_visibility(Facts const& f) {
  if (!transactional(f)) return std::nullopt;
  RefVerdict v{"transactional-visibility", {}, {}, {}};
  std::set<std::string> groups;  // read_committed groups that read or are listed
  for (Op const& op : f.ops())
    if (Facts::is_consumer_op(op) && read_committed(f, op.group)) groups.insert(op.group);
  for (auto const& [t, gs] : f.header().subscriptions)
    for (std::string const& g : gs)
      if (read_committed(f, g)) groups.insert(g);
  if (groups.empty()) v.unknowns.push_back("visibility was not exercised");
  std::set<std::tuple<std::string, std::uint64_t, std::string>> reported;
  bool unknown = false;
  for (Op const& op : f.ops()) {
    if (!Facts::is_consumer_op(op) || op.type != OpType::ok || !read_committed(f, op.group))
      continue;
    for (Record const& r : op.value)
      if (auto a = judge_read(f, op, r, unknown))
        if (reported.insert({a->kind, a->message, a->group}).second) v.anomalies.push_back(*a);
  }
  if (unknown) v.unknowns.push_back("commit outcome unknown");
  torn(f, groups, v);
  finish(v);
  return v;
}

// ---- Features -------------------------------------------------------------------------------

/// What a consumer op counts as (§Features, what the checks share): ok happened; info, or a
/// process invoke never completed, maybe happened; fail and completed invokes: nothing.
inline std::optional<OpType> happened(Facts const& f, Op const& op) {
  if (!Facts::is_consumer_op(op)) return std::nullopt;
  if (op.type == OpType::ok || op.type == OpType::info) return op.type;
  if (op.type == OpType::invoke && op.f == OpKind::process && f.open_invoke(op))
    return OpType::info;
  return std::nullopt;
}

/// delay: early-delivery.
inline std::optional<RefVerdict> delay(Facts const& f) {
  std::map<std::uint64_t, std::int64_t> after;
  for (Op const& op : f.ops())
    if (op.f == OpKind::send)
      for (Record const& r : op.value)
        if (r.deliver_after) after.emplace(r.id.value, r.deliver_after->us);
  if (after.empty()) return std::nullopt;
  RefVerdict v{"delay", {}, {}, {}};
  std::set<std::pair<std::uint64_t, std::string>> seen;
  bool consumed = false;
  for (Op const& op : f.ops()) {
    auto const h = happened(f, op);
    if (!h) continue;
    // §delay: a group whose consumers hold delayed messages back themselves (`"delay":
    // "consumer"`, Kafka's paused consumption) may fetch early; only its processing counts.
    auto const spec = f.header().groups.find(op.group);
    if (spec != f.header().groups.end() &&
        spec->second.delay == history::GroupSpec::DelayBy::consumer && op.f != OpKind::process)
      continue;
    for (Record const& r : op.value) {
      auto it = after.find(r.id.value);
      if (it == after.end()) continue;
      // §Features, validity: a passing row means something was judged, and only an ok op
      // (one that happened) can be judged; a maybe (info) one cannot show the delay held.
      consumed = consumed || *h == OpType::ok;
      if (op.time.us >= it->second) continue;
      if (*h == OpType::info) v.unknowns.push_back("maybe early");
      else if (seen.insert({r.id.value, op.group}).second)
        v.anomalies.push_back({"early-delivery", r.id.value, op.group,
                               {*f.first_send(r.id.value), op.index}});
    }
  }
  if (!consumed) v.unknowns.push_back("no delayed message was consumed");
  finish(v);
  return v;
}

/// priority: priority-inversion, judged at broker dispatch events only.
inline std::optional<RefVerdict> priority(Facts const& f) {
  bool any_priority = false, any_dispatch = false;
  for (Op const& op : f.ops()) {
    for (Record const& r : op.value) any_priority = any_priority || r.priority.has_value();
    any_dispatch = any_dispatch || (op.type == OpType::event && op.f == OpKind::dispatch);
  }
  if (!any_priority || !any_dispatch) return std::nullopt;
  auto prio = [&](std::uint64_t id) {
    for (Op const& op : f.ops())
      if (op.f == OpKind::send)
        for (Record const& r : op.value)
          if (r.id.value == id && r.priority) return *r.priority;
    // No send record states one (say the send op is missing): take the broker's word, the
    // first op that states one. docs/anomalies.md does not say; the checker does this.
    for (Op const& op : f.ops())
      for (Record const& r : op.value)
        if (r.id.value == id && r.priority) return *r.priority;
    return std::int32_t{0};
  };
  auto is = [](Op const& op, OpKind k) { return op.type == OpType::event && op.f == k; };
  RefVerdict v{"priority", {}, {}, {}};
  std::set<std::pair<std::uint64_t, std::string>> seen;
  std::set<std::uint64_t> const ids = f.message_ids();
  for (Op const& d : f.ops()) {
    if (!is(d, OpKind::dispatch)) continue;
    for (Record const& low : d.value) {
      std::string const topic = f.topic_of(low.id.value);
      for (std::uint64_t h : ids) {
        if (h == low.id.value || f.topic_of(h) != topic || prio(h) <= prio(low.id.value) ||
            f.filtered_out(d.group, h) || seen.count({h, d.group}))
          continue;
        std::optional<std::uint64_t> ready, next, expired;
        for (Op const& op : f.ops())
          if (is(op, OpKind::append) && Facts::names(op, h) && !ready) ready = op.index;
        if (!ready)
          ready = f.first_send(h, [](Op const& op) { return op.type == OpType::ok; });
        for (Op const& op : f.ops()) {
          if (is(op, OpKind::dispatch) && op.group == d.group && Facts::names(op, h) && !next &&
              op.index != d.index && op.index > *ready)
            next = op.index;
          if (is(op, OpKind::expire) && Facts::names(op, h) && !expired) expired = op.index;
        }
        if (!ready || *ready > d.index || (expired && *expired < d.index)) continue;
        bool dispatched_before = false;
        for (Op const& op : f.ops())
          if (is(op, OpKind::dispatch) && op.group == d.group && Facts::names(op, h) &&
              op.index < d.index)
            dispatched_before = true;
        if (dispatched_before) continue;
        seen.insert({h, d.group});
        RefAnomaly a{"priority-inversion", h, d.group, {*ready, d.index}};
        if (next) a.witnesses.push_back(*next);
        v.anomalies.push_back(a);
      }
    }
  }
  finish(v);
  return v;
}

/// dead-letter: dlq-missing, dlq-duplicate.
inline std::optional<RefVerdict> dead_letter(Facts const& f) {
  std::map<std::string, std::vector<std::string>> by_topic;  // D -> groups
  for (auto const& [g, s] : f.header().groups)
    if (!s.dead_letter_topic.empty()) by_topic[s.dead_letter_topic].push_back(g);
  if (by_topic.empty()) return std::nullopt;
  RefVerdict v{"dead-letter", {}, {}, {}};
  bool judged = false;
  for (std::uint64_t id : f.message_ids()) {
    for (auto const& [d, groups] : by_topic) {
      std::size_t exhausted_by = 0;
      for (std::string const& g : groups) {
        std::int64_t const n = f.spec(g).dead_letter_after;
        auto const oks = ok_nacks(f, g, id);
        std::int64_t infos = 0;
        for (Op const& op : f.ops())
          if (op.f == OpKind::nack && op.type == OpType::info && op.group == g &&
              Facts::names(op, id))
            ++infos;
        bool const arrived = arrived_in(f, d, id);
        if (std::int64_t(oks.size()) >= n && n > 0) {
          ++exhausted_by;
          judged = true;
          if (arrived) continue;
          if (!f.header().drained) v.unknowns.push_back("history not drained");
          else v.anomalies.push_back({"dlq-missing", id, g, {oks.begin(), oks.begin() + n}});
        } else if (std::int64_t(oks.size()) + infos >= n && n > 0 && !arrived) {
          v.unknowns.push_back("uncertain");
        }
      }
      std::vector<std::uint64_t> appends;
      std::map<std::int64_t, std::uint64_t> offsets;
      for (Op const& op : f.ops()) {
        if (op.type == OpType::invoke || op.type == OpType::fail) continue;
        for (Record const& r : op.value) {
          if (r.id.value != id || r.topic != d) continue;
          judged = true;
          if (op.type == OpType::event && op.f == OpKind::append) appends.push_back(op.index);
          if (r.offset) offsets.emplace(r.offset->value, op.index);
        }
      }
      std::size_t const allowed = std::max<std::size_t>(1, exhausted_by);
      if (appends.size() > allowed)
        v.anomalies.push_back({"dlq-duplicate", id, groups.front(), appends});
      else if (offsets.size() > allowed) {
        RefAnomaly a{"dlq-duplicate", id, groups.front(), {}};
        for (auto const& [o, op] : offsets) a.witnesses.push_back(op);
        v.anomalies.push_back(a);
      }
    }
  }
  if (!judged) v.unknowns.push_back("nothing exhausted or dead-lettered");
  finish(v);
  return v;
}

/// broadcast: broadcast-miss, per (instance, acknowledged message) of a broadcast group.
inline std::optional<RefVerdict> broadcast(Facts const& f) {
  std::vector<std::string> groups;
  for (auto const& [g, s] : f.header().groups)
    if (s.mode == history::GroupSpec::Mode::broadcast) groups.push_back(g);
  if (groups.empty()) return std::nullopt;
  RefVerdict v{"broadcast", {}, {}, {}};
  bool judged = false;  // A passing row always means something was judged (§Features).
  for (std::string const& g : groups) {
    std::set<std::string> instances;
    std::map<std::string, std::uint64_t> last_op;
    for (Op const& op : f.ops())
      if (op.type != OpType::event && op.group == g) instances.insert(op.process);
    for (Op const& op : f.ops())
      if (instances.count(op.process)) last_op[op.process] = op.index;
    std::set<std::string> topics;
    for (auto const& [t, gs] : f.header().subscriptions)
      if (std::find(gs.begin(), gs.end(), g) != gs.end()) topics.insert(t);
    for (Op const& op : f.ops())
      if (op.f == OpKind::process && op.group == g && op.type == OpType::ok)
        for (Record const& r : op.value) topics.insert(f.topic_of(r.id.value));
    for (std::uint64_t id : f.message_ids()) {
      if (!topics.count(f.topic_of(id)) || f.outcome(id) != OpType::ok || f.filtered_out(g, id))
        continue;
      std::uint64_t const ok = *f.first_send(id, [&](Op const& op) {
        return f.counted(op) == OpType::ok;
      });
      for (std::string const& i : instances) {
        judged = true;
        auto const [oks, infos] = processings(f, id, g, &i);
        if (!oks.empty()) continue;
        if (!infos.empty() || !f.header().drained) {
          v.unknowns.push_back("uncertain or not drained");
          continue;
        }
        RefAnomaly a{"broadcast-miss", id, g, {ok, last_op[i]}};
        if (auto inv = f.invoke_of(ok)) a.witnesses.push_back(*inv);
        v.anomalies.push_back(a);
      }
    }
  }
  if (!judged) v.unknowns.push_back("no instance and acknowledged message");
  finish(v);
  return v;
}

/// filtering: filter-leak, at a group's first consumer op naming a message its filter rejects.
inline std::optional<RefVerdict> filtering(Facts const& f) {
  bool exercised = false;
  for (auto const& [g, s] : f.header().groups) exercised = exercised || !s.filter.empty();
  if (!exercised) return std::nullopt;
  RefVerdict v{"filtering", {}, {}, {}};
  std::set<std::pair<std::uint64_t, std::string>> seen;
  bool received = false;
  for (Op const& op : f.ops()) {
    auto const h = happened(f, op);
    if (!h || f.spec(op.group).filter.empty()) continue;
    for (Record const& r : op.value) {
      received = received || *h == OpType::ok;
      if (!f.filtered_out(op.group, r.id.value)) continue;
      if (*h == OpType::info) {
        v.unknowns.push_back("maybe leaked");
        continue;
      }
      if (!seen.insert({r.id.value, op.group}).second) continue;
      RefAnomaly a{"filter-leak", r.id.value, op.group, {op.index}};
      if (auto s = f.first_send(r.id.value)) a.witnesses.push_back(*s);
      v.anomalies.push_back(a);
    }
  }
  if (!received) v.unknowns.push_back("the filtered groups received nothing");
  finish(v);
  return v;
}

/// tenancy: tenant-leak, a consumer of tenant A receiving a message sent in tenant B.
inline std::optional<RefVerdict> tenancy(Facts const& f) {
  bool exercised = false;
  for (Op const& op : f.ops()) exercised = exercised || !op.tenant.empty();
  for (auto const& [g, s] : f.header().groups) exercised = exercised || !s.tenant.empty();
  if (!exercised) return std::nullopt;
  RefVerdict v{"tenancy", {}, {}, {}};
  std::set<std::pair<std::uint64_t, std::string>> seen;
  bool judged = false;
  for (Op const& op : f.ops()) {
    auto const h = happened(f, op);
    if (!h) continue;
    std::string const mine = op.tenant.empty() ? f.spec(op.group).tenant : op.tenant;
    if (mine.empty()) continue;
    for (Record const& r : op.value) {
      auto const send = f.first_send(r.id.value, [](Op const& s) { return !s.tenant.empty(); });
      if (!send) continue;
      judged = judged || *h == OpType::ok;  // An info op only maybe happened.
      if (f.ops()[*send].tenant == mine) continue;
      if (*h == OpType::info) v.unknowns.push_back("maybe leaked");
      else if (seen.insert({r.id.value, op.group}).second)
        v.anomalies.push_back({"tenant-leak", r.id.value, op.group, {*send, op.index}});
    }
  }
  if (!judged) v.unknowns.push_back("nothing judged");
  finish(v);
  return v;
}

/// authorization: unauthorized-access, one per (op, topic) an ACL does not allow.
inline std::optional<RefVerdict> authorization(Facts const& f) {
  if (f.header().acls.empty()) return std::nullopt;
  RefVerdict v{"authorization", {}, {}, {}};
  bool judged = false;
  for (Op const& op : f.ops()) {
    bool const send = op.f == OpKind::send;
    if (op.principal.empty() || (!send && !Facts::is_consumer_op(op))) continue;
    if (op.type != OpType::ok && op.type != OpType::info) continue;
    auto acl = f.header().acls.find(op.principal);
    std::set<std::string> topics;
    for (Record const& r : op.value) {
      // Only an ok op is judged: the page does not say whether a refused (fail) or maybe
      // (info) op makes a passing row; the checker counts neither.
      judged = judged || op.type == OpType::ok;
      if (!topics.insert(r.topic).second) continue;
      bool allowed = false;
      if (acl != f.header().acls.end()) {
        auto const& list = send ? acl->second.produce : acl->second.consume;
        allowed = std::find(list.begin(), list.end(), "*") != list.end() ||
                  std::find(list.begin(), list.end(), r.topic) != list.end();
      }
      if (allowed) continue;
      if (op.type == OpType::info) v.unknowns.push_back("maybe unauthorized");
      else v.anomalies.push_back({"unauthorized-access", r.id.value, send ? "" : op.group,
                                  {op.index}});
    }
  }
  if (!judged) v.unknowns.push_back("nothing judged");
  finish(v);
  return v;
}

/// Every verdict the reference can give for `h`, by guarantee name. Guarantees that are not
/// exercised (or, for ordering, promise a scope the reference does not implement) are absent.
inline std::map<std::string, RefVerdict> reference_check(history::History const& h) {
  Facts const f(h);
  std::map<std::string, RefVerdict> out;
  std::vector<RefVerdict> three{at_most_once(f), at_least_once(f), no_unexpected(f)};
  out["exactly-once"] = exactly_once(three);
  for (RefVerdict& v : three) out[v.guarantee] = std::move(v);
  for (auto v : {ordering(f), transactional_visibility(f), delay(f), priority(f),
                 dead_letter(f), broadcast(f), filtering(f), tenancy(f), authorization(f)})
    if (v) out[v->guarantee] = std::move(*v);
  return out;
}

}  // namespace mqcheck::checker::testing::reference
