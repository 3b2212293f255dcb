// SPDX-License-Identifier: Apache-2.0
// File: history/canonical_op_line.hpp (layer: history, internal to the history file reader)
// The reader's fast path: decodes an op line only when it is written exactly as HistoryWriter
// writes it (compact, fields in the writer's order, strings of plain ASCII without escapes,
// numbers of at most 19 digits). Such lines are nearly every line of a history, so they are
// matched as fixed text with no JSON grammar in the loop. Anything else, valid or not, makes
// it give up, and the full decoder (line_decoder.cpp) decodes the line from its start and
// words any error. So the fast path never rejects a line: it only accepts a subset of the
// lines the full decoder accepts, and must decode them to the same op (tested in
// tests/history/history_decoder_diff_test.cpp).
#pragma once

#include <string_view>

#include "history/op.hpp"

namespace mqcheck::history::detail {

/// Decodes `text` into `out` and returns true when `text` is a valid op line in the writer's
/// canonical form; `out` then equals what decode_op_line gives. Returns false otherwise,
/// leaving `out` partly overwritten. Overwrites every field of `out` on success, reusing the
/// capacity of its strings, of its value vector and of the records that vector holds.
bool decode_canonical_op_line(std::string_view text, Op& out);

}  // namespace mqcheck::history::detail
