// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/quota.cpp (layer: model)
// Client quotas (quota.hpp). Sources: KIP-13 (byte-rate quotas, the throttle),
// https://cwiki.apache.org/confluence/display/KAFKA/KIP-13+-+Quotas; KIP-219 (answer at once,
// mute the channel for throttle_time_ms); apache/kafka QuotaUtils.throttleTime: "if O is the
// observed rate and T is the target rate over a window of W, to bring O down to T, we need to
// add a delay of X to W such that O * W / (W + X) = T. Solving for X, we get X = (O - T)/T * W",
// W being Rate.windowSize; SampledStat.record / purgeObsoleteSamples and Rate.windowSize for
// the measurement. The bytes are recorded before the check, so the produce request that
// crosses the quota is itself served, and only what follows waits. A fetch is measured on its
// response and, over the quota, not served: KafkaApis.handleFetchRequest records the response
// size (quotas.fetch.maybeRecordAndGetThrottleTimeMs), and when that gives a throttle time it
// "unrecords" it (unrecordQuotaSensor: "we are going to return an empty response") and sends
// fetchContext.getThrottledResponse(throttle), no records, at once, muting the channel.
#include "model/kafka/quota.hpp"

#include <algorithm>
#include <cmath>

#include "model/kafka/producer_batch.hpp"

namespace mqcheck::model::kafka {

// SampledStat.record: advance to a new window when the current one is window_ms old.
void SampledRate::record(std::int64_t value, std::int64_t now_ms, QuotaConfig const& config) {
  if (samples_.empty()) samples_.push_back({now_ms, 0});
  if (now_ms - samples_[current_].start_ms >= config.window_ms) {
    current_ = (current_ + 1) % static_cast<std::size_t>(config.samples);
    if (current_ >= samples_.size()) {
      samples_.push_back({now_ms, 0});
    } else {
      samples_[current_] = {now_ms, 0};
    }
  }
  samples_[current_].value += value;
}

// purgeObsoleteSamples: a window older than samples * window_ms is reset to start now, empty.
void SampledRate::purge(std::int64_t now_ms, QuotaConfig const& config) {
  std::int64_t const expire = config.samples * config.window_ms;
  for (Sample& s : samples_) {
    if (now_ms - s.start_ms >= expire) s = {now_ms, 0};
  }
}

// Rate.windowSize: the time since the oldest window began, at least samples - 1 whole windows
// ("we assume that the elapsed time is always N-1 complete windows plus whatever fraction of
// the final window is complete").
std::int64_t SampledRate::window_size(std::int64_t now_ms, QuotaConfig const& config) {
  purge(now_ms, config);
  std::int64_t oldest = now_ms;
  for (Sample const& s : samples_) oldest = std::min(oldest, s.start_ms);
  std::int64_t elapsed = now_ms - oldest;
  std::int64_t const full = elapsed / config.window_ms;
  std::int64_t const min_full = config.samples - 1;
  if (full < min_full) elapsed += (min_full - full) * config.window_ms;
  return elapsed;
}

double SampledRate::measure(std::int64_t now_ms, QuotaConfig const& config) {
  std::int64_t const window = window_size(now_ms, config);  // Purges first.
  std::int64_t total = 0;
  for (Sample const& s : samples_) total += s.value;
  if (window <= 0) return 0;
  return static_cast<double>(total) * 1'000.0 / static_cast<double>(window);
}

void SampledRate::hash_into(Hasher& h) const {
  h.add(current_);
  h.add_each(samples_, [](Hasher& g, Sample const& s) {
    g.add(static_cast<std::uint64_t>(s.start_ms));
    g.add(static_cast<std::uint64_t>(s.value));
  });
}

std::int64_t produce_request_bytes(ProduceRequest const& req) {
  std::int64_t const record = record_bytes({});
  if (req.batches.empty()) return batch_overhead_bytes + record;  // One record (transactions).
  std::int64_t bytes = 0;
  for (ProduceBatch const& b : req.batches) {
    bytes += batch_overhead_bytes + record * static_cast<std::int64_t>(b.records.size());
  }
  return bytes;
}

std::int64_t fetch_response_bytes(FetchResponse const& resp) {
  if (resp.records.empty()) return 0;
  return batch_overhead_bytes + record_bytes({}) * static_cast<std::int64_t>(resp.records.size());
}

ClientQuotas::ClientQuotas(QuotaConfig const* config, TimerId timer_base)
    : config_(config), timer_base_(timer_base) {}

bool ClientQuotas::defer(NodeId from, Message const& message, Output& out) {
  auto const it = clients_.find(from.value);
  if (it == clients_.end() || out.now() >= it->second.muted_until) return false;
  it->second.deferred.push_back(message);
  return true;
}

std::int64_t ClientQuotas::record_produce(NodeId from, std::int64_t bytes, Output& out) {
  auto const quota = config_->producer_byte_rate.find(from.value);
  if (quota == config_->producer_byte_rate.end()) return 0;
  return record(from, bytes, quota->second, true, out);
}

// KafkaApis.handleFetchRequest caps a consumer's fetchMaxBytes at
// ClientQuotaManager.getMaxValueInQuotaWindow, quota * (quota.window.num - 1) *
// quota.window.size.seconds, "the maximum bytes that could be fetched without being throttled
// given no bytes were recorded in the recent quota window" (KAFKA-9677,
// https://github.com/apache/kafka/pull/8290: without it a fetch larger than that was always
// throttled, answered empty, and the consumer never progressed). A fetch returns at least one
// record batch even past its maximum (KIP-74), here one record. The fix shipped in 2.6.0 (its
// changelog lists KAFKA-9677); before it a consumer whose backlog outgrows one quota window
// is throttled on every fetch for ever (scenario quota-consumer-starved-before-2-6.yaml).
std::int64_t ClientQuotas::fetch_max_records(NodeId from, std::int64_t wanted) const {
  if (!config_->cap_fetch) return wanted;
  auto const quota = config_->consumer_byte_rate.find(from.value);
  if (quota == config_->consumer_byte_rate.end()) return wanted;
  std::int64_t const max_bytes =
      quota->second * (config_->samples - 1) * config_->window_ms / 1'000;
  std::int64_t const fit = (max_bytes - batch_overhead_bytes) / record_bytes({});
  return std::clamp<std::int64_t>(fit, 1, std::max<std::int64_t>(wanted, 1));
}

void ClientQuotas::throttle_fetch(NodeId from, FetchResponse& resp, Output& out) {
  auto const quota = config_->consumer_byte_rate.find(from.value);
  if (quota == config_->consumer_byte_rate.end()) return;
  std::int64_t const bytes = fetch_response_bytes(resp);
  std::int64_t const throttle_ms = record(from, bytes, quota->second, false, out);
  if (throttle_ms <= 0) return;
  // unrecordQuotaSensor: record(-value) into the same window, so the sum is as before.
  rate_of(from, false).record(-bytes, out.now().us / 1'000, *config_);
  // getThrottledResponse carries no partition at all: no records, and no error either.
  resp.error = Error::none;
  resp.diverging = Offset{-1};
  resp.records.clear();
  resp.aborted.clear();
  resp.throttle_ms = throttle_ms;
}

// Sensor.record then checkQuotas: over the bound, throttle (O - T) / T * W, rounded; the
// channel stays muted until the longest throttle so far ends. The throttle time is returned
// for the answer's throttle_time_ms (KIP-219: the client backs off itself, producer_batch.cpp).
SampledRate& ClientQuotas::rate_of(NodeId from, bool produce) {
  std::map<std::uint32_t, std::uint32_t> const& entities =
      produce ? config_->producer_entity : config_->consumer_entity;
  auto const it = entities.find(from.value);
  std::uint64_t const entity =
      it != entities.end() ? it->second : (std::uint64_t{1} << 32) + from.value;
  return (produce ? produce_rates_ : fetch_rates_)[entity];
}

// The entity's shared rate decides; the channel muted is the requester's only (KIP-219: the
// broker throttles the connection the response goes to; another client of the entity is
// throttled when its own request finds the shared rate over the quota).
std::int64_t ClientQuotas::record(NodeId from, std::int64_t bytes, std::int64_t quota,
                                  bool produce, Output& out) {
  Client& c = clients_[from.value];
  SampledRate& rate = rate_of(from, produce);
  std::int64_t const now_ms = out.now().us / 1'000;
  rate.record(bytes, now_ms, *config_);
  double const observed = rate.measure(now_ms, *config_);
  auto const bound = static_cast<double>(quota);
  if (observed <= bound) return 0;
  double const window = static_cast<double>(rate.window_size(now_ms, *config_));
  auto const throttle_ms =
      static_cast<std::int64_t>(std::llround((observed - bound) / bound * window));
  if (throttle_ms <= 0) return 0;
  SimTimeUs const until = out.now() + milliseconds(throttle_ms);
  if (until <= c.muted_until) return throttle_ms;
  c.muted_until = until;
  out.set_timer(timer_base_ + from.value, milliseconds(throttle_ms));
  return throttle_ms;
}

std::vector<std::pair<NodeId, Message>> ClientQuotas::on_timer(TimerId timer, Output& out) {
  std::vector<std::pair<NodeId, Message>> due;
  if (timer < timer_base_) return due;
  auto const it = clients_.find(static_cast<std::uint32_t>(timer - timer_base_));
  if (it == clients_.end() || out.now() < it->second.muted_until) return due;
  for (Message& m : it->second.deferred) due.emplace_back(NodeId{it->first}, std::move(m));
  it->second.deferred.clear();
  return due;
}

void ClientQuotas::hash_into(Hasher& h) const {
  h.add_each(clients_, [](Hasher& g, auto const& e) {
    g.add(e.first);
    g.add(static_cast<std::uint64_t>(e.second.muted_until.us));
    g.add(e.second.deferred.size());
  });
  auto const rates = [](Hasher& g, auto const& e) {
    g.add(e.first);
    e.second.hash_into(g);
  };
  h.add_each(produce_rates_, rates);
  h.add_each(fetch_rates_, rates);
}

}  // namespace mqcheck::model::kafka
