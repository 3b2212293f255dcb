// SPDX-License-Identifier: Apache-2.0
// File: viz/spacetime_marks.hpp (layer: viz)
// The glyph and the short label of one op in a space-time diagram, and the shared short
// names of messages ("m5 @4"). Kept apart from the layout so the stepper and the report
// describe ops with the same words the diagram shows.
#pragma once

#include <string>

#include "history/op.hpp"

namespace mqcheck::viz {

/// Returns an SVG coordinate or length, in whole pixels.
inline std::string svg_num(int v) { return std::to_string(v); }

/// Returns "m5", "m5 @4" (offset), "m5 p0@4" (partition and offset) for a record.
std::string record_name(history::Record const& r);

/// Returns the messages of `op` as "m5", "m5 m6" or "m5 +3" (at most `shown_max` names).
std::string records_name(history::Op const& op, std::size_t shown_max = 2);

/// Returns the messages of `op` as the state narration says them: up to four names, or
/// "nothing" for an op without records.
std::string narrated_records(history::Op const& op);

/// Returns the label drawn beside an op's mark: "send m5", "ok send m5 @4",
/// "power-loss 89 unsynced writes lost". At most `chars_max` characters (UTF-8 aware).
std::string op_label(history::Op const& op, std::size_t chars_max = 30);

/// Returns the SVG shape of an op's mark centred at (x, y): circles for client ops (hollow for
/// an invoke), a cross for fail, squares for broker writes, triangles for crash and restart.
std::string op_glyph(history::Op const& op, int x, int y);

/// Returns the tooltip text of an op: "#12 2.200ms billing-0 ok process m1 @0 group billing".
std::string op_title(history::Op const& op);

}  // namespace mqcheck::viz
