// SPDX-License-Identifier: Apache-2.0
// Tests of the fields that describe a configuration and the messages of richer systems: the
// header's groups, ordering, acls, promises and allowed; a message's key, priority,
// deliver-after, tag and source; an op's tenant, principal and txn. Each is written in pinned
// bytes, read back equal at the edges of its range, and left out when empty. Their errors are
// in history_io_config_errors_test.cpp.
#include <algorithm>
#include <catch2/catch.hpp>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "history/history_io.hpp"

using namespace mqcheck;
using namespace mqcheck::history;

namespace {

History read_text(std::string const& text) {
  std::istringstream in(text);
  return read_history(in, "h.jsonl");
}

Header configured_header() {
  Header header;
  header.drained = true;
  GroupSpec billing;
  billing.mode = GroupSpec::Mode::broadcast;
  billing.isolation = GroupSpec::Isolation::read_committed;
  billing.filter = {"TagA", "TagB"};
  billing.tenant = "/vh";
  billing.dead_letter_topic = "%DLQ%billing";
  billing.dead_letter_after = 3;
  billing.delay = GroupSpec::DelayBy::consumer;
  header.groups = {{"billing", billing}, {"audit", GroupSpec{}}};
  header.ordering = {{"orders", OrderingScope::partition}, {"logs", OrderingScope::none}};
  header.acls = {{"alice", Acl{{"orders"}, {}}}, {"bob", Acl{{}, {"orders", "logs"}}}};
  header.promises = {"at-least-once", "ordering"};
  header.allowed = {{"poll-skip", "subscribe: a rebalance may move a partition"}};
  return header;
}

constexpr char const* configured_header_text =
    "{\"mqcheck-history\":1,\"time-unit\":\"us\",\"drained\":true,"
    "\"groups\":{\"audit\":{\"mode\":\"clustering\",\"isolation\":\"read-uncommitted\"},"
    "\"billing\":{\"mode\":\"broadcast\",\"isolation\":\"read-committed\","
    "\"filter\":[\"TagA\",\"TagB\"],\"tenant\":\"/vh\","
    "\"dead-letter\":{\"topic\":\"%DLQ%billing\",\"after\":3},\"delay\":\"consumer\"}},"
    "\"ordering\":{\"logs\":\"none\",\"orders\":\"partition\"},"
    "\"acls\":{\"alice\":{\"produce\":[\"orders\"],\"consume\":[]},"
    "\"bob\":{\"produce\":[],\"consume\":[\"orders\",\"logs\"]}},"
    "\"promises\":[\"at-least-once\",\"ordering\"],"
    "\"allowed\":{\"poll-skip\":\"subscribe: a rebalance may move a partition\"}}\n";

Record rich_record() {
  Record r = Record::of(MessageId{7}, "orders", Offset{4}, 1);
  r.key = "customer-9";
  r.priority = 5;
  r.deliver_after = SimTimeUs{1500};
  r.tag = "TagA";
  r.source = MessageId{3};
  return r;
}

Op rich_op() {
  Op op;
  op.process = "p1";
  op.type = OpType::ok;
  op.f = OpKind::send;
  op.value = {rich_record()};
  op.group = "g";
  op.detail = "d";
  op.tenant = "/vh";
  op.principal = "alice";
  op.txn = "p1/1";
  return op;
}

constexpr char const* rich_op_text =
    "{\"index\":0,\"time\":0,\"process\":\"p1\",\"type\":\"ok\",\"f\":\"send\",\"group\":\"g\","
    "\"tenant\":\"/vh\",\"principal\":\"alice\",\"txn\":\"p1/1\",\"value\":[{\"id\":7,"
    "\"topic\":\"orders\",\"partition\":1,\"offset\":4,\"key\":\"customer-9\",\"priority\":5,"
    "\"deliver-after\":1500,\"tag\":\"TagA\",\"source\":3}],\"detail\":\"d\"}\n";

std::string const default_header =
    "{\"mqcheck-history\":1,\"time-unit\":\"us\",\"drained\":false}\n";

}  // namespace

TEST_CASE("a configured header writes the pinned bytes and reads back equal",
          "[history][io][golden]") {
  History const h(configured_header());
  CHECK(to_jsonl(h) == configured_header_text);
  CHECK(read_text(configured_header_text) == h);
}

TEST_CASE("an op with every field writes the pinned bytes and reads back equal",
          "[history][io][golden]") {
  History h;
  h.append(rich_op());
  CHECK(to_jsonl(h) == default_header + rich_op_text);
  History const back = read_text(default_header + rich_op_text);
  CHECK(back == h);
  REQUIRE(back.size() == 1);
  CHECK(back.ops()[0].value[0].deliver_after == SimTimeUs{1500});
  CHECK(back.ops()[0].value[0].source == MessageId{3});
}

TEST_CASE("the new fields round-trip at the edges of their ranges", "[history][io][roundtrip]") {
  Header header;
  for (auto scope : {OrderingScope::none, OrderingScope::partition, OrderingScope::queue,
                     OrderingScope::key, OrderingScope::producer}) {
    header.ordering.emplace("t" + std::string(to_string(scope)), scope);
  }
  GroupSpec edge;
  edge.dead_letter_topic = "d";
  edge.dead_letter_after = std::numeric_limits<std::int64_t>::max();
  edge.filter = {"x"};
  header.groups = {{"g \"1\"", edge}, {"g2", GroupSpec{}}};
  header.acls = {{"nobody", Acl{}}};
  for (std::string_view const name : guarantee_names()) header.promises.emplace_back(name);
  for (std::string_view const kind : anomaly_kind_names())
    header.allowed.emplace(kind, "because " + std::string(kind));
  History h(header);
  Record big = Record::of(MessageId{1}, "t");
  big.priority = std::numeric_limits<std::int32_t>::max();
  big.deliver_after = SimTimeUs{std::numeric_limits<std::int64_t>::max()};
  big.source = MessageId{std::numeric_limits<std::uint64_t>::max()};
  big.key = "k\n\"\xc3\xa9";
  big.tag = "\x01";
  Record zero = Record::of(MessageId{2}, "t");
  zero.priority = 0;
  zero.deliver_after = SimTimeUs{0};
  zero.source = MessageId{0};
  Op op = rich_op();
  op.value = {big, zero};
  op.tenant = "\t";
  h.append(op);
  std::string const text = to_jsonl(h);
  CHECK(read_text(text) == h);
  CHECK(text.find("{\"id\":2,\"topic\":\"t\",\"priority\":0,\"deliver-after\":0,\"source\":0}") !=
        std::string::npos);
  CHECK(text.find("\"after\":9223372036854775807") != std::string::npos);
  CHECK(text.find("\"nobody\":{\"produce\":[],\"consume\":[]}") != std::string::npos);
}

TEST_CASE("empty new fields are left out, and reading them empty is reading them absent",
          "[history][io]") {
  History h;
  Op op = rich_op();
  op.tenant.clear();
  op.principal.clear();
  op.txn.clear();
  op.value = {Record::of(MessageId{1}, "t")};
  h.append(op);
  std::string const text = to_jsonl(h);
  CHECK(text == default_header +
                    "{\"index\":0,\"time\":0,\"process\":\"p1\",\"type\":\"ok\",\"f\":\"send\","
                    "\"group\":\"g\",\"value\":[{\"id\":1,\"topic\":\"t\"}],\"detail\":\"d\"}\n");
  std::string const with_empties =
      default_header +
      "{\"index\":0,\"time\":0,\"process\":\"p1\",\"type\":\"ok\",\"f\":\"send\",\"group\":\"g\","
      "\"tenant\":\"\",\"principal\":\"\",\"txn\":\"\",\"value\":[{\"id\":1,\"topic\":\"t\","
      "\"key\":\"\",\"tag\":\"\"}],\"detail\":\"d\"}\n";
  CHECK(read_text(with_empties) == h);
}

TEST_CASE("the reader fills in a group's defaults and an acl's missing lists", "[history][io]") {
  History const h = read_text(
      "{\"mqcheck-history\":1,\"groups\":{\"g\":{},\"t\":{\"tenant\":\"\"}},"
      "\"acls\":{\"alice\":{\"consume\":[\"orders\"]}},\"promises\":[],\"allowed\":{}}\n");
  CHECK(h.header().groups.at("g") == GroupSpec{});
  CHECK(h.header().groups.at("t") == GroupSpec{});
  CHECK(h.header().acls.at("alice") == Acl{{}, {"orders"}});
  CHECK(h.header().promises.empty());
  CHECK(h.header().allowed.empty());
  // Written back, the group states its defaults and the acl both of its lists.
  CHECK(to_jsonl(h) ==
        "{\"mqcheck-history\":1,\"time-unit\":\"us\",\"drained\":false,\"groups\":{"
        "\"g\":{\"mode\":\"clustering\",\"isolation\":\"read-uncommitted\"},"
        "\"t\":{\"mode\":\"clustering\",\"isolation\":\"read-uncommitted\"}},"
        "\"acls\":{\"alice\":{\"produce\":[],\"consume\":[\"orders\"]}}}\n");
}

TEST_CASE("assign ops and dispatch events read and write like any other", "[history][io]") {
  std::string const text =
      default_header +
      "{\"index\":0,\"time\":3,\"process\":\"billing-0\",\"type\":\"ok\",\"f\":\"assign\","
      "\"group\":\"billing\",\"value\":[{\"id\":0,\"topic\":\"orders\",\"partition\":2}]}\n"
      "{\"index\":1,\"time\":4,\"process\":\"broker-0\",\"type\":\"event\",\"f\":\"dispatch\","
      "\"group\":\"billing\",\"value\":[{\"id\":5,\"topic\":\"orders\",\"priority\":9}]}\n";
  History const h = read_text(text);
  REQUIRE(h.size() == 2);
  CHECK(h.ops()[0].f == OpKind::assign);
  CHECK(h.ops()[0].value[0].partition == 2);
  CHECK(h.ops()[1].f == OpKind::dispatch);
  CHECK(h.ops()[1].value[0].priority == 9);
  CHECK(to_jsonl(h) == text);
}

TEST_CASE("the format's words are spelt as documented and distinct", "[history][io]") {
  CHECK(to_string(GroupSpec::Mode::broadcast) == "broadcast");
  CHECK(to_string(GroupSpec::Isolation::read_committed) == "read-committed");
  CHECK(to_string(OrderingScope::producer) == "producer");
  for (auto const names : {guarantee_names(), anomaly_kind_names()}) {
    std::set<std::string_view> const distinct(names.begin(), names.end());
    CHECK(distinct.size() == names.size());
  }
  auto const has = [](std::span<std::string_view const> names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  CHECK(has(guarantee_names(), "exactly-once"));
  CHECK(has(anomaly_kind_names(), "poll-skip"));
}
