// SPDX-License-Identifier: Apache-2.0
// A differential test of the op-line decoders: the reader's fast path for lines in the
// writer's form (history/canonical_op_line.cpp) and its hand-written one-pass decoder
// (history/line_decoder.cpp), each against the reference decoder on the JSON library's DOM
// (reference_op_decoder.hpp). On hand-picked edge cases of JSON syntax and of the schema, and
// on tens of thousands of seeded mutations of valid lines, both must accept with equal ops, or
// both reject with the same message, word for word. Only InputError may ever be thrown.
#include <catch2/catch.hpp>
#include "tests/common/splitmix64.hpp"
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/input_error.hpp"
#include "history/canonical_op_line.hpp"
#include "history/history_io.hpp"
#include "history/line_decoder.hpp"
#include "reference_op_decoder.hpp"

using namespace mqcheck;
using namespace mqcheck::history;

namespace {

using mqcheck::testing::SplitMix64;

// What decoding a line gave: the op, or the error message.
struct Outcome {
  bool accepted = false;
  Op op;
  std::string error;
  bool operator==(Outcome const&) const = default;
};

template <class Decode>
Outcome outcome_of(Decode decode, std::string const& text) {
  Outcome out;
  try {
    out.op = decode(text, std::string("d.jsonl"), 2);
    out.accepted = true;
  } catch (InputError const& error) {
    out.error = error.what();
  }
  return out;
}

// An op with every field set, its strings longer than any short-string buffer: what a reused
// op may hold from the line before. Decoding must leave none of it behind.
Op full_op() {
  std::string const long_text(40, 'x');
  Record record = Record::of(MessageId{77}, "topic-" + long_text, Offset{5}, 3);
  record.key = "key-" + long_text;
  record.priority = 9;
  record.deliver_after = SimTimeUs{11};
  record.tag = "tag-" + long_text;
  record.source = MessageId{76};
  Op op;
  op.index = 41;
  op.time = SimTimeUs{42};
  op.process = "process-" + long_text;
  op.type = OpType::event;
  op.f = OpKind::dispatch;
  op.value = {record, record, record};
  op.group = "group-" + long_text;
  op.detail = "detail-" + long_text;
  op.txn = "txn-" + long_text;
  op.tenant = "tenant-" + long_text;
  op.principal = "principal-" + long_text;
  return op;
}

// Decodes `text` into `start` as HistoryReader::next(Op&) does, into an op it reuses.
Outcome outcome_into(Op start, std::string const& text) {
  Outcome out;
  try {
    detail::decode_op_line(text, std::string("d.jsonl"), 2, start);
    out.op = start;
    out.accepted = true;
  } catch (InputError const& error) {
    out.error = error.what();
  }
  return out;
}

// Decodes `text` every way and checks that they agree; returns true when it was accepted.
// The reader's decoder (the fast path for the writer's form, then the full decoder) and the
// full decoder alone must each give the reference's outcome, into a fresh op or a reused one;
// and when the fast path takes the line, its op must be the reference's too.
bool agree(std::string const& text) {
  CAPTURE(text);
  auto const production = [](std::string_view line, std::string const& file, int number) {
    return detail::decode_op_line(line, file, number);
  };
  auto const full = [](std::string_view line, std::string const& file, int number) {
    Op op;
    detail::decode_op_line_in_full(line, file, number, op);
    return op;
  };
  Outcome const fast = outcome_of(production, text);
  Outcome const reference = outcome_of(reference::decode_op_line, text);
  CHECK(fast.error == reference.error);
  CHECK(fast == reference);
  CHECK(outcome_of(full, text) == reference);
  Outcome reused = outcome_into(full_op(), text);
  if (!reused.accepted) reused.op = Op{};  // A failed decode may leave anything in the op.
  CHECK(reused == reference);
  Op canonical = full_op();
  if (detail::decode_canonical_op_line(text, canonical)) {
    CHECK(reference.accepted);
    CHECK(canonical == reference.op);
  }
  return fast.accepted;
}

std::string const op_head = R"({"index":0,"time":0,"process":"p","type":"ok","f":"send")";

std::string with(std::string const& tail) { return op_head + tail + "}"; }

std::vector<std::string> const corpus{
    with(R"(,"value":[{"id":1,"topic":"orders","partition":0,"offset":3,"key":"k","priority":2,)"
         R"("deliver-after":9,"tag":"T","source":4},{"id":2}])"),
    with(R"(,"group":"g","tenant":"/vh","principal":"alice","txn":"p/1","detail":"d")"),
    R"(  { "f" : "crash" , "type" : "event" , "process" : "broker-0" , "time" : 7 ,)"
    R"( "index" : 3 } )",
    with(R"(,"detail":"\u00e9\ud83d\udce6 \"q\" \\ \/ \b\f\n\r\t \u0000","value":[])"),
    "\xEF\xBB\xBF" + with(R"(,"group":"caf)" "\xc3\xa9" R"(")"),
    R"({"index":-0,"time":12,"process":"c-1","type":"invoke","f":"poll","group":"g"})" "\r",
    with(R"(,"value":[ { "id" : 18446744073709551615 , "offset" : 9223372036854775807 } ])"),
    R"({"index":1,"time":2,"process":"c","type":"ok","f":"assign",)"
    R"("value":[{"id":0,"partition":4}]})",
};

}  // namespace

TEST_CASE("the two decoders agree on edge cases of JSON and of the schema", "[history][fuzz]") {
  std::vector<std::string> const cases{
      "", " ", "{", "}", "[]", "[1,2]", "1", "null", "\"op\"", "{}", "{} ", "{}x", "{,}",
      "\xEF\xBB\xBF{}", "\xEF\xBB{}", " \xEF\xBB\xBF{}", "\xEF\xBB\xBF", "{\"index\"}",
      "{\"index\":}", "{\"index\" 0}", "{\"index\":0,}", "{\"index\":0 \"time\":0}",
      with(",\"value\":[{\"id\":01}]"), with(",\"value\":[{\"id\":1.}]"),
      with(",\"value\":[{\"id\":.5}]"), with(",\"value\":[{\"id\":-}]"),
      with(",\"value\":[{\"id\":+1}]"), with(",\"value\":[{\"id\":1e3}]"),
      with(",\"value\":[{\"id\":1E+2}]"), with(",\"value\":[{\"id\":1e-2}]"),
      with(",\"value\":[{\"id\":-0.0}]"), with(",\"value\":[{\"id\":-1}]"),
      with(",\"value\":[{\"id\":18446744073709551616}]"),
      with(",\"value\":[{\"id\":-9223372036854775809}]"),
      with(",\"value\":[{\"id\":1,\"partition\":2147483648}]"),
      with(",\"value\":[{\"id\":1e}]"), with(",\"value\":[{\"id\":1,}]"),
      with(",\"value\":[{\"id\":1},]"), with(",\"value\":[{\"id\":1}"),
      with(",\"value\":[[{\"id\":1}]]"), with(",\"value\":[null]"), with(",\"value\":{}"),
      with(",\"value\":[{\"id\":tru}]"), with(",\"value\":[{\"id\":true}]"),
      with(",\"value\":[{\"id\":1,\"id\":1}]"), with(",\"value\":[{}]"),
      with(",\"group\":\"a\\x\""), with(",\"group\":\"\\u12\""), with(",\"group\":\"\\u12G4\""),
      with(",\"group\":\"\\ud800\""), with(",\"group\":\"\\ud800\\u0041\""),
      with(",\"group\":\"\\udc00\""), with(",\"group\":\"\\uD83D\\uDCE6\""),
      with(",\"group\":\"\t\""), with(",\"group\":\"\x7f\""), with(",\"group\":\"\xc0\xaf\""),
      with(",\"group\":\"\xed\xa0\x80\""), with(",\"group\":\"\xf4\x90\x80\x80\""),
      with(",\"group\":\"\xe2\x82\""), with(",\"group\":\"open"), with(",\"group\":\"a\\"),
      with(std::string(",\"group\":\"a") + '\0' + "\""),
      with(std::string(",\"group\":\"a\"") + '\0'), with(",\"\\u0067roup\":\"g\""),
      with(",\"gr\\u006fup\":1"), with(",\"zzz\":[1,2,{\"a\":[]}]"), with(",\"zzz\":1,\"zzz\":2"),
      with(",\"group\":\"g\",\"group\":1"), with(",\"process\":\"q\""),
      with(",\"detail\":[1,{\"x\":\"\\u00\"}]"), with(",\"tenant\":{\"a\":1,\"a\":2}"),
      R"({"index":0,"time":0,"process":"","type":"ok","f":"send"})",
      R"({"index":0,"time":0,"process":"p","type":"event","f":"send"})",
      R"({"index":0,"time":0,"process":"p","type":"ok","f":"dispatch"})",
      R"({"index":0,"time":0,"process":"p","type":"okay","f":"sned"})",
      R"({"index":0,"time":0,"process":"p","type":"\u006fk","f":"send"})",
      R"({"time":0,"process":"p","type":"ok","f":"send"})",
      R"({"index":0,"time":0,"process":"p","type":"ok"})",
      R"({"index":0,"time":0,"process":"p","type":"ok","f":"send"}{})",
  };
  for (std::string const& text : cases) agree(text);
  for (std::string const& text : corpus) CHECK(agree(text));
}

TEST_CASE("the two decoders agree on numbers and strings of every length", "[history][fuzz]") {
  // The scanner reads eight bytes at a time where it can: every length, near the end of the
  // line and away from it, crosses each of its word boundaries.
  std::string digits;
  for (int length = 1; length <= 22; ++length) {
    digits += static_cast<char>('0' + (length * 7) % 10);
    for (std::string const& number : {digits, "-" + digits, digits + ".5", digits + "e1"}) {
      agree(with(",\"value\":[{\"id\":" + number + "}]"));
      agree(with(",\"value\":[{\"id\":" + number + ",\"topic\":\"orders-and-more\"}]"));
    }
  }
  std::string text;
  for (int length = 0; length <= 20; ++length) {
    for (std::string const stop : {"\"", "\\\"", "\\n", "\t", "\xc3\xa9\"", "\xff\""}) {
      agree(with(",\"group\":\"" + text + stop + "\""));
      agree(with(",\"group\":\"" + text + stop + ",\"detail\":\"" + text + "\""));
    }
    text += static_cast<char>('a' + length);
  }
}

TEST_CASE("the two decoders agree on mutated op lines", "[history][fuzz]") {
  static std::string const punctuation = "{}[]:,\"\\-.0123456789eE+ \t\rtfnul";
  static std::vector<std::string> const tokens = {
      "-1", "1e3", "null", "true", "\"\"", "\"x\"", "99999999999999999999", "\\u0000",
      "\\ud800", "\\udc00", "\\u00", "{}", "[]", "\xff", "\xc3", "\xed\xa0\x80", "\xEF\xBB\xBF",
      std::string(1, '\0'), "\"index\":0,", "\"zzz\":1,", "\"f\":\"poll\",", "\"id\":1,",
      "\"key\":\"k\",", "{\"id\":2},", "\"type\":\"event\","};
  constexpr std::uint64_t cases = 30000;
  std::uint64_t accepted = 0;
  for (std::uint64_t seed = 1; seed <= cases; ++seed) {
    SplitMix64 rng(seed);
    std::string text = corpus[rng.below(corpus.size())];
    std::size_t const mutations = 1 + rng.below(2);
    for (std::size_t m = 0; m < mutations; ++m) {
      std::size_t const at = rng.below(text.size() + 1);
      switch (rng.below(5)) {
        case 0:
          if (at < text.size()) text[at] = static_cast<char>(text[at] ^ (1u << rng.below(8)));
          break;
        case 1: text.erase(at, 1 + rng.below(6)); break;
        case 2: text.insert(at, 1, punctuation[rng.below(punctuation.size())]); break;
        case 3: text.insert(at, tokens[rng.below(tokens.size())]); break;
        default: text.resize(at); break;
      }
    }
    if (agree(text)) ++accepted;
  }
  CAPTURE(accepted);
  CHECK(accepted >= cases / 50);         // Mutations that keep a line valid are common,
  CHECK(accepted <= cases - cases / 2);  // and those that break it are more common.
}

TEST_CASE("the fast path takes every line the writer writes, and decodes it exactly",
          "[history][fuzz]") {
  // If it gave up on these, every read would quietly fall back to the slower decoder.
  History h;
  std::int64_t time = 0;
  for (std::string_view const name : op_kind_names()) {
    OpKind const f = *op_kind_from(name);
    bool const event = !detail::kind_fits_type(OpType::invoke, f);
    for (OpType const type : {OpType::invoke, OpType::ok, OpType::fail, OpType::info,
                              OpType::event}) {
      if ((type == OpType::event) != event) continue;
      Op op = full_op();
      op.time = SimTimeUs{time++};
      op.type = type;
      op.f = f;
      h.append(op);
      Op bare;  // Only the required fields, and a message with only its id.
      bare.time = SimTimeUs{time++};
      bare.process = "p";
      bare.type = type;
      bare.f = f;
      bare.value = {Record::of(MessageId{0}, "")};
      h.append(bare);
    }
  }
  Op edges = full_op();  // The largest values this path reads (19 digits), and zeros.
  edges.time = SimTimeUs{std::numeric_limits<std::int64_t>::max()};
  edges.value[0].id = MessageId{9'999'999'999'999'999'999u};
  edges.value[0].partition = std::numeric_limits<std::int32_t>::max();
  edges.value[1] = Record::of(MessageId{0}, "t", Offset{0}, 0);
  h.append(edges);
  std::istringstream lines(to_jsonl(h));
  std::string line;
  std::getline(lines, line);  // The header.
  Op decoded = full_op();
  for (Op const& op : h.ops()) {
    REQUIRE(std::getline(lines, line));
    CAPTURE(line);
    CHECK(detail::decode_canonical_op_line(line, decoded));
    CHECK(decoded == op);
    CHECK(agree(line));
    CHECK(agree(line + "\r"));  // A CRLF file.
  }
}

TEST_CASE("the fast path leaves the rest to the full decoder", "[history][fuzz]") {
  // Each is valid; each is outside the writer's form, so the full decoder must take it.
  std::vector<std::string> const valid{
      with(",\"value\":[{\"id\":18446744073709551615}]"),  // 20 digits.
      with(",\"value\":[{\"id\":-0}]"),
      with(",\"group\":\"caf\u00e9\""),
      with(",\"group\":\"caf\xc3\xa9\""),
      with(",\"detail\":\"d\",\"group\":\"g\""),  // Fields out of the writer's order.
      with(" "),
      " " + with(""),
      "\xEF\xBB\xBF" + with(""),
      with(",\"value\":[{\"topic\":\"t\",\"id\":1}]"),
  };
  for (std::string const& text : valid) {
    CAPTURE(text);
    Op op;
    CHECK_FALSE(detail::decode_canonical_op_line(text, op));
    CHECK(agree(text));
  }
}
