// SPDX-License-Identifier: Apache-2.0
// File: history/json_text.cpp (layer: history)
// String escaping and error-column lookups for history files. The escaping is hand-rolled so
// that the writer controls every byte: the same history always gives the same file.
#include "history/json_text.hpp"

#include <array>
#include <charconv>

#include "core/assert.hpp"

namespace mqcheck::history::detail {
namespace {

constexpr std::string_view hex_digits = "0123456789abcdef";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool in_range(std::string_view text, std::size_t at, unsigned char low, unsigned char high) {
  if (at >= text.size()) return false;
  auto const byte = static_cast<unsigned char>(text[at]);
  return low <= byte && byte <= high;
}

// Returns true when the `count` bytes after `at` are all continuation bytes (80..BF).
bool continuations(std::string_view text, std::size_t at, std::size_t count) {
  for (std::size_t k = 1; k <= count; ++k)
    if (!in_range(text, at + k, 0x80, 0xBF)) return false;
  return true;
}

// Returns `length` when the byte after `at` is in [low, high] and the `length - 2` bytes after
// that are continuation bytes, else 0.
std::size_t sequence(std::string_view text, std::size_t at, unsigned char low, unsigned char high,
                     std::size_t length) {
  bool const valid = in_range(text, at + 1, low, high) && continuations(text, at + 1, length - 2);
  return valid ? length : 0;
}

// Returns the index of the quote that closes the string opening at `open`, or npos.
std::size_t string_end(std::string_view line, std::size_t open) {
  std::size_t at = open + 1;
  while (at < line.size()) {
    if (line[at] == '\\') {
      at += 2;
    } else if (line[at] == '"') {
      return at;
    } else {
      ++at;
    }
  }
  return std::string_view::npos;
}

std::size_t skip_space(std::string_view line, std::size_t at) {
  while (at < line.size() && is_space(line[at])) ++at;
  return at;
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  MQCHECK_ASSERT(at < text.size());
  auto const lead = static_cast<unsigned char>(text[at]);
  // The table of well-formed byte sequences is RFC 3629 section 4: it excludes overlong
  // forms, the UTF-16 surrogates (ED A0..BF) and everything above U+10FFFF.
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return sequence(text, at, 0x80, 0xBF, 2);
  if (lead == 0xE0) return sequence(text, at, 0xA0, 0xBF, 3);
  if (lead == 0xED) return sequence(text, at, 0x80, 0x9F, 3);
  if (lead >= 0xE1 && lead <= 0xEF) return sequence(text, at, 0x80, 0xBF, 3);
  if (lead == 0xF0) return sequence(text, at, 0x90, 0xBF, 4);
  if (lead >= 0xF1 && lead <= 0xF3) return sequence(text, at, 0x80, 0xBF, 4);
  if (lead == 0xF4) return sequence(text, at, 0x80, 0x8F, 4);
  return 0;
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  std::size_t at = 0;
  while (at < text.size()) {
    // Copy the longest run that needs no escaping in one go: it is the common case.
    std::size_t run = at;
    while (run < text.size()) {
      auto const byte = static_cast<unsigned char>(text[run]);
      if (byte < 0x20 || byte == '"' || byte == '\\' || byte >= 0x80) break;
      ++run;
    }
    out.append(text.substr(at, run - at));
    at = run;
    if (at == text.size()) break;
    auto const byte = static_cast<unsigned char>(text[at]);
    if (byte == '"' || byte == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(byte));
      ++at;
    } else if (byte < 0x20) {
      out.append("\\u00");
      out.push_back(hex_digits[byte >> 4]);
      out.push_back(hex_digits[byte & 0xF]);
      ++at;
    } else if (std::size_t const length = utf8_sequence_length(text, at); length > 0) {
      out.append(text.substr(at, length));
      at += length;
    } else {
      out.append("\\ufffd");  // A JSON string cannot carry a stray byte; mark where it was.
      ++at;
    }
  }
  out.push_back('"');
}

void append_integer(std::string& out, std::int64_t n) {
  std::array<char, 24> digits{};
  auto const result = std::to_chars(digits.data(), digits.data() + digits.size(), n);
  MQCHECK_ASSERT(result.ec == std::errc{});
  out.append(digits.data(), result.ptr);
}

void append_unsigned(std::string& out, std::uint64_t n) {
  std::array<char, 24> digits{};
  auto const result = std::to_chars(digits.data(), digits.data() + digits.size(), n);
  MQCHECK_ASSERT(result.ec == std::errc{});
  out.append(digits.data(), result.ptr);
}

std::string in_quotes(std::string_view text) {
  constexpr std::size_t shown_bytes_max = 80;
  std::string out = "'";
  std::size_t at = 0;
  while (at < text.size() && at < shown_bytes_max) {
    auto const byte = static_cast<unsigned char>(text[at]);
    std::size_t const length = utf8_sequence_length(text, at);
    if (byte < 0x20 || byte == 0x7F) {
      out.append("\\u00");
      out.push_back(hex_digits[byte >> 4]);
      out.push_back(hex_digits[byte & 0xF]);
      ++at;
    } else if (length == 0) {
      out.push_back('?');
      ++at;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  if (at < text.size()) out.append("...");
  return out + "'";
}

std::string printable(std::string_view text) {
  std::string const shown = in_quotes(text);
  return shown.substr(1, shown.size() - 2);
}

bool is_blank(std::string_view line) {
  for (char const c : line)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

int column_at(std::string_view line, std::size_t offset) {
  int column = 1;
  std::size_t const end = offset < line.size() ? offset : line.size();
  for (std::size_t at = 0; at < end; ++at) {
    auto const byte = static_cast<unsigned char>(line[at]);
    if (byte < 0x80 || byte > 0xBF) ++column;  // Continuation bytes do not start a character.
  }
  return column;
}

KeySpot find_key(std::string_view line, std::string_view key, int occurrence) {
  std::size_t const first = skip_space(line, 0);
  if (first == line.size() || line[first] != '{') return {};
  int depth = 0;
  char last = 0;  // The last character outside strings that is not whitespace.
  int seen = 0;
  for (std::size_t at = first; at < line.size(); ++at) {
    char const c = line[at];
    if (c == '"') {
      std::size_t const close = string_end(line, at);
      if (close == std::string_view::npos) return {};
      bool const is_key = depth == 1 && (last == '{' || last == ',');
      if (is_key && line.substr(at + 1, close - at - 1) == key && ++seen == occurrence) {
        std::size_t value = skip_space(line, close + 1);
        if (value < line.size() && line[value] == ':') value = skip_space(line, value + 1);
        return {column_at(line, at), column_at(line, value)};
      }
      at = close;
      last = '"';
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    if (!is_space(c)) last = c;
  }
  return {};
}

}  // namespace mqcheck::history::detail
