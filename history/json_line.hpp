// SPDX-License-Identifier: Apache-2.0
// File: history/json_line.hpp (layer: history, internal to the history file reader)
// Parses one line of JSON with nlohmann::json and reads typed fields out of it, turning every
// problem into an InputError that names the file, line, field and, when known, the column.
// The header line is decoded this way; op lines are not (json_cursor.hpp), but their errors
// are worded here. Only the history decoders include this header, so the JSON library stays
// out of the API.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace mqcheck::history::detail {

// Ordered, so that the first problem reported is the first one written in the line.
using Json = nlohmann::ordered_json;

inline constexpr std::size_t no_record = std::numeric_limits<std::size_t>::max();

/// One line being decoded: its text, its file and its number (from 1).
struct Line {
  std::string_view text;
  std::string const& file;
  int number;
};

/// Names a field for an error message. The full name ("value[3].offset") is built only when a
/// message needs it, so that valid lines stay cheap.
struct Field {
  std::string_view name;           // "time"; "offset" inside a message; "" for a whole one.
  std::string_view spot = {};      // The top-level key to point the column at, if not `name`.
  std::size_t record = no_record;  // When set, the field is value[record].name.

  /// Returns the field's full name, as the InputError's key.
  std::string key() const;
  /// Returns the top-level key whose value the error column points at.
  std::string_view spot_key() const;
};

/// Throws an InputError about `field` of `line`, pointing at its value when it can be found.
[[noreturn]] void fail(Line const& line, Field const& field, std::string const& problem);

/// Throws an InputError for an unknown field, suggesting the nearest of `names`.
[[noreturn]] void fail_unknown_field(Line const& line, Field const& field,
                                     std::span<std::string_view const> names);

/// Returns " (did you mean 'x'?)" for a plausible typo of one of `names`, else the list of them.
std::string suggestion(std::string_view word, std::span<std::string_view const> names);

/// Returns a short description of a JSON value for "found ..." in messages.
std::string describe(Json const& value);

/// Parses `line` as one JSON value. Throws InputError on malformed JSON and on a field written
/// twice in one object (the JSON library would silently keep the last one).
Json parse_line(Line const& line);

/// Returns when `line` is valid JSON with no field written twice in one object; otherwise
/// throws the InputError parse_line would.
void check_syntax(Line const& line);

/// Returns describe() of the JSON value that starts at byte `offset` of `text`, a line that
/// check_syntax accepted.
std::string describe_at(std::string_view text, std::size_t offset);

/// Returns `value` when it is an integer from 0 to `max`; throws InputError otherwise.
std::uint64_t get_count(Line const& line, Json const& value, Field const& field,
                        std::uint64_t max);
/// Returns `value` when it is a string; throws InputError otherwise.
std::string const& get_string(Line const& line, Json const& value, Field const& field);
/// Returns `value` when it is a non-empty string; throws InputError otherwise.
std::string const& get_name(Line const& line, Json const& value, Field const& field);
/// Returns `value` when it is true or false; throws InputError otherwise.
bool get_bool(Line const& line, Json const& value, Field const& field);

}  // namespace mqcheck::history::detail
