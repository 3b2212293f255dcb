// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/retention_config.cpp (layer: model)
// The retention and segment keys, broker-wide and per topic, with Kafka's defaults and
// ranges (https://kafka.apache.org/documentation/#brokerconfigs_log.retention.hours and
// #topicconfigs_retention.ms). The defaults are the same in every release the model covers
// (2.1 to 4.x); the minimum of segment.bytes is not: KIP-1030 raised it from 14 bytes to
// 1 MiB in 4.0, so a scenario that wants tiny segments on 4.x rolls them by segment.ms.
#include <limits>
#include <optional>

#include "core/input_error.hpp"
#include "core/parse.hpp"
#include "model/kafka/retention.hpp"

namespace mqcheck::model::kafka {
namespace {

constexpr std::int64_t long_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t int_max = std::numeric_limits<std::int32_t>::max();

// KIP-1030 (https://cwiki.apache.org/confluence/display/KAFKA/KIP-1030): segment.bytes and
// log.segment.bytes have a minimum of 1 MiB from 4.0; LegacyRecord.RECORD_OVERHEAD_V0 (14)
// before.
std::int64_t segment_bytes_min(Version v) { return v.at_least(4, 0) ? 1'048'576 : 14; }

// Says why a small segment size that 3.x takes is refused on 4.x, before the reader's plain
// range error would.
void check_segment_bytes(ConfigMap const& map, std::string const& scope, SourceMark const& where,
                         char const* key, Version v) {
  auto const it = map.find(key);
  if (it == map.end() || !v.at_least(4, 0)) return;
  std::optional<std::int64_t> const n = parse_int(it->second.text);
  if (!n || *n < 14 || *n >= segment_bytes_min(v)) return;
  (void)where;
  throw InputError(it->second.mark, scope + "." + key,
                   "Kafka 4.0 raised the minimum to 1048576 bytes (KIP-1030); roll small "
                   "segments with " +
                       std::string(scope == "broker_config" ? "log.roll.ms" : "segment.ms") +
                       " instead, or use a 3.x version");
}

}  // namespace

char const* retention_key(RetentionReason reason) {
  switch (reason) {
    case RetentionReason::time:
      return "retention.ms";
    case RetentionReason::size:
      return "retention.bytes";
    case RetentionReason::none:
      break;
  }
  return "none";
}

// log.retention.ms wins over log.retention.minutes, which wins over log.retention.hours
// (default 168); -1 means no time limit. log.roll.ms wins over log.roll.hours (default 168).
// log.retention.check.interval.ms: how often the cleaner looks (default 300000).
void read_broker_retention(ConfigReader& r, ConfigMap const& map, SourceMark const& where,
                           ClusterConfig& c) {
  check_segment_bytes(map, "broker_config", where, "log.segment.bytes", c.version);
  std::int64_t const hours = r.integer("log.retention.hours", 168, -1, int_max);
  std::int64_t const minutes =
      r.integer("log.retention.minutes", hours < 0 ? -1 : hours * 60, -1, int_max);
  std::int64_t const ms =
      r.integer("log.retention.ms", minutes < 0 ? -1 : minutes * 60'000, -1, config_ms_max);
  c.retention.retention_ms = ms;
  c.retention.retention_bytes = r.integer("log.retention.bytes", -1, -1, long_max);
  c.retention.segment_bytes =
      r.integer("log.segment.bytes", 1LL << 30, segment_bytes_min(c.version), int_max);
  std::int64_t const roll_hours = r.integer("log.roll.hours", 168, 1, int_max);
  c.retention.segment_ms = r.integer("log.roll.ms", roll_hours * 3'600'000, 1, long_max);
  c.retention_check_interval =
      milliseconds(r.integer("log.retention.check.interval.ms", 300'000, 1, config_ms_max));
  // https://kafka.apache.org/documentation/#brokerconfigs_log.message.timestamp.type: default
  // CreateTime, valid values [CreateTime, LogAppendTime].
  c.retention.log_append_time =
      r.choice("log.message.timestamp.type", 0, {"CreateTime", "LogAppendTime"}) == 1;
  for (char const* key : {"log.retention.hours", "log.retention.minutes", "log.retention.ms",
                          "log.retention.bytes", "log.segment.bytes", "log.roll.hours",
                          "log.roll.ms", "log.retention.check.interval.ms"}) {
    c.retention_keys_set = c.retention_keys_set || map.contains(key);
  }
}

void read_topic_retention(ConfigReader& r, ConfigMap const& map, std::string const& scope,
                          SourceMark const& where, ClusterConfig const& cluster,
                          PartitionInfo& info) {
  check_segment_bytes(map, scope, where, "segment.bytes", cluster.version);
  Retention const& broker = cluster.retention;
  info.retention.retention_ms = r.integer("retention.ms", broker.retention_ms, -1, config_ms_max);
  info.retention.retention_bytes =
      r.integer("retention.bytes", broker.retention_bytes, -1, long_max);
  info.retention.segment_bytes = r.integer("segment.bytes", broker.segment_bytes,
                                           segment_bytes_min(cluster.version), int_max);
  info.retention.segment_ms = r.integer("segment.ms", broker.segment_ms, 1, long_max);
  // https://kafka.apache.org/documentation/#topicconfigs_message.timestamp.type: the topic
  // key overrides the broker's log.message.timestamp.type.
  info.retention.log_append_time =
      r.choice("message.timestamp.type", broker.log_append_time ? 1 : 0,
               {"CreateTime", "LogAppendTime"}) == 1;
}

}  // namespace mqcheck::model::kafka
