// SPDX-License-Identifier: Apache-2.0
// File: history/line_decoder.cpp (layer: history)
// The schema of history format 1: which fields a header, an op and a message have, with their
// types and ranges. docs/history-format.md states the same rules for harness writers; the
// writer (history_io.cpp) asserts them, so that everything it writes reads back.
#include "history/line_decoder.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "core/input_error.hpp"
#include "history/json_line.hpp"
#include "history/json_text.hpp"

namespace mqcheck::history::detail {
namespace {

constexpr std::array<std::string_view, 6> header_fields{
    "mqcheck-history", "time-unit", "scenario", "seed", "drained", "subscriptions"};
constexpr std::array<std::string_view, 8> op_fields{"index", "time",  "process", "type",
                                                    "f",     "group", "value",   "detail"};
constexpr std::array<std::string_view, 4> record_fields{"id", "topic", "partition", "offset"};
// The fields every op has, in the order decode_op_field numbers their bits.
constexpr std::array<std::string_view, 5> required_fields{"index", "time", "process", "type",
                                                          "f"};

constexpr std::uint64_t uint64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t int64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t int32_max = std::numeric_limits<std::int32_t>::max();

// Every kind is listed, so that a new OpKind fails to compile (-Wswitch) until it is sorted.
bool is_event_kind(OpKind f) {
  switch (f) {
    case OpKind::send: case OpKind::poll: case OpKind::deliver: case OpKind::process:
    case OpKind::ack: case OpKind::nack: case OpKind::commit: case OpKind::txn_begin:
    case OpKind::txn_commit: case OpKind::txn_abort:
      return false;
    case OpKind::append: case OpKind::replicate: case OpKind::fsync: case OpKind::crash:
    case OpKind::power_loss: case OpKind::restart: case OpKind::pause: case OpKind::resume:
    case OpKind::partition: case OpKind::heal: case OpKind::drop: case OpKind::duplicate:
    case OpKind::redeliver: case OpKind::expire:
      return true;
  }
  return false;
}

Record decode_record(Line const& line, Json const& value, std::size_t record) {
  if (!value.is_object()) {
    fail(line, Field{"", {}, record},
         "expected a message such as {\"id\":1,\"topic\":\"orders\"}, found " + describe(value));
  }
  Record out;
  bool has_id = false;
  for (auto it = value.begin(); it != value.end(); ++it) {
    std::string const& key = it.key();
    Field const field{key, {}, record};
    if (key == "id") {
      out.id = MessageId{get_count(line, it.value(), field, uint64_max)};
      has_id = true;
    } else if (key == "topic") {
      out.topic = get_string(line, it.value(), field);
    } else if (key == "partition") {
      out.partition = static_cast<std::int32_t>(get_count(line, it.value(), field, int32_max));
    } else if (key == "offset") {
      out.offset = Offset{static_cast<std::int64_t>(get_count(line, it.value(), field, int64_max))};
    } else {
      fail_unknown_field(line, field, record_fields);
    }
  }
  if (!has_id) fail(line, Field{"id", {}, record}, "missing: every message needs an id");
  return out;
}

std::vector<Record> decode_records(Line const& line, Json const& value) {
  if (!value.is_array()) {
    fail(line, Field{"value"},
         "expected an array of messages such as [{\"id\":1}], found " + describe(value));
  }
  std::vector<Record> records;
  records.reserve(value.size());
  for (std::size_t at = 0; at < value.size(); ++at)
    records.push_back(decode_record(line, value[at], at));
  return records;
}

OpType decode_type(Line const& line, Json const& value) {
  Field const field{"type"};
  std::string const& text = get_string(line, value, field);
  if (std::optional<OpType> const type = op_type_from(text)) return *type;
  std::vector<std::string_view> const names = op_type_names();
  fail(line, field, "unknown op type " + in_quotes(text) + suggestion(text, names));
}

OpKind decode_kind(Line const& line, Json const& value) {
  Field const field{"f"};
  std::string const& text = get_string(line, value, field);
  if (std::optional<OpKind> const kind = op_kind_from(text)) return *kind;
  std::vector<std::string_view> const names = op_kind_names();
  fail(line, field, "unknown f " + in_quotes(text) + suggestion(text, names));
}

[[noreturn]] void fail_misfit(Line const& line, Op const& op) {
  std::string const f = in_quotes(to_string(op.f));
  if (op.type != OpType::event) {
    std::string const type = in_quotes(to_string(op.type));
    fail(line, Field{"f"}, f + " is an internal event: write it with type 'event', not " + type);
  }
  std::string kinds;
  for (std::string_view const name : op_kind_names()) {
    if (!is_event_kind(*op_kind_from(name))) continue;
    kinds += (kinds.empty() ? "" : ", ") + std::string(name);
  }
  fail(line, Field{"f"}, f + " is a client op; the f of an event is one of " + kinds);
}

// Decodes one field of an op into `op`; returns its bit among required_fields, or 0.
unsigned decode_op_field(Line const& line, std::string const& key, Json const& value, Op& op) {
  Field const field{key};
  if (key == "index") {
    op.index = get_count(line, value, field, uint64_max);
    return 1u << 0;
  }
  if (key == "time") {
    op.time = SimTimeUs{static_cast<std::int64_t>(get_count(line, value, field, int64_max))};
    return 1u << 1;
  }
  if (key == "process") {
    op.process = get_name(line, value, field);
    return 1u << 2;
  }
  if (key == "type") {
    op.type = decode_type(line, value);
    return 1u << 3;
  }
  if (key == "f") {
    op.f = decode_kind(line, value);
    return 1u << 4;
  }
  if (key == "group") {
    op.group = get_string(line, value, field);
  } else if (key == "value") {
    op.value = decode_records(line, value);
  } else if (key == "detail") {
    op.detail = get_string(line, value, field);
  } else {
    fail_unknown_field(line, field, op_fields);
  }
  return 0;
}

int decode_version(Line const& line, Json const& value) {
  Field const field{"mqcheck-history"};
  if (!value.is_number_integer()) {
    fail(line, field,
         "expected the format version, an integer such as 1, found " + describe(value));
  }
  bool const newer =
      value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t{format_version};
  std::string const version = value.dump();
  if (newer) {
    fail(line, field, "format version " + version + " is newer than this mqcheck reads (format " +
                          std::to_string(format_version) + "): upgrade mqcheck");
  }
  if (value.get<std::int64_t>() != format_version) {
    fail(line, field, "unknown format version " + version + " (this mqcheck reads format " +
                          std::to_string(format_version) + ")");
  }
  return format_version;
}

void decode_subscriptions(Line const& line, Json const& value, Header& header) {
  if (!value.is_object()) {
    fail(line, Field{"subscriptions"},
         "expected an object from topics to arrays of groups, such as {\"orders\":[\"billing\"]}"
         ", found " + describe(value));
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    std::string const topic_key = "subscriptions." + printable(it.key());
    Field const topic{topic_key, "subscriptions"};
    if (it.key().empty()) fail(line, topic, "a topic name must not be empty");
    Json const& groups = it.value();
    if (!groups.is_array()) {
      fail(line, topic, "expected an array of group names, found " + describe(groups));
    }
    std::vector<std::string> names;
    for (std::size_t at = 0; at < groups.size(); ++at) {
      std::string const group_key = topic_key + "[" + std::to_string(at) + "]";
      Field const group{group_key, "subscriptions"};
      std::string const& name = get_name(line, groups[at], group);
      if (std::find(names.begin(), names.end(), name) != names.end())
        fail(line, group, "group " + in_quotes(name) + " is listed twice");
      names.push_back(name);
    }
    header.subscriptions.emplace(it.key(), std::move(names));
  }
}

void decode_header_field(Line const& line, std::string const& key, Json const& value,
                         Header& header) {
  Field const field{key};
  if (key == "mqcheck-history") return;  // Decoded first: a newer format may add fields.
  if (key == "time-unit") {
    std::string const& unit = get_string(line, value, field);
    if (unit != "us") {
      fail(line, field, "unsupported time unit " + in_quotes(unit) +
                            ": format 1 counts time in microseconds, \"us\"");
    }
    header.time_unit = unit;
  } else if (key == "scenario") {
    header.scenario = get_string(line, value, field);
  } else if (key == "seed") {
    header.seed = get_count(line, value, field, uint64_max);
  } else if (key == "drained") {
    header.drained = get_bool(line, value, field);
  } else if (key == "subscriptions") {
    decode_subscriptions(line, value, header);
  } else {
    fail_unknown_field(line, field, header_fields);
  }
}

}  // namespace

bool kind_fits_type(OpType type, OpKind f) { return (type == OpType::event) == is_event_kind(f); }

Header decode_header_line(std::string_view text, std::string const& file) {
  Line const line{text, file, 1};
  Json const json = parse_line(line);
  if (!json.is_object() || !json.contains("mqcheck-history")) {
    std::string problem =
        "missing header: the first line must be a JSON object such as "
        "{\"mqcheck-history\":1,\"time-unit\":\"us\"}";
    if (json.is_object() && json.contains("index")) problem += "; this line looks like an op";
    throw InputError(SourceMark{file, 1, 0}, "mqcheck-history", problem);
  }
  Header header;
  header.format = decode_version(line, json.at("mqcheck-history"));
  for (auto it = json.begin(); it != json.end(); ++it)
    decode_header_field(line, it.key(), it.value(), header);
  return header;
}

Op decode_op_line(std::string_view text, std::string const& file, int line_number) {
  Line const line{text, file, line_number};
  Json const json = parse_line(line);
  if (!json.is_object()) {
    fail(line, Field{""},
         "expected an op, a JSON object such as {\"index\":0,\"time\":0,\"process\":\"p1\","
         "\"type\":\"invoke\",\"f\":\"poll\"}, found " + describe(json));
  }
  Op op;
  unsigned present = 0;
  for (auto it = json.begin(); it != json.end(); ++it)
    present |= decode_op_field(line, it.key(), it.value(), op);
  for (std::size_t at = 0; at < required_fields.size(); ++at) {
    if ((present & (1u << at)) == 0)
      fail(line, Field{required_fields[at]}, "missing: every op needs index, time, process, "
                                             "type and f");
  }
  if (!kind_fits_type(op.type, op.f)) fail_misfit(line, op);
  return op;
}

void fail_at_field(std::string_view text, std::string const& file, int line,
                   std::string const& key, std::string const& problem) {
  fail(Line{text, file, line}, Field{key}, problem);
}

}  // namespace mqcheck::history::detail
