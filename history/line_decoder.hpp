// SPDX-License-Identifier: Apache-2.0
// File: history/line_decoder.hpp (layer: history, internal to the history file reader)
// Turns one line of a history file into a Header or an Op, strictly: any line it accepts is
// exactly one that HistoryWriter could have written, up to whitespace, field order and
// omitted empty fields. It sees a single line, so the checks that span lines (index order,
// time order, blank lines) are HistoryReader's. Op lines, most of a file, are first tried as
// fixed text in the writer's form (canonical_op_line.hpp); any other line is decoded in one
// pass by a hand-written scanner (json_cursor.hpp). The header, and the wording of syntax
// errors, come from the JSON library (json_line.hpp).
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "history/history.hpp"
#include "history/op.hpp"

namespace mqcheck::history::detail {

/// The largest values the format's counts take: ids and indices are unsigned 64-bit, times and
/// offsets signed 64-bit (never negative).
inline constexpr std::uint64_t uint64_max = std::numeric_limits<std::uint64_t>::max();
inline constexpr std::uint64_t int64_max = std::numeric_limits<std::int64_t>::max();

/// An ASCII digit: JSON numbers are ASCII whatever the locale.
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Returns true when ops of `type` may have `f`: an `event` takes an internal kind (append ..
/// dispatch), and invoke, ok, fail and info take a client kind (send .. assign).
bool kind_fits_type(OpType type, OpKind f);

/// Returns the spellings of GroupSpec::Mode, GroupSpec::Isolation and OrderingScope, in enum
/// order: the enum value is the index of its spelling.
std::span<std::string_view const> group_mode_names();
std::span<std::string_view const> isolation_names();
std::span<std::string_view const> delay_names();
std::span<std::string_view const> ordering_scope_names();

/// Decodes the header line (line 1 of `file`). Throws mqcheck::InputError when the line is not
/// a header of a format this build reads.
Header decode_header_line(std::string_view text, std::string const& file);

/// Decodes the op on line `line` of `file`. Throws mqcheck::InputError naming the field at
/// fault. It does not check the op's index or time against the other lines.
Op decode_op_line(std::string_view text, std::string const& file, int line);
/// Decodes as above into `out`, overwriting every field (fields the line leaves out become
/// empty) and reusing the capacity of its strings, of its value vector and of the records it
/// holds: so that the reader can decode straight into its caller's op without allocating.
/// On an InputError `out` is left partly overwritten.
void decode_op_line(std::string_view text, std::string const& file, int line, Op& out);

/// Decodes as above with the full decoder only, skipping the fast path for lines in the
/// writer's form (canonical_op_line.hpp): the reader calls it once the fast path has given
/// up, and tests call it to hold the two to the same answers.
void decode_op_line_in_full(std::string_view text, std::string const& file, int line, Op& out);

/// Throws an InputError about field `key` of the line `text`, pointing at the key's value
/// when the key is written at the top level of the line.
[[noreturn]] void fail_at_field(std::string_view text, std::string const& file, int line,
                                std::string const& key, std::string const& problem);

}  // namespace mqcheck::history::detail
