// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/quota.hpp (layer: model)
// One broker's client-quota accounting (ClientQuotaManager): per quota entity and per quota
// type (produce, fetch) a windowed rate of bytes, shared by the clients that entity covers
// (KIP-55: a user quota's clients, or the clients sharing a client.id); a request that takes
// its entity's rate above the quota gets a throttle time, and since KIP-219 (2.0) the broker
// answers at once and mutes that client's channel (only that one) for that time, so its next
// requests to this broker wait until it ends
// (https://cwiki.apache.org/confluence/display/KAFKA/KIP-219+-+Improve+quota+communication).
// Flow control, not loss: nothing is refused (a throttled fetch is answered empty and its
// records are fetched again once the throttle ends). The rate and the throttle time follow
// org.apache.kafka.common.metrics.stats.Rate / SampledStat and QuotaUtils.throttleTime.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/hash.hpp"
#include "model/common/out.hpp"
#include "model/kafka/messages.hpp"
#include "model/kafka/quota_config.hpp"

namespace mqcheck::model::kafka {

/// SampledStat + Rate: `samples` windows of `window_ms`; a window is started when the current
/// one is `window_ms` old, replacing the oldest; windows older than samples * window_ms count
/// nothing. The rate is the sum over the windows divided by the elapsed time since the oldest
/// window began, taken to be at least samples - 1 whole windows.
class SampledRate {
 public:
  void record(std::int64_t value, std::int64_t now_ms, QuotaConfig const& config);
  /// Bytes per second at `now_ms`.
  double measure(std::int64_t now_ms, QuotaConfig const& config);
  /// Milliseconds the rate is measured over at `now_ms`.
  std::int64_t window_size(std::int64_t now_ms, QuotaConfig const& config);
  void hash_into(Hasher& h) const;
  bool operator==(SampledRate const&) const = default;

 private:
  struct Sample {
    std::int64_t start_ms = 0;
    std::int64_t value = 0;  // Bytes.
    bool operator==(Sample const&) const = default;
  };
  void purge(std::int64_t now_ms, QuotaConfig const& config);
  std::vector<Sample> samples_;
  std::size_t current_ = 0;
};

/// The bytes of a produce request as the quota counts them: per batch the v2 batch header and
/// each record's value and overhead (producer_batch.hpp's sizes; keys are not carried here).
std::int64_t produce_request_bytes(ProduceRequest const& req);
/// The bytes of a consumer's fetch response as the quota counts them: its records, as one
/// batch (a header and each record's value and overhead); an empty response counts 0.
std::int64_t fetch_response_bytes(FetchResponse const& resp);

class ClientQuotas {
 public:
  using Output = Out<Message, Entry>;
  /// `timer_base`: the broker's timer ids at or above it are an unmute (base + client node).
  ClientQuotas(QuotaConfig const* config, TimerId timer_base);

  /// Returns true, keeping `message`, while `from`'s channel is muted; the broker stops.
  bool defer(NodeId from, Message const& message, Output& out);
  /// Records a produce request of `bytes` from `from`; mutes it for the throttle time and
  /// returns that time in ms (0: within the quota), which the broker puts in the answer.
  std::int64_t record_produce(NodeId from, std::int64_t bytes, Output& out);
  /// The most records a fetch to consumer `from` returns: what fits in the bytes its quota
  /// allows over samples - 1 windows, at least one (`wanted` when it has no quota).
  std::int64_t fetch_max_records(NodeId from, std::int64_t wanted) const;
  /// Records consumer `from`'s fetch response against its consumer_byte_rate. Over the quota
  /// it mutes the channel as record_produce, takes the bytes back, empties `resp` and sets
  /// its throttle_ms (KIP-219's throttled fetch: an empty answer, sent at once).
  void throttle_fetch(NodeId from, FetchResponse& resp, Output& out);
  /// An unmute timer: returns the client's deferred messages, oldest first (empty: not ours).
  std::vector<std::pair<NodeId, Message>> on_timer(TimerId timer, Output& out);

  void hash_into(Hasher& h) const;
  bool operator==(ClientQuotas const&) const = default;

 private:
  struct Client {  // A client's channel.
    SimTimeUs muted_until{};
    std::vector<Message> deferred;
    bool operator==(Client const&) const = default;
  };
  std::int64_t record(NodeId from, std::int64_t bytes, std::int64_t quota, bool produce,
                      Output& out);
  /// The rate `from`'s produce (fetch) bytes count against: its quota entity's.
  SampledRate& rate_of(NodeId from, bool produce);

  QuotaConfig const* config_;
  TimerId timer_base_;
  std::map<std::uint32_t, Client> clients_;  // By client NodeId.
  // By entity: QuotaConfig's entity index, or 2^32 + the NodeId of a client without one.
  std::map<std::uint64_t, SampledRate> produce_rates_;
  std::map<std::uint64_t, SampledRate> fetch_rates_;
};

}  // namespace mqcheck::model::kafka
