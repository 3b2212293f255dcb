// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer.cpp (layer: model)
#include "model/kafka/consumer.hpp"

#include <algorithm>
#include <string>

#include "core/assert.hpp"
#include "core/overloaded.hpp"

namespace mqcheck::model::kafka {

using history::OpKind;
using history::OpType;

namespace {
constexpr TimerId poll_timer = 0;
constexpr TimerId processing_timer = 1;
constexpr TimerId poll_timeout_timer = 2;
constexpr TimerId auto_commit_timer = 3;
constexpr TimerId start_retry_timer = 5;
constexpr TimerId metadata_timer = 6;
constexpr TimerId session_timers = TimerId{1} << 56;
}  // namespace

Consumer::Consumer(ConsumerConfig const* config)
    : config_(config),
      leaders_(config->cluster->partitions.size(), no_leader),
      throttled_until_(static_cast<std::size_t>(config->cluster->brokers), SimTimeUs{}) {
  hold(config->subscribe ? std::vector<std::uint32_t>{} : config->partitions);
}

// Takes `partitions` as the ones held, every position unknown (an eager rebalance revokes
// everything, and the positions of a new assignment come from the committed offsets).
void Consumer::hold(std::vector<std::uint32_t> partitions) {
  assigned_ = std::move(partitions);
  std::size_t const n = assigned_.size();
  positions_.assign(n, Offset{unknown});
  last_.assign(n, Polled{});
  last_epochs_.assign(n, -1);
  fetched_.assign(n, {});
  fetched_aborted_.assign(n, {});
  paused_until_.assign(n, SimTimeUs{});  // Pause state is lost in a rebalance (consumer_delay).
  fetches_.clear();
  listing_.clear();
  offsets_known_ = false;
}

std::size_t Consumer::slot_of(std::uint32_t partition) const {
  for (std::size_t s = 0; s < assigned_.size(); ++s) {
    if (assigned_[s] == partition) return s;
  }
  return assigned_.size();
}

history::Record Consumer::record(Polled const& p) const {
  history::Record r;
  record_into(r, p);
  return r;
}

void Consumer::record_into(history::Record& r, Polled const& p) const {
  PartitionInfo const& info = config_->cluster->partitions[assigned_[p.slot]];
  r.id = p.id;
  r.topic = info.topic;
  r.offset = p.offset;
  r.partition = info.number;
}

// Asks the coordinator for the committed offsets of the partitions held.
void Consumer::fetch_offsets(Output& out) {
  offsets_request_ = next_request_++;
  out.send(config_->cluster->controller,
           OffsetFetchRequest{offsets_request_, config_->group_index, assigned_});
  out.set_timer(start_retry_timer, config_->request_timeout);
}

// Static assignment (`assign`): the partitions are this instance's from the start (an
// `assign` op), and the committed offsets are fetched from the coordinator. Subscribe: the
// consumer joins its group first (consumer_group.cpp).
void Consumer::on_start(Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  if (config_->subscribe) {
    out.send(config_->cluster->controller, MetadataRequest{});
    join(out);
  } else {
    std::vector<history::Record> held;
    for (std::uint32_t p : assigned_) {
      PartitionInfo const& info = config_->cluster->partitions[p];
      held.push_back(history::Record::of(MessageId{0}, info.topic, {}, info.number));
    }
    out.complete(OpType::ok, OpKind::assign, std::move(held), config_->group);
    out.send(config_->cluster->controller, MetadataRequest{});
    fetch_offsets(out);
  }
  out.set_timer(metadata_timer, config_->metadata_max_age);
  if (config_->seek_to != SeekTo::none) out.set_timer(seek_timer, config_->seek_at);
  if (config_->auto_commit) out.set_timer(auto_commit_timer, config_->auto_commit_interval);
  if (config_->transform) {
    session_.emplace(&config_->txn, session_timers);
    session_->start(out);
  }
  if (config_->dead_letter.enabled) dead_letter_start(out);  // consumer_dead_letter.cpp
}

void Consumer::on_message(NodeId from, Message const& message, Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  if (phase_ == Phase::stopped) return;
  if (session_ && session_->on_message(message, out)) return transform_progress(out);
  if (dead_letter_ && dead_letter_->on_message(message, out)) return dead_letter_progress(out);
  if (config_->subscribe && on_group_message(message, out)) return;
  std::visit(Overloaded{
                 [&](MetadataResponse const& m) {
                   leaders_ = m.leaders;
                   if (dead_letter_) dead_letter_->set_leaders(m.leaders, out);
                   maybe_begin(out);
                 },
                 [&](OffsetFetchResponse const& m) { on_offsets(m, out); },
                 [&](ListOffsetsResponse const& m) {
                   if (seeking_.contains(m.request)) return on_seek_offsets(m, out);
                   auto const it = listing_.find(m.request);
                   if (it == listing_.end()) return;
                   std::size_t const slot = it->second;
                   listing_.erase(it);
                   if (m.error == Error::none) positions_[slot] = m.offset;
                   maybe_begin(out);
                 },
                 [&](FetchResponse const& m) {
                   // NetworkClient: maybeThrottle before the response's handler (KIP-219).
                   if (m.throttle_ms > 0) on_fetch_throttle(from, m.throttle_ms, out);
                   on_fetched(m, out);
                 },
                 [&](OffsetCommitResponse const& m) {
                   auto const it = commits_.find(m.request);
                   if (it == commits_.end()) return;
                   if (m.error == Error::none) {
                     out.complete(OpType::ok, OpKind::commit, std::move(it->second),
                                  config_->group);
                   } else {  // commitSync throws; the Java client's exception, and why.
                     std::string const exception = m.error == Error::rebalance_in_progress
                                                       ? "RebalanceInProgressException ("
                                                       : "CommitFailedException (";
                     out.complete(OpType::fail, OpKind::commit, std::move(it->second),
                                  config_->group, exception + error_name(m.error) + ")");
                     on_commit_error(m.error);
                   }
                   commits_.erase(it);
                   if (m.request == sync_commit_) committed(out);
                 },
                 [](auto const&) {},
             },
             message);
}

void Consumer::on_offsets(OffsetFetchResponse const& resp, Output& out) {
  if (phase_ != Phase::starting || resp.request != offsets_request_) return;
  out.cancel_timer(start_retry_timer);
  offsets_known_ = true;
  for (PartitionOffset const& po : resp.offsets) {
    std::size_t const slot = slot_of(po.partition);
    if (slot >= assigned_.size() || positions_[slot].value != unknown) continue;
    if (po.offset.value >= 0) {
      positions_[slot] = po.offset;
    } else {
      reset(slot, out);
    }
  }
  maybe_begin(out);
}

// auto.offset.reset (https://kafka.apache.org/documentation/#consumerconfigs_auto.offset.reset):
// earliest starts at the log start, latest at the end (ListOffsets: the high watermark), and
// none stops with NoOffsetForPartitionException. Latest skips whatever was written before.
void Consumer::reset(std::size_t slot, Output& out) {
  switch (config_->reset) {
    case OffsetReset::earliest:
      positions_[slot] = Offset{0};
      return;
    case OffsetReset::none:
      positions_[slot] = Offset{stuck};
      out.invoke(OpKind::poll, {}, config_->group);
      out.complete(OpType::fail, OpKind::poll, {}, config_->group,
                   "NoOffsetForPartitionException (auto.offset.reset=none)");
      return;
    case OffsetReset::latest: {
      positions_[slot] = Offset{unknown};
      std::uint32_t const p = assigned_[slot];
      if (leaders_[p] == no_leader) return;  // Asked again once metadata arrives.
      std::uint64_t const req = next_request_++;
      listing_[req] = slot;
      out.send(config_->cluster->broker_node(leaders_[p]), ListOffsetsRequest{req, p});
      return;
    }
  }
}

// The poll loop starts once every position is known (or stuck).
void Consumer::maybe_begin(Output& out) {
  if (phase_ != Phase::starting || !offsets_known_) return;
  if (session_ && session_->state() != TxnSession::State::ready) return;  // initTransactions.
  bool ready = true;
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    if (positions_[s].value != unknown) continue;
    ready = false;
    bool asked = false;
    for (auto const& [req, slot] : listing_) asked = asked || slot == s;
    if (!asked && config_->reset == OffsetReset::latest) reset(s, out);
  }
  if (!ready) return;
  phase_ = Phase::waiting;
  start_poll(out);
}

// Inside poll, the Java consumer first commits the positions earlier polls reached when
// auto.commit.interval.ms has passed (ConsumerCoordinator.maybeAutoCommitOffsetsAsync), so an
// automatic commit never covers records the application has not finished with in a
// synchronous loop: https://kafka.apache.org/documentation/#consumerconfigs_enable.auto.commit.
void Consumer::start_poll(Output& out) {
  if (config_->subscribe && (rejoin_ || member_ == 0)) return rejoin(out);
  if (config_->subscribe) out.set_timer(max_poll_timer, config_->max_poll_interval);
  if (maybe_seek(out)) return;  // consumer_seek.cpp: polls again once the seek is done.
  if (auto_commit_due_) {
    auto_commit_due_ = false;
    commit(false, out);
    out.set_timer(auto_commit_timer, config_->auto_commit_interval);
  }
  if (DurationUs const wait = throttle_wait(out); wait.us > 0) {  // consumer_throttle.cpp
    phase_ = Phase::waiting;  // Every leader to fetch from is throttled: poll() blocks.
    return out.set_timer(poll_timer, wait);
  }
  phase_ = Phase::polling;
  out.invoke(OpKind::poll, {}, config_->group);
  bool leaderless = false;
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    std::uint32_t const p = assigned_[s];
    leaderless = leaderless || leaders_[p] == no_leader;
    if (positions_[s].value < 0 || leaders_[p] == no_leader) continue;
    if (delay_paused(s, out)) continue;  // consumer_delay.cpp: pause() skips it in fetches.
    if (throttled(p, out)) continue;     // consumer_throttle.cpp: its broker is throttled.
    FetchRequest req;
    req.request = next_request_++;
    req.partition = p;
    req.offset = positions_[s];
    req.last_epoch = last_epochs_[s];
    req.max_records = config_->max_poll_records;
    req.read_committed = config_->read_committed;
    fetches_[req.request] = s;
    out.send(config_->cluster->broker_node(leaders_[p]), req);
  }
  if (leaderless) out.send(config_->cluster->controller, MetadataRequest{});
  if (fetches_.empty()) return finish_poll(out);
  out.set_timer(poll_timeout_timer, config_->request_timeout);
}

void Consumer::on_fetched(FetchResponse const& resp, Output& out) {
  auto const it = fetches_.find(resp.request);
  if (it == fetches_.end() || phase_ != Phase::polling) return;
  std::size_t const slot = it->second;
  fetches_.erase(it);
  if (resp.error == Error::topic_authorization_failed ||
      resp.error == Error::group_authorization_failed) {
    out.cancel_timer(poll_timeout_timer);
    return poll_denied(resp.error, out);  // consumer_acl.cpp
  }
  if (resp.error == Error::not_leader) out.send(config_->cluster->controller, MetadataRequest{});
  if (resp.error == Error::offset_out_of_range) out_of_range(slot, out);
  // KIP-320: the log was truncated under the consumer (an unclean election). With a reset
  // policy it moves back to the first diverging offset; with none it is stuck
  // (LogTruncationException,
  // https://kafka.apache.org/42/javadoc/org/apache/kafka/clients/consumer/LogTruncationException.html).
  if (resp.error == Error::none && resp.diverging.value >= 0) {
    if (config_->reset == OffsetReset::none) {
      positions_[slot] = Offset{stuck};
    } else {
      positions_[slot] = resp.diverging;
    }
  } else if (resp.error == Error::none && resp.offset == positions_[slot]) {
    fetched_[slot] = resp.records;
    fetched_aborted_[slot] = resp.aborted;
  }
  if (fetches_.empty()) finish_poll(out);
}

void Consumer::finish_poll(Output& out) {
  out.cancel_timer(poll_timeout_timer);
  fetches_.clear();
  batch_.clear();
  next_ = 0;
  // The ok poll's records are written into the op itself (no list built and moved); nothing
  // else is recorded before the loop ends, so the reference stays valid.
  history::Op& polled = out.complete_in_place(OpType::ok, OpKind::poll, config_->group);
  std::vector<std::uint64_t> aborted;
  for (std::size_t s = 0; s < fetched_.size(); ++s) {
    aborted.clear();
    std::size_t next_aborted = 0;
    for (LogRecord const& r : fetched_[s]) {
      if (static_cast<std::int64_t>(batch_.size()) >= config_->max_poll_records) break;
      Offset const at = positions_[s];
      last_epochs_[s] = r.epoch;
      positions_[s].value += 1;
      if (!visible(s, r, at, aborted, next_aborted)) continue;
      // A filtering ConsumerInterceptor drops the record before poll() returns (pattern_filter).
      if (config_->filter.in_interceptor && !config_->filter.accepts(r.id.value)) continue;
      Polled const p{s, at, r.id, r.timestamp};
      batch_.push_back(p);
      record_into(polled.value.emplace_back(), p);
      last_[s] = p;
    }
    fetched_[s].clear();
    fetched_aborted_[s].clear();
  }
  after_poll(out);
}

// What the application sees of a fetched record (the Java consumer's CompletedFetch): markers
// never; under read_committed, not a transactional record of a producer whose aborted
// transaction (from the response's index) began at or before it, until that producer's ABORT
// marker (KIP-98, "Transactional Consumer"; Fetcher's abortedProducerIds).
bool Consumer::visible(std::size_t slot, LogRecord const& r, Offset at,
                       std::vector<std::uint64_t>& aborted, std::size_t& next_aborted) const {
  std::vector<AbortedTxn> const& index = fetched_aborted_[slot];
  while (next_aborted < index.size() && index[next_aborted].first <= at) {
    aborted.push_back(index[next_aborted++].producer);
  }
  auto const it = std::find(aborted.begin(), aborted.end(), r.producer);
  if (r.control != Control::data) {
    if (r.control == Control::abort && it != aborted.end()) aborted.erase(it);
    return false;
  }
  return !(config_->read_committed && r.transactional && it != aborted.end());
}

void Consumer::after_poll(Output& out) {
  if (batch_.empty()) {
    phase_ = Phase::waiting;  // Kafka's fetch waits up to fetch.max.wait.ms for data.
    out.set_timer(poll_timer, config_->fetch_max_wait);
    return;
  }
  if (session_) return transform_begin(out);
  if (config_->commit == CommitMode::before_processing) return commit(true, out);
  phase_ = Phase::processing;
  process_next(out);
}

void Consumer::process_next(Output& out) {
  // A filtering listener skips the records poll() returned that it does not want (pattern_filter).
  // The delay PATTERN (consumer_delay.cpp) holds back a record not yet due, or sleeps for it.
  while (next_ < batch_.size() &&
         (!config_->filter.accepts(batch_[next_].id.value) || delay_holds_back(out))) {
    ++next_;
  }
  if (next_ < batch_.size() && delay_sleeps(out)) return;
  if (next_ >= batch_.size() && session_) return transform_end(out);
  if (next_ >= batch_.size()) {
    if (config_->commit == CommitMode::after_processing) return commit(true, out);
    phase_ = Phase::waiting;
    return start_poll(out);
  }
  // Processing takes effect atomically at its end: a crash before it means it did not happen.
  history::Op& invoked = out.invoke_in_place(OpKind::process, process_group(), OpType::fail);
  process_record_into(invoked.value.emplace_back(), batch_[next_]);
  if (session_) out.observed().back().op.txn = session_->txn();
  out.set_timer(processing_timer, config_->processing);
}

void Consumer::processed(Output& out) {
  if (dead_letter_failed(out)) return;  // consumer_dead_letter.cpp: a poison record's attempt.
  history::Op& done = out.complete_in_place(OpType::ok, OpKind::process, process_group());
  process_record_into(done.value.emplace_back(), batch_[next_]);
  if (session_) {
    out.observed().back().op.txn = session_->txn();
    transform_output(batch_[next_], out);
  }
  ++next_;
  process_next(out);
}

void Consumer::on_timer(TimerId timer, Output& out) {
  PrincipalTag const tag(out, config_->principal);  // acl.hpp: ops carry the principal.
  if (phase_ == Phase::stopped) return;
  if (session_ && session_->on_timer(timer, out)) return transform_progress(out);
  if (dead_letter_ && dead_letter_->on_timer(timer, out)) return dead_letter_progress(out);
  if (config_->subscribe && on_group_timer(timer, out)) return;
  switch (timer) {
    case poll_timer:
      return start_poll(out);
    case metadata_timer:  // metadata.max.age.ms
      out.send(config_->cluster->controller, MetadataRequest{});
      return out.set_timer(metadata_timer, config_->metadata_max_age);
    case processing_timer:
      return processed(out);
    case delay_timer:  // consumer_delay.cpp: the sleep until a record is due is over.
      return process_next(out);
    case poll_timeout_timer:
      out.send(config_->cluster->controller, MetadataRequest{});
      return finish_poll(out);
    case auto_commit_timer:
      auto_commit_due_ = true;
      return;
    case seek_timer:  // The application seeks before its next poll.
      seek_due_ = true;
      return;
    case seek_timeout_timer:  // Some ListOffsets went unanswered: keep those positions.
      seeking_.clear();
      return finish_seek(out);
    case commit_timeout_timer: {  // commitSync gave up: the commit's outcome is unknown.
      auto const it = commits_.find(sync_commit_);
      if (it != commits_.end()) {
        out.complete(OpType::info, OpKind::commit, std::move(it->second), config_->group,
                     "request.timeout.ms expired");
        commits_.erase(it);
      }
      return committed(out);
    }
    case start_retry_timer:
      if (phase_ != Phase::starting) return;
      out.send(config_->cluster->controller, MetadataRequest{});
      return fetch_offsets(out);
    default:
      return;
  }
}

void Consumer::hash_into(Hasher& h) const {
  h.add(static_cast<std::uint64_t>(phase_));
  h.add_each(positions_, [](Hasher& g, Offset o) { g.add(static_cast<std::uint64_t>(o.value)); });
  h.add_each(batch_, [](Hasher& g, Polled const& p) {
    g.add(p.slot);
    g.add(static_cast<std::uint64_t>(p.offset.value));
    g.add(p.id.value);
  });
  h.add(next_);
  h.add(auto_commit_due_ ? 1 : 0);
  h.add_each(last_, [](Hasher& g, Polled const& p) { g.add(p.id.value); });
  h.add(offsets_known_ ? 1 : 0);
  h.add(sync_commit_);
  h.add(next_request_);
  if (session_) session_->hash_into(h);
  h.add(static_cast<std::uint64_t>(txns_));
  h.add_each(assigned_, [](Hasher& g, std::uint32_t p) { g.add(p); });
  h.add(member_);
  h.add(static_cast<std::uint64_t>(generation_));
  h.add((rejoin_ ? 1U : 0U) | (revoke_committed_ ? 2U : 0U));
  h.add(group_request_);
  h.add(offsets_request_);
  h.add(seek_due_ ? 1 : 0);
  h.add(seeking_.size());
  if (dead_letter_) dead_letter_->hash_into(h);
  h.add(static_cast<std::uint64_t>(attempts_));
  h.add(dead_lettering_ ? 1 : 0);
  h.add_each(paused_until_,
             [](Hasher& g, SimTimeUs t) { g.add(static_cast<std::uint64_t>(t.us)); });
  h.add_each(throttled_until_,
             [](Hasher& g, SimTimeUs t) { g.add(static_cast<std::uint64_t>(t.us)); });
}

}  // namespace mqcheck::model::kafka
