// SPDX-License-Identifier: Apache-2.0
// Tests that every kind of bad history file is an mqcheck::InputError with the exact message:
// file, line, column when known, the field at fault, and the nearest valid spelling.
#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "history/history_io.hpp"

using namespace mqcheck;
using namespace mqcheck::history;

namespace {

std::string const header = "{\"mqcheck-history\":1}\n";

// Returns the InputError message for reading `text`, or "no error".
std::string error_of(std::string const& text) {
  std::istringstream in(text);
  try {
    read_history(in, "h.jsonl");
  } catch (InputError const& error) {
    return error.what();
  }
  return "no error";
}

// Returns `fields` wrapped into one op line.
std::string op_line(std::string const& fields) { return "{" + fields + "}\n"; }

std::string const valid_fields = "\"index\":0,\"time\":0,\"process\":\"p1\",\"type\":\"ok\"";

struct Case {
  char const* what;
  std::string text;
  std::string message;
};

void check_cases(std::vector<Case> const& cases) {
  for (Case const& c : cases) {
    CAPTURE(c.what, c.text);
    CHECK(error_of(c.text) == c.message);
  }
}

}  // namespace

TEST_CASE("an empty file or a missing header is an error on line 1", "[history][io][error]") {
  std::string const empty =
      "h.jsonl:1: key 'mqcheck-history': empty file: a history starts with a header line such "
      "as {\"mqcheck-history\":1,\"time-unit\":\"us\"}";
  std::string const missing =
      "h.jsonl:1: key 'mqcheck-history': missing header: the first line must be a JSON object "
      "such as {\"mqcheck-history\":1,\"time-unit\":\"us\"}";
  check_cases({
      {"empty", "", empty},
      {"only blank lines", "\n  \n\r\n", empty},
      {"blank first line", "\n" + header,
       "h.jsonl:1: key 'mqcheck-history': line 1 is blank: the header "
       "{\"mqcheck-history\":1,\"time-unit\":\"us\"} must be the first line"},
      {"an op first", op_line(valid_fields + ",\"f\":\"send\""),
       missing + "; this line looks like an op"},
      {"not an object", "[1]\n", missing},
      {"malformed", "{\"mqcheck-history\":1\n",
       "h.jsonl:1:21: malformed JSON: syntax error while parsing object - unexpected end of "
       "input; expected '}'"},
  });
}

TEST_CASE("a wrong or future format version is an error", "[history][io][error]") {
  check_cases({
      {"future", "{\"mqcheck-history\":2}\n",
       "h.jsonl:1:20: key 'mqcheck-history': format version 2 is newer than this mqcheck reads "
       "(format 1): upgrade mqcheck"},
      {"zero", "{\"mqcheck-history\":0}\n",
       "h.jsonl:1:20: key 'mqcheck-history': unknown format version 0 (this mqcheck reads "
       "format 1)"},
      {"string", "{\"mqcheck-history\":\"1\"}\n",
       "h.jsonl:1:20: key 'mqcheck-history': expected the format version, an integer such as 1, "
       "found a string"},
  });
}

TEST_CASE("bad header fields are errors", "[history][io][error]") {
  check_cases({
      {"time unit", "{\"mqcheck-history\":1,\"time-unit\":\"ms\"}\n",
       "h.jsonl:1:34: key 'time-unit': unsupported time unit 'ms': format 1 counts time in "
       "microseconds, \"us\""},
      {"typo", "{\"mqcheck-history\":1,\"sed\":3}\n",
       "h.jsonl:1:22: key 'sed': unknown field 'sed' (did you mean 'seed'?)"},
      {"drained type", "{\"mqcheck-history\":1,\"drained\":\"yes\"}\n",
       "h.jsonl:1:32: key 'drained': expected true or false, found a string"},
      {"negative seed", "{\"mqcheck-history\":1,\"seed\":-1}\n",
       "h.jsonl:1:29: key 'seed': expected an integer from 0 to 18446744073709551615, found -1"},
      {"groups not a list", "{\"mqcheck-history\":1,\"subscriptions\":{\"orders\":\"billing\"}}\n",
       "h.jsonl:1:38: key 'subscriptions.orders': expected an array of group names, found a "
       "string"},
      {"group twice", "{\"mqcheck-history\":1,\"subscriptions\":{\"orders\":[\"a\",\"a\"]}}\n",
       "h.jsonl:1:38: key 'subscriptions.orders[1]': group 'a' is listed twice"},
      {"empty group", "{\"mqcheck-history\":1,\"subscriptions\":{\"orders\":[\"\"]}}\n",
       "h.jsonl:1:38: key 'subscriptions.orders[0]': must not be empty"},
      {"empty topic", "{\"mqcheck-history\":1,\"subscriptions\":{\"\":[]}}\n",
       "h.jsonl:1:38: key 'subscriptions.': a topic name must not be empty"},
  });
}

TEST_CASE("unknown op types and fs suggest the nearest spelling", "[history][io][error]") {
  std::string const base = "\"index\":0,\"time\":0,\"process\":\"p1\",";
  check_cases({
      {"type typo", header + op_line(base + "\"type\":\"okay\",\"f\":\"send\""),
       "h.jsonl:2:43: key 'type': unknown op type 'okay' (did you mean 'ok'?)"},
      {"f typo", header + op_line(base + "\"type\":\"ok\",\"f\":\"sned\""),
       "h.jsonl:2:52: key 'f': unknown f 'sned' (did you mean 'send'?)"},
      {"f with underscore", header + op_line(base + "\"type\":\"event\",\"f\":\"power_loss\""),
       "h.jsonl:2:55: key 'f': unknown f 'power_loss' (did you mean 'power-loss'?)"},
      {"type far off", header + op_line(base + "\"type\":\"zzzzzz\",\"f\":\"send\""),
       "h.jsonl:2:43: key 'type': unknown op type 'zzzzzz' (expected one of invoke, ok, fail, "
       "info, event)"},
      {"event f on a client op", header + op_line(base + "\"type\":\"ok\",\"f\":\"crash\""),
       "h.jsonl:2:52: key 'f': 'crash' is an internal event: write it with type 'event', not "
       "'ok'"},
      {"client f on an event", header + op_line(base + "\"type\":\"event\",\"f\":\"send\""),
       "h.jsonl:2:55: key 'f': 'send' is a client op; the f of an event is one of append, "
       "replicate, fsync, crash, power-loss, restart, pause, resume, partition, heal, drop, "
       "duplicate, redeliver, expire, dispatch"},
  });
}

TEST_CASE("unknown and duplicate fields are errors", "[history][io][error]") {
  check_cases({
      {"op field typo",
       header + op_line("\"index\":0,\"time\":0,\"procss\":\"p1\",\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:21: key 'procss': unknown field 'procss' (did you mean 'process'?)"},
      {"op field far off", header + op_line(valid_fields + ",\"f\":\"send\",\"zzzzzz\":1"),
       "h.jsonl:2:59: key 'zzzzzz': unknown field 'zzzzzz' (expected one of index, time, "
       "process, type, f, group, tenant, principal, txn, value, detail)"},
      {"message field typo",
       header + op_line(valid_fields + ",\"f\":\"send\",\"value\":[{\"id\":1,\"tpic\":\"x\"}]"),
       "h.jsonl:2:67: key 'value[0].tpic': unknown field 'tpic' (did you mean 'topic'?)"},
      {"control characters are escaped",
       header + op_line(valid_fields + ",\"f\":\"send\",\"a\\u0001b\":1"),
       "h.jsonl:2: key 'a\\u0001b': unknown field 'a\\u0001b' (expected one of index, time, "
       "process, type, f, group, tenant, principal, txn, value, detail)"},
      {"duplicate op field",
       header + op_line("\"index\":0,\"time\":0,\"time\":1,\"process\":\"p1\",\"type\":\"ok\","
                        "\"f\":\"send\""),
       "h.jsonl:2:21: key 'time': duplicate field 'time' (each field may appear once)"},
      {"duplicate message field",
       header + op_line(valid_fields + ",\"f\":\"send\",\"value\":[{\"id\":1,\"id\":2}]"),
       "h.jsonl:2: key 'id': duplicate field 'id' in a nested object (each field may appear "
       "once)"},
  });
}

TEST_CASE("each missing required field is an error", "[history][io][error]") {
  std::vector<std::pair<std::string, std::string>> const fields{
      {"index", "\"index\":0"}, {"time", "\"time\":0"},  {"process", "\"process\":\"p\""},
      {"type", "\"type\":\"ok\""}, {"f", "\"f\":\"send\""}};
  for (auto const& [missing, unused] : fields) {
    std::string body;
    for (auto const& [name, text] : fields)
      if (name != missing) body += (body.empty() ? "" : ",") + text;
    CAPTURE(body);
    CHECK(error_of(header + op_line(body)) ==
          "h.jsonl:2: key '" + missing +
              "': missing: every op needs index, time, process, type and f");
  }
  CHECK(error_of(header + op_line(valid_fields + ",\"f\":\"send\",\"value\":[{\"id\":1},{}]")) ==
        "h.jsonl:2:67: key 'value[1].id': missing: every message needs an id");
}

TEST_CASE("fields of the wrong type or out of range are errors", "[history][io][error]") {
  std::string const send = valid_fields + ",\"f\":\"send\"";
  std::string const p = "\"index\":0,\"time\":0,\"process\":";
  check_cases({
      {"time string", header + op_line("\"index\":0,\"time\":\"5\",\"process\":\"p1\","
                                       "\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:19: key 'time': expected an integer from 0 to 9223372036854775807, found a "
       "string"},
      {"time fraction", header + op_line("\"index\":0,\"time\":1.5,\"process\":\"p1\","
                                         "\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:19: key 'time': expected an integer from 0 to 9223372036854775807, found 1.5"},
      {"time too big", header + op_line("\"index\":0,\"time\":9223372036854775808,"
                                        "\"process\":\"p1\",\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:19: key 'time': expected an integer from 0 to 9223372036854775807, found "
       "9223372036854775808"},
      {"negative index", header + op_line("\"index\":-1,\"time\":0,\"process\":\"p1\","
                                          "\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:10: key 'index': expected an integer from 0 to 18446744073709551615, found "
       "-1"},
      {"process number", header + op_line(p + "7,\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:31: key 'process': expected a string, found 7"},
      {"process empty", header + op_line(p + "\"\",\"type\":\"ok\",\"f\":\"send\""),
       "h.jsonl:2:31: key 'process': must not be empty"},
      {"group null", header + op_line(send + ",\"group\":null"),
       "h.jsonl:2:67: key 'group': expected a string, found null"},
      {"value object", header + op_line(send + ",\"value\":{}"),
       "h.jsonl:2:67: key 'value': expected an array of messages such as [{\"id\":1}], found an "
       "object"},
      {"message not object", header + op_line(send + ",\"value\":[1]"),
       "h.jsonl:2:67: key 'value[0]': expected a message such as "
       "{\"id\":1,\"topic\":\"orders\"}, found 1"},
      {"partition too big",
       header + op_line(send + ",\"value\":[{\"id\":1,\"partition\":2147483648}]"),
       "h.jsonl:2:67: key 'value[0].partition': expected an integer from 0 to 2147483647, found "
       "2147483648"},
      {"negative offset", header + op_line(send + ",\"value\":[{\"id\":1,\"offset\":-3}]"),
       "h.jsonl:2:67: key 'value[0].offset': expected an integer from 0 to 9223372036854775807, "
       "found -3"},
      {"id beyond 64 bits", header + op_line(send + ",\"value\":[{\"id\":99999999999999999999}]"),
       "h.jsonl:2:67: key 'value[0].id': expected an integer from 0 to 18446744073709551615, "
       "found 1e+20"},
      {"topic number", header + op_line(send + ",\"value\":[{\"id\":1,\"topic\":5}]"),
       "h.jsonl:2:67: key 'value[0].topic': expected a string, found 5"},
      {"detail bool", header + op_line(send + ",\"detail\":true"),
       "h.jsonl:2:68: key 'detail': expected a string, found true"},
  });
}

TEST_CASE("an index out of place or time going backwards is an error", "[history][io][error]") {
  auto line = [](int index, int time) {
    return "{\"index\":" + std::to_string(index) + ",\"time\":" + std::to_string(time) +
           ",\"process\":\"p1\",\"type\":\"invoke\",\"f\":\"poll\"}\n";
  };
  check_cases({
      {"first index not 0", header + line(1, 0),
       "h.jsonl:2:10: key 'index': expected 0 (ops are numbered 0, 1, 2, ... in file order), "
       "found 1"},
      {"a gap", header + line(0, 0) + line(1, 0) + line(3, 0),
       "h.jsonl:4:10: key 'index': expected 2 (ops are numbered 0, 1, 2, ... in file order), "
       "found 3"},
      {"a repeat", header + line(0, 0) + line(0, 0),
       "h.jsonl:3:10: key 'index': expected 1 (ops are numbered 0, 1, 2, ... in file order), "
       "found 0"},
      {"time backwards", header + line(0, 100) + line(1, 50),
       "h.jsonl:3:19: key 'time': time went backwards: 50 is before the previous op's time 100"},
  });
  CHECK(error_of(header + line(0, 100) + line(1, 100)) == "no error");  // Equal times are fine.
}

TEST_CASE("malformed op lines and misplaced blank lines are errors", "[history][io][error]") {
  std::string const good = op_line(valid_fields + ",\"f\":\"send\"");
  check_cases({
      {"double comma", header + "{\"index\":0,,}\n",
       "h.jsonl:2:12: malformed JSON: syntax error while parsing object key - unexpected ','; "
       "expected string literal"},
      {"trailing garbage", header + good.substr(0, good.size() - 1) + "x\n",
       "h.jsonl:2:59: malformed JSON: syntax error while parsing value - invalid literal; last "
       "read: '\"send\"}x'; expected end of input"},
      {"truncated", header + good.substr(0, 54),
       "h.jsonl:2:55: malformed JSON: syntax error while parsing value - invalid string: missing "
       "closing quote; last read: '\"se'"},
      {"not an object", header + "[1,2]\n",
       "h.jsonl:2: expected an op, a JSON object such as {\"index\":0,\"time\":0,\"process\":"
       "\"p1\",\"type\":\"invoke\",\"f\":\"poll\"}, found an array"},
      {"blank line between ops", header + good + "\n" + good,
       "h.jsonl:3: blank line inside the history: only the end of the file may have blank "
       "lines"},
  });
}

TEST_CASE("what the JSON library would let through is an error all the same",
          "[history][io][error]") {
  std::string const good = op_line(valid_fields + ",\"f\":\"send\"");
  check_cases({
      {"NUL after the op", header + good.substr(0, good.size() - 1) + '\0' + "x\n",
       "h.jsonl:2:59: malformed JSON: unexpected '\\u0000' after the value"},
      {"NUL after the header", std::string("{\"mqcheck-history\":1}") + '\0' + "\n",
       "h.jsonl:1:22: malformed JSON: unexpected '\\u0000' after the value"},
      {"a number beyond a double", header + op_line(valid_fields + ",\"f\":\"send\","
                                                    "\"value\":[{\"id\":1e400}]"),
       "h.jsonl:2:74: number out of range: '1e400' is too large for any reader"},
  });
  // A byte order mark at the start of a line is skipped, as the JSON library skips it.
  CHECK(error_of("\xEF\xBB\xBF" + header + "\xEF\xBB\xBF" + good) == "no error");
}

TEST_CASE("an overlong line is an error, not unbounded memory", "[history][io][error]") {
  std::string const text = header + std::string(line_bytes_max + 1, ' ') + "\n";
  CHECK(error_of(text) == "h.jsonl:2: line longer than 16777216 bytes: not a history line");
}

TEST_CASE("an InputError carries its mark and key", "[history][io][error]") {
  std::istringstream in(header + op_line(valid_fields + ",\"f\":\"sned\""));
  try {
    read_history(in, "runs/h.jsonl");
    FAIL("no InputError");
  } catch (InputError const& error) {
    CHECK(error.mark().file == "runs/h.jsonl");
    CHECK(error.mark().line == 2);
    CHECK(error.mark().column == 52);
    CHECK(error.key() == "f");
    CHECK(error.problem() == "unknown f 'sned' (did you mean 'send'?)");
  }
}

TEST_CASE("HistoryReader stops for good after an error", "[history][io][error]") {
  std::istringstream in(header + "{\"index\":0}\n" + op_line(valid_fields + ",\"f\":\"send\""));
  HistoryReader reader(in, "h.jsonl");
  CHECK_THROWS_AS(reader.next(), InputError);
  CHECK_FALSE(reader.next().has_value());
  Op op;
  CHECK_FALSE(reader.next(op));
}

TEST_CASE("HistoryReader::next(Op&) throws what next() throws, then stops",
          "[history][io][error]") {
  std::string const text = header + op_line(valid_fields + ",\"f\":\"send\"") +
                           op_line(valid_fields + ",\"f\":\"sned\"");
  std::string expected;
  {
    std::istringstream in(text);
    HistoryReader reader(in, "h.jsonl");
    CHECK(reader.next().has_value());
    try {
      static_cast<void>(reader.next());
      FAIL("no InputError");
    } catch (InputError const& error) {
      expected = error.what();
    }
  }
  std::istringstream in(text);
  HistoryReader reader(in, "h.jsonl");
  Op op;
  CHECK(reader.next(op));
  CHECK_THROWS_WITH(reader.next(op), expected);
  CHECK_FALSE(reader.next(op));
}

TEST_CASE("HistoryReader stops for good after an index or time out of order",
          "[history][io][error]") {
  // Lines in the writer's form: the reader's fast path must stop as the full decoder does.
  auto const line = [](int index, int time) {
    return "{\"index\":" + std::to_string(index) + ",\"time\":" + std::to_string(time) +
           ",\"process\":\"p\",\"type\":\"ok\",\"f\":\"send\"}\n";
  };
  std::string const first = line(0, 5);
  for (std::string const& second : {line(2, 5), line(1, 4)}) {
    std::istringstream in(header + first + second + first);
    HistoryReader reader(in, "h.jsonl");
    Op op;
    CHECK(reader.next(op));
    CHECK_THROWS_AS(reader.next(op), InputError);
    CHECK_FALSE(reader.next(op));
    CHECK_FALSE(reader.next().has_value());
  }
}

TEST_CASE("load_history reports a missing file and a directory", "[history][io][error]") {
  std::string const missing = "/nonexistent-mqcheck-dir/h.jsonl";
  CHECK_THROWS_WITH(load_history(missing), missing + ": no such history file");
  std::string const directory = std::filesystem::temp_directory_path().string();
  CHECK_THROWS_WITH(load_history(directory), directory + ": is a directory, not a history file");
}
