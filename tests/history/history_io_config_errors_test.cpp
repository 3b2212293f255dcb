// SPDX-License-Identifier: Apache-2.0
// Tests that every bad value of the configuration fields (groups, ordering, acls, promises,
// allowed) and of the newer op and message fields (tenant, principal, txn; key, priority,
// deliver-after, tag, source) is an mqcheck::InputError with the exact message: file, line,
// column of the top-level field, the full key, and the nearest valid spelling.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "history/history_io.hpp"

using namespace mqcheck;
using namespace mqcheck::history;

namespace {

std::string const header = "{\"mqcheck-history\":1}\n";

std::string error_of(std::string const& text) {
  std::istringstream in(text);
  try {
    read_history(in, "h.jsonl");
  } catch (InputError const& error) {
    return error.what();
  }
  return "no error";
}

// Returns a header line with `field` after the version: its value starts at column 22 plus
// the length of the field's name and quotes.
std::string header_with(std::string const& field) {
  return "{\"mqcheck-history\":1," + field + "}\n";
}

// Returns an op line whose last field is `field`; the value of a field named N starts at
// column 59 + size(N) + 3.
std::string op_with(std::string const& field) {
  return header + "{\"index\":0,\"time\":0,\"process\":\"p1\",\"type\":\"ok\",\"f\":\"send\"," +
         field + "}\n";
}

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

TEST_CASE("bad groups are errors", "[history][io][error]") {
  std::string const at = "h.jsonl:1:31: key 'groups";
  check_cases({
      {"not an object", header_with("\"groups\":[]"),
       at + "': expected an object from groups to their settings, such as "
            "{\"billing\":{\"mode\":\"broadcast\"}}, found an array"},
      {"empty name", header_with("\"groups\":{\"\":{}}"),
       at + ".': a group name must not be empty"},
      {"settings not an object", header_with("\"groups\":{\"g\":\"broadcast\"}"),
       at + ".g': expected a group's settings such as {\"mode\":\"broadcast\"}, found a string"},
      {"field typo", header_with("\"groups\":{\"g\":{\"mdoe\":\"broadcast\"}}"),
       at + ".g.mdoe': unknown field 'mdoe' (did you mean 'mode'?)"},
      {"field far off", header_with("\"groups\":{\"g\":{\"zzzzzz\":1}}"),
       at + ".g.zzzzzz': unknown field 'zzzzzz' (expected one of mode, isolation, filter, "
            "tenant, dead-letter, delay)"},
      {"delay enforcer", header_with("\"groups\":{\"g\":{\"delay\":\"consumers\"}}"),
       at + ".g.delay': unknown delay enforcer 'consumers' (did you mean 'consumer'?)"},
      {"mode", header_with("\"groups\":{\"g\":{\"mode\":\"broadcasting\"}}"),
       at + ".g.mode': unknown mode 'broadcasting' (did you mean 'broadcast'?)"},
      {"mode type", header_with("\"groups\":{\"g\":{\"mode\":1}}"),
       at + ".g.mode': expected a string, found 1"},
      {"isolation as Kafka spells it", header_with("\"groups\":{\"g\":{\"isolation\":"
                                                   "\"read_committed\"}}"),
       at + ".g.isolation': unknown isolation level 'read_committed' (did you mean "
            "'read-committed'?)"},
      {"filter not a list", header_with("\"groups\":{\"g\":{\"filter\":\"TagA\"}}"),
       at + ".g.filter': expected an array of tag names, found a string"},
      {"filter tag twice", header_with("\"groups\":{\"g\":{\"filter\":[\"A\",\"A\"]}}"),
       at + ".g.filter[1]': tag 'A' is listed twice"},
      {"filter tag empty", header_with("\"groups\":{\"g\":{\"filter\":[\"\"]}}"),
       at + ".g.filter[0]': must not be empty"},
      {"tenant type", header_with("\"groups\":{\"g\":{\"tenant\":null}}"),
       at + ".g.tenant': expected a string, found null"},
      {"duplicate setting", header_with("\"groups\":{\"g\":{\"mode\":\"broadcast\","
                                        "\"mode\":\"clustering\"}}"),
       "h.jsonl:1: key 'mode': duplicate field 'mode' in a nested object (each field may "
       "appear once)"},
  });
}

TEST_CASE("bad dead-letter settings are errors", "[history][io][error]") {
  std::string const at = "h.jsonl:1:31: key 'groups.g.dead-letter";
  auto const dead_letter = [](std::string const& fields) {
    return header_with("\"groups\":{\"g\":{\"dead-letter\":" + fields + "}}");
  };
  check_cases({
      {"not an object", dead_letter("\"%DLQ%g\""),
       at + "': expected an object such as {\"topic\":\"%DLQ%billing\",\"after\":3}, found a "
            "string"},
      {"no after", dead_letter("{\"topic\":\"%DLQ%g\"}"),
       at + ".after': missing: a dead-letter needs a topic and after"},
      {"no topic", dead_letter("{\"after\":3}"),
       at + ".topic': missing: a dead-letter needs a topic and after"},
      {"empty topic", dead_letter("{\"topic\":\"\",\"after\":3}"),
       at + ".topic': must not be empty"},
      {"after zero", dead_letter("{\"topic\":\"d\",\"after\":0}"),
       at + ".after': expected an integer from 1 to 9223372036854775807, found 0"},
      {"after negative", dead_letter("{\"topic\":\"d\",\"after\":-2}"),
       at + ".after': expected an integer from 0 to 9223372036854775807, found -2"},
      {"field typo", dead_letter("{\"topik\":\"d\",\"after\":1}"),
       at + ".topik': unknown field 'topik' (did you mean 'topic'?)"},
  });
}

TEST_CASE("bad ordering and acls are errors", "[history][io][error]") {
  check_cases({
      {"ordering not an object", header_with("\"ordering\":\"partition\""),
       "h.jsonl:1:33: key 'ordering': expected an object from topics to ordering scopes, such "
       "as {\"orders\":\"key\"}, found a string"},
      {"empty topic", header_with("\"ordering\":{\"\":\"key\"}"),
       "h.jsonl:1:33: key 'ordering.': a topic name must not be empty"},
      {"scope typo", header_with("\"ordering\":{\"orders\":\"partitions\"}"),
       "h.jsonl:1:33: key 'ordering.orders': unknown ordering scope 'partitions' (did you mean "
       "'partition'?)"},
      {"scope far off", header_with("\"ordering\":{\"orders\":\"global\"}"),
       "h.jsonl:1:33: key 'ordering.orders': unknown ordering scope 'global' (expected one of "
       "none, partition, queue, key, producer)"},
      {"acl not an object", header_with("\"acls\":{\"alice\":[\"orders\"]}"),
       "h.jsonl:1:29: key 'acls.alice': expected a principal's permissions such as "
       "{\"produce\":[\"orders\"],\"consume\":[]}, found an array"},
      {"empty principal", header_with("\"acls\":{\"\":{}}"),
       "h.jsonl:1:29: key 'acls.': a principal name must not be empty"},
      {"acl field typo", header_with("\"acls\":{\"alice\":{\"produces\":[]}}"),
       "h.jsonl:1:29: key 'acls.alice.produces': unknown field 'produces' (did you mean "
       "'produce'?)"},
      {"topic twice", header_with("\"acls\":{\"alice\":{\"consume\":[\"a\",\"b\",\"a\"]}}"),
       "h.jsonl:1:29: key 'acls.alice.consume[2]': topic 'a' is listed twice"},
      {"topic not a string", header_with("\"acls\":{\"alice\":{\"produce\":[7]}}"),
       "h.jsonl:1:29: key 'acls.alice.produce[0]': expected a string, found 7"},
  });
}

TEST_CASE("bad promises and allowed anomalies are errors", "[history][io][error]") {
  check_cases({
      {"promises not a list", header_with("\"promises\":\"ordering\""),
       "h.jsonl:1:33: key 'promises': expected an array of guarantee names, found a string"},
      {"promise typo", header_with("\"promises\":[\"ordering\",\"at-least-one\"]"),
       "h.jsonl:1:33: key 'promises[1]': unknown guarantee 'at-least-one' (did you mean "
       "'at-least-once'?)"},
      {"promise twice", header_with("\"promises\":[\"ordering\",\"ordering\"]"),
       "h.jsonl:1:33: key 'promises[1]': guarantee 'ordering' is listed twice"},
      {"promise not a string", header_with("\"promises\":[true]"),
       "h.jsonl:1:33: key 'promises[0]': expected a string, found true"},
      {"allowed not an object", header_with("\"allowed\":[\"poll-skip\"]"),
       "h.jsonl:1:32: key 'allowed': expected an object from anomaly kinds to reasons, such as "
       "{\"poll-skip\":\"why\"}, found an array"},
      {"allowed typo", header_with("\"allowed\":{\"pol-skip\":\"rebalance\"}"),
       "h.jsonl:1:32: key 'allowed.pol-skip': unknown anomaly kind 'pol-skip' (did you mean "
       "'poll-skip'?)"},
      {"allowed without reason", header_with("\"allowed\":{\"poll-skip\":\"\"}"),
       "h.jsonl:1:32: key 'allowed.poll-skip': must not be empty"},
      {"allowed reason not a string", header_with("\"allowed\":{\"lost\":true}"),
       "h.jsonl:1:32: key 'allowed.lost': expected a string, found true"},
  });
}

TEST_CASE("bad op and message fields of the newer kinds are errors", "[history][io][error]") {
  std::string const value = "h.jsonl:2:67: key 'value[0].";
  check_cases({
      {"tenant type", op_with("\"tenant\":5"),
       "h.jsonl:2:68: key 'tenant': expected a string, found 5"},
      {"principal type", op_with("\"principal\":[]"),
       "h.jsonl:2:71: key 'principal': expected a string, found an array"},
      {"txn type", op_with("\"txn\":null"),
       "h.jsonl:2:65: key 'txn': expected a string, found null"},
      {"op field typo", op_with("\"tenent\":\"/\""),
       "h.jsonl:2:59: key 'tenent': unknown field 'tenent' (did you mean 'tenant'?)"},
      {"key type", op_with("\"value\":[{\"id\":1,\"key\":3}]"),
       value + "key': expected a string, found 3"},
      {"negative priority", op_with("\"value\":[{\"id\":1,\"priority\":-1}]"),
       value + "priority': expected an integer from 0 to 2147483647, found -1"},
      {"priority too big", op_with("\"value\":[{\"id\":1,\"priority\":2147483648}]"),
       value + "priority': expected an integer from 0 to 2147483647, found 2147483648"},
      {"deliver-after string", op_with("\"value\":[{\"id\":1,\"deliver-after\":\"5ms\"}]"),
       value + "deliver-after': expected an integer from 0 to 9223372036854775807, found a "
               "string"},
      {"deliver_after spelt with an underscore", op_with("\"value\":[{\"id\":1,"
                                                         "\"deliver_after\":5}]"),
       value + "deliver_after': unknown field 'deliver_after' (did you mean 'deliver-after'?)"},
      {"tag type", op_with("\"value\":[{\"id\":1,\"tag\":{}}]"),
       value + "tag': expected a string, found an object"},
      {"source fraction", op_with("\"value\":[{\"id\":1,\"source\":1.5}]"),
       value + "source': expected an integer from 0 to 18446744073709551615, found 1.5"},
      {"message field far off", op_with("\"value\":[{\"id\":1,\"zzzzzz\":1}]"),
       value + "zzzzzz': unknown field 'zzzzzz' (expected one of id, topic, partition, "
               "offset, key, priority, deliver-after, tag, source)"},
  });
}
