// SPDX-License-Identifier: Apache-2.0
// File: history/line_decoder.hpp (layer: history, internal to the history file reader)
// Turns one line of a history file into a Header or an Op, strictly: any line it accepts is
// exactly one that HistoryWriter could have written, up to whitespace, field order and
// omitted empty fields. It sees a single line, so the checks that span lines (index order,
// time order, blank lines) are HistoryReader's. Op lines, most of a file, are decoded in one
// pass by a hand-written scanner (json_cursor.hpp); the header, and the wording of syntax
// errors, come from the JSON library (json_line.hpp).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "history/history.hpp"
#include "history/op.hpp"

namespace mqcheck::history::detail {

/// Returns true when ops of `type` may have `f`: an `event` takes an internal kind (append ..
/// dispatch), and invoke, ok, fail and info take a client kind (send .. assign).
bool kind_fits_type(OpType type, OpKind f);

/// Returns the spellings of GroupSpec::Mode, GroupSpec::Isolation and OrderingScope, in enum
/// order: the enum value is the index of its spelling.
std::span<std::string_view const> group_mode_names();
std::span<std::string_view const> isolation_names();
std::span<std::string_view const> ordering_scope_names();

/// Decodes the header line (line 1 of `file`). Throws mqcheck::InputError when the line is not
/// a header of a format this build reads.
Header decode_header_line(std::string_view text, std::string const& file);

/// Decodes the op on line `line` of `file`. Throws mqcheck::InputError naming the field at
/// fault. It does not check the op's index or time against the other lines.
Op decode_op_line(std::string_view text, std::string const& file, int line);
/// Decodes as above into `out`, which must be a default-constructed Op: so that the reader
/// can decode straight into the op it returns.
void decode_op_line(std::string_view text, std::string const& file, int line, Op& out);

/// Throws an InputError about field `key` of the line `text`, pointing at the key's value
/// when the key is written at the top level of the line.
[[noreturn]] void fail_at_field(std::string_view text, std::string const& file, int line,
                                std::string const& key, std::string const& problem);

}  // namespace mqcheck::history::detail
