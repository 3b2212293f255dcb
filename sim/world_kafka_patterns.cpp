// SPDX-License-Identifier: Apache-2.0
// File: sim/world_kafka_patterns.cpp (layer: sim)
// The consumer settings of the application PATTERNS a Kafka scenario can run where Kafka has
// no native feature (docs/kafka-model.md, "Application patterns"): dead letters, retry
// topics, client-side filtering, delay through paused consumption. Each is application code
// the model runs in its consumer (model/kafka/consumer_dead_letter.cpp, consumer_delay.cpp,
// pattern_filter.cpp); here the scenario's keys become those settings, and what the model
// does not run faithfully is refused.
#include <algorithm>
#include <string>

#include "sim/world_kafka_detail.hpp"

namespace mqcheck::sim::kafka_world {

namespace kf = model::kafka;

std::vector<std::uint32_t> partitions_of(kf::ClusterConfig const& c, std::string const& topic) {
  std::vector<std::uint32_t> out;
  for (std::uint32_t p = 0; p < c.partitions.size(); ++p) {
    if (c.partitions[p].topic == topic) out.push_back(p);
  }
  return out;
}

namespace {

// The producer a dead-letter or retry-topic pattern republishes with (pattern_dead_letter.hpp):
// its keys are read like a producer's, with the scenario version's defaults; what it does not
// model is refused. `what` names it in messages ("dead-letter", "retry-topic").
void forwarding_producer(ConfigMap const& config, std::string const& scope, SourceMark const& mark,
                         std::string const& what, ConsumerSpec const& spec, kf::Version version,
                         kf::ClusterConfig const& cluster, kf::DeadLetterConfig& dl) {
  kf::ProducerConfig const p = kf::parse_producer_config(config, scope + ".config", mark, version);
  if (p.acks == kf::Acks::none) {
    throw InputError(mark, scope + ".config.acks",
                     "acks=0 is not modelled for the " + what +
                         " producer: the pattern waits for the publish's acknowledgement");
  }
  if (spec.transform || !p.transactional_id.empty()) {
    throw InputError(mark, scope, "a transactional " + what + " publish is not modelled yet");
  }
  if (cluster.authorizer.enabled) {
    throw InputError(mark, scope, "the " + what + " producer's ACLs are not modelled yet");
  }
  dl.idempotence = p.idempotence;
  dl.acks = static_cast<std::int8_t>(p.acks);
  dl.request_timeout = p.request_timeout;
  dl.delivery_timeout = p.delivery_timeout;
  dl.retry_backoff = p.retry_backoff;
}

kf::ListenerFailures failures_of(FailureSpec const& f) {
  return {f.poison_every, f.flaky_every, f.flaky_failures};
}

// The group of a retry topic's consumers: Spring suffixes the group id with the suffix it
// gave the topic (SuffixingRetryTopicNamesProvider.getGroupId), so "billing" reading
// "orders-retry-1000" is "billing-retry-1000"; a topic not named after the main one adds
// "-<topic>".
std::string stage_group(std::string const& group, std::string const& topic,
                        std::string const& retry_topic) {
  if (retry_topic.size() > topic.size() && retry_topic.starts_with(topic)) {
    return group + retry_topic.substr(topic.size());
  }
  return group + "-" + retry_topic;
}

}  // namespace

// `dead_letter:` (the retry and dead-letter PATTERN, model/kafka/consumer_dead_letter.cpp).
void dead_letter_pattern(ConsumerSpec const& spec, std::size_t i, kf::Version version,
                         kf::ClusterConfig const& cluster, kf::ConsumerConfig& c) {
  DeadLetterSpec const& d = *spec.dead_letter;
  std::string const scope = "consumers[" + std::to_string(i) + "].dead_letter";
  forwarding_producer(d.config, scope, d.mark, "dead-letter", spec, version, cluster,
                      c.dead_letter);
  if (d.topic == spec.topic) {
    throw InputError(d.mark, scope + ".topic",
                     "the dead-letter topic must differ from the topic read");
  }
  c.dead_letter.enabled = true;
  c.dead_letter.topic = d.topic;
  c.dead_letter.partitions = partitions_of(cluster, d.topic);
  c.dead_letter.after = d.after;
  c.dead_letter.failures = failures_of(d.failures);
  c.dead_letter.wait_for_ack = d.publish == "sync";
}

// `retry_topics:` (Spring Kafka's non-blocking retries, a PATTERN;
// model/kafka/consumer_dead_letter.cpp): the main topic's consumers try each record once and
// forward a failed one to the first retry topic. The topics must all differ: Spring's
// SAME_TOPIC strategies (one topic for every retry) are not modelled.
void retry_topics_pattern(ConsumerSpec const& spec, std::size_t i, kf::Version version,
                          kf::ClusterConfig const& cluster, kf::ConsumerConfig& c) {
  RetryTopicsSpec const& r = *spec.retry_topics;
  std::string const scope = "consumers[" + std::to_string(i) + "].retry_topics";
  if (spec.dead_letter || spec.filter || spec.delay) {
    throw InputError(r.mark, scope,
                     "retry topics with dead_letter, filter or delay on the same consumer are "
                     "not modelled (retry topics bring their own dead-letter topic)");
  }
  forwarding_producer(r.config, scope, r.mark, "retry-topic", spec, version, cluster,
                      c.dead_letter);
  std::vector<std::string> seen{spec.topic};
  for (std::size_t k = 0; k <= r.retries.size(); ++k) {
    bool const dlt = k == r.retries.size();
    std::string const& topic = dlt ? r.dlt : r.retries[k].topic;
    if (std::find(seen.begin(), seen.end(), topic) != seen.end()) {
      throw InputError(dlt ? r.mark : r.retries[k].mark,
                       scope + (dlt ? ".dlt" : ".retries[" + std::to_string(k) + "].topic"),
                       "topic '" + topic +
                           "' is used twice: the main topic, every retry topic "
                           "and the dead-letter topic must differ");
    }
    seen.push_back(topic);
  }
  c.dead_letter.enabled = true;
  c.dead_letter.topic = r.retries.front().topic;
  c.dead_letter.partitions = partitions_of(cluster, c.dead_letter.topic);
  c.dead_letter.after = 1;  // Non-blocking: one attempt per topic.
  c.dead_letter.chain_attempts = static_cast<std::int64_t>(r.retries.size()) + 1;
  c.dead_letter.failures = failures_of(r.failures);
  c.dead_letter.wait_for_ack = r.publish == "sync";
}

std::vector<kf::ConsumerConfig> retry_stages(Scenario const& s, std::size_t i,
                                             kf::ClusterConfig const& cluster,
                                             kf::ConsumerConfig const& main) {
  ConsumerSpec const& spec = s.consumers[i];
  RetryTopicsSpec const& r = *spec.retry_topics;
  std::vector<kf::ConsumerConfig> stages;
  for (std::size_t k = 0; k < r.retries.size(); ++k) {
    RetryTopicSpec const& t = r.retries[k];
    kf::ConsumerConfig c = main;
    c.group = stage_group(spec.group, spec.topic, t.topic);
    for (ConsumerSpec const& other : s.consumers) {
      if (other.group != c.group) continue;
      throw InputError(t.mark, "consumers[" + std::to_string(i) + "].retry_topics.retries",
                       "the consumers of retry topic '" + t.topic + "' form group '" + c.group +
                           "', which the scenario also declares: rename one");
    }
    c.topic = t.topic;
    c.topic_partitions = partitions_of(cluster, t.topic);
    // The back-off: pause the partition until the record's timestamp (the failure's time)
    // plus the delay (consumer_delay.cpp), as Spring's KafkaConsumerBackoffManager does with
    // the back-off timestamp header.
    c.delay.enabled = true;
    c.delay.pause = true;
    c.delay.delay_ms = t.delay.us / 1'000;
    std::string const& next = k + 1 < r.retries.size() ? r.retries[k + 1].topic : r.dlt;
    c.dead_letter.topic = next;
    c.dead_letter.partitions = partitions_of(cluster, next);
    c.dead_letter.first_attempt = static_cast<std::int64_t>(k) + 2;
    c.dead_letter.app_group = spec.group;
    c.dead_letter.app_topic = spec.topic;
    c.seek_to = kf::SeekTo::none;  // The scenario's seek is the main topic's.
    stages.push_back(std::move(c));
  }
  return stages;
}

void retry_topics_header(Scenario const& s, history::Header& header) {
  for (ConsumerSpec const& spec : s.consumers) {
    if (!spec.retry_topics) continue;
    history::GroupSpec& g = header.groups[spec.group];
    g.dead_letter_topic = spec.retry_topics->dlt;
    g.dead_letter_after = static_cast<std::int64_t>(spec.retry_topics->retries.size()) + 1;
  }
}

// `filter:` (client-side filtering, a PATTERN; model/kafka/pattern_filter.cpp): the consumer
// learns every tag its topic's producers put on their messages (a header it reads).
void client_filter(ConsumerSpec const& spec, std::size_t i, KafkaConfigs const& configs,
                   kf::ConsumerConfig& c) {
  if (spec.transform) {
    throw InputError(spec.filter->mark, "consumers[" + std::to_string(i) + "].filter",
                     "a filtering consume-transform-produce application is not modelled");
  }
  c.filter.enabled = true;
  c.filter.accept = spec.filter->tags;
  c.filter.in_interceptor = spec.filter->in == "interceptor";
  for (kf::ProducerConfig const& p : configs.producers) {
    if (p.topic != spec.topic || p.tags.empty()) continue;
    c.filter.tags.push_back({p.first_id.value, static_cast<std::uint64_t>(p.messages), p.tags});
  }
}

// `delay:` (delay through paused consumption, a PATTERN; model/kafka/consumer_delay.cpp): the
// topic's producers write each send's due time, which the delay check judges.
void delay_pattern(ConsumerSpec const& spec, std::size_t i, KafkaConfigs& configs,
                   kf::ConsumerConfig& c) {
  DelaySpec const& d = *spec.delay;
  std::string const scope = "consumers[" + std::to_string(i) + "].delay";
  if (spec.transform || spec.dead_letter) {
    throw InputError(d.mark, scope,
                     "the delay pattern with a transform or a dead-letter topic is not modelled");
  }
  for (kf::ProducerConfig& p : configs.producers) {
    if (p.topic != spec.topic) continue;
    if (!p.transactional_id.empty()) {
      throw InputError(d.mark, scope, "a delayed topic's transactional producer is not modelled");
    }
    if (p.delay_ms != 0 && p.delay_ms != d.ms) {
      throw InputError(d.mark, scope + ".ms",
                       "another group reads topic '" + spec.topic + "' with a delay of " +
                           std::to_string(p.delay_ms) + " ms: a record has one due time");
    }
    p.delay_ms = d.ms;
  }
  c.delay.enabled = true;
  c.delay.delay_ms = d.ms;
  c.delay.pause = d.wait == "pause";
}

}  // namespace mqcheck::sim::kafka_world
