// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/retention.hpp (layer: model)
// Log retention and segments (issue 4): the configuration keys that set them, and the
// constants the partition log's segment arithmetic shares with the broker. Kafka deletes
// whole segments, oldest first, when they are older than retention.ms or while the log is
// larger than retention.bytes, whether any consumer read them or not
// (https://kafka.apache.org/documentation/#topicconfigs_retention.ms). The rules themselves
// are in partition_log.cpp (rolling) and retention.cpp (deleting, the broker's check timer).
#pragma once

#include <cstdint>
#include <string>

#include "core/config_map.hpp"
#include "model/common/config_reader.hpp"
#include "model/kafka/config.hpp"

namespace mqcheck::model::kafka {

/// The bytes one record counts for in segment.bytes and retention.bytes. Messages carry no
/// payload and the log keeps no batch boundaries, so every record counts as a one-record
/// batch: the 61-byte batch header (DefaultRecordBatch.RECORD_BATCH_OVERHEAD) plus the
/// producer's 100-byte value and 10 bytes of record overhead (producer_batch.hpp's sizes).
constexpr std::int64_t log_record_bytes = 171;

/// Why a retention pass deleted segments (its event's detail names the key).
enum class RetentionReason : std::uint8_t { none, time, size };
char const* retention_key(RetentionReason reason);

/// Reads the broker keys log.retention.{ms,minutes,hours}, log.retention.bytes,
/// log.segment.bytes, log.roll.{ms,hours} and log.retention.check.interval.ms into `c`.
void read_broker_retention(ConfigReader& r, ConfigMap const& map, SourceMark const& where,
                           ClusterConfig& c);
/// Reads the topic keys retention.ms, retention.bytes, segment.bytes and segment.ms over the
/// broker's defaults into `info`.
void read_topic_retention(ConfigReader& r, ConfigMap const& map, std::string const& scope,
                          SourceMark const& where, ClusterConfig const& cluster,
                          PartitionInfo& info);

}  // namespace mqcheck::model::kafka
