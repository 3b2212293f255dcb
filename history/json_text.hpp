// SPDX-License-Identifier: Apache-2.0
// File: history/json_text.hpp (layer: history, internal to the history file reader and writer)
// Byte-level JSON text helpers that need no JSON library: string escaping for the writer, and
// column lookups that the reader uses only when it reports an error. Invariant: every string
// append_json_string writes is valid JSON and valid UTF-8, whatever bytes it is given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mqcheck::history::detail {

/// Appends `text` to `out` as a quoted JSON string. Quotes and backslashes are escaped, every
/// control character below 0x20 is written as \u00xx (lower-case hex), valid UTF-8 is copied
/// unchanged, and each byte that is not part of a valid UTF-8 sequence becomes \ufffd.
void append_json_string(std::string& out, std::string_view text);

/// Appends the decimal digits of `n` to `out`.
void append_integer(std::string& out, std::int64_t n);
void append_unsigned(std::string& out, std::uint64_t n);

/// Returns the length of the valid UTF-8 sequence (RFC 3629) starting at `text[at]`, or 0
/// when the bytes there are not one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

/// Returns `text` in single quotes for an error message, with control characters escaped, stray
/// bytes shown as '?' and long text shortened, so that a hostile line cannot garble a terminal.
std::string in_quotes(std::string_view text);

/// Returns in_quotes(text) without the quotes: a field name as an InputError key shows it.
std::string printable(std::string_view text);

/// Returns true when `line` holds only JSON whitespace (space, tab, carriage return).
bool is_blank(std::string_view line);

/// Returns the 1-based column of the byte at `offset` in `line`, counting UTF-8 code points,
/// so that it matches what an editor shows. Offsets past the end give the column after it.
int column_at(std::string_view line, std::size_t offset);

/// Where a key of the line's outermost object is written. Columns count from 1; 0 means the
/// key is not there (or is spelled with escapes, which this scan does not decode).
struct KeySpot {
  int key_column = 0;    // The opening quote of the key.
  int value_column = 0;  // The first character of its value.
};

/// Returns where the `occurrence`-th (from 1) `key` is written in the outermost object of
/// `line`. It scans the raw text, so it is independent of the JSON parser; it runs only when
/// an error is being reported.
KeySpot find_key(std::string_view line, std::string_view key, int occurrence = 1);

}  // namespace mqcheck::history::detail
