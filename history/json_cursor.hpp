// SPDX-License-Identifier: Apache-2.0
// File: history/json_cursor.hpp (layer: history, internal to history/line_decoder.cpp)
// A hand-written JSON scanner over one line, read front to back by the op decoder with no DOM
// and no allocation beyond the strings it fills. It accepts exactly the JSON (RFC 8259) that
// nlohmann::json accepts, including a UTF-8 byte order mark at the start of the line. It
// never phrases a syntax error itself: at the first one it calls fail_malformed, which
// re-reads the line with the JSON library so that the message is that library's, word for
// word (tests/history/history_decoder_diff_test.cpp holds the two to the same answers).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "history/json_line.hpp"
#include "history/json_swar.hpp"

namespace mqcheck::history::detail {

/// Throws the InputError for a line that is not valid JSON, or that writes a field twice: the
/// JSON library's own message when it finds the fault (it always should), otherwise a plain
/// "malformed JSON" at byte `offset`.
[[noreturn]] void fail_malformed(Line const& line, std::size_t offset);

/// A key as the writer writes it, `"name":`, also as two 8-byte words with masks, so that the
/// decoder recognizes a key with two loads and two comparisons. Names are at most 13 bytes.
struct KeyPattern {
  std::array<char, 16> bytes{};
  std::array<std::uint64_t, 2> words{};
  std::array<std::uint64_t, 2> masks{};
  std::size_t size = 0;  // Of `"name":`.
};

/// Returns the pattern of the key `name`, which must need no escapes.
constexpr KeyPattern key_pattern(std::string_view name) {
  KeyPattern key;
  std::array<unsigned char, 16> used{};
  auto const put = [&](char c) {
    key.bytes[key.size] = c;
    used[key.size++] = 0xFF;
  };
  put('"');
  for (char const c : name) put(c);
  put('"');
  put(':');
  // std::bit_cast keeps the words in memory order on any byte order, as memcpy loads them.
  for (std::size_t half = 0; half < 2; ++half) {
    std::array<char, 8> word{};
    std::array<unsigned char, 8> mask{};
    for (std::size_t k = 0; k < 8; ++k) {
      word[k] = key.bytes[half * 8 + k];
      mask[k] = used[half * 8 + k];
    }
    key.words[half] = std::bit_cast<std::uint64_t>(word);
    key.masks[half] = std::bit_cast<std::uint64_t>(mask);
  }
  return key;
}

class JsonCursor {
 public:
  /// A number as the op decoder needs it: a count is an integer from 0 to 2^64-1 written
  /// without fraction or exponent ("-0" included, as the JSON library reads it as 0).
  struct Number {
    bool is_count = false;
    std::uint64_t value = 0;
  };

  /// Starts at the beginning of `line`, after a byte order mark if the line has one.
  explicit JsonCursor(Line const& line);

  /// Returns the byte offset of the next character to read.
  std::size_t offset() const { return static_cast<std::size_t>(at_ - begin_); }

  /// Skips JSON whitespace, then returns the next character, or '\0' at the end of the line.
  /// A NUL byte in the line reads as '\0' too; no JSON value starts with one.
  char peek() {
    skip_space();
    return at_ < end_ ? *at_ : '\0';
  }

  /// Skips JSON whitespace and returns the offset of what follows: where a value starts.
  std::size_t value_start() {
    skip_space();
    return offset();
  }

  /// Consumes `c` after whitespace and returns true, or returns false and consumes nothing.
  bool take(char c) {
    if (at_ != end_ && *at_ == c) {  // The writer's lines have no whitespace: test that first.
      ++at_;
      return true;
    }
    skip_space();
    if (at_ == end_ || *at_ != c) return false;
    ++at_;
    return true;
  }

  /// Consumes `c` after whitespace, or fails as malformed.
  void expect(char c) {
    if (!take(c)) fail_malformed(line_, offset());
  }

  /// Consumes `key` when the text at the cursor is exactly its `"name":` and returns true;
  /// otherwise consumes nothing. It skips no whitespace first (call value_start), so that
  /// trying several keys costs little.
  bool take_key(KeyPattern const& key) {
    auto const left = static_cast<std::size_t>(end_ - at_);
    if (left >= 16) {
      std::uint64_t low = 0;
      std::uint64_t high = 0;
      std::memcpy(&low, at_, 8);
      std::memcpy(&high, at_ + 8, 8);
      if ((((low ^ key.words[0]) & key.masks[0]) | ((high ^ key.words[1]) & key.masks[1])) != 0)
        return false;
    } else if (left < key.size ||
               std::string_view(at_, key.size) != std::string_view(key.bytes.data(), key.size)) {
      return false;
    }
    at_ += key.size;
    return true;
  }

  /// Fails as malformed unless only whitespace is left.
  void expect_end() {
    skip_space();
    if (at_ != end_) fail_malformed(line_, offset());
  }

  /// Reads the string the cursor is at (peek() has skipped the whitespace before it) into
  /// `out`, decoding escapes; fails as malformed when there is no string here or it is not
  /// valid JSON and UTF-8.
  void read_string(std::string& out);

  /// Reads a string as read_string does, and returns a view of its text, valid until the next
  /// call. It does not copy a string without escapes.
  std::string_view read_view();

  /// Reads a number; the cursor must be at its first character, '-' or a digit (peek() has
  /// skipped the whitespace before it).
  Number read_number();

 private:
  void skip_space() {
    // The writer writes no whitespace, so one comparison usually settles it.
    while (at_ < end_ && static_cast<unsigned char>(*at_) <= ' ') {
      char const c = *at_;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
      ++at_;
    }
  }
  // Returns the end of the string's plain run from at_.
  char const* plain_run_end() const { return swar::plain_run_end(at_, end_); }
  // Decodes the rest of a string from at_ (inside it) into `out`, escapes and all.
  void decode_string_tail(std::string& out);
  // Appends the character of the \u escape at at_ (after the 'u'), pairing surrogates.
  void decode_unicode_escape(std::string& out);
  unsigned read_hex4();
  [[noreturn]] void fail_here() const { fail_malformed(line_, offset()); }

  Line const& line_;
  char const* begin_;
  char const* end_;
  char const* at_;
  std::string scratch_;  // The decoded text of the last escaped string read_view returned.
};

}  // namespace mqcheck::history::detail
