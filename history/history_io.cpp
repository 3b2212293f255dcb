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

void append_subscriptions(std::string& out,
                          std::map<std::string, std::vector<std::string>> const& subscriptions) {
  out += ",\"subscriptions\":{";
  bool first = true;
  for (auto const& [topic, groups] : subscriptions) {  // A std::map: sorted, so stable bytes.
    MQCHECK_ASSERT_MSG(!topic.empty(), "a subscribed topic needs a name");
    if (!first) out += ',';
    first = false;
    append_json_string(out, topic);
    out += ":[";
    for (std::size_t at = 0; at < groups.size(); ++at) {
      MQCHECK_ASSERT_MSG(!groups[at].empty(), "a subscribed group needs a name");
      MQCHECK_ASSERT_MSG(std::find(groups.begin(), groups.begin() + at, groups[at]) ==
                             groups.begin() + at,
                         "a group is subscribed to a topic twice");
      if (at > 0) out += ',';
      append_json_string(out, groups[at]);
    }
    out += ']';
  }
  out += '}';
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
  if (!header.subscriptions.empty()) append_subscriptions(out, header.subscriptions);
  out += "}\n";
}

void append_record(std::string& out, Record const& record) {
  out += "{\"id\":";
  append_unsigned(out, record.id.value);
  if (!record.topic.empty()) {
    out += ",\"topic\":";
    append_json_string(out, record.topic);
  }
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
  if (!op.group.empty()) {
    out += ",\"group\":";
    append_json_string(out, op.group);
  }
  // An empty value is left out; the reader takes a missing value and [] to mean the same.
  if (!op.value.empty()) {
    out += ",\"value\":[";
    for (std::size_t at = 0; at < op.value.size(); ++at) {
      if (at > 0) out += ',';
      append_record(out, op.value[at]);
    }
    out += ']';
  }
  if (!op.detail.empty()) {
    out += ",\"detail\":";
    append_json_string(out, op.detail);
  }
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
