// SPDX-License-Identifier: Apache-2.0
// File: model/kafka/pattern_filter.cpp (layer: model)
// Client-side filtering (a PATTERN: application code). Kafka has no broker-side filter: a
// consumer fetches every record of its partitions, and the application drops what it does not
// want, either in a ConsumerInterceptor, whose onConsume "is called just before the records
// are returned by KafkaConsumer.poll()" and may return fewer records
// (https://kafka.apache.org/37/javadoc/org/apache/kafka/clients/consumer/ConsumerInterceptor.html),
// or in its listener after poll() returned them (Spring Kafka's RecordFilterStrategy,
// https://docs.spring.io/spring-kafka/reference/kafka/receiving-messages/filtering.html).
// Tags stand for a record header the producer sets.
#include <algorithm>
#include <string>

#include "model/kafka/pattern_config.hpp"

namespace mqcheck::model::kafka {

std::string const& tag_of(std::vector<TagRange> const& ranges, std::uint64_t id) {
  static std::string const none;
  for (TagRange const& r : ranges) {
    if (id < r.first_id || id - r.first_id >= r.count || r.tags.empty()) continue;
    return r.tags[(id - r.first_id) % r.tags.size()];
  }
  return none;
}

bool ClientFilterConfig::accepts(std::uint64_t id) const {
  if (!enabled) return true;
  std::string const& tag = tag_of(tags, id);
  return std::find(accept.begin(), accept.end(), tag) != accept.end();
}

}  // namespace mqcheck::model::kafka
