// SPDX-License-Identifier: Apache-2.0
// The reference decoder of op lines: the reader's decoder as it was before the hand-written
// parser replaced it, on the JSON library's DOM. It is kept here as the test oracle of
// history_decoder_diff_test.cpp: for any line, the production decoder must give the same Op
// or throw the same InputError, word for word. Keep the two in step when the format changes.
#pragma once

#include <array>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "history/json_line.hpp"
#include "history/json_text.hpp"
#include "history/line_decoder.hpp"
#include "history/op.hpp"

namespace mqcheck::history::reference {

using detail::describe;
using detail::fail;
using detail::fail_unknown_field;
using detail::Field;
using detail::get_count;
using detail::get_name;
using detail::get_string;
using detail::in_quotes;
using detail::Json;
using detail::Line;
using detail::parse_line;
using detail::suggestion;

inline constexpr std::array<std::string_view, 11> op_fields{
    "index",  "time",      "process", "type",  "f",     "group",
    "tenant", "principal", "txn",     "value", "detail"};
inline constexpr std::array<std::string_view, 9> record_fields{
    "id", "topic", "partition", "offset", "key", "priority", "deliver-after", "tag", "source"};
// The fields every op has, in the order decode_op_field numbers their bits.
inline constexpr std::array<std::string_view, 5> required_fields{"index", "time", "process", "type",
                                                                 "f"};

inline constexpr std::uint64_t uint64_max = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::uint64_t int64_max = std::numeric_limits<std::int64_t>::max();
inline constexpr std::uint64_t int32_max = std::numeric_limits<std::int32_t>::max();

inline bool is_event_kind(OpKind f) { return !detail::kind_fits_type(OpType::ok, f); }

// Decodes the fields of a message that only some systems have; returns false when `key` is
// none of them.
inline bool decode_record_extra(Line const& line, std::string const& key, Json const& value,
                                Field const& field, Record& out) {
  if (key == "key") {
    out.key = get_string(line, value, field);
  } else if (key == "priority") {
    out.priority = static_cast<std::int32_t>(get_count(line, value, field, int32_max));
  } else if (key == "deliver-after") {
    out.deliver_after =
        SimTimeUs{static_cast<std::int64_t>(get_count(line, value, field, int64_max))};
  } else if (key == "tag") {
    out.tag = get_string(line, value, field);
  } else if (key == "source") {
    out.source = MessageId{get_count(line, value, field, uint64_max)};
  } else {
    return false;
  }
  return true;
}

inline Record decode_record(Line const& line, Json const& value, std::size_t record) {
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
    } else if (!decode_record_extra(line, key, it.value(), field, out)) {
      fail_unknown_field(line, field, record_fields);
    }
  }
  if (!has_id) fail(line, Field{"id", {}, record}, "missing: every message needs an id");
  return out;
}

inline std::vector<Record> decode_records(Line const& line, Json const& value) {
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

inline OpType decode_type(Line const& line, Json const& value) {
  Field const field{"type"};
  std::string const& text = get_string(line, value, field);
  if (std::optional<OpType> const type = op_type_from(text)) return *type;
  std::vector<std::string_view> const names = op_type_names();
  fail(line, field, "unknown op type " + in_quotes(text) + suggestion(text, names));
}

inline OpKind decode_kind(Line const& line, Json const& value) {
  Field const field{"f"};
  std::string const& text = get_string(line, value, field);
  if (std::optional<OpKind> const kind = op_kind_from(text)) return *kind;
  std::vector<std::string_view> const names = op_kind_names();
  fail(line, field, "unknown f " + in_quotes(text) + suggestion(text, names));
}

[[noreturn]] inline void fail_misfit(Line const& line, Op const& op) {
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
inline unsigned decode_op_field(Line const& line, std::string const& key, Json const& value,
                                Op& op) {
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
  } else if (key == "tenant") {
    op.tenant = get_string(line, value, field);
  } else if (key == "principal") {
    op.principal = get_string(line, value, field);
  } else if (key == "txn") {
    op.txn = get_string(line, value, field);
  } else {
    fail_unknown_field(line, field, op_fields);
  }
  return 0;
}

inline Op decode_op_line(std::string_view text, std::string const& file, int line_number) {
  Line const line{text, file, line_number};
  Json const json = parse_line(line);
  if (!json.is_object()) {
    fail(line, Field{""},
         "expected an op, a JSON object such as {\"index\":0,\"time\":0,\"process\":\"p1\","
         "\"type\":\"invoke\",\"f\":\"poll\"}, found " +
             describe(json));
  }
  Op op;
  unsigned present = 0;
  for (auto it = json.begin(); it != json.end(); ++it)
    present |= decode_op_field(line, it.key(), it.value(), op);
  for (std::size_t at = 0; at < required_fields.size(); ++at) {
    if ((present & (1u << at)) == 0)
      fail(line, Field{required_fields[at]},
           "missing: every op needs index, time, process, "
           "type and f");
  }
  if (!detail::kind_fits_type(op.type, op.f)) fail_misfit(line, op);
  return op;
}

}  // namespace mqcheck::history::reference
