// SPDX-License-Identifier: Apache-2.0
// File: history/line_decoder.cpp (layer: history)
// The schema of an op line of history format 1: which fields an op and a message have, with
// their types and ranges (the header's are in header_decoder.cpp). docs/history-format.md
// states the same rules for harness writers; the writer (history_io.cpp) asserts them, so that
// everything it writes reads back. Op lines are most of a file, so they are decoded in one
// pass over the text (json_cursor.hpp) straight into the Op, with no JSON DOM in between;
// lines in the writer's own form are first tried by an even narrower fast path
// (canonical_op_line.hpp), which only ever accepts what this decoder accepts.
#include "history/line_decoder.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <vector>

#include "core/input_error.hpp"
#include "history/canonical_op_line.hpp"
#include "history/json_cursor.hpp"
#include "history/json_line.hpp"
#include "history/json_text.hpp"

namespace mqcheck::history::detail {
namespace {

// The fields of an op and of a message, in the order of the tables of docs/history-format.md.
// An op field's position is its bit in the decoder's "seen" mask; the first five are required.
constexpr std::array<std::string_view, 11> op_fields{
    "index",  "time",      "process", "type",  "f",     "group",
    "tenant", "principal", "txn",     "value", "detail"};
constexpr std::array<std::string_view, 9> record_fields{
    "id", "topic", "partition", "offset", "key", "priority", "deliver-after", "tag", "source"};
constexpr std::size_t required_fields = 5;

template <std::size_t N>
constexpr std::array<KeyPattern, N> key_patterns(std::array<std::string_view, N> const& names) {
  std::array<KeyPattern, N> keys{};
  for (std::size_t at = 0; at < N; ++at) keys[at] = key_pattern(names[at]);
  return keys;
}
constexpr std::array<KeyPattern, op_fields.size()> op_keys = key_patterns(op_fields);
constexpr std::array<KeyPattern, record_fields.size()> record_keys = key_patterns(record_fields);

enum class OpField : std::uint8_t {
  index, time, process, type, f, group, tenant, principal, txn, value, detail, unknown
};
enum class RecordField : std::uint8_t {
  id, topic, partition, offset, key, priority, deliver_after, tag, source, unknown
};

constexpr std::uint64_t uint64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t int32_max = std::numeric_limits<std::int32_t>::max();

// Every kind is listed, so that a new OpKind fails to compile (-Wswitch) until it is sorted.
bool is_event_kind(OpKind f) {
  switch (f) {
    case OpKind::send: case OpKind::poll: case OpKind::deliver: case OpKind::process:
    case OpKind::ack: case OpKind::nack: case OpKind::commit: case OpKind::txn_begin:
    case OpKind::txn_commit: case OpKind::txn_abort: case OpKind::assign:
      return false;
    case OpKind::append: case OpKind::replicate: case OpKind::fsync: case OpKind::crash:
    case OpKind::power_loss: case OpKind::restart: case OpKind::pause: case OpKind::resume:
    case OpKind::partition: case OpKind::heal: case OpKind::drop: case OpKind::duplicate:
    case OpKind::redeliver: case OpKind::expire: case OpKind::dispatch:
      return true;
  }
  return false;
}

// Returns the field named `key` among `names`, or `unknown`.
template <class Id, std::size_t N>
Id field_of(std::array<std::string_view, N> const& names, std::string_view key) {
  for (std::size_t at = 0; at < N; ++at)
    if (names[at] == key) return static_cast<Id>(at);
  return Id::unknown;
}

// Returns the entry of `names` that `text` spells, or `names.size()`. The first character is
// compared before the rest: this runs for the type and the f of every line.
std::size_t find_name(std::span<std::string_view const> names, std::string_view text) {
  for (std::size_t at = 0; at < names.size(); ++at) {
    std::string_view const name = names[at];
    if (name.size() == text.size() && !text.empty() && name[0] == text[0] && name == text)
      return at;
  }
  return names.size();
}

// The spellings of the types or the fs, each with its value, looked up once.
template <class E>
struct Spellings {
  std::vector<std::string_view> names;
  std::vector<E> values;  // values[k] is spelled names[k].
};

Spellings<OpType> const& type_spellings() {
  static Spellings<OpType> const spellings = [] {
    Spellings<OpType> out{op_type_names(), {}};
    for (std::string_view const name : out.names) out.values.push_back(*op_type_from(name));
    return out;
  }();
  return spellings;
}

Spellings<OpKind> const& kind_spellings() {
  static Spellings<OpKind> const spellings = [] {
    Spellings<OpKind> out{op_kind_names(), {}};
    for (std::string_view const name : out.names) out.values.push_back(*op_kind_from(name));
    return out;
  }();
  return spellings;
}

// Decodes one op line front to back with a JsonCursor. Each failure first lets the JSON
// library re-read the line (check_syntax): a syntax error or a repeated field anywhere in the
// line is reported before any schema problem, as when the line was parsed whole first.
class OpDecoder {
 public:
  explicit OpDecoder(Line const& line) : line_(line), cursor_(line) {}
  void decode(Op& op);

 private:
  [[noreturn]] void fail_schema(Field const& field, std::string const& problem) {
    check_syntax(line_);
    fail(line_, field, problem);
  }
  // Fails with "expected EXPECTED, found ...", describing the value that starts at `at`.
  [[noreturn]] void fail_type(Field const& field, std::string const& expected, std::size_t at) {
    check_syntax(line_);
    fail(line_, field, "expected " + expected + ", found " + describe_at(line_.text, at));
  }
  [[noreturn]] void fail_not_op();
  [[noreturn]] void fail_misfit(Op const& op);
  std::string_view read_key();
  template <class Id, std::size_t N>
  Id read_field(std::array<std::string_view, N> const& names,
                std::array<KeyPattern, N> const& keys, std::size_t& next, std::string_view& key);
  std::uint64_t read_count(Field const& field, std::uint64_t max);
  void read_string(Field const& field, std::string& out);
  std::string_view read_word(Field const& field);
  void decode_field(OpField id, Op& op);
  OpType decode_type();
  OpKind decode_kind();
  void decode_records(std::vector<Record>& out);
  void decode_record(std::size_t index, Record& out);
  void decode_record_field(RecordField id, Field const& field, Record& out);

  Line const& line_;
  JsonCursor cursor_;
};

// Empties `record` for reuse: its strings keep their capacity.
void clear_record(Record& record) {
  record.id = MessageId{};
  record.topic.clear();
  record.partition.reset();
  record.offset.reset();
  record.key.clear();
  record.priority.reset();
  record.deliver_after.reset();
  record.tag.clear();
  record.source.reset();
}

// Empties `op` for reuse, except for its value, which decode_records overwrites in place.
void clear_op_but_value(Op& op) {
  op.index = 0;
  op.time = SimTimeUs{};
  op.process.clear();
  op.type = OpType::invoke;
  op.f = OpKind::send;
  op.group.clear();
  op.detail.clear();
  op.txn.clear();
  op.tenant.clear();
  op.principal.clear();
}

void OpDecoder::decode(Op& op) {
  clear_op_but_value(op);
  if (!cursor_.take('{')) fail_not_op();
  unsigned seen = 0;
  std::size_t next = 0;
  if (!cursor_.take('}')) {
    do {
      std::string_view key;
      OpField const id = read_field<OpField>(op_fields, op_keys, next, key);
      if (id == OpField::unknown) {
        check_syntax(line_);
        fail_unknown_field(line_, Field{key}, op_fields);
      }
      unsigned const bit = 1u << static_cast<unsigned>(id);
      if ((seen & bit) != 0) fail_malformed(line_, cursor_.offset());  // A repeated field.
      seen |= bit;
      decode_field(id, op);
    } while (cursor_.take(','));
    cursor_.expect('}');
  }
  if ((seen & (1u << static_cast<unsigned>(OpField::value))) == 0) op.value.clear();
  cursor_.expect_end();
  for (std::size_t at = 0; at < required_fields; ++at) {
    if ((seen & (1u << at)) == 0)
      fail_schema(Field{op_fields[at]}, "missing: every op needs index, time, process, type and f");
  }
  if (!kind_fits_type(op.type, op.f)) fail_misfit(op);
}

void OpDecoder::fail_not_op() {
  Json const json = parse_line(line_);  // Throws when the line is not JSON at all.
  fail(line_, Field{""},
       "expected an op, a JSON object such as {\"index\":0,\"time\":0,\"process\":\"p1\","
       "\"type\":\"invoke\",\"f\":\"poll\"}, found " + describe(json));
}

void OpDecoder::fail_misfit(Op const& op) {
  std::string const f = in_quotes(to_string(op.f));
  if (op.type != OpType::event) {
    std::string const type = in_quotes(to_string(op.type));
    fail_schema(Field{"f"}, f + " is an internal event: write it with type 'event', not " + type);
  }
  std::string kinds;
  for (std::string_view const name : op_kind_names()) {
    if (!is_event_kind(*op_kind_from(name))) continue;
    kinds += (kinds.empty() ? "" : ", ") + std::string(name);
  }
  fail_schema(Field{"f"}, f + " is a client op; the f of an event is one of " + kinds);
}

std::string_view OpDecoder::read_key() {
  cursor_.value_start();
  std::string_view const key = cursor_.read_view();
  cursor_.expect(':');
  return key;
}

// Reads a key and returns which of `names` it is (or `unknown`), setting `key` to its text.
// `keys` are the names' patterns, and `next` is the field expected next: the one after the
// previous field, as the writer orders them. A key written as the writer writes it is matched
// in place, with a single comparison when it is the one expected.
template <class Id, std::size_t N>
Id OpDecoder::read_field(std::array<std::string_view, N> const& names,
                         std::array<KeyPattern, N> const& keys, std::size_t& next,
                         std::string_view& key) {
  cursor_.value_start();
  for (std::size_t tried = 0; tried < N; ++tried, next = next + 1 == N ? 0 : next + 1) {
    if (!cursor_.take_key(keys[next])) continue;
    key = names[next];
    auto const id = static_cast<Id>(next);
    next = next + 1 == N ? 0 : next + 1;
    return id;
  }
  key = read_key();
  return field_of<Id>(names, key);
}

std::uint64_t OpDecoder::read_count(Field const& field, std::uint64_t max) {
  char const first = cursor_.peek();
  std::size_t const at = cursor_.offset();
  if (first == '-' || (first >= '0' && first <= '9')) {
    JsonCursor::Number const number = cursor_.read_number();
    if (number.is_count && number.value <= max) return number.value;
  }
  fail_type(field, "an integer from 0 to " + std::to_string(max), at);
}

void OpDecoder::read_string(Field const& field, std::string& out) {
  if (cursor_.peek() != '"') fail_type(field, "a string", cursor_.offset());
  cursor_.read_string(out);
}

std::string_view OpDecoder::read_word(Field const& field) {
  if (cursor_.peek() != '"') fail_type(field, "a string", cursor_.offset());
  return cursor_.read_view();
}

void OpDecoder::decode_field(OpField id, Op& op) {
  Field const field{op_fields[static_cast<std::size_t>(id)]};
  switch (id) {
    case OpField::index: op.index = read_count(field, uint64_max); break;
    case OpField::time:
      op.time = SimTimeUs{static_cast<std::int64_t>(read_count(field, int64_max))};
      break;
    case OpField::process:
      read_string(field, op.process);
      if (op.process.empty()) fail_schema(field, "must not be empty");
      break;
    case OpField::type: op.type = decode_type(); break;
    case OpField::f: op.f = decode_kind(); break;
    case OpField::group: read_string(field, op.group); break;
    case OpField::tenant: read_string(field, op.tenant); break;
    case OpField::principal: read_string(field, op.principal); break;
    case OpField::txn: read_string(field, op.txn); break;
    case OpField::value: decode_records(op.value); break;
    case OpField::detail: read_string(field, op.detail); break;
    case OpField::unknown: break;
  }
}

OpType OpDecoder::decode_type() {
  Field const field{"type"};
  std::string_view const text = read_word(field);
  Spellings<OpType> const& types = type_spellings();
  std::size_t const found = find_name(types.names, text);
  if (found < types.names.size()) return types.values[found];
  fail_schema(field, "unknown op type " + in_quotes(text) + suggestion(text, types.names));
}

OpKind OpDecoder::decode_kind() {
  Field const field{"f"};
  std::string_view const text = read_word(field);
  Spellings<OpKind> const& kinds = kind_spellings();
  std::size_t const found = find_name(kinds.names, text);
  if (found < kinds.names.size()) return kinds.values[found];
  fail_schema(field, "unknown f " + in_quotes(text) + suggestion(text, kinds.names));
}

void OpDecoder::decode_records(std::vector<Record>& out) {
  std::size_t const at = cursor_.value_start();
  if (!cursor_.take('['))
    fail_type(Field{"value"}, "an array of messages such as [{\"id\":1}]", at);
  // The records `out` already holds are overwritten in place, keeping their strings' capacity.
  std::size_t count = 0;
  if (!cursor_.take(']')) {
    do {
      if (count == out.size()) {
        out.emplace_back();
      } else {
        clear_record(out[count]);
      }
      decode_record(count, out[count]);
      ++count;
    } while (cursor_.take(','));
    cursor_.expect(']');
  }
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(count), out.end());
}

void OpDecoder::decode_record(std::size_t index, Record& out) {
  std::size_t const at = cursor_.value_start();
  if (!cursor_.take('{'))
    fail_type(Field{"", {}, index}, "a message such as {\"id\":1,\"topic\":\"orders\"}", at);
  unsigned seen = 0;
  std::size_t next = 0;
  if (!cursor_.take('}')) {
    do {
      std::string_view key;
      RecordField const id = read_field<RecordField>(record_fields, record_keys, next, key);
      if (id == RecordField::unknown) {
        check_syntax(line_);
        fail_unknown_field(line_, Field{key, {}, index}, record_fields);
      }
      unsigned const bit = 1u << static_cast<unsigned>(id);
      if ((seen & bit) != 0) fail_malformed(line_, cursor_.offset());  // A repeated field.
      seen |= bit;
      decode_record_field(id, Field{record_fields[static_cast<std::size_t>(id)], {}, index}, out);
    } while (cursor_.take(','));
    cursor_.expect('}');
  }
  if ((seen & 1u) == 0) fail_schema(Field{"id", {}, index}, "missing: every message needs an id");
}

void OpDecoder::decode_record_field(RecordField id, Field const& field, Record& out) {
  switch (id) {
    case RecordField::id: out.id = MessageId{read_count(field, uint64_max)}; break;
    case RecordField::topic: read_string(field, out.topic); break;
    case RecordField::partition:
      out.partition = static_cast<std::int32_t>(read_count(field, int32_max));
      break;
    case RecordField::offset:
      out.offset = Offset{static_cast<std::int64_t>(read_count(field, int64_max))};
      break;
    case RecordField::key: read_string(field, out.key); break;
    case RecordField::priority:
      out.priority = static_cast<std::int32_t>(read_count(field, int32_max));
      break;
    case RecordField::deliver_after:
      out.deliver_after = SimTimeUs{static_cast<std::int64_t>(read_count(field, int64_max))};
      break;
    case RecordField::tag: read_string(field, out.tag); break;
    case RecordField::source: out.source = MessageId{read_count(field, uint64_max)}; break;
    case RecordField::unknown: break;
  }
}

}  // namespace

bool kind_fits_type(OpType type, OpKind f) { return (type == OpType::event) == is_event_kind(f); }

void decode_op_line(std::string_view text, std::string const& file, int line_number, Op& out) {
  if (decode_canonical_op_line(text, out)) return;
  decode_op_line_in_full(text, file, line_number, out);
}

void decode_op_line_in_full(std::string_view text, std::string const& file, int line_number,
                            Op& out) {
  Line const line{text, file, line_number};
  OpDecoder(line).decode(out);
}

Op decode_op_line(std::string_view text, std::string const& file, int line_number) {
  Op op;
  decode_op_line(text, file, line_number, op);
  return op;
}

void fail_at_field(std::string_view text, std::string const& file, int line,
                   std::string const& key, std::string const& problem) {
  fail(Line{text, file, line}, Field{key}, problem);
}

}  // namespace mqcheck::history::detail
