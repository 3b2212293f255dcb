// SPDX-License-Identifier: Apache-2.0
// File: viz/escape.cpp (layer: viz)
// Escaping for markup, inline scripts and DOT. UTF-8 is validated by hand (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF) so the output is always valid UTF-8.
#include "viz/escape.hpp"

#include <cstdint>

namespace mqcheck::viz {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

// Returns the length of the valid UTF-8 sequence starting at text[i], or 0 when invalid.
std::size_t utf8_length(std::string_view text, std::size_t i) {
  auto const byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[i + k]); };
  std::uint8_t const b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t min = 0;
  std::uint32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = b0 & 0x07u;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(k) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Calls emit(piece) for each valid UTF-8 character of `text`, replacing invalid bytes.
template <class Emit>
void for_each_char(std::string_view text, Emit emit) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t const n = utf8_length(text, i);
    if (n == 0) {
      emit(replacement);
      ++i;
    } else {
      emit(text.substr(i, n));
      i += n;
    }
  }
}

bool is_control(std::string_view c) {
  return c.size() == 1 && (static_cast<std::uint8_t>(c[0]) < 0x20 || c[0] == 0x7F);
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_char(text, [&](std::string_view c) { out += c; });
  return out;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  for_each_char(text, [&](std::string_view c) {
    if (c.size() != 1) {
      out += c;
      return;
    }
    switch (c[0]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
        out += c;
        break;
      default:
        if (!is_control(c)) out += c;
    }
  });
  return out;
}

std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size() + 16);
  for_each_char(json, [&](std::string_view c) {
    if (c == "<") {
      out += "\\u003c";  // Only ever inside a JSON string: markup outside strings is not JSON.
    } else if (c == "\xE2\x80\xA8") {
      out += "\\u2028";
    } else if (c == "\xE2\x80\xA9") {
      out += "\\u2029";
    } else {
      out += c;
    }
  });
  return out;
}

std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for_each_char(text, [&](std::string_view c) {
    if (c == "\"" || c == "\\") {
      out += '\\';
      out += c;
    } else if (c == "\n") {
      out += "\\n";
    } else if (!is_control(c)) {
      out += c;
    }
  });
  return out + "\"";
}

}  // namespace mqcheck::viz
