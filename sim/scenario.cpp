// SPDX-License-Identifier: Apache-2.0
// File: sim/scenario.cpp (layer: sim)
// The scenario loader: YAML text to a validated sim::Scenario, or an InputError naming file,
// line, column and dotted key. This file reads the top level, the workload (topics, queues,
// producers, consumers) and `expect`, and checks the cross-references between them; the
// network and fault sections are in scenario_network.cpp and scenario_faults.cpp, a Kafka
// consumer's extras (transform, seek, the patterns) in scenario_consumer.cpp.
#include "sim/scenario.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string_view>
#include <utility>

#include "sim/properties_file.hpp"
#include "sim/scenario_sections.hpp"
#include "sim/scenario_values.hpp"
#include "sim/yaml_reader.hpp"

namespace mqcheck::sim {

std::string read_topic_ref(YamlField const& field, Declared const& topics) {
  std::string name = field.name();
  if (topics.contains(name)) return name;
  if (topics.empty()) field.fail("unknown topic '" + name + "': no topics or queues are declared");
  std::vector<std::string_view> names;
  for (auto const& [declared, line] : topics) names.push_back(declared);
  std::string const near = nearest(name, names);
  field.fail("unknown topic '" + name + "'" +
             (near.empty() ? std::string("; it must name one of 'topics' or 'queues'")
                           : "; did you mean '" + near + "'?"));
}

std::vector<std::string> read_tags(YamlField const& field) {
  std::vector<std::string> tags;
  for (YamlField const& item : field.items()) {
    std::string tag = item.name();
    if (std::find(tags.begin(), tags.end(), tag) != tags.end()) {
      item.fail("tag '" + tag + "' is listed twice");
    }
    tags.push_back(std::move(tag));
  }
  if (tags.empty()) field.fail("list at least one tag");
  return tags;
}

namespace {

// Limits on sizes (TigerStyle: put a limit on everything). They keep a typo such as
// `instances: 1000000` from turning into an out-of-memory crash in the world builder.
constexpr std::int64_t brokers_max = 1'000;
constexpr std::int64_t partitions_max = 10'000;
constexpr std::int64_t instances_max = 1'000;
constexpr std::int64_t keys_max = std::numeric_limits<std::int32_t>::max();
constexpr std::uintmax_t file_size_max = 16 * 1024 * 1024;

constexpr std::array<std::string_view, 20> top_keys{
    "name",          "description", "broker",  "version",   "seed",      "cluster",
    "broker_config", "broker_config_file",     "topics",    "queues",    "producers",
    "consumers",     "network",     "faults",  "fault_rates", "quiesce", "drain",
    "expect",        "acls",        "quotas"};
constexpr std::array<std::string_view, 1> cluster_keys{"brokers"};
constexpr std::array<std::string_view, 3> topic_keys{"name", "partitions", "config"};
constexpr std::array<std::string_view, 2> queue_keys{"name", "config"};
constexpr std::array<std::string_view, 13> producer_keys{
    "id",    "topic", "messages",    "rate_per_s", "interval",
    "start", "keys",  "config",      "config_file", "transaction", "principal",
    "resend_unacknowledged", "tags"};
constexpr std::array<std::string_view, 15> consumer_keys{
    "group",       "topic",       "instances", "processing", "config",
    "config_file", "commit",      "transform", "assignment", "seek",
    "principal",   "dead_letter", "filter",    "delay",      "retry_topics"};
constexpr std::array<std::string_view, 2> transaction_keys{"messages", "abort_every"};
constexpr std::array<std::string_view, 2> commit_modes{"after-processing", "before-processing"};
constexpr std::array<std::string_view, 2> assignment_modes{"subscribe", "assign"};
constexpr std::array<std::string_view, 4> broker_names{"reference", "kafka", "rabbitmq",
                                                       "rocketmq"};
// The guarantee names of checker::all_guarantee_names(); sim/ cannot include checker/, so
// tests/cli/guarantee_names_test.cpp keeps the two lists equal.
constexpr std::array<std::string_view, 14> guarantees{
    "at-most-once", "at-least-once", "exactly-once", "no-unexpected", "ordering",
    "transactional-visibility", "exactly-once-pipeline", "delay", "priority", "dead-letter",
    "broadcast", "filtering", "tenancy", "authorization"};
constexpr std::array<std::string_view, 3> verdicts{"valid", "invalid", "unknown"};
constexpr std::string_view config_hint = "a broker's own keys go under 'config'";

void declare(Declared& declared, YamlField const& field, std::string const& name,
             std::string_view what) {
  auto const [first, inserted] = declared.emplace(name, field.mark().line);
  if (!inserted) {
    field.fail(std::string(what) + " '" + name + "' is already declared at line " +
               std::to_string(first->second));
  }
}

void read_topics(YamlField const& field, bool queues, Scenario& s, Declared& topics) {
  for (YamlField const& item : field.items()) {
    YamlMap const map =
        queues ? item.map(queue_keys, config_hint) : item.map(topic_keys, config_hint);
    TopicSpec topic;
    YamlField const name = map.require("name");
    topic.name = name.name();
    declare(topics, name, topic.name, "topic or queue");
    if (std::optional<YamlField> const partitions = map.find("partitions")) {
      topic.partitions = static_cast<std::int32_t>(partitions->integer(1, partitions_max));
    }
    if (std::optional<YamlField> const config = map.find("config")) {
      topic.config = read_config_map(*config);
    }
    topic.mark = item.mark();
    topic.is_queue = queues;
    s.topics.push_back(std::move(topic));
  }
}

/// Reads the send interval: exactly one of `rate_per_s` (a constant) and `interval`.
Distribution read_interval(YamlMap const& map) {
  std::optional<YamlField> const rate = map.find("rate_per_s");
  std::optional<YamlField> const interval = map.find("interval");
  if (rate && interval) interval->fail("give either 'rate_per_s' or 'interval', not both");
  if (interval) return read_distribution(*interval);
  if (!rate) {
    throw InputError(map.self().mark(), map.child_path("rate_per_s"),
                     "required key is missing (or give 'interval' instead)");
  }
  return Distribution::constant(read_rate_interval(*rate));
}

// A config map from `file_key` (a .properties file, relative to the scenario's folder), with
// the inline keys of `key` over it: the scenario says what it changes from the file.
ConfigMap read_client_config(YamlMap const& map, std::string_view key, std::string_view file_key) {
  ConfigMap config;
  if (std::optional<YamlField> const file = map.find(file_key)) {
    std::filesystem::path const path =
        std::filesystem::path(file->mark().file).parent_path() / file->text();
    config = read_properties(path.string(), file->mark());
  }
  if (std::optional<YamlField> const inline_keys = map.find(key)) {
    config = overlay(std::move(config), read_config_map(*inline_keys));
  }
  return config;
}

ProducerSpec read_producer(YamlField const& item, Declared const& topics, Declared& ids) {
  YamlMap const map = item.map(producer_keys, config_hint);
  ProducerSpec p;
  YamlField const id = map.require("id");
  p.id = id.name();
  declare(ids, id, p.id, "producer id");
  p.topic = read_topic_ref(map.require("topic"), topics);
  p.messages = map.require("messages").integer(0, messages_max);
  p.interval = read_interval(map);
  if (std::optional<YamlField> const start = map.find("start")) p.start = read_duration(*start);
  if (std::optional<YamlField> const keys = map.find("keys")) {
    p.keys = static_cast<std::int32_t>(keys->integer(0, keys_max));
  }
  p.config = read_client_config(map, "config", "config_file");
  if (std::optional<YamlField> const txn = map.find("transaction")) {
    YamlMap const t = txn->map(transaction_keys);
    p.txn_messages = t.require("messages").integer(1, messages_max);
    if (std::optional<YamlField> const k = t.find("abort_every")) {
      p.abort_every = k->integer(0, messages_max);
    }
    p.txn_mark = txn->mark();
  }
  if (std::optional<YamlField> const who = map.find("principal")) p.principal = who->name();
  if (std::optional<YamlField> const resend = map.find("resend_unacknowledged")) {
    p.resend_unacknowledged = resend->boolean();
    p.resend_mark = resend->mark();
  }
  if (std::optional<YamlField> const tags = map.find("tags")) {
    p.tags = read_tags(*tags);
    p.tags_mark = tags->mark();
  }
  p.mark = item.mark();
  return p;
}

/// Consumer groups declared so far, by (group, topic), each with the line it came from.
using DeclaredGroups = std::map<std::pair<std::string, std::string>, int>;

ConsumerSpec read_consumer(YamlField const& item, Declared const& topics, DeclaredGroups& groups) {
  YamlMap const map = item.map(consumer_keys, config_hint);
  ConsumerSpec c;
  YamlField const group = map.require("group");
  c.group = group.name();
  c.topic = read_topic_ref(map.require("topic"), topics);
  auto const [first, inserted] = groups.emplace(std::pair(c.group, c.topic), group.mark().line);
  if (!inserted) {
    group.fail("consumer group '" + c.group + "' of topic '" + c.topic +
               "' is already declared at line " + std::to_string(first->second));
  }
  if (std::optional<YamlField> const n = map.find("instances")) {
    c.instances = static_cast<std::int32_t>(n->integer(1, instances_max));
  }
  c.processing = Distribution::constant(DurationUs{});
  if (std::optional<YamlField> const processing = map.find("processing")) {
    c.processing = read_distribution(*processing);
  }
  c.config = read_client_config(map, "config", "config_file");
  if (std::optional<YamlField> const commit = map.find("commit")) {
    c.commit = std::string(commit_modes[read_choice(*commit, commit_modes, "commit mode")]);
  }
  if (std::optional<YamlField> const assignment = map.find("assignment")) {
    c.assignment =
        std::string(assignment_modes[read_choice(*assignment, assignment_modes, "assignment")]);
  }
  if (std::optional<YamlField> const transform = map.find("transform")) {
    c.transform = read_transform(*transform, topics);
  }
  if (std::optional<YamlField> const seek = map.find("seek")) c.seek = read_seek(*seek);
  if (std::optional<YamlField> const dl = map.find("dead_letter")) {
    c.dead_letter = read_dead_letter(*dl, topics);
  }
  if (std::optional<YamlField> const rt = map.find("retry_topics")) {
    c.retry_topics = read_retry_topics(*rt, topics);
  }
  if (std::optional<YamlField> const filter = map.find("filter")) c.filter = read_filter(*filter);
  if (std::optional<YamlField> const delay = map.find("delay")) c.delay = read_delay(*delay);
  if (std::optional<YamlField> const who = map.find("principal")) c.principal = who->name();
  c.mark = item.mark();
  return c;
}

void read_header(YamlMap const& root, Scenario& s) {
  s.name = root.require("name").name();
  if (std::optional<YamlField> const d = root.find("description")) s.description = d->text();
  s.broker = static_cast<BrokerKind>(read_choice(root.require("broker"), broker_names, "broker"));
  if (std::optional<YamlField> const version = root.find("version")) s.version = version->name();
  if (std::optional<YamlField> const seed = root.find("seed")) s.seed = seed->unsigned_integer();
  if (std::optional<YamlField> const cluster = root.find("cluster")) {
    YamlMap const map = cluster->map(cluster_keys);
    s.brokers = static_cast<std::int32_t>(map.require("brokers").integer(1, brokers_max));
  }
  s.broker_config = read_client_config(root, "broker_config", "broker_config_file");
}

void read_workload(YamlMap const& root, Scenario& s) {
  Declared topics, ids;
  DeclaredGroups groups;
  if (std::optional<YamlField> const t = root.find("topics")) read_topics(*t, false, s, topics);
  if (std::optional<YamlField> const q = root.find("queues")) read_topics(*q, true, s, topics);
  if (std::optional<YamlField> const acls = root.find("acls")) {  // Kafka's model reads them.
    for (YamlField const& item : acls->items()) {
      s.acls.push_back({read_config_map(item), item.mark()});
    }
  }
  if (std::optional<YamlField> const quotas = root.find("quotas")) {  // Kafka's model reads them.
    for (YamlField const& item : quotas->items()) {
      s.quotas.push_back({read_config_map(item), item.mark()});
    }
  }
  if (std::optional<YamlField> const producers = root.find("producers")) {
    for (YamlField const& item : producers->items()) {
      s.producers.push_back(read_producer(item, topics, ids));
    }
  }
  if (std::optional<YamlField> const consumers = root.find("consumers")) {
    for (YamlField const& item : consumers->items()) {
      s.consumers.push_back(read_consumer(item, topics, groups));
    }
  }
  // Transactions are modelled for Kafka only: elsewhere the keys would be silently ignored.
  if (s.broker == BrokerKind::kafka) return;
  if (!s.acls.empty()) throw InputError(s.acls.front().mark, "acls", "only broker: kafka has ACLs");
  if (!s.quotas.empty()) {
    throw InputError(s.quotas.front().mark, "quotas", "only broker: kafka models client quotas");
  }
  for (ProducerSpec const& p : s.producers) {
    if (!p.principal.empty()) {
      throw InputError(p.mark, "producers.principal", "only broker: kafka models principals");
    }
    if (p.txn_messages > 0) {
      throw InputError(p.txn_mark, "producers.transaction", "only broker: kafka has transactions");
    }
    if (!p.tags.empty()) {
      throw InputError(p.tags_mark, "producers.tags", "only broker: kafka models record tags");
    }
    if (p.resend_unacknowledged) {
      throw InputError(p.resend_mark, "producers.resend_unacknowledged",
                       "only broker: kafka models a restarted application's resends");
    }
  }
  for (ConsumerSpec const& c : s.consumers) {
    if (!c.principal.empty()) {
      throw InputError(c.mark, "consumers.principal", "only broker: kafka models principals");
    }
    if (c.transform) {
      throw InputError(c.transform->mark, "consumers.transform",
                       "only broker: kafka has consume-transform-produce transactions");
    }
    if (c.seek) {
      throw InputError(c.seek->mark, "consumers.seek", "only broker: kafka consumers seek");
    }
    if (c.dead_letter) {
      throw InputError(c.dead_letter->mark, "consumers.dead_letter",
                       "only broker: kafka models the retry and dead-letter pattern");
    }
    if (c.retry_topics) {
      throw InputError(c.retry_topics->mark, "consumers.retry_topics",
                       "only broker: kafka models retry topics (a Spring Kafka pattern)");
    }
    if (c.filter) {
      throw InputError(c.filter->mark, "consumers.filter",
                       "only broker: kafka models client-side filtering");
    }
    if (c.delay) {
      throw InputError(c.delay->mark, "consumers.delay",
                       "only broker: kafka models delay through paused consumption");
    }
  }
}

void read_fault_plan(YamlMap const& root, Scenario& s) {
  if (std::optional<YamlField> const network = root.find("network")) {
    s.network = read_network(*network);
  }
  if (std::optional<YamlField> const faults = root.find("faults")) s.faults = read_faults(*faults);
  if (std::optional<YamlField> const rates = root.find("fault_rates")) {
    s.fault_rates = read_fault_rates(*rates);
  }
  std::optional<YamlField> const quiesce = root.find("quiesce");
  if (quiesce) s.quiesce = read_duration(*quiesce);
  if (!quiesce && (!s.faults.empty() || !s.fault_rates.empty())) {
    throw InputError(root.self().mark(), "quiesce",
                     "required key is missing: 'faults' or 'fault_rates' are given, and "
                     "'quiesce' says when they stop");
  }
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    if (s.faults[i].at <= s.quiesce) continue;
    throw InputError(s.faults[i].mark, "faults[" + std::to_string(i) + "].at",
                     "at " + format_duration(s.faults[i].at) + " is after quiesce (" +
                         format_duration(s.quiesce) + "); no fault strikes after quiesce");
  }
  if (std::optional<YamlField> const drain = root.find("drain")) s.drain = read_duration(*drain);
}

void read_expect(YamlMap const& root, Scenario& s) {
  std::optional<YamlField> const expect = root.find("expect");
  if (!expect) return;
  YamlMap const map(*expect);
  map.allow_only(guarantees);
  for (YamlMap::Entry const& entry : map.entries()) {
    std::size_t const verdict = read_choice(entry.value, verdicts, "verdict");
    s.expect.push_back(Expectation{entry.key, std::string(verdicts[verdict]), entry.key_mark});
  }
}

}  // namespace

ConfigMap read_config_map(YamlField const& field) {
  YamlMap const map(field);
  ConfigMap config;
  for (YamlMap::Entry const& entry : map.entries()) {
    if (!entry.value.node().IsScalar()) {
      entry.value.fail("must be a scalar (text, a number or a boolean), got " +
                       entry.value.describe());
    }
    config.emplace(entry.key, ConfigValue{entry.value.node().Scalar(), entry.value.mark()});
  }
  return config;
}

std::vector<std::string_view> expectable_guarantees() {
  return {guarantees.begin(), guarantees.end()};
}

Scenario parse_scenario(std::string const& text, std::string const& file) {
  try {
    YamlMap const root(parse_yaml(text, file));
    root.allow_only(top_keys);
    Scenario s;
    s.file = file;
    read_header(root, s);
    read_workload(root, s);
    read_fault_plan(root, s);
    read_expect(root, s);
    return s;
  } catch (YAML::Exception const& e) {
    // The readers only use yaml-cpp calls that do not throw on valid nodes; this converts
    // anything yaml-cpp still throws, so that bad input can never escape as a crash.
    throw InputError(to_source_mark(e.mark, file), "", "YAML error: " + e.msg);
  }
}

Scenario load_scenario(std::string const& path) {
  SourceMark const where{path, 0, 0};
  std::error_code error;
  std::filesystem::file_status const status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status)) throw InputError(where, "", "no such file");
  if (std::filesystem::is_directory(status)) {
    throw InputError(where, "", "is a directory, not a scenario file");
  }
  std::uintmax_t const size = std::filesystem::file_size(path, error);
  if (!error && size > file_size_max) {
    throw InputError(where, "", "the file is larger than 16 MiB; a scenario is much smaller");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(where, "", "cannot open the file for reading");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw InputError(where, "", "cannot read the file");
  return parse_scenario(text, path);
}

}  // namespace mqcheck::sim
