// SPDX-License-Identifier: Apache-2.0
// File: history/header_decoder.cpp (layer: history)
// The schema of a history's header line (format 1): the run's identity, its drain, and what
// its configuration says (subscriptions, groups, ordering, ACLs, promises, allowed anomalies).
// The header is one line per file, so it is decoded through the JSON library's DOM: speed does
// not matter here, and the version must be read before any other field.
#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "core/input_error.hpp"
#include "history/history_io.hpp"
#include "history/json_line.hpp"
#include "history/json_text.hpp"
#include "history/line_decoder.hpp"

namespace mqcheck::history::detail {
namespace {

constexpr std::array<std::string_view, 11> header_fields{
    "mqcheck-history", "time-unit", "scenario", "seed",     "drained", "subscriptions",
    "groups",          "ordering",  "acls",     "promises", "allowed"};
constexpr std::array<std::string_view, 6> group_fields{"mode",   "isolation",   "filter",
                                                       "tenant", "dead-letter", "delay"};
constexpr std::array<std::string_view, 2> dead_letter_fields{"topic", "after"};
constexpr std::array<std::string_view, 2> acl_fields{"produce", "consume"};

// A field nested inside a header field: `path` is its full name ("groups.billing.mode") and
// the error column points at the top-level field `spot` ("groups").
struct Nested {
  std::string path;
  std::string_view spot;
  Field field() const { return Field{path, spot}; }
  Nested at(std::string_view name) const { return {path + "." + printable(name), spot}; }
  Nested item(std::size_t index) const {
    return {path + "[" + std::to_string(index) + "]", spot};
  }
};

// Fails unless `value` is an object; `expected` describes one ("an object such as {}").
void expect_object(Line const& line, Json const& value, Nested const& where,
                   std::string_view expected) {
  if (!value.is_object())
    fail(line, where.field(), "expected " + std::string(expected) + ", found " + describe(value));
}

[[noreturn]] void fail_unknown(Line const& line, Nested const& where, std::string_view name,
                               std::span<std::string_view const> names) {
  fail(line, where.field(), "unknown field " + in_quotes(name) + suggestion(name, names));
}

// Returns the index of `text` in `names`, failing with "unknown WHAT 'text'" when it is none.
std::size_t word_index(Line const& line, std::string const& text, Nested const& where,
                       std::string_view what, std::span<std::string_view const> names) {
  auto const found = std::find(names.begin(), names.end(), text);
  if (found != names.end()) return static_cast<std::size_t>(found - names.begin());
  fail(line, where.field(),
       "unknown " + std::string(what) + " " + in_quotes(text) + suggestion(text, names));
}

// Returns the index in `names` of the string `value`.
std::size_t decode_word(Line const& line, Json const& value, Nested const& where,
                        std::string_view what, std::span<std::string_view const> names) {
  return word_index(line, get_string(line, value, where.field()), where, what, names);
}

// Returns the array `value` of distinct non-empty names of `what` ("group", "tag", "topic").
// With `known` non-empty, every name must be one of them.
std::vector<std::string> decode_names(Line const& line, Json const& value, Nested const& where,
                                      std::string_view what,
                                      std::span<std::string_view const> known = {}) {
  if (!value.is_array()) {
    fail(line, where.field(),
         "expected an array of " + std::string(what) + " names, found " + describe(value));
  }
  std::vector<std::string> names;
  for (std::size_t at = 0; at < value.size(); ++at) {
    Nested const item = where.item(at);
    std::string name = known.empty() ? get_name(line, value[at], item.field())
                                     : std::string(known[decode_word(line, value[at], item,
                                                                     what, known)]);
    if (std::find(names.begin(), names.end(), name) != names.end())
      fail(line, item.field(), std::string(what) + " " + in_quotes(name) + " is listed twice");
    names.push_back(std::move(name));
  }
  return names;
}

// Calls `decode(name, value, where)` for each entry of the object `value`, whose keys name
// `what` ("topic", "group") and must not be empty; `expected` describes such an object.
template <class Decode>
void for_each_entry(Line const& line, Json const& value, Nested const& where,
                    std::string_view what, std::string_view expected, Decode decode) {
  expect_object(line, value, where, expected);
  for (auto it = value.begin(); it != value.end(); ++it) {
    Nested const entry = where.at(it.key());
    if (it.key().empty()) fail(line, entry.field(), "a " + std::string(what) +
                                                        " name must not be empty");
    decode(it.key(), it.value(), entry);
  }
}

void decode_dead_letter(Line const& line, Json const& value, Nested const& where,
                        GroupSpec& spec) {
  expect_object(line, value, where, "an object such as {\"topic\":\"%DLQ%billing\",\"after\":3}");
  bool has_after = false;
  for (auto it = value.begin(); it != value.end(); ++it) {
    Nested const field = where.at(it.key());
    if (it.key() == "topic") {
      spec.dead_letter_topic = get_name(line, it.value(), field.field());
    } else if (it.key() == "after") {
      std::uint64_t const after = get_count(line, it.value(), field.field(), int64_max);
      if (after == 0) {
        fail(line, field.field(),
             "expected an integer from 1 to " + std::to_string(int64_max) + ", found 0");
      }
      spec.dead_letter_after = static_cast<std::int64_t>(after);
      has_after = true;
    } else {
      fail_unknown(line, field, it.key(), dead_letter_fields);
    }
  }
  if (spec.dead_letter_topic.empty() || !has_after)
    fail(line, where.at(spec.dead_letter_topic.empty() ? "topic" : "after").field(),
         "missing: a dead-letter needs a topic and after");
}

GroupSpec decode_group(Line const& line, Json const& value, Nested const& where) {
  expect_object(line, value, where, "a group's settings such as {\"mode\":\"broadcast\"}");
  GroupSpec spec;
  for (auto it = value.begin(); it != value.end(); ++it) {
    Nested const field = where.at(it.key());
    if (it.key() == "mode") {
      spec.mode = static_cast<GroupSpec::Mode>(
          decode_word(line, it.value(), field, "mode", group_mode_names()));
    } else if (it.key() == "isolation") {
      spec.isolation = static_cast<GroupSpec::Isolation>(
          decode_word(line, it.value(), field, "isolation level", isolation_names()));
    } else if (it.key() == "filter") {
      spec.filter = decode_names(line, it.value(), field, "tag");
    } else if (it.key() == "tenant") {
      spec.tenant = get_string(line, it.value(), field.field());
    } else if (it.key() == "dead-letter") {
      decode_dead_letter(line, it.value(), field, spec);
    } else if (it.key() == "delay") {
      spec.delay = static_cast<GroupSpec::DelayBy>(
          decode_word(line, it.value(), field, "delay enforcer", delay_names()));
    } else {
      fail_unknown(line, field, it.key(), group_fields);
    }
  }
  return spec;
}

Acl decode_acl(Line const& line, Json const& value, Nested const& where) {
  expect_object(line, value, where,
                "a principal's permissions such as {\"produce\":[\"orders\"],\"consume\":[]}");
  Acl acl;
  for (auto it = value.begin(); it != value.end(); ++it) {
    Nested const field = where.at(it.key());
    if (it.key() == "produce") {
      acl.produce = decode_names(line, it.value(), field, "topic");
    } else if (it.key() == "consume") {
      acl.consume = decode_names(line, it.value(), field, "topic");
    } else {
      fail_unknown(line, field, it.key(), acl_fields);
    }
  }
  return acl;
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

// Decodes the configuration fields of the header (those after `subscriptions` in the table of
// docs/history-format.md); returns false when `key` is none of them.
bool decode_configuration(Line const& line, std::string const& key, Json const& value,
                          Header& header) {
  Nested const top{printable(key), key};
  if (key == "subscriptions") {
    for_each_entry(line, value, top, "topic",
                   "an object from topics to arrays of groups, such as {\"orders\":[\"billing\"]}",
                   [&](std::string const& topic, Json const& groups, Nested const& where) {
                     header.subscriptions.emplace(topic,
                                                  decode_names(line, groups, where, "group"));
                   });
  } else if (key == "groups") {
    for_each_entry(line, value, top, "group",
                   "an object from groups to their settings, such as "
                   "{\"billing\":{\"mode\":\"broadcast\"}}",
                   [&](std::string const& group, Json const& spec, Nested const& where) {
                     header.groups.emplace(group, decode_group(line, spec, where));
                   });
  } else if (key == "ordering") {
    for_each_entry(line, value, top, "topic",
                   "an object from topics to ordering scopes, such as {\"orders\":\"key\"}",
                   [&](std::string const& topic, Json const& scope, Nested const& where) {
                     header.ordering.emplace(topic, static_cast<OrderingScope>(decode_word(
                                                        line, scope, where, "ordering scope",
                                                        ordering_scope_names())));
                   });
  } else if (key == "acls") {
    for_each_entry(line, value, top, "principal",
                   "an object from principals to permissions, such as "
                   "{\"alice\":{\"produce\":[\"orders\"]}}",
                   [&](std::string const& principal, Json const& acl, Nested const& where) {
                     header.acls.emplace(principal, decode_acl(line, acl, where));
                   });
  } else if (key == "promises") {
    header.promises = decode_names(line, value, top, "guarantee", guarantee_names());
  } else if (key == "allowed") {
    expect_object(line, value, top,
                  "an object from anomaly kinds to reasons, such as {\"poll-skip\":\"why\"}");
    for (auto it = value.begin(); it != value.end(); ++it) {
      Nested const kind = top.at(it.key());
      word_index(line, it.key(), kind, "anomaly kind", anomaly_kind_names());
      header.allowed.emplace(it.key(), get_name(line, it.value(), kind.field()));
    }
  } else {
    return false;
  }
  return true;
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
  } else if (!decode_configuration(line, key, value, header)) {
    fail_unknown_field(line, field, header_fields);
  }
}

}  // namespace

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

}  // namespace mqcheck::history::detail
