// SPDX-License-Identifier: Apache-2.0
// File: tests/checker/anomaly_injection.hpp (tests, layer: checker)
// Breaks a valid random history (random_history.hpp) in exactly one place, one function per
// anomaly kind of history::anomaly_kind_names(), and says what the checker must then report:
// the guarantee, kind, message, group and witnesses that docs/anomalies.md pins down. Each
// edit works on the op vector and re-appends it, so indices stay 0, 1, 2, ... and times never
// go back; witnesses are computed on the rebuilt history. An injector returns nothing when the
// history offers no place for its anomaly (no aborted transaction, say).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/checker/random_history.hpp"

namespace mqcheck::checker::testing {

/// One anomaly the checker must report after an injection.
struct ExpectedAnomaly {
  std::string guarantee;
  std::string kind;
  std::uint64_t message = 0;
  std::string group;
  std::vector<std::uint64_t> witnesses;  // Ascending.
};

/// A broken history and everything it must be reported for.
struct Injection {
  history::History history;
  std::vector<ExpectedAnomaly> expected;
};

namespace inject_detail {

using history::Op;
using history::OpKind;
using history::OpType;
using Ops = std::vector<Op>;

inline constexpr std::uint64_t inserted = 1'000'000'000;  // op.index of ops an edit adds.

/// The ops re-appended, and where each old index (or inserted marker) went.
struct Rebuilt {
  history::History history;
  std::map<std::uint64_t, std::uint64_t> moved;
  std::uint64_t at(std::uint64_t old) const { return moved.at(old); }
};

inline Rebuilt reappend(history::Header const& header, Ops ops) {
  Rebuilt out{history::History(header), {}};
  for (Op& op : ops) {
    std::uint64_t const old = op.index;
    out.moved[old] = out.history.append(std::move(op));
  }
  return out;
}

inline Ops copy_ops(history::History const& h) { return Ops(h.ops().begin(), h.ops().end()); }

inline bool names(Op const& op, std::uint64_t id) {
  return std::any_of(op.value.begin(), op.value.end(),
                     [&](history::Record const& r) { return r.id.value == id; });
}

inline bool is_consumer_op(Op const& op) {
  return op.f == OpKind::poll || op.f == OpKind::deliver || op.f == OpKind::process;
}

/// Index of the first op satisfying `pred`, or nothing.
template <class Pred>
std::optional<std::uint64_t> first(Ops const& ops, Pred pred) {
  for (Op const& op : ops)
    if (pred(op)) return op.index;
  return std::nullopt;
}

inline std::optional<std::uint64_t> first_ok_send(Ops const& ops, std::uint64_t id) {
  return first(ops, [&](Op const& op) {
    return op.f == OpKind::send && op.type == OpType::ok && names(op, id);
  });
}

inline std::optional<std::uint64_t> first_send(Ops const& ops, std::uint64_t id) {
  return first(ops, [&](Op const& op) { return op.f == OpKind::send && names(op, id); });
}

inline history::Record const& record_of(Op const& op, std::uint64_t id) {
  return *std::find_if(op.value.begin(), op.value.end(),
                       [&](history::Record const& r) { return r.id.value == id; });
}

template <class T>
T const& pick(std::vector<T> const& v, SplitMix64& rng) {
  return v[rng.below(v.size())];
}

inline bool plain_group(std::string const& g) { return !g.empty() && g[0] == 'g'; }

inline bool ordered(history::Header const& h, std::string const& topic) {
  auto it = h.ordering.find(topic);
  return it != h.ordering.end() && it->second != history::OrderingScope::none;
}

inline SimTimeUs end_time(Ops const& ops, std::int64_t gap) {
  return SimTimeUs{(ops.empty() ? 0 : ops.back().time.us) + gap};
}

/// A delivery anomaly is reported under its guarantee and again under exactly-once.
inline void delivery(std::vector<ExpectedAnomaly>& out, std::string const& guarantee,
                     ExpectedAnomaly a) {
  a.guarantee = guarantee;
  out.push_back(a);
  a.guarantee = "exactly-once";
  out.push_back(a);
}

// (message, group, first ok send) of every acknowledged non-transactional message and every
// plain group that must process it.
struct Owed {
  std::uint64_t message;
  std::string group;
  std::uint64_t ok_send;
};
inline std::vector<Owed> owed(history::History const& h, bool plain_only) {
  Ops const ops = copy_ops(h);
  std::vector<Owed> out;
  for (Op const& op : ops) {
    if (op.f != OpKind::send || op.type != OpType::ok || !op.txn.empty()) continue;
    for (history::Record const& r : op.value) {
      if (first_ok_send(ops, r.id.value) != op.index) continue;
      auto it = h.header().subscriptions.find(r.topic);
      if (it == h.header().subscriptions.end()) continue;
      for (std::string const& g : it->second)
        if (!plain_only || plain_group(g)) out.push_back({r.id.value, g, op.index});
    }
  }
  return out;
}

// Up to four distinct messages acknowledged with an offset and a partition in one ordered
// topic of `ops` (a random topic), in id order, with that topic's name; nothing when none is.
struct AckedSample {
  std::string topic;
  std::vector<history::Record> records;
};
inline std::optional<AckedSample> acked_sample(history::Header const& header, Ops const& ops,
                                               SplitMix64& rng) {
  std::map<std::string, std::vector<history::Record>> acked;  // By topic: ok sends' records.
  std::set<std::uint64_t> seen;
  for (Op const& op : ops) {
    if (op.f != OpKind::send || op.type != OpType::ok) continue;
    for (history::Record const& r : op.value)
      if (r.offset && r.partition && ordered(header, r.topic) && seen.insert(r.id.value).second)
        acked[r.topic].push_back(r);
  }
  if (acked.empty()) return std::nullopt;
  auto topic = acked.begin();
  std::advance(topic, static_cast<std::ptrdiff_t>(rng.below(acked.size())));
  AckedSample sample{topic->first, {}};
  std::vector<history::Record>& chosen = sample.records;
  int const count = rng.between(1, 4);
  for (int i = 0; i < count; ++i) chosen.push_back(pick(topic->second, rng));
  auto const by_id = [](history::Record const& a, history::Record const& b) {
    return a.id.value < b.id.value;
  };
  std::sort(chosen.begin(), chosen.end(), by_id);
  chosen.erase(
      std::unique(chosen.begin(), chosen.end(),
                  [](history::Record const& a, history::Record const& b) { return a.id == b.id; }),
      chosen.end());
  return sample;
}

}  // namespace inject_detail

/// lost (drained) or unseen (not drained): every process op of one group for one
/// acknowledged message is dropped. Witnesses: the send invoke and its first ok.
inline std::optional<Injection> inject_lost(history::History const& h, SplitMix64& rng,
                                            bool drained = true) {
  using namespace inject_detail;
  auto const candidates = owed(h, true);
  if (candidates.empty()) return std::nullopt;
  Owed const o = pick(candidates, rng);
  Ops ops = copy_ops(h);
  std::erase_if(ops, [&](Op const& op) {
    return op.f == OpKind::process && op.group == o.group && names(op, o.message);
  });
  history::Header header = h.header();
  header.drained = drained;
  Rebuilt r = reappend(header, std::move(ops));
  Injection out{std::move(r.history), {}};
  delivery(out.expected, "at-least-once",
           {"", drained ? "lost" : "unseen", o.message, o.group,
            {r.at(o.ok_send - 1), r.at(o.ok_send)}});
  return out;
}

inline std::optional<Injection> inject_unseen(history::History const& h, SplitMix64& rng) {
  return inject_lost(h, rng, false);
}

/// duplicated: one ok processing of a plain group is done again at the end. Witnesses: every
/// ok process op of that (message, group).
inline std::optional<Injection> inject_duplicated(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::uint64_t> candidates;
  for (Op const& op : ops)
    if (op.f == OpKind::process && op.type == OpType::ok && plain_group(op.group))
      candidates.push_back(op.index);
  if (candidates.empty()) return std::nullopt;
  Op again = ops[pick(candidates, rng)];
  std::uint64_t const id = again.value.front().id.value;
  std::string const group = again.group;
  again.txn.clear();
  again.type = OpType::invoke;
  again.time = end_time(ops, 10);
  again.index = inserted;
  ops.push_back(again);
  again.type = OpType::ok;
  again.index = inserted + 1;
  ops.push_back(again);
  Rebuilt r = reappend(h.header(), std::move(ops));
  ExpectedAnomaly a{"", "duplicated", id, group, {}};
  for (Op const& op : r.history.ops())
    if (op.f == OpKind::process && op.type == OpType::ok && op.group == group && names(op, id))
      a.witnesses.push_back(op.index);
  Injection out{std::move(r.history), {}};
  delivery(out.expected, "at-most-once", a);
  return out;
}

/// unexpected: a plain group processes a message no producer sent, or one whose every send
/// failed. Witnesses: the process op and every failed send completion.
inline std::optional<Injection> inject_unexpected(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::pair<std::string, std::string>> readers;  // (group, topic)
  for (auto const& [topic, groups] : h.header().subscriptions)
    for (std::string const& g : groups)
      if (plain_group(g)) readers.emplace_back(g, topic);
  if (readers.empty()) return std::nullopt;
  auto const [group, topic] = pick(readers, rng);
  std::uint64_t id = 1'000'000;  // Never sent, unless a failed message of `topic` exists.
  std::vector<std::uint64_t> failed;
  for (Op const& op : ops) {
    if (op.f != OpKind::send || op.type != OpType::invoke || op.value[0].topic != topic ||
        !op.txn.empty())
      continue;
    std::uint64_t const m = op.value[0].id.value;
    bool const all_failed = !std::any_of(ops.begin(), ops.end(), [&](Op const& o) {
      return o.f == OpKind::send && o.type != OpType::fail && o.type != OpType::invoke &&
             names(o, m);
    }) && std::count_if(ops.begin(), ops.end(), [&](Op const& o) {
      return o.f == OpKind::send && o.type == OpType::fail && names(o, m);
    }) == std::count_if(ops.begin(), ops.end(), [&](Op const& o) {
      return o.f == OpKind::send && o.type == OpType::invoke && names(o, m);
    });
    if (all_failed && rng.chance(0.7)) id = m;
  }
  Op op;
  op.process = group + "-0";
  op.group = group;
  op.f = OpKind::process;
  op.value = {history::Record::of(MessageId{id}, topic)};
  if (!h.ops().empty() && !h.ops().back().principal.empty()) op.principal = "bob";
  op.time = end_time(ops, 100);
  op.index = inserted;
  ops.push_back(op);
  op.type = OpType::ok;
  op.index = inserted + 1;
  ops.push_back(op);
  Rebuilt r = reappend(h.header(), std::move(ops));
  ExpectedAnomaly a{"", "unexpected", id, group, {}};
  for (Op const& o : r.history.ops())
    if (o.f == OpKind::send && o.type == OpType::fail && names(o, id))
      a.witnesses.push_back(o.index);
  a.witnesses.push_back(r.at(inserted + 1));
  Injection out{std::move(r.history), {}};
  delivery(out.expected, "no-unexpected", a);
  return out;
}

/// reordered: a plain group's two adjacent first processings (same poll, ordered topic,
/// both acknowledged) swap messages. Witnesses: both ok sends (the offsets) and both
/// ok process ops; the message is A, the one the broker put first.
inline std::optional<Injection> inject_reordered(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  // (invoke A, ok A, invoke B, ok B) of one consumer, B the very next record after A.
  std::vector<std::array<std::size_t, 4>> candidates;
  for (std::size_t i = 1; i < ops.size(); ++i) {
    Op const& ok_a = ops[i];
    if (ok_a.f != OpKind::process || ok_a.type != OpType::ok || !plain_group(ok_a.group) ||
        !ordered(h.header(), ok_a.value[0].topic) || ops[i - 1].f != OpKind::process ||
        ops[i - 1].type != OpType::invoke)
      continue;
    std::size_t j = i + 1;
    while (j < ops.size() && ops[j].f == OpKind::ack) ++j;
    if (j + 1 >= ops.size() || ops[j].f != OpKind::process || ops[j].type != OpType::invoke ||
        ops[j + 1].f != OpKind::process || ops[j + 1].type != OpType::ok ||
        ops[j].process != ok_a.process)
      continue;
    history::Record const& a = ok_a.value[0];
    history::Record const& b = ops[j + 1].value[0];
    if (a.partition != b.partition || a.topic != b.topic ||
        !first_ok_send(ops, a.id.value) || !first_ok_send(ops, b.id.value))
      continue;
    candidates.push_back({i - 1, i, j, j + 1});
  }
  if (candidates.empty()) return std::nullopt;
  auto const c = pick(candidates, rng);
  std::uint64_t const a = ops[c[1]].value[0].id.value;
  std::uint64_t const b = ops[c[3]].value[0].id.value;
  std::swap(ops[c[0]].value, ops[c[2]].value);
  std::swap(ops[c[1]].value, ops[c[3]].value);
  std::string const group = ops[c[1]].group;
  std::uint64_t const ok_a = ops[c[1]].index;
  std::uint64_t const ok_b = ops[c[3]].index;
  std::vector<std::uint64_t> w{*first_ok_send(ops, a), *first_ok_send(ops, b), ok_a, ok_b};
  Rebuilt r = reappend(h.header(), std::move(ops));
  for (std::uint64_t& x : w) x = r.at(x);
  std::sort(w.begin(), w.end());
  return Injection{std::move(r.history), {{"ordering", "reordered", a, group, w}}};
}

/// nonmonotonic-poll: a plain group's ok poll of an ordered topic is recorded a second time
/// right after itself. Witnesses: the two polls; the message is the repeat's first.
inline std::optional<Injection> inject_nonmonotonic_poll(history::History const& h,
                                                         SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (ops[i].f == OpKind::poll && ops[i].type == OpType::ok && plain_group(ops[i].group) &&
        !ops[i].value.empty() && ordered(h.header(), ops[i].value[0].topic))
      candidates.push_back(i);
  if (candidates.empty()) return std::nullopt;
  std::size_t const i = pick(candidates, rng);
  Op again = ops[i];
  again.time = SimTimeUs{again.time.us + 1};
  again.index = inserted;
  std::uint64_t const first_poll = ops[i].index;
  ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(i) + 1, again);
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"ordering", "nonmonotonic-poll", again.value[0].id.value, again.group,
                     {r.at(first_poll), r.at(inserted)}}}};
}

/// poll-skip: the first record of a plain group's poll is left out, so the consumer jumps
/// over an acknowledged message. Witnesses: the two polls and the message's ok send.
inline std::optional<Injection> inject_poll_skip(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::pair<std::size_t, std::size_t>> candidates;  // (earlier poll, later poll)
  std::map<std::pair<std::string, std::pair<std::string, std::int32_t>>, std::size_t> last;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Op const& op = ops[i];
    if (op.f == OpKind::assign) std::erase_if(last, [&](auto const& e) {
        return e.first.first == op.process;
      });
    if (op.f != OpKind::poll || op.type != OpType::ok || op.value.empty() ||
        !plain_group(op.group) || !ordered(h.header(), op.value[0].topic))
      continue;
    auto const key = std::make_pair(op.process,
                                    std::make_pair(op.value[0].topic, *op.value[0].partition));
    auto it = last.find(key);
    if (it != last.end() && op.value.size() >= 2 && first_ok_send(ops, op.value[0].id.value))
      candidates.emplace_back(it->second, i);
    last[key] = i;
  }
  if (candidates.empty()) return std::nullopt;
  auto const [p1, p2] = pick(candidates, rng);
  std::uint64_t const skipped = ops[p2].value[0].id.value;
  std::string const group = ops[p2].group;
  std::vector<std::uint64_t> w{ops[p1].index, ops[p2].index, *first_ok_send(ops, skipped)};
  ops[p2].value.erase(ops[p2].value.begin());
  Rebuilt r = reappend(h.header(), std::move(ops));
  for (std::uint64_t& x : w) x = r.at(x);
  std::sort(w.begin(), w.end());
  return Injection{std::move(r.history), {{"ordering", "poll-skip", skipped, group, w}}};
}

/// inconsistent-offsets: a commit at the end claims message B sits at message A's offset.
/// Witnesses: A's ok send and the commit; the message is B, the group "".
inline std::optional<Injection> inject_inconsistent_offsets(history::History const& h,
                                                            SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::pair<std::size_t, std::size_t>> candidates;  // ok sends of A and B
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Op const& a = ops[i];
    if (a.f != OpKind::send || a.type != OpType::ok || !ordered(h.header(), a.value[0].topic) ||
        !first(ops, [&](Op const& p) {
          return p.f == OpKind::process && p.type == OpType::ok &&
                 p.value[0].topic == a.value[0].topic;
        }))  // Ordering has a verdict only on topics some group processed.
      continue;
    for (std::size_t j = 0; j < ops.size(); ++j) {
      Op const& b = ops[j];
      if (j != i && b.f == OpKind::send && b.type == OpType::ok &&
          b.value[0].topic == a.value[0].topic && b.value[0].partition == a.value[0].partition &&
          b.value[0].id != a.value[0].id)
        candidates.emplace_back(i, j);
    }
  }
  if (candidates.empty()) return std::nullopt;
  auto const [i, j] = pick(candidates, rng);
  history::Record claim = ops[j].value[0];
  claim.offset = ops[i].value[0].offset;
  std::string const group = h.header().subscriptions.at(claim.topic).empty()
                                ? std::string("g0")
                                : h.header().subscriptions.at(claim.topic).front();
  Op commit;
  commit.process = group + "-0";
  commit.group = group;
  commit.type = OpType::ok;
  commit.f = OpKind::commit;
  commit.value = {claim};
  if (!ops.back().principal.empty()) commit.principal = "bob";
  commit.time = end_time(ops, 10);
  commit.index = inserted;
  std::uint64_t const a_send = ops[i].index;
  ops.push_back(commit);
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"ordering", "inconsistent-offsets", claim.id.value, "",
                     {r.at(a_send), r.at(inserted)}}}};
}

namespace inject_detail {

/// What a transaction of the history did, from its txn-* ops and sends.
struct TxnFacts {
  std::string txn;
  bool committed = false;
  std::uint64_t end = 0;            // The ok txn-commit or ok txn-abort.
  std::uint64_t commit_request = 0; // The txn-commit invoke.
  std::vector<std::uint64_t> ok_sends;
};

inline std::vector<TxnFacts> transactions(Ops const& ops) {
  std::map<std::string, TxnFacts> by;
  for (Op const& op : ops) {
    if (op.txn.empty()) continue;
    TxnFacts& t = by[op.txn];
    t.txn = op.txn;
    if (op.f == OpKind::send && op.type == OpType::ok) t.ok_sends.push_back(op.index);
    if (op.f == OpKind::txn_commit && op.type == OpType::invoke) t.commit_request = op.index;
    if (op.f == OpKind::txn_commit && op.type == OpType::ok) t.committed = true;
    if ((op.f == OpKind::txn_commit || op.f == OpKind::txn_abort) && op.type == OpType::ok)
      t.end = op.index;
  }
  std::vector<TxnFacts> out;
  for (auto& [name, t] : by)
    if (!t.ok_sends.empty()) out.push_back(t);
  return out;
}

inline Op read_committed_poll(Op const& ok_send, SimTimeUs time, bool features) {
  Op poll;
  poll.process = "rc-0";
  poll.group = "rc";
  poll.type = OpType::ok;
  poll.f = OpKind::poll;
  poll.value = {ok_send.value[0]};
  poll.time = time;
  poll.index = inserted;
  if (features) poll.principal = "bob";
  return poll;
}

inline bool has_features(history::History const& h) { return !h.header().acls.empty(); }

}  // namespace inject_detail

/// aborted-read: group rc (read_committed) polls a message of an aborted transaction at the
/// end. Witnesses: the ok txn-abort and the poll.
inline std::optional<Injection> inject_aborted_read(history::History const& h,
                                                    SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<TxnFacts> aborted;
  for (TxnFacts const& t : transactions(ops))
    if (!t.committed) aborted.push_back(t);
  if (aborted.empty()) return std::nullopt;
  TxnFacts const t = pick(aborted, rng);
  Op const poll = read_committed_poll(ops[pick(t.ok_sends, rng)], end_time(ops, 10),
                                     has_features(h));
  std::uint64_t const id = poll.value[0].id.value;
  ops.push_back(poll);
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"transactional-visibility", "aborted-read", id, "rc",
                     {r.at(t.end), r.at(inserted)}}}};
}

/// precommitted-read: group rc polls a message of a committed transaction just before the
/// commit request. Witnesses: the poll and the txn-commit invoke.
inline std::optional<Injection> inject_precommitted_read(history::History const& h,
                                                         SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<TxnFacts> committed;
  for (TxnFacts const& t : transactions(ops))
    if (t.committed) committed.push_back(t);
  if (committed.empty()) return std::nullopt;
  TxnFacts const t = pick(committed, rng);
  Op const& send = ops[pick(t.ok_sends, rng)];
  Op const poll = read_committed_poll(
      send, SimTimeUs{ops[t.commit_request].time.us - 1}, has_features(h));
  std::uint64_t const id = send.value[0].id.value;
  ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(t.commit_request), poll);
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"transactional-visibility", "precommitted-read", id, "rc",
                     {r.at(inserted), r.at(t.commit_request)}}}};
}

/// torn-transaction: group rc's processing of one message of a committed transaction of two
/// or more is dropped (which also makes it lost). Witnesses: rc's first ok process of the
/// transaction and the missing message's first send op.
inline std::optional<Injection> inject_torn_transaction(history::History const& h,
                                                        SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<TxnFacts> candidates;
  for (TxnFacts const& t : transactions(ops))
    if (t.committed && t.ok_sends.size() >= 2) candidates.push_back(t);
  if (candidates.empty()) return std::nullopt;
  TxnFacts const t = pick(candidates, rng);
  std::uint64_t const missing_send = pick(t.ok_sends, rng);
  std::uint64_t const missing = ops[missing_send].value[0].id.value;
  std::optional<std::uint64_t> first_process;
  for (Op const& op : ops)
    if (op.f == OpKind::process && op.type == OpType::ok && op.group == "rc" &&
        !names(op, missing))
      for (std::uint64_t s : t.ok_sends)
        if (names(op, ops[s].value[0].id.value) && !first_process) first_process = op.index;
  if (!first_process) return std::nullopt;
  std::erase_if(ops, [&](Op const& op) {
    return op.f == OpKind::process && op.group == "rc" && names(op, missing);
  });
  Rebuilt r = reappend(h.header(), std::move(ops));
  Injection out{std::move(r.history), {}};
  out.expected.push_back({"transactional-visibility", "torn-transaction", missing, "rc",
                          {r.at(missing_send - 1), r.at(*first_process)}});
  std::sort(out.expected.back().witnesses.begin(), out.expected.back().witnesses.end());
  delivery(out.expected, "at-least-once",
           {"", "lost", missing, "rc", {r.at(missing_send - 1), r.at(missing_send)}});
  return out;
}
namespace inject_detail {

inline std::optional<std::uint64_t> first_ok_consumer_op(Ops const& ops, std::uint64_t id,
                                                         std::string const* group = nullptr) {
  return first(ops, [&](Op const& op) {
    return is_consumer_op(op) && op.type == OpType::ok && names(op, id) &&
           (group == nullptr || op.group == *group);
  });
}

/// Ids of the messages some op sends, in order of first send.
inline std::vector<std::uint64_t> sent_ids(Ops const& ops) {
  std::vector<std::uint64_t> out;
  for (Op const& op : ops)
    if (op.f == OpKind::send && op.type == OpType::invoke)
      for (history::Record const& r : op.value)
        if (std::find(out.begin(), out.end(), r.id.value) == out.end())
          out.push_back(r.id.value);
  return out;
}

}  // namespace inject_detail

/// early-delivery: a consumed message's delay is made to end just after its first ok consumer
/// op that the delay check judges (in a group whose header says `"delay":"consumer"`, only a
/// process counts). Witnesses: its first send op and that consumer op.
inline std::optional<Injection> inject_early_delivery(history::History const& h,
                                                      SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  auto const judged = [&](Op const& op) {
    auto const spec = h.header().groups.find(op.group);
    bool const by_consumer = spec != h.header().groups.end() &&
                             spec->second.delay == history::GroupSpec::DelayBy::consumer;
    return is_consumer_op(op) && op.type == OpType::ok && (!by_consumer || op.f == OpKind::process);
  };
  std::vector<std::array<std::uint64_t, 3>> candidates;  // (id, first send, consumer op)
  for (std::uint64_t id : sent_ids(ops))
    if (auto c = first(ops, [&](Op const& op) { return judged(op) && names(op, id); }))
      candidates.push_back({id, *first_send(ops, id), *c});
  if (candidates.empty()) return std::nullopt;
  auto const [message, send, early] = pick(candidates, rng);
  for (history::Record& rec : ops[send].value)
    if (rec.id.value == message) rec.deliver_after = SimTimeUs{ops[early].time.us + 1};
  std::string const group = ops[early].group;
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"delay", "early-delivery", message, group, {r.at(send), r.at(early)}}}};
}

/// priority-inversion: a message of the priority queue that waited while another was
/// dispatched to group pg is given the highest priority. Witnesses: its append event, the
/// first dispatch that overtook it, and its own dispatch.
inline std::optional<Injection> inject_priority_inversion(history::History const& h,
                                                          SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::array<std::uint64_t, 4>> candidates;  // (id, append, overtaking, own)
  for (Op const& append : ops) {
    if (append.f != OpKind::append || append.value[0].topic != "pq") continue;
    std::uint64_t const id = append.value[0].id.value;
    std::optional<std::uint64_t> overtaking;
    for (std::size_t i = append.index + 1; i < ops.size(); ++i) {
      if (ops[i].f != OpKind::dispatch || ops[i].group != "pg") continue;
      if (!names(ops[i], id)) {
        if (!overtaking) overtaking = i;
        continue;
      }
      if (overtaking) candidates.push_back({id, append.index, *overtaking, i});
      break;
    }
  }
  if (candidates.empty()) return std::nullopt;
  auto const c = pick(candidates, rng);
  for (Op& op : ops)
    for (history::Record& rec : op.value)
      if (rec.id.value == c[0] && rec.priority) rec.priority = 100;
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"priority", "priority-inversion", c[0], "pg",
                     {r.at(c[1]), r.at(c[2]), r.at(c[3])}}}};
}

/// dlq-missing: the dead-letter append of a message group dl exhausted is dropped (which
/// also makes an acknowledged message lost for dl). Witnesses: the ok nacks.
inline std::optional<Injection> inject_dlq_missing(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::uint64_t> appends;
  for (Op const& op : ops)
    if (op.f == OpKind::append && op.value[0].topic.ends_with("-dlq")) appends.push_back(op.index);
  if (appends.empty()) return std::nullopt;
  std::uint64_t const dropped = pick(appends, rng);
  std::uint64_t const id = ops[dropped].value[0].id.value;
  std::optional<std::uint64_t> const ok_send = first_ok_send(ops, id);
  ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(dropped));
  Rebuilt r = reappend(h.header(), std::move(ops));
  ExpectedAnomaly missing{"dead-letter", "dlq-missing", id, "dl", {}};
  for (Op const& op : r.history.ops())
    if (op.f == OpKind::nack && op.type == OpType::ok && op.group == "dl" && names(op, id))
      missing.witnesses.push_back(op.index);
  bool const maybe_processed = first(copy_ops(r.history), [&](Op const& op) {
    return op.f == OpKind::process && op.group == "dl" && names(op, id);
  }).has_value();  // A crash-like info process: at-least-once is only uncertain.
  Injection out{std::move(r.history), {missing}};
  if (ok_send && !maybe_processed)
    delivery(out.expected, "at-least-once",
             {"", "lost", id, "dl", {r.at(*ok_send - 1), r.at(*ok_send)}});
  return out;
}

/// dlq-duplicate: a dead-letter append is repeated at the end, at the next offset.
/// Witnesses: both appends.
inline std::optional<Injection> inject_dlq_duplicate(history::History const& h,
                                                     SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::uint64_t> appends;
  std::int64_t next = 0;
  for (Op const& op : ops)
    if (op.f == OpKind::append && op.value[0].topic.ends_with("-dlq")) {
      appends.push_back(op.index);
      next = std::max(next, op.value[0].offset->value + 1);
    }
  if (appends.empty()) return std::nullopt;
  std::uint64_t const original = pick(appends, rng);
  Op again = ops[original];
  again.value[0].offset = Offset{next};
  again.time = end_time(ops, 10);
  again.index = inserted;
  ops.push_back(again);
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"dead-letter", "dlq-duplicate", again.value[0].id.value, "dl",
                     {r.at(original), r.at(inserted)}}}};
}

/// broadcast-miss: one instance of broadcast group bc loses every processing of one
/// acknowledged message. Witnesses: the send invoke and ok, and the instance's last op.
inline std::optional<Injection> inject_broadcast_miss(history::History const& h,
                                                      SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::pair<Owed, std::string>> candidates;  // (owed to bc, instance)
  for (Owed const& o : owed(h, false))
    if (o.group == "bc" && !ordered(h.header(), h.ops()[o.ok_send].value[0].topic))
      for (std::string instance : {"bc-0", "bc-1"})
        if (first(ops, [&](Op const& op) {
              return op.process == instance && op.f == OpKind::process && names(op, o.message);
            }))
          candidates.emplace_back(o, instance);
  if (candidates.empty()) return std::nullopt;
  auto const [o, instance] = pick(candidates, rng);
  std::erase_if(ops, [&](Op const& op) {
    return op.process == instance && op.f == OpKind::process && names(op, o.message);
  });
  Rebuilt r = reappend(h.header(), std::move(ops));
  std::uint64_t last = 0;
  for (Op const& op : r.history.ops())
    if (op.process == instance) last = op.index;
  std::vector<std::uint64_t> w{r.at(o.ok_send - 1), r.at(o.ok_send), last};
  std::sort(w.begin(), w.end());
  return Injection{std::move(r.history), {{"broadcast", "broadcast-miss", o.message, "bc", w}}};
}

/// filter-leak: a message filtered group f received is retagged TagB, which its filter
/// ["TagA"] rejects. Witnesses: the first send op and f's first ok consumer op of it.
inline std::optional<Injection> inject_filter_leak(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::string const f = "f";
  std::vector<std::pair<std::uint64_t, std::uint64_t>> candidates;  // (id, consumer op)
  for (std::uint64_t id : sent_ids(ops))
    if (auto c = first_ok_consumer_op(ops, id, &f)) candidates.emplace_back(id, *c);
  if (candidates.empty()) return std::nullopt;
  auto const [id, leak] = pick(candidates, rng);
  for (Op& op : ops)
    if (op.f == OpKind::send)
      for (history::Record& rec : op.value)
        if (rec.id.value == id && !rec.tag.empty()) rec.tag = "TagB";
  std::uint64_t const send = *first_send(ops, id);
  Rebuilt r = reappend(h.header(), std::move(ops));
  return Injection{std::move(r.history),
                   {{"filtering", "filter-leak", id, "f", {r.at(send), r.at(leak)}}}};
}

/// tenant-leak: a consumed message's send ops move to tenant red; every group (tenant blue)
/// that received it leaked. Witnesses: its first send op and the group's first ok consumer op.
inline std::optional<Injection> inject_tenant_leak(history::History const& h, SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::uint64_t> candidates;
  for (std::uint64_t id : sent_ids(ops))
    if (first_ok_consumer_op(ops, id) && !ops[*first_send(ops, id)].tenant.empty())
      candidates.push_back(id);
  if (candidates.empty()) return std::nullopt;
  std::uint64_t const id = pick(candidates, rng);
  for (Op& op : ops)
    if (op.f == OpKind::send && names(op, id)) op.tenant = "red";
  std::uint64_t const send = *first_send(ops, id);
  std::map<std::string, std::uint64_t> leaks;  // group -> first ok consumer op
  for (Op const& op : ops)
    if (is_consumer_op(op) && op.type == OpType::ok && names(op, id))
      leaks.emplace(op.group, op.index);
  Rebuilt r = reappend(h.header(), std::move(ops));
  Injection out{std::move(r.history), {}};
  for (auto const& [group, leak] : leaks)
    out.expected.push_back({"tenancy", "tenant-leak", id, group, {r.at(send), r.at(leak)}});
  return out;
}

/// unauthorized-access: an ok send or an ok consumer op is made by principal mallory, whom
/// no ACL lists. Witness: that op; the message is its first record's.
inline std::optional<Injection> inject_unauthorized_access(history::History const& h,
                                                           SplitMix64& rng) {
  using namespace inject_detail;
  Ops ops = copy_ops(h);
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < ops.size(); ++i)
    if (ops[i].type == OpType::ok && !ops[i].principal.empty() && !ops[i].value.empty() &&
        (ops[i].f == OpKind::send || is_consumer_op(ops[i])))
      candidates.push_back(i);
  if (candidates.empty()) return std::nullopt;
  Op& op = ops[pick(candidates, rng)];
  op.principal = "mallory";
  ExpectedAnomaly a{"authorization", "unauthorized-access", op.value[0].id.value,
                    op.f == OpKind::send ? "" : op.group, {op.index}};
  Rebuilt r = reappend(h.header(), std::move(ops));
  a.witnesses = {r.at(a.witnesses[0])};
  return Injection{std::move(r.history), {a}};
}

/// One injector per anomaly kind, and whether its base history needs features or
/// transactions.
struct Injector {
  std::string kind;
  std::function<std::optional<Injection>(history::History const&, SplitMix64&)> inject;
  bool features = false;
  bool transactions = false;
};

/// Returns an injector for every kind of history::anomaly_kind_names(), in that order.
inline std::vector<Injector> all_injectors() {
  return {
      {"lost", [](auto const& h, auto& r) { return inject_lost(h, r); }},
      {"unseen", inject_unseen},
      {"duplicated", inject_duplicated},
      {"unexpected", inject_unexpected},
      {"reordered", inject_reordered},
      {"nonmonotonic-poll", inject_nonmonotonic_poll},
      {"poll-skip", inject_poll_skip},
      {"inconsistent-offsets", inject_inconsistent_offsets},
      {"aborted-read", inject_aborted_read, false, true},
      {"torn-transaction", inject_torn_transaction, false, true},
      {"precommitted-read", inject_precommitted_read, false, true},
      {"early-delivery", inject_early_delivery, true},
      {"priority-inversion", inject_priority_inversion, true},
      {"dlq-missing", inject_dlq_missing, true},
      {"dlq-duplicate", inject_dlq_duplicate, true},
      {"broadcast-miss", inject_broadcast_miss, true},
      {"filter-leak", inject_filter_leak, true},
      {"tenant-leak", inject_tenant_leak, true},
      {"unauthorized-access", inject_unauthorized_access, true},
  };
}
}  // namespace mqcheck::checker::testing
