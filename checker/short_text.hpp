// SPDX-License-Identifier: Apache-2.0
// File: checker/short_text.hpp (layer: checker)
// Comparing the short names the streaming passes meet on every op (topics, processes, groups)
// without a call: a name of 4 to 16 bytes is all in its first and last words, which overlap
// when it is shorter than two.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace mqcheck::checker {

/// Loads the first and the last sizeof(Word) bytes of `text` (which has at least that many).
template <class Word>
std::pair<Word, Word> text_ends(std::string_view text) {
  Word first = 0;
  Word last = 0;
  std::memcpy(&first, text.data(), sizeof(Word));
  std::memcpy(&last, text.data() + text.size() - sizeof(Word), sizeof(Word));
  return {first, last};
}

/// Returns a == b, comparing names of 4 to 16 bytes as two words each. Always inline: GCC 12
/// called it out of line from the ordering pass's restate(), a call per op (session 13).
[[gnu::always_inline]] inline bool same_text(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (b.size() >= 8 && b.size() <= 16) {
    return text_ends<std::uint64_t>(a) == text_ends<std::uint64_t>(b);
  }
  if (b.size() >= 4 && b.size() < 8) {
    return text_ends<std::uint32_t>(a) == text_ends<std::uint32_t>(b);
  }
  return a == b;
}

}  // namespace mqcheck::checker
