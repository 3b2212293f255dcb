// SPDX-License-Identifier: Apache-2.0
// File: model/reference/config.cpp (layer: model)
#include "model/reference/config.hpp"

#include <limits>

#include "model/common/config_reader.hpp"

namespace mqcheck::model::reference {

BrokerConfig parse_broker_config(ConfigMap const& map, SourceMark const& where) {
  ConfigReader r(map, "broker_config", where);
  BrokerConfig c;
  c.persistence = static_cast<Persistence>(r.choice("persistence", 0, {"disk", "memory"}));
  c.fsync = static_cast<FsyncPolicy>(r.choice("fsync", 0, {"always", "never"}));
  c.dedup = r.boolean("dedup", false);
  c.redelivery_timeout = r.duration("redelivery.timeout", milliseconds(100));
  c.prefetch = r.integer("prefetch", 10, 1, 1'000'000);
  r.reject_unknown();
  return c;
}

ProducerConfig parse_producer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where) {
  ConfigReader r(map, scope, where);
  ProducerConfig c;
  c.retries = r.integer("retries", 3, 0, std::numeric_limits<std::int32_t>::max());
  c.request_timeout = r.duration("request.timeout", milliseconds(50));
  r.reject_unknown();
  return c;
}

ConsumerConfig parse_consumer_config(ConfigMap const& map, std::string const& scope,
                                     SourceMark const& where) {
  ConfigReader r(map, scope, where);
  ConsumerConfig c;
  c.ack =
      static_cast<AckMode>(r.choice("ack", 0, {"after-processing", "before-processing", "auto"}));
  c.ack_delay = r.duration("ack.delay", DurationUs{});
  r.reject_unknown();
  return c;
}

}  // namespace mqcheck::model::reference
