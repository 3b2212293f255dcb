// SPDX-License-Identifier: Apache-2.0
// File: history/json_cursor.cpp (layer: history)
// The slower parts of the JSON line scanner: strings with escapes or non-ASCII text, numbers,
// and the error path. The grammar is RFC 8259's; UTF-8 is checked against RFC 3629's table
// (utf8_sequence_length), the same one the JSON library checks.
#include "history/json_cursor.hpp"

#include <limits>

#include "core/input_error.hpp"
#include "history/json_swar.hpp"
#include "history/json_text.hpp"
#include "history/line_decoder.hpp"

namespace mqcheck::history::detail {
namespace {

using swar::eight_digits;
using swar::leading_digits;
using swar::load8;
using swar::powers_of_ten;

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

// Returns the value of a hex digit, or 16 when `c` is none.
unsigned hex_value(char c) {
  if (c >= '0' && c <= '9') return static_cast<unsigned>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<unsigned>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<unsigned>(c - 'A' + 10);
  return 16;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

}  // namespace

void fail_malformed(Line const& line, std::size_t offset) {
  check_syntax(line);  // Throws the JSON library's message; it should always find the fault.
  std::string const found = offset < line.text.size()
                                ? "unexpected " + in_quotes(line.text.substr(offset, 1))
                                : "unexpected end of line";
  throw InputError(SourceMark{line.file, line.number, column_at(line.text, offset)}, "",
                   "malformed JSON: " + found);
}

JsonCursor::JsonCursor(Line const& line)
    : line_(line),
      begin_(line.text.data()),
      end_(line.text.data() + line.text.size()),
      at_(line.text.data()) {
  if (line.text.substr(0, byte_order_mark.size()) == byte_order_mark)
    at_ += byte_order_mark.size();
}

void JsonCursor::read_string(std::string& out) {
  if (at_ == end_ || *at_ != '"') fail_here();
  char const* const start = ++at_;
  at_ = plain_run_end();
  out.assign(start, static_cast<std::size_t>(at_ - start));
  if (at_ < end_ && *at_ == '"') {
    ++at_;
    return;
  }
  decode_string_tail(out);
}

std::string_view JsonCursor::read_view() {
  if (at_ == end_ || *at_ != '"') fail_here();
  char const* const start = ++at_;
  at_ = plain_run_end();
  if (at_ < end_ && *at_ == '"') {
    std::string_view const plain(start, static_cast<std::size_t>(at_ - start));
    ++at_;
    return plain;
  }
  scratch_.assign(start, static_cast<std::size_t>(at_ - start));
  decode_string_tail(scratch_);
  return scratch_;
}

void JsonCursor::decode_string_tail(std::string& out) {
  std::string_view const text = line_.text;
  while (true) {
    if (at_ >= end_) fail_here();
    auto const byte = static_cast<unsigned char>(*at_);
    if (byte == '"') {
      ++at_;
      return;
    }
    if (byte < 0x20) fail_here();
    if (byte >= 0x80) {
      std::size_t const length = utf8_sequence_length(text, offset());
      if (length == 0) fail_here();
      out.append(at_, length);
      at_ += length;
    } else if (byte != '\\') {
      char const* const end = plain_run_end();
      out.append(at_, static_cast<std::size_t>(end - at_));
      at_ = end;
    } else {
      if (++at_ >= end_) fail_here();
      char const escape = *at_++;
      switch (escape) {
        case '"': case '\\': case '/': out.push_back(escape); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': decode_unicode_escape(out); break;
        default: --at_; fail_here();
      }
    }
  }
}

unsigned JsonCursor::read_hex4() {
  unsigned value = 0;
  for (int k = 0; k < 4; ++k) {
    unsigned const digit = at_ < end_ ? hex_value(*at_) : 16;
    if (digit == 16) fail_here();
    value = value * 16 + digit;
    ++at_;
  }
  return value;
}

void JsonCursor::decode_unicode_escape(std::string& out) {
  std::uint32_t code_point = read_hex4();
  if (code_point >= 0xDC00 && code_point <= 0xDFFF) fail_here();
  if (code_point >= 0xD800 && code_point <= 0xDBFF) {
    // A high surrogate must be followed by a \u escape of a low one (RFC 8259 section 7).
    if (end_ - at_ < 2 || at_[0] != '\\' || at_[1] != 'u') fail_here();
    at_ += 2;
    std::uint32_t const low = read_hex4();
    if (low < 0xDC00 || low > 0xDFFF) fail_here();
    code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
  }
  append_utf8(out, code_point);
}

JsonCursor::Number JsonCursor::read_number() {
  Number number;
  char const* p = at_;
  bool const negative = p < end_ && *p == '-';
  if (negative) at_ = ++p;
  if (p == end_ || !is_digit(*p)) fail_here();
  bool fits = true;
  std::uint64_t value = 0;
  if (*p == '0') {
    ++p;  // A leading zero stands alone: "01" is not a JSON number.
  } else {
    std::size_t digits = 0;
    if constexpr (swar::enabled) {
      // Eight digits at a time while the value cannot overflow (at most 19 digits).
      while (end_ - p >= 8) {
        std::uint64_t const word = load8(p);
        std::size_t const count = leading_digits(word);
        if (count == 0 || digits + count > 19) break;
        value = value * powers_of_ten[count] + eight_digits(word << (8 * (8 - count)));
        digits += count;
        p += count;
        if (count < 8) break;
      }
    }
    for (; p < end_ && is_digit(*p); ++p, ++digits) {
      auto const digit = static_cast<std::uint64_t>(*p - '0');
      if (digits >= 19 && value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
        fits = false;
      value = value * 10 + digit;
    }
  }
  bool integer = true;
  if (p < end_ && *p == '.') {
    integer = false;
    at_ = ++p;
    if (p == end_ || !is_digit(*p)) fail_here();
    while (p < end_ && is_digit(*p)) ++p;
  }
  if (p < end_ && (*p == 'e' || *p == 'E')) {
    integer = false;
    if (++p < end_ && (*p == '+' || *p == '-')) ++p;
    at_ = p;
    if (p == end_ || !is_digit(*p)) fail_here();
    while (p < end_ && is_digit(*p)) ++p;
  }
  at_ = p;
  // Only "-0" is a negative count; a larger integer than 2^64-1 is a float to the library.
  number.is_count = integer && fits && (!negative || value == 0);
  number.value = value;
  return number;
}

}  // namespace mqcheck::history::detail
