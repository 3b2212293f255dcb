// SPDX-License-Identifier: Apache-2.0
// Tests of the history file format (history/history_io.hpp): the exact bytes the writer
// produces, round trips through every field, type and f, and what the reader accepts beyond
// what the writer produces (other field orders, whitespace, escapes). The errors the reader
// reports are in history_io_errors_test.cpp; the mutation fuzz test in history_fuzz_test.cpp.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "history/history_io.hpp"

using namespace mqcheck;
using namespace mqcheck::history;

namespace {

Record message(std::uint64_t id, std::string topic = "orders") {
  return Record::of(MessageId{id}, std::move(topic));
}

Record stored(std::uint64_t id, std::int32_t partition, std::int64_t offset) {
  return Record::of(MessageId{id}, "orders", Offset{offset}, partition);
}

Op op(std::int64_t time_us, std::string process, OpType type, OpKind f,
      std::vector<Record> value = {}, std::string group = {}, std::string detail = {}) {
  Op out;
  out.time = SimTimeUs{time_us};
  out.process = std::move(process);
  out.type = type;
  out.f = f;
  out.value = std::move(value);
  out.group = std::move(group);
  out.detail = std::move(detail);
  return out;
}

History read_text(std::string const& text) {
  std::istringstream in(text);
  return read_history(in, "h.jsonl");
}

// A power loss on the leader loses message 2 after it was acknowledged.
History small_history() {
  Header header;
  header.scenario = "acks=1, leader power loss";
  header.seed = 7;
  header.drained = true;
  header.subscriptions = {{"orders", {"billing", "audit"}}};
  History h(header);
  h.append(op(0, "p1", OpType::invoke, OpKind::send, {message(1)}));
  h.append(op(150, "p1", OpType::ok, OpKind::send, {stored(1, 0, 0)}));
  h.append(op(200, "billing-0", OpType::invoke, OpKind::poll, {}, "billing"));
  h.append(op(260, "billing-0", OpType::ok, OpKind::poll, {}, "billing"));
  h.append(op(300, "broker-0", OpType::event, OpKind::power_loss, {}, "",
              "power loss: 1 unsynced write \"lost\"\n"));
  return h;
}

constexpr char const* small_history_text =
    "{\"mqcheck-history\":1,\"time-unit\":\"us\",\"scenario\":\"acks=1, leader power loss\","
    "\"seed\":7,\"drained\":true,\"subscriptions\":{\"orders\":[\"billing\",\"audit\"]}}\n"
    "{\"index\":0,\"time\":0,\"process\":\"p1\",\"type\":\"invoke\",\"f\":\"send\","
    "\"value\":[{\"id\":1,\"topic\":\"orders\"}]}\n"
    "{\"index\":1,\"time\":150,\"process\":\"p1\",\"type\":\"ok\",\"f\":\"send\","
    "\"value\":[{\"id\":1,\"topic\":\"orders\",\"partition\":0,\"offset\":0}]}\n"
    "{\"index\":2,\"time\":200,\"process\":\"billing-0\",\"type\":\"invoke\",\"f\":\"poll\","
    "\"group\":\"billing\"}\n"
    "{\"index\":3,\"time\":260,\"process\":\"billing-0\",\"type\":\"ok\",\"f\":\"poll\","
    "\"group\":\"billing\"}\n"
    "{\"index\":4,\"time\":300,\"process\":\"broker-0\",\"type\":\"event\",\"f\":\"power-loss\","
    "\"detail\":\"power loss: 1 unsynced write \\\"lost\\\"\\u000a\"}\n";

bool is_event_f(OpKind f) { return f >= OpKind::append; }

}  // namespace

TEST_CASE("the writer produces exactly the pinned bytes", "[history][io][golden]") {
  CHECK(to_jsonl(small_history()) == small_history_text);
}

TEST_CASE("a default header writes only the version, the unit and drained", "[history][io]") {
  CHECK(to_jsonl(History{}) == "{\"mqcheck-history\":1,\"time-unit\":\"us\",\"drained\":false}\n");
}

TEST_CASE("HistoryWriter streams the same bytes as to_jsonl", "[history][io]") {
  History const h = small_history();
  std::ostringstream out;
  HistoryWriter writer(out, h.header());
  for (Op const& o : h.ops()) writer.write(o);
  CHECK(out.str() == to_jsonl(h));
  CHECK(to_jsonl(h) == to_jsonl(h));  // No hidden state between calls.
}

TEST_CASE("the small history reads back equal", "[history][io][roundtrip]") {
  History const back = read_text(small_history_text);
  CHECK(back == small_history());
  REQUIRE(back.size() == 5);
  CHECK(back.ops()[4].detail == "power loss: 1 unsynced write \"lost\"\n");
  CHECK(back.header().drained);
  CHECK(back.header().subscriptions.at("orders") == std::vector<std::string>{"billing", "audit"});
}

TEST_CASE("every type and every f round-trips", "[history][io][roundtrip]") {
  History h;
  std::int64_t time = 0;
  for (std::string_view const name : op_kind_names()) {
    OpKind const f = *op_kind_from(name);
    if (is_event_f(f)) {
      h.append(op(time++, "broker-1", OpType::event, f, {message(9)}, "", std::string(name)));
      continue;
    }
    for (OpType const type : {OpType::invoke, OpType::ok, OpType::fail, OpType::info})
      h.append(op(time++, "c-" + std::string(name), type, f, {message(3)}, "g", "why"));
  }
  // 11 client fs (send .. txn-abort, assign) in 4 types each, and 15 event fs (append ..
  // dispatch).
  REQUIRE(h.size() == 11 * 4 + 15);
  std::string const text = to_jsonl(h);
  CHECK(read_text(text) == h);
  CHECK(text.find("\"f\":\"txn-commit\"") != std::string::npos);
  CHECK(text.find("\"type\":\"info\",\"f\":\"txn-abort\"") != std::string::npos);
  CHECK(text.find("\"type\":\"event\",\"f\":\"power-loss\"") != std::string::npos);
  CHECK(text.find("\"type\":\"fail\",\"f\":\"assign\"") != std::string::npos);
  CHECK(text.find("\"type\":\"event\",\"f\":\"dispatch\"") != std::string::npos);
}

TEST_CASE("every field round-trips at the edges of its range", "[history][io][roundtrip]") {
  Header header;
  header.scenario = "edges";
  header.seed = std::numeric_limits<std::uint64_t>::max();
  header.subscriptions = {{"a", {}}, {"b", {"g1"}}, {"orders", {"billing", "audit"}}};
  History h(header);
  std::int64_t const time_max = std::numeric_limits<std::int64_t>::max();
  Record const big = Record::of(MessageId{std::numeric_limits<std::uint64_t>::max()}, "t",
                                Offset{time_max}, std::numeric_limits<std::int32_t>::max());
  Record const zero = Record::of(MessageId{0}, "", Offset{0}, 0);
  Record const only_offset = Record::of(MessageId{5}, "", Offset{12});
  h.append(op(0, "p", OpType::invoke, OpKind::send, {big, zero, only_offset}, "grp", "d"));
  h.append(op(time_max, "p", OpType::ok, OpKind::send, {big, zero, only_offset}));
  std::string const text = to_jsonl(h);
  CHECK(read_text(text) == h);
  CHECK(text.find("\"seed\":18446744073709551615") != std::string::npos);
  CHECK(text.find("\"subscriptions\":{\"a\":[],\"b\":[\"g1\"],\"orders\"") != std::string::npos);
  CHECK(text.find("{\"id\":0,\"partition\":0,\"offset\":0}") != std::string::npos);
  CHECK(text.find("{\"id\":5,\"offset\":12}") != std::string::npos);
}

TEST_CASE("strings that need escapes round-trip", "[history][io][roundtrip]") {
  std::string const nasty = std::string("q\"b\\s/ nul") + '\0' + "\x01\x1f\t\r\n del\x7f" +
                            " \xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6";
  History h;
  h.header().scenario = nasty;
  h.header().subscriptions = {{nasty, {nasty}}};
  h.append(op(0, nasty, OpType::invoke, OpKind::send, {message(1, nasty)}, nasty, nasty));
  std::string const text = to_jsonl(h);
  CHECK(read_text(text) == h);
  CHECK(text.find("\"process\":\"q\\\"b\\\\s/ nul\\u0000\\u0001\\u001f\\u0009\\u000d\\u000a del"
                  "\x7f \xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6\"") != std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);  // Escaped newlines stay escaped.
}

TEST_CASE("bytes that are not UTF-8 are written as U+FFFD", "[history][io]") {
  History h;
  // A lone continuation byte, an overlong '/', a UTF-16 surrogate, a truncated sequence.
  h.append(op(0, "a\x80" "b\xc0\xaf" "c\xed\xa0\x80" "d\xe2\x82", OpType::invoke,
              OpKind::poll));
  std::string const text = to_jsonl(h);
  CHECK(text.find("\"process\":\"a\\ufffdb\\ufffd\\ufffdc\\ufffd\\ufffd\\ufffdd\\ufffd\\ufffd\"") !=
        std::string::npos);
  CHECK(read_text(text).ops()[0].process ==
        "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
        "d\xef\xbf\xbd\xef\xbf\xbd");
}

TEST_CASE("the reader accepts any field order, whitespace and CRLF", "[history][io]") {
  std::string const text =
      "{ \"drained\" : true , \"mqcheck-history\" : 1 }\r\n"
      "{\"f\":\"poll\",\"type\":\"invoke\",\"process\":\"c\",\"time\":5,\"index\":0}\r\n"
      "\t{\"value\": [ {\"offset\": 3, \"id\": 2} ], \"index\": 1, \"time\": 5, \"process\": "
      "\"c\", \"type\": \"ok\", \"f\": \"poll\"}  \r\n";
  History const h = read_text(text);
  CHECK(h.header().drained);
  CHECK(h.header().time_unit == "us");
  REQUIRE(h.size() == 2);
  CHECK(h.ops()[1].value == std::vector<Record>{Record::of(MessageId{2}, "", Offset{3})});
  CHECK(h.ops()[1].time == SimTimeUs{5});
}

TEST_CASE("an empty value, an empty group and their absence read the same", "[history][io]") {
  std::string const head = "{\"mqcheck-history\":1}\n";
  std::string const with = head +
      "{\"index\":0,\"time\":0,\"process\":\"c\",\"type\":\"ok\",\"f\":\"poll\",\"value\":[],"
      "\"group\":\"\",\"detail\":\"\"}\n";
  std::string const without =
      head + "{\"index\":0,\"time\":0,\"process\":\"c\",\"type\":\"ok\",\"f\":\"poll\"}\n";
  CHECK(read_text(with) == read_text(without));
  CHECK(read_text(with).ops()[0].value.empty());
  CHECK(to_jsonl(read_text(with)) ==
        "{\"mqcheck-history\":1,\"time-unit\":\"us\",\"drained\":false}\n"
        "{\"index\":0,\"time\":0,\"process\":\"c\",\"type\":\"ok\",\"f\":\"poll\"}\n");
}

TEST_CASE("the reader decodes \\u escapes and surrogate pairs", "[history][io]") {
  std::string const text =
      "{\"mqcheck-history\":1,\"scenario\":\"\\u00e9\\u20AC\\ud83d\\udce6\\n\\/\\b\\f\"}\n";
  CHECK(read_text(text).header().scenario == "\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xa6\n/\b\f");
}

TEST_CASE("blank lines at the end and a last line without newline are accepted",
          "[history][io]") {
  std::string const op0 =
      "{\"index\":0,\"time\":0,\"process\":\"c\",\"type\":\"invoke\",\"f\":\"poll\"}";
  CHECK(read_text("{\"mqcheck-history\":1}\n" + op0).size() == 1);
  CHECK(read_text("{\"mqcheck-history\":1}\n" + op0 + "\n\n  \n\t\r\n").size() == 1);
  CHECK(read_text("{\"mqcheck-history\":1}").size() == 0);
  CHECK(read_text("{\"mqcheck-history\":1}\n\n").size() == 0);
}

TEST_CASE("HistoryReader streams one op at a time and then stays at the end", "[history][io]") {
  std::istringstream in(small_history_text);
  HistoryReader reader(in, "h.jsonl");
  CHECK(reader.header() == small_history().header());
  std::vector<std::uint64_t> indices;
  while (std::optional<Op> next = reader.next()) indices.push_back(next->index);
  CHECK(indices == std::vector<std::uint64_t>{0, 1, 2, 3, 4});
  CHECK_FALSE(reader.next().has_value());
  CHECK_FALSE(reader.next().has_value());
}

TEST_CASE("HistoryReader::next(Op&) reuses one op and reads what next() reads",
          "[history][io]") {
  // Ops that differ in every field, in both orders, so that each leaves something behind
  // that the next must overwrite or empty: a field present, then absent, then present.
  Record rich = stored(4, 2, 7);
  rich.key = "a key longer than a short-string buffer";
  rich.priority = 3;
  rich.deliver_after = SimTimeUs{5};
  rich.tag = "T";
  rich.source = MessageId{2};
  Op full = op(0, "producer-with-a-long-name", OpType::ok, OpKind::send, {rich, rich, message(5)},
               "grp", "why");
  full.txn = "t/1";
  full.tenant = "/vh";
  full.principal = "alice";
  History h;
  std::int64_t time = 0;
  auto const add = [&](Op o) {
    o.time = SimTimeUs{time++};
    h.append(std::move(o));
  };
  for (int round = 0; round < 2; ++round) {
    add(full);
    add(op(0, "c", OpType::invoke, OpKind::poll));
    add(op(0, "c", OpType::ok, OpKind::poll, {message(1)}, "g"));
    add(full);
    add(op(0, "broker-0", OpType::event, OpKind::crash, {}, "", "d"));
  }
  std::string const text = to_jsonl(h) + "\n";
  std::istringstream in(text);
  HistoryReader reader(in, "h.jsonl");
  Op reused;
  std::vector<Op> read;
  while (reader.next(reused)) read.push_back(reused);
  CHECK(read == std::vector<Op>(h.ops().begin(), h.ops().end()));
  Op const last = reused;
  CHECK_FALSE(reader.next(reused));
  CHECK_FALSE(reader.next(reused));
  CHECK(reused == last);  // The end leaves the op as it was.
}

TEST_CASE("load_history reads a file that write_history wrote", "[history][io]") {
  std::string const path = (std::filesystem::temp_directory_path() /
                            ("mqcheck_history_io_test_" + std::to_string(::getpid()) + ".jsonl"))
                               .string();
  {
    std::ofstream out(path, std::ios::binary);
    write_history(out, small_history());
  }
  CHECK(load_history(path) == small_history());
  std::remove(path.c_str());
}

TEST_CASE("the examples in docs/history-format.md read and write back byte for byte",
          "[history][io][docs]") {
  std::ifstream in(std::string(MQCHECK_SOURCE_DIR) + "/docs/history-format.md");
  REQUIRE(in.good());
  std::string const doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<History> examples;
  std::size_t at = 0;
  while ((at = doc.find("```json", at)) != std::string::npos) {
    std::size_t const start = doc.find('\n', at) + 1;
    std::size_t const end = doc.find("```", start);
    std::string const block = doc.substr(start, end - start);
    at = end + 3;
    if (block.rfind("{\"mqcheck-history\"", 0) != 0) continue;
    CAPTURE(block);
    examples.push_back(read_text(block));
    CHECK(to_jsonl(examples.back()) == block);
  }
  REQUIRE(examples.size() == 3);
  History const& configured = examples[1];
  CHECK(configured.header().groups.at("billing").isolation ==
        GroupSpec::Isolation::read_committed);
  CHECK(configured.header().ordering.at("orders") == OrderingScope::key);
  REQUIRE(configured.size() == 9);
  CHECK(configured.ops()[3].txn == "p1/1");
  CHECK(configured.ops()[3].value[0].key == "c-9");
  CHECK(configured.ops()[6].f == OpKind::assign);
  History const& lost = examples[2];  // The power-loss example.
  // Every example op line, and every example of header fields, in a text block reads and
  // writes back byte for byte too.
  std::size_t lines = 0;
  for (at = doc.find("```text"); at != std::string::npos; at = doc.find("```text", at)) {
    std::size_t const start = doc.find('\n', at) + 1;
    std::size_t const end = doc.find("```", start);
    std::istringstream block(doc.substr(start, end - start));
    at = end + 3;
    for (std::string line; std::getline(block, line);) {
      CAPTURE(line);
      if (line.rfind('"', 0) == 0) {  // Header fields: written back in the same words.
        std::string const text = to_jsonl(read_text("{\"mqcheck-history\":1," + line + "}\n"));
        CHECK(text.find("," + line + "}\n") != std::string::npos);
        ++lines;
        continue;
      }
      if (line.rfind("{\"index\":", 0) != 0) continue;
      std::string const rest = line.substr(line.find(','));  // All but the index, set to 0.
      History const h = read_text("{\"mqcheck-history\":1}\n{\"index\":0" + rest + "\n");
      std::string const back = to_jsonl(h);
      CHECK(back.substr(back.find('\n') + 1) == "{\"index\":0" + rest + "\n");
      ++lines;
    }
  }
  CHECK(lines == 5 + 4);
  CHECK(lost.header().drained);
  REQUIRE(lost.size() == 12);
  CHECK(lost.ops()[3].type == OpType::ok);
  CHECK(lost.ops()[3].value[0].id == MessageId{2});
  CHECK(lost.ops()[8].f == OpKind::power_loss);
}
