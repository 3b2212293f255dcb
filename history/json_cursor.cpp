// SPDX-License-Identifier: Apache-2.0
// File: history/json_cursor.cpp (layer: history)
// The slower parts of the JSON line scanner: strings with escapes or non-ASCII text, numbers,
// and the error path. The grammar is RFC 8259's; UTF-8 is checked against RFC 3629's table
// (utf8_sequence_length), the same one the JSON library checks.
#include "history/json_cursor.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>

#include "core/input_error.hpp"
#include "history/json_text.hpp"

namespace mqcheck::history::detail {
namespace {

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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// True for the bytes that end a string's plain run: a quote, a backslash, a control character
// or a byte that is not ASCII. One lookup per byte keeps the common case (short ASCII names)
// fast.
constexpr std::array<bool, 256> run_stops = [] {
  std::array<bool, 256> stops{};
  for (std::size_t byte = 0; byte < stops.size(); ++byte)
    stops[byte] = byte < 0x20 || byte >= 0x80 || byte == '"' || byte == '\\';
  return stops;
}();

// The scanner reads eight bytes at a time where it can (SWAR: "SIMD within a register"). The
// bit tricks find the first byte of interest as the lowest set bit, which is the first byte
// in memory only on a little-endian machine; elsewhere the byte loops do all the work.
constexpr bool swar = std::endian::native == std::endian::little;
constexpr std::uint64_t ones = 0x0101010101010101u;
constexpr std::uint64_t highs = 0x8080808080808080u;

std::uint64_t load8(char const* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, 8);
  return word;
}

// Marks (in its top bit) each byte of `word` that is zero. Carries may also mark bytes after
// the first zero byte, never before it, so the lowest mark is exact.
constexpr std::uint64_t zero_bytes(std::uint64_t word) { return (word - ones) & ~word & highs; }

// Marks the bytes that end a string's plain run, as run_stops does.
constexpr std::uint64_t run_stop_bytes(std::uint64_t word) {
  std::uint64_t const controls = (word - ones * 0x20) & ~word & highs;
  return zero_bytes(word ^ (ones * '"')) | zero_bytes(word ^ (ones * '\\')) | controls |
         (word & highs);
}

// Returns how many of the first bytes of `word` are the digits 0-9.
std::size_t leading_digits(std::uint64_t word) {
  std::uint64_t const above = word + ones * (0x80 - 0x3A);  // A byte above '9' sets its top bit,
  std::uint64_t const below = word - ones * '0';            // one below '0' borrows into it,
  std::uint64_t const others = (above | below | word) & highs;  // and bytes above 0x7F have it.
  return others == 0 ? 8 : static_cast<std::size_t>(std::countr_zero(others)) / 8;
}

// Returns the value of eight digits, the first in the lowest byte (D. Lemire, "Quickly
// parsing eight digits", 2022). Bytes that are zero count as leading zeros.
std::uint64_t eight_digits(std::uint64_t word) {
  word = ((word & 0x0F0F0F0F0F0F0F0Fu) * 2561) >> 8;
  word = ((word & 0x00FF00FF00FF00FFu) * 6553601) >> 16;
  return ((word & 0x0000FFFF0000FFFFu) * 42949672960001u) >> 32;
}

constexpr std::array<std::uint64_t, 9> powers_of_ten{
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

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

char const* JsonCursor::plain_run_end() const {
  char const* p = at_;
  if constexpr (swar) {
    for (; end_ - p >= 8; p += 8) {
      std::uint64_t const stops = run_stop_bytes(load8(p));
      if (stops != 0) return p + std::countr_zero(stops) / 8;
    }
  }
  while (p < end_ && !run_stops[static_cast<unsigned char>(*p)]) ++p;
  return p;
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
    if constexpr (swar) {
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
