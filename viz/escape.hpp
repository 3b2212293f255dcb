// SPDX-License-Identifier: Apache-2.0
// File: viz/escape.hpp (layer: viz)
// Escaping for every text a renderer writes into markup or data. Process names, topics,
// groups, details and scenario text come from users (or from histories recorded elsewhere),
// so nothing reaches SVG, HTML, an inline <script> or DOT without passing through here.
#pragma once

#include <string>
#include <string_view>

namespace mqcheck::viz {

/// Returns `text` safe inside XML/HTML text and double- or single-quoted attributes: & < > " '
/// become entities, control characters other than tab and newline are dropped, and bytes that
/// are not valid UTF-8 become U+FFFD (a broken byte must not swallow the markup after it).
std::string xml_escape(std::string_view text);

/// Returns `json` (a JSON document) safe inside an HTML <script> element: "<" is written as
/// \u003c, so neither "</script>" nor "<!--" can end or confuse the element, and U+2028/U+2029
/// are escaped for older JavaScript parsers. The JSON value is unchanged.
std::string script_safe_json(std::string_view json);

/// Returns `text` as a double-quoted Graphviz DOT string: " and \ are escaped, newlines become
/// \n, other control characters are dropped.
std::string dot_quote(std::string_view text);

/// Returns `text` with invalid UTF-8 sequences replaced by U+FFFD (for JSON encoders that
/// reject them).
std::string valid_utf8(std::string_view text);

}  // namespace mqcheck::viz
