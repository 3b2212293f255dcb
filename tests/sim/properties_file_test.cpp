// SPDX-License-Identifier: Apache-2.0
// File: tests/sim/properties_file_test.cpp (tests, layer: sim)
// Java .properties input: the java.util.Properties.load rules (separators, comments,
// continuations, escapes), inline keys over a file's, keys the model does not read listed as
// ignored (never silently dropped, never an error), bad files as InputError with the line,
// and random bytes never crashing the reader.
#include "sim/properties_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../common/splitmix64.hpp"
#include "sim/run.hpp"

namespace mqcheck::sim {
namespace {

std::string value_of(ConfigMap const& m, std::string const& key) {
  auto const it = m.find(key);
  return it == m.end() ? "(absent)" : it->second.text;
}

TEST_CASE("properties: separators, blanks and comments as java.util.Properties", "[sim]") {
  ConfigMap const m = parse_properties(
      "# comment\n! also a comment\n\n  acks=all\nretries : 5\nlinger.ms 20\n"
      "compression.type=\nempty\nclient.id = a=b:c\n",
      "p.properties");
  CHECK(value_of(m, "acks") == "all");
  CHECK(value_of(m, "retries") == "5");
  CHECK(value_of(m, "linger.ms") == "20");
  CHECK(value_of(m, "compression.type").empty());
  CHECK(value_of(m, "empty").empty());
  CHECK(value_of(m, "client.id") == "a=b:c");  // Only the first separator splits.
  CHECK(m.size() == 6);
  CHECK(m.at("retries").mark.line == 5);
  CHECK(m.at("acks").mark.column == 3);
  CHECK(m.at("acks").lenient);
}

TEST_CASE("properties: continuations, escapes, CRLF, and the last duplicate wins", "[sim]") {
  ConfigMap const m = parse_properties(
      "bootstrap.servers=a:9092,\\\r\n    b:9092\r\nkey\\ with\\=sep=x\\ty\npath=C:\\\\dir\\\\\n"
      "u=\\u0041\\u00e9\nacks=1\nacks=all\n",
      "p.properties");
  CHECK(value_of(m, "bootstrap.servers") == "a:9092,b:9092");
  CHECK(value_of(m, "key with=sep") == "x\ty");
  CHECK(value_of(m, "path") == "C:\\dir\\");  // Even backslashes: no continuation.
  CHECK(value_of(m, "u") == "A\xC3\xA9");
  CHECK(value_of(m, "acks") == "all");
  CHECK(m.at("acks").mark.line == 7);
}

TEST_CASE("properties: a malformed \\u escape names the file and line", "[sim]") {
  try {
    parse_properties("a=1\nb=\\u12x4\n", "bad.properties");
    FAIL("no error");
  } catch (InputError const& e) {
    CHECK(e.mark().file == "bad.properties");
    CHECK(e.mark().line == 2);
    CHECK_THAT(std::string(e.what()), Catch::Contains("\\uXXXX"));
  }
}

TEST_CASE("properties: random bytes give a map or an InputError, never a crash", "[sim]") {
  testing::SplitMix64 rng(7);
  std::string const alphabet = "ab=:# !\\\n\r\t u0f9 .";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    std::uint64_t const length = rng.below(60);
    for (std::uint64_t i = 0; i < length; ++i) {
      text += rng.chance(0.1) ? static_cast<char>(rng.below(256))
                                : alphabet[rng.below(alphabet.size())];
    }
    try {
      ConfigMap const m = parse_properties(text, "fuzz.properties");
      for (auto const& [key, value] : m) CHECK(value.mark.line >= 1);
    } catch (InputError const& e) {
      CHECK(e.mark().line >= 1);
    }
  }
}

// A scenario beside three properties files, in a fresh temporary folder.
struct Folder {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / "mqcheck_properties_test";
  Folder() { std::filesystem::create_directories(dir); }
  ~Folder() { std::filesystem::remove_all(dir); }
  std::string write(std::string const& name, std::string const& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

std::string const scenario = R"(name: k
broker: kafka
version: "3.7"
cluster: {brokers: 3}
broker_config_file: server.properties
topics: [{name: orders, partitions: 1, config: {replication.factor: 3}}]
producers:
  - {id: p1, topic: orders, messages: 5, rate_per_s: 1000, config_file: producer.properties,
     config: {acks: all}}
consumers: [{group: billing, topic: orders, config_file: consumer.properties}]
quiesce: 50ms
drain: 1s
)";

TEST_CASE("properties files feed a kafka scenario; unread keys are listed as ignored", "[sim]") {
  Folder const f;
  f.write("server.properties", "min.insync.replicas=2\nnum.io.threads=8\n");
  f.write("producer.properties", "acks=1\nbootstrap.servers=b:9092\ncompression.type=lz4\n");
  f.write("consumer.properties", "group.id=billing\nenable.auto.commit=false\n");
  Scenario const s = load_scenario(f.write("s.yaml", scenario));
  CHECK(s.producers[0].config.at("acks").text == "all");  // Inline over the file.
  CHECK_FALSE(s.producers[0].config.at("acks").lenient);
  CHECK(s.broker_config.at("min.insync.replicas").text == "2");
  simulate(s, 1);
  std::vector<std::string> listed;
  for (IgnoredKey const& k : ignored_keys(s)) {
    listed.push_back(k.scope + "." + k.key + "@" + std::to_string(k.mark.line));
  }
  CHECK(listed == std::vector<std::string>{"broker_config.num.io.threads@2",
                                           "producers[0].config.bootstrap.servers@2",
                                           "producers[0].config.compression.type@3",
                                           "consumers[0].config.group.id@1"});
}

TEST_CASE("properties: a bad value in a file is an error at its line; a missing file too",
          "[sim]") {
  Folder const f;
  f.write("server.properties", "num.io.threads=8\nmin.insync.replicas=two\n");
  f.write("producer.properties", "acks=1\n");
  f.write("consumer.properties", "");
  try {
    simulate(load_scenario(f.write("s.yaml", scenario)), 1);
    FAIL("no error");
  } catch (InputError const& e) {
    CHECK_THAT(e.mark().file, Catch::EndsWith("server.properties"));
    CHECK(e.mark().line == 2);
    CHECK(e.key() == "broker_config.min.insync.replicas");
  }
  std::filesystem::remove(f.dir / "consumer.properties");
  try {
    load_scenario(f.write("s.yaml", scenario));
    FAIL("no error");
  } catch (InputError const& e) {
    CHECK(e.mark().line == 10);  // The scenario line naming the file.
    CHECK_THAT(std::string(e.what()), Catch::Contains("consumer.properties"));
  }
}

}  // namespace
}  // namespace mqcheck::sim
