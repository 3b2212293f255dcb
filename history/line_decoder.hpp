// SPDX-License-Identifier: Apache-2.0
// File: history/line_decoder.hpp (layer: history, internal to the history file reader)
// Turns one line of a history file into a Header or an Op, strictly: any line it accepts is
// exactly one that HistoryWriter could have written, up to whitespace, field order and
// omitted empty fields. It sees a single line, so the checks that span lines (index order,
// time order, blank lines) are HistoryReader's. This is the only file that knows the JSON
// library; a faster hand-written parser can replace it without touching the reader's API.
#pragma once

#include <string>
#include <string_view>

#include "history/history.hpp"
#include "history/op.hpp"

namespace mqcheck::history::detail {

/// Returns true when ops of `type` may have `f`: an `event` takes an internal kind (append ..
/// expire), and invoke, ok, fail and info take a client kind (send .. txn-abort).
bool kind_fits_type(OpType type, OpKind f);

/// Decodes the header line (line 1 of `file`). Throws mqcheck::InputError when the line is not
/// a header of a format this build reads.
Header decode_header_line(std::string_view text, std::string const& file);

/// Decodes the op on line `line` of `file`. Throws mqcheck::InputError naming the field at
/// fault. It does not check the op's index or time against the other lines.
Op decode_op_line(std::string_view text, std::string const& file, int line);

/// Throws an InputError about field `key` of the line `text`, pointing at the key's value
/// when the key is written at the top level of the line.
[[noreturn]] void fail_at_field(std::string_view text, std::string const& file, int line,
                                std::string const& key, std::string const& problem);

}  // namespace mqcheck::history::detail
