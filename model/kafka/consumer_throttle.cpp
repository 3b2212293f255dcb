// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/consumer_throttle.cpp (layer: model)
// KIP-219's client side for fetches (consumer quotas, consumer_byte_rate; the broker's side is
// quota.cpp). "Starting in version 8 [Kafka 2.0], on quota violation, brokers send out
// responses before throttling" (FetchResponse.json): a consumer over its quota gets an empty
// FetchResponse carrying throttle_time_ms, and its channel is muted that long
// (https://cwiki.apache.org/confluence/display/KAFKA/KIP-219+-+Improve+quota+communication).
// The Java client's NetworkClient.handleCompletedReceives calls maybeThrottle before the
// response's handler: connectionStates.throttle(node, now + throttleTimeMs), and isReady is
// false for a throttled node, so the fetcher's requests to that broker stay unsent
// (ConsumerNetworkClient) until the throttle ends. Here a poll does not fetch the partitions
// a throttled broker leads; when every partition it would fetch is led by one, the
// application's poll() blocks until the first throttle ends instead of returning empty polls
// meanwhile. Flow control only: the positions do not move over an empty answer, so the
// records are fetched again later, neither lost nor doubled.
#include <algorithm>

#include "model/kafka/consumer.hpp"

namespace mqcheck::model::kafka {

void Consumer::on_fetch_throttle(NodeId broker, std::int64_t throttle_ms, Output& out) {
  std::uint32_t const first = config_->cluster->first_broker_node;
  if (broker.value < first || broker.value - first >= throttled_until_.size()) return;
  SimTimeUs& until = throttled_until_[broker.value - first];
  until = std::max(until, out.now() + milliseconds(throttle_ms));
}

// Whether the connection to `partition`'s leader is throttled now.
bool Consumer::throttled(std::uint32_t partition, Output& out) const {
  std::int32_t const leader = leaders_[partition];
  if (leader == no_leader || static_cast<std::size_t>(leader) >= throttled_until_.size()) {
    return false;
  }
  SimTimeUs const until = throttled_until_[static_cast<std::size_t>(leader)];
  // Never throttled: the clock is not read, so the explorer's states that differ only in when
  // this step ran still merge (model/common/out.hpp, now_read).
  return until.us != 0 && out.now() < until;
}

// How long poll() blocks: until the first throttle ends when every partition it would fetch
// (a known position, a leader) is led by a throttled broker; 0 when it fetches now.
DurationUs Consumer::throttle_wait(Output& out) const {
  SimTimeUs first_free{};
  for (std::size_t s = 0; s < positions_.size(); ++s) {
    std::uint32_t const p = assigned_[s];
    if (positions_[s].value < 0 || leaders_[p] == no_leader) continue;
    if (!throttled(p, out)) return DurationUs{0};
    SimTimeUs const until = throttled_until_[static_cast<std::size_t>(leaders_[p])];
    if (first_free.us == 0 || until < first_free) first_free = until;
  }
  return first_free.us == 0 ? DurationUs{0} : first_free - out.now();
}

}  // namespace mqcheck::model::kafka
