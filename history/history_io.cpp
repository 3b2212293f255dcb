// SPDX-License-Identifier: Apache-2.0
// File: history/history_io.cpp (layer: history)
// Writes history files byte for byte by hand (no JSON library), so that the same History
// always gives the same bytes; and reads whole histories through HistoryReader. The writer
// asserts every rule the reader checks, so a file it wrote always reads back equal.
#include "history/history_io.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <system_error>

#include "core/assert.hpp"
#include "core/input_error.hpp"
#include "history/json_text.hpp"
#include "history/line_decoder.hpp"

namespace mqcheck::history {
namespace {

using detail::append_integer;
using detail::append_json_string;
using detail::append_unsigned;

// Appends `names` as a JSON array. The reader rejects empty and repeated names, so the
// writer asserts there are none.
void append_names(std::string& out, std::vector<std::string> const& names) {
  out += '[';
  for (std::size_t at = 0; at < names.size(); ++at) {
    MQCHECK_ASSERT_MSG(!names[at].empty(), "a name in a header list must not be empty");
    MQCHECK_ASSERT_MSG(std::find(names.begin(), names.begin() + at, names[at]) ==
                           names.begin() + at,
                       "a name is listed twice in a header list");
    if (at > 0) out += ',';
    append_json_string(out, names[at]);
  }
  out += ']';
}

// Appends `,"field":{...}` with one entry per element of `map` (a std::map: sorted, so stable
// bytes), each value written by `append_value`. Nothing when the map is empty.
template <class Map, class AppendValue>
void append_object(std::string& out, std::string_view field, Map const& map,
                   AppendValue append_value) {
  if (map.empty()) return;
  out += ",\"";
  out += field;
  out += "\":{";
  bool first = true;
  for (auto const& [name, value] : map) {
    MQCHECK_ASSERT_MSG(!name.empty(), "a header map key must not be empty");
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ':';
    append_value(value);
  }
  out += '}';
}

void append_group(std::string& out, GroupSpec const& spec) {
  // Mode and isolation are always written: a reader should not have to know the defaults.
  out += "{\"mode\":";
  append_json_string(out, to_string(spec.mode));
  out += ",\"isolation\":";
  append_json_string(out, to_string(spec.isolation));
  if (!spec.filter.empty()) {
    out += ",\"filter\":";
    append_names(out, spec.filter);
  }
  if (!spec.tenant.empty()) {
    out += ",\"tenant\":";
    append_json_string(out, spec.tenant);
  }
  MQCHECK_ASSERT_MSG(spec.dead_letter_topic.empty() == (spec.dead_letter_after == 0),
                     "a dead-letter needs both a topic and a number of attempts");
  if (!spec.dead_letter_topic.empty()) {
    MQCHECK_ASSERT_MSG(spec.dead_letter_after > 0, "dead-letter attempts count from 1");
    out += ",\"dead-letter\":{\"topic\":";
    append_json_string(out, spec.dead_letter_topic);
    out += ",\"after\":";
    append_integer(out, spec.dead_letter_after);
    out += '}';
  }
  if (spec.delay != GroupSpec::DelayBy::broker) {  // Written only when not the default.
    out += ",\"delay\":";
    append_json_string(out, to_string(spec.delay));
  }
  out += '}';
}

// Appends `names` after checking each one against the format's `known` words.
void append_known_names(std::string& out, std::vector<std::string> const& names,
                        std::span<std::string_view const> known) {
  for (std::string const& name : names) {
    MQCHECK_ASSERT_MSG(std::find(known.begin(), known.end(), name) != known.end(),
                       "not a name of history format 1");
  }
  append_names(out, names);
}

void append_configuration(std::string& out, Header const& header) {
  append_object(out, "subscriptions", header.subscriptions,
                [&out](std::vector<std::string> const& groups) { append_names(out, groups); });
  append_object(out, "groups", header.groups,
                [&out](GroupSpec const& spec) { append_group(out, spec); });
  append_object(out, "ordering", header.ordering,
                [&out](OrderingScope scope) { append_json_string(out, to_string(scope)); });
  append_object(out, "acls", header.acls, [&out](Acl const& acl) {
    out += "{\"produce\":";  // Both always: an empty list is a permission withheld.
    append_names(out, acl.produce);
    out += ",\"consume\":";
    append_names(out, acl.consume);
    out += '}';
  });
  if (!header.promises.empty()) {
    out += ",\"promises\":";
    append_known_names(out, header.promises, guarantee_names());
  }
  std::span<std::string_view const> const kinds = anomaly_kind_names();
  append_object(out, "allowed", header.allowed, [&](std::string const& reason) {
    MQCHECK_ASSERT_MSG(!reason.empty(), "an allowed anomaly needs its reason");
    append_json_string(out, reason);
  });
  for (auto const& [kind, unused] : header.allowed)
    MQCHECK_ASSERT_MSG(std::find(kinds.begin(), kinds.end(), kind) != kinds.end(),
                       "an allowed anomaly kind of history format 1");
}

void append_header_line(std::string& out, Header const& header) {
  MQCHECK_ASSERT_MSG(header.format == format_version, "this build writes format 1 only");
  MQCHECK_ASSERT_MSG(header.time_unit == "us", "format 1 counts time in microseconds");
  out += "{\"mqcheck-history\":";
  append_integer(out, header.format);
  out += ",\"time-unit\":";
  append_json_string(out, header.time_unit);
  if (!header.scenario.empty()) {
    out += ",\"scenario\":";
    append_json_string(out, header.scenario);
  }
  if (header.seed.has_value()) {
    out += ",\"seed\":";
    append_unsigned(out, *header.seed);
  }
  // Always written, even when false: a reader of the file should not have to know the default.
  out += header.drained ? ",\"drained\":true" : ",\"drained\":false";
  append_configuration(out, header);
  out += "}\n";
}

// Appends `,"field":"text"`, or nothing when `text` is empty: the reader takes a missing
// string field and "" to mean the same.
void append_optional_string(std::string& out, std::string_view field, std::string const& text) {
  if (text.empty()) return;
  out += ",\"";
  out += field;
  out += "\":";
  append_json_string(out, text);
}

void append_record(std::string& out, Record const& record) {
  out += "{\"id\":";
  append_unsigned(out, record.id.value);
  append_optional_string(out, "topic", record.topic);
  if (record.partition.has_value()) {
    MQCHECK_ASSERT_MSG(*record.partition >= 0, "partitions count from 0");
    out += ",\"partition\":";
    append_integer(out, *record.partition);
  }
  if (record.offset.has_value()) {
    MQCHECK_ASSERT_MSG(record.offset->value >= 0, "offsets count from 0");
    out += ",\"offset\":";
    append_integer(out, record.offset->value);
  }
  append_optional_string(out, "key", record.key);
  if (record.priority.has_value()) {
    MQCHECK_ASSERT_MSG(*record.priority >= 0, "priorities count from 0");
    out += ",\"priority\":";
    append_integer(out, *record.priority);
  }
  if (record.deliver_after.has_value()) {
    MQCHECK_ASSERT_MSG(record.deliver_after->us >= 0, "a delay ends at a time from 0");
    out += ",\"deliver-after\":";
    append_integer(out, record.deliver_after->us);
  }
  append_optional_string(out, "tag", record.tag);
  if (record.source.has_value()) {
    out += ",\"source\":";
    append_unsigned(out, record.source->value);
  }
  out += '}';
}

void append_op_line(std::string& out, Op const& op) {
  out += "{\"index\":";
  append_unsigned(out, op.index);
  out += ",\"time\":";
  append_integer(out, op.time.us);
  out += ",\"process\":";
  append_json_string(out, op.process);
  out += ",\"type\":";
  append_json_string(out, to_string(op.type));
  out += ",\"f\":";
  append_json_string(out, to_string(op.f));
  append_optional_string(out, "group", op.group);
  append_optional_string(out, "tenant", op.tenant);
  append_optional_string(out, "principal", op.principal);
  append_optional_string(out, "txn", op.txn);
  // An empty value is left out; the reader takes a missing value and [] to mean the same.
  if (!op.value.empty()) {
    out += ",\"value\":[";
    for (std::size_t at = 0; at < op.value.size(); ++at) {
      if (at > 0) out += ',';
      append_record(out, op.value[at]);
    }
    out += ']';
  }
  append_optional_string(out, "detail", op.detail);
  out += "}\n";
}

}  // namespace

HistoryWriter::HistoryWriter(std::ostream& out, Header const& header) : out_(out) {
  append_header_line(line_, header);
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
}

void HistoryWriter::write(Op const& op) {
  // The same rules HistoryReader checks: whatever is written here must read back.
  MQCHECK_ASSERT_MSG(op.index == index_next_, "ops are written in index order, from 0");
  MQCHECK_ASSERT_MSG(op.time >= time_last_, "history time went back (or is negative)");
  MQCHECK_ASSERT_MSG(!op.process.empty(), "an op needs a process");
  MQCHECK_ASSERT_MSG(detail::kind_fits_type(op.type, op.f),
                     "an event needs an internal f, and a client op a client f");
  line_.clear();
  append_op_line(line_, op);
  out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
  ++index_next_;
  time_last_ = op.time;
}

void write_history(std::ostream& out, History const& history) {
  HistoryWriter writer(out, history.header());
  for (Op const& op : history.ops()) writer.write(op);
}

std::string to_jsonl(History const& history) {
  std::ostringstream out;
  write_history(out, history);
  return std::move(out).str();
}

History read_history(std::istream& in, std::string const& file_name) {
  HistoryReader reader(in, file_name);
  History history(reader.header());
  while (std::optional<Op> op = reader.next()) {
    std::uint64_t const index = op->index;
    std::uint64_t const appended = history.append(std::move(*op));
    MQCHECK_ASSERT(appended == index);  // The reader checked the index; append assigns it.
  }
  return history;
}

History load_history(std::string const& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw InputError(SourceMark{path}, "", "is a directory, not a history file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    bool const exists = std::filesystem::exists(path, error);
    throw InputError(SourceMark{path}, "",
                     exists ? "cannot open the history file (check its permissions)"
                            : "no such history file");
  }
  return read_history(in, path);
}

}  // namespace mqcheck::history
