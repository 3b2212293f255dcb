// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario_consumer.cpp (layer: sim)
// The Kafka consumer's extras in a scenario (docs/scenario-format.md, consumers): `transform`,
// `seek`, and the application PATTERNS `dead_letter`, `retry_topics`, `filter` and `delay`.
// Each reader takes its key's map and returns the typed spec or throws InputError naming the
// key; which broker may use them is checked in scenario.cpp, what the model refuses in
// sim/world_kafka_patterns.cpp.
#include <optional>
#include <string>

#include "sim/scenario_sections.hpp"
#include "sim/scenario_values.hpp"

namespace mqcheck::sim {
namespace {

constexpr std::array<std::string_view, 3> transform_keys{"output", "abort_every", "config"};
constexpr std::array<std::string_view, 2> delay_keys{"ms", "wait"};
constexpr std::array<std::string_view, 2> delay_waits{"pause", "sleep"};
constexpr std::array<std::string_view, 2> filter_keys{"tags", "in"};
constexpr std::array<std::string_view, 2> filter_places{"listener", "interceptor"};
constexpr std::array<std::string_view, 7> dead_letter_keys{
    "topic", "after", "poison_every", "flaky_every", "flaky_failures", "publish", "config"};
constexpr std::array<std::string_view, 7> retry_topics_keys{
    "retries", "dlt", "poison_every", "flaky_every", "flaky_failures", "publish", "config"};
constexpr std::array<std::string_view, 2> retry_keys{"topic", "delay"};
constexpr std::array<std::string_view, 2> publish_modes{"sync", "async"};
constexpr std::array<std::string_view, 4> seek_keys{"at", "offset", "timestamp", "to"};
constexpr std::array<std::string_view, 2> seek_ends{"beginning", "end"};

// The failing records of a pattern's listener: `poison_every`, or `flaky_every` with
// `flaky_failures` (default 1), or both; the scenario must say which records fail.
FailureSpec read_failures(YamlField const& field, YamlMap const& map) {
  FailureSpec f;
  if (std::optional<YamlField> const p = map.find("poison_every")) {
    f.poison_every = p->integer(1, messages_max);
  }
  if (std::optional<YamlField> const k = map.find("flaky_every")) {
    f.flaky_every = k->integer(1, messages_max);
    f.flaky_failures = 1;
  }
  if (std::optional<YamlField> const n = map.find("flaky_failures")) {
    if (f.flaky_every == 0) n->fail("flaky_failures needs flaky_every (which records are flaky)");
    f.flaky_failures = n->integer(1, 1'000'000);
  }
  if (f.poison_every == 0 && f.flaky_every == 0) {
    field.fail("say which records fail: 'poison_every' (always) or 'flaky_every' (at first)");
  }
  return f;
}

std::string read_publish_mode(YamlMap const& map) {
  std::optional<YamlField> const p = map.find("publish");
  if (!p) return "sync";
  return std::string(publish_modes[read_choice(*p, publish_modes, "publish mode")]);
}

}  // namespace

// `transform:` of a Kafka consumer (docs/scenario-format.md): consume-transform-produce.
TransformSpec read_transform(YamlField const& field, Declared const& topics) {
  YamlMap const map = field.map(transform_keys);
  TransformSpec t;
  t.output = read_topic_ref(map.require("output"), topics);
  if (std::optional<YamlField> const k = map.find("abort_every")) {
    t.abort_every = k->integer(0, messages_max);
  }
  t.config = read_config_map(map.require("config"));
  t.mark = field.mark();
  return t;
}

// `filter:` of a Kafka consumer (docs/scenario-format.md): client-side filtering (a PATTERN).
FilterSpec read_filter(YamlField const& field) {
  YamlMap const map = field.map(filter_keys);
  FilterSpec f;
  f.tags = read_tags(map.require("tags"));
  if (std::optional<YamlField> const in = map.find("in")) {
    f.in = std::string(filter_places[read_choice(*in, filter_places, "filter place")]);
  }
  f.mark = field.mark();
  return f;
}

// `delay:` of a Kafka consumer (docs/scenario-format.md): delay through paused consumption
// (a PATTERN). `ms` is required: a Kafka timestamp is in whole milliseconds.
DelaySpec read_delay(YamlField const& field) {
  YamlMap const map = field.map(delay_keys);
  DelaySpec d;
  d.ms = map.require("ms").integer(1, 86'400'000);
  if (std::optional<YamlField> const wait = map.find("wait")) {
    d.wait = std::string(delay_waits[read_choice(*wait, delay_waits, "delay wait")]);
  }
  d.mark = field.mark();
  return d;
}

// `dead_letter:` of a Kafka consumer (docs/scenario-format.md): the retry and dead-letter
// PATTERN. `after` and the failing records are required.
DeadLetterSpec read_dead_letter(YamlField const& field, Declared const& topics) {
  YamlMap const map = field.map(dead_letter_keys);
  DeadLetterSpec d;
  d.topic = read_topic_ref(map.require("topic"), topics);
  d.after = map.require("after").integer(1, 1'000'000);
  d.failures = read_failures(field, map);
  d.publish = read_publish_mode(map);
  if (std::optional<YamlField> const config = map.find("config")) {
    d.config = read_config_map(*config);
  }
  d.mark = field.mark();
  return d;
}

// `retry_topics:` of a Kafka consumer (docs/scenario-format.md): non-blocking retries (a
// PATTERN). Each retry names a declared topic and its back-off in whole milliseconds (Spring's
// back-off timestamp is in ms); `dlt` the dead-letter topic after the last.
RetryTopicsSpec read_retry_topics(YamlField const& field, Declared const& topics) {
  YamlMap const map = field.map(retry_topics_keys);
  RetryTopicsSpec r;
  for (YamlField const& item : map.require("retries").items()) {
    YamlMap const retry = item.map(retry_keys);
    RetryTopicSpec t;
    t.topic = read_topic_ref(retry.require("topic"), topics);
    YamlField const delay = retry.require("delay");
    t.delay = read_duration(delay);
    if (t.delay.us <= 0 || t.delay.us % 1'000 != 0) {
      delay.fail("a retry topic's back-off is a positive whole number of milliseconds");
    }
    t.mark = item.mark();
    r.retries.push_back(std::move(t));
  }
  if (r.retries.empty()) field.fail("'retries' needs at least one retry topic");
  r.dlt = read_topic_ref(map.require("dlt"), topics);
  r.failures = read_failures(field, map);
  r.publish = read_publish_mode(map);
  if (std::optional<YamlField> const config = map.find("config")) {
    r.config = read_config_map(*config);
  }
  r.mark = field.mark();
  return r;
}

// `seek:` of a Kafka consumer (docs/scenario-format.md): `at`, and exactly one of `offset`,
// `timestamp` (whole milliseconds: Kafka timestamps are in ms) or `to` (beginning, end).
SeekSpec read_seek(YamlField const& field) {
  YamlMap const map = field.map(seek_keys);
  SeekSpec k;
  k.at = read_duration(map.require("at"));
  int targets = 0;
  if (std::optional<YamlField> const o = map.find("offset")) {
    k.to = "offset";
    k.offset = o->integer(0, std::numeric_limits<std::int64_t>::max());
    ++targets;
  }
  if (std::optional<YamlField> const t = map.find("timestamp")) {
    k.to = "timestamp";
    k.timestamp = read_duration(*t);
    if (k.timestamp.us % 1'000 != 0) t->fail("a Kafka timestamp is in whole milliseconds");
    ++targets;
  }
  if (std::optional<YamlField> const e = map.find("to")) {
    k.to = std::string(seek_ends[read_choice(*e, seek_ends, "seek target")]);
    ++targets;
  }
  if (targets != 1) field.fail("a seek needs exactly one of 'offset', 'timestamp' or 'to'");
  k.mark = field.mark();
  return k;
}

}  // namespace mqcheck::sim
