// SPDX-License-Identifier: Apache-2.0
// Client-side filtering (a PATTERN) in the Kafka world: producer tags land on the sends, a
// listener filter processes only the wanted tags but its polls carry every record (the
// filtering check's filter-leak), an interceptor filter keeps them out of the polls, and no
// filter processes everything.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "checker/check.hpp"
#include "sim/run.hpp"
#include "tests/sim/error_of.hpp"
#include "tests/sim/verdict_of.hpp"

namespace mqcheck::sim {
namespace {

using history::OpKind;
using history::OpType;

std::string const base = R"(name: f
broker: kafka
version: "3.7"
cluster: {brokers: 1}
broker_config: {broker.heartbeat.interval.ms: 10, broker.session.timeout.ms: 50}
topics: [{name: orders, partitions: 2}]
producers: [{id: p1, topic: orders, messages: 30, rate_per_s: 1000, tags: [TagA, TagB, TagC]}]
drain: 1s
)";

std::string consumer(std::string const& filter) {
  return "consumers: [{group: billing, topic: orders, commit: after-processing" + filter +
         ", config: {enable.auto.commit: false, auto.offset.reset: earliest, "
         "fetch.max.wait.ms: 10}}]\n";
}

// Records of ok ops of kind `f`, by tag of their send.
std::size_t seen(history::History const& h, OpKind f, std::string const& tag) {
  std::map<std::uint64_t, std::string> tags;
  for (history::Op const& op : h.ops()) {
    if (op.f != OpKind::send) continue;
    for (history::Record const& r : op.value) tags[r.id.value] = r.tag;
  }
  std::size_t n = 0;
  for (history::Op const& op : h.ops()) {
    if (op.f != f || op.type != OpType::ok) continue;
    for (history::Record const& r : op.value) n += tags[r.id.value] == tag;
  }
  return n;
}

using testing::error_of;
using testing::history_of;
using testing::verdict_of;

}  // namespace

TEST_CASE("producer tags land on the sends, one in turn", "[sim][kafka][filter]") {
  history::History const h = history_of(base + consumer(""));
  CHECK(seen(h, OpKind::send, "TagA") == 10);
  CHECK(seen(h, OpKind::send, "TagC") == 10);
  CHECK(seen(h, OpKind::process, "TagB") == 10);  // No filter: everything is processed.
  CHECK(h.header().groups.at("billing").filter.empty());
}

TEST_CASE(
    "a listener filter processes only its tags but receives them all; an interceptor "
    "keeps them out of poll",
    "[sim][kafka][filter]") {
  history::History const listener =
      history_of(base + consumer(", filter: {tags: [TagA, TagC], in: listener}"));
  CHECK(seen(listener, OpKind::process, "TagA") == 10);
  CHECK(seen(listener, OpKind::process, "TagB") == 0);
  CHECK(seen(listener, OpKind::poll, "TagB") == 10);
  CHECK(listener.header().groups.at("billing").filter == std::vector<std::string>{"TagA", "TagC"});
  CHECK(verdict_of(listener, "filtering").validity == checker::Validity::invalid);
  CHECK(verdict_of(listener, "at-least-once").validity == checker::Validity::valid);

  history::History const interceptor =
      history_of(base + consumer(", filter: {tags: [TagA, TagC], in: interceptor}"));
  CHECK(seen(interceptor, OpKind::process, "TagC") == 10);
  CHECK(seen(interceptor, OpKind::poll, "TagB") == 0);
  CHECK(verdict_of(interceptor, "filtering").validity == checker::Validity::valid);
  CHECK(verdict_of(interceptor, "at-least-once").validity == checker::Validity::valid);
}

TEST_CASE("filter and tags input errors", "[sim][kafka][filter]") {
  CHECK_THAT(error_of(base + consumer(", filter: {tags: [TagA], in: broker}")),
             Catch::Contains("interceptor"));
  CHECK_THAT(error_of(base + consumer(", filter: {tags: []}")), Catch::Contains("at least one"));
  std::string twice = base;
  twice.replace(twice.find("TagB"), 4, "TagA");
  CHECK_THAT(error_of(twice), Catch::Contains("listed twice"));
  CHECK_THAT(error_of("name: r\nbroker: reference\nqueues: [{name: q}]\n"
                      "producers: [{id: p, topic: q, messages: 1, rate_per_s: 1, tags: [A]}]\n"),
             Catch::Contains("only broker: kafka"));
}

}  // namespace mqcheck::sim
