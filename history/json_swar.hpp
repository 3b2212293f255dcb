// SPDX-License-Identifier: Apache-2.0
// File: history/json_swar.hpp (layer: history, internal to the history file reader)
// Byte scanning eight bytes at a time (SWAR: "SIMD within a register") for the two op-line
// decoders (json_cursor.cpp and canonical_op_line.cpp): finding where a string's plain text
// ends and reading runs of digits. Inline, because they run for every string and number of
// every line. Where SSE2 is there (every x86-64), strings are scanned sixteen bytes at a
// time. The bit tricks find the first byte of interest as the lowest set bit, which is
// the first byte in memory only on a little-endian machine; elsewhere the byte loops do all
// the work.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mqcheck::history::detail::swar {

inline constexpr bool enabled = std::endian::native == std::endian::little;
inline constexpr std::uint64_t ones = 0x0101010101010101u;
inline constexpr std::uint64_t highs = 0x8080808080808080u;

/// True for the bytes that end a string's plain run: a quote, a backslash, a control
/// character or a byte that is not ASCII (RFC 8259 section 7: these need an escape or a UTF-8
/// check; every other byte stands for itself).
inline constexpr std::array<bool, 256> run_stops = [] {
  std::array<bool, 256> stops{};
  for (std::size_t byte = 0; byte < stops.size(); ++byte)
    stops[byte] = byte < 0x20 || byte >= 0x80 || byte == '"' || byte == '\\';
  return stops;
}();

inline std::uint64_t load8(char const* p) {
  std::uint64_t word = 0;
  std::memcpy(&word, p, 8);
  return word;
}

/// Marks (in its top bit) each byte of `word` that is zero. Carries may also mark bytes after
/// the first zero byte, never before it, so the lowest mark is exact.
constexpr std::uint64_t zero_bytes(std::uint64_t word) { return (word - ones) & ~word & highs; }

/// Marks the bytes that end a string's plain run, as run_stops does.
constexpr std::uint64_t run_stop_bytes(std::uint64_t word) {
  std::uint64_t const controls = (word - ones * 0x20) & ~word & highs;
  return zero_bytes(word ^ (ones * '"')) | zero_bytes(word ^ (ones * '\\')) | controls |
         (word & highs);
}

/// Returns the end of the plain run of string text that starts at `from`: the first byte of
/// run_stops before `end`, or `end`. Plain text needs no decoding: it is copied as it is.
inline char const* plain_run_end(char const* from, char const* end) {
  char const* p = from;
#if defined(__SSE2__)
  // Sixteen bytes at a time where the line has them. A signed compare below 0x20 catches the
  // control characters and, as negative bytes, every byte from 0x80 up.
  for (; end - p >= 16; p += 16) {
    __m128i const bytes = _mm_loadu_si128(reinterpret_cast<__m128i const*>(p));
    __m128i const stops = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(bytes, _mm_set1_epi8('"')),
                     _mm_cmpeq_epi8(bytes, _mm_set1_epi8('\\'))),
        _mm_cmplt_epi8(bytes, _mm_set1_epi8(0x20)));
    auto const mask = static_cast<unsigned>(_mm_movemask_epi8(stops));
    if (mask != 0) return p + std::countr_zero(mask);
  }
#endif
  if constexpr (enabled) {
    for (; end - p >= 8; p += 8) {
      std::uint64_t const stops = run_stop_bytes(load8(p));
      if (stops != 0) return p + std::countr_zero(stops) / 8;
    }
  }
  while (p < end && !run_stops[static_cast<unsigned char>(*p)]) ++p;
  return p;
}

/// Returns how many of the first bytes of `word` are the digits 0-9.
inline std::size_t leading_digits(std::uint64_t word) {
  std::uint64_t const above = word + ones * (0x80 - 0x3A);  // A byte above '9' sets its top bit,
  std::uint64_t const below = word - ones * '0';            // one below '0' borrows into it,
  std::uint64_t const others = (above | below | word) & highs;  // and bytes above 0x7F have it.
  return others == 0 ? 8 : static_cast<std::size_t>(std::countr_zero(others)) / 8;
}

/// Returns the value of eight digits, the first in the lowest byte (D. Lemire, "Quickly
/// parsing eight digits", 2022). Bytes that are zero count as leading zeros.
constexpr std::uint64_t eight_digits(std::uint64_t word) {
  word = ((word & 0x0F0F0F0F0F0F0F0Fu) * 2561) >> 8;
  word = ((word & 0x00FF00FF00FF00FFu) * 6553601) >> 16;
  return ((word & 0x0000FFFF0000FFFFu) * 42949672960001u) >> 32;
}

/// Returns true when the `size` bytes at `a` and at `b` are equal. Names in a history are
/// short: up to sixteen bytes are compared as two overlapping words, with no call.
inline bool same_bytes(char const* a, char const* b, std::size_t size) {
  if (size >= 8 && size <= 16)
    return (load8(a) ^ load8(b)) == 0 && (load8(a + size - 8) ^ load8(b + size - 8)) == 0;
  if (size >= 4 && size < 8) {
    std::uint32_t x[2] = {};
    std::uint32_t y[2] = {};
    std::memcpy(&x[0], a, 4);
    std::memcpy(&x[1], a + size - 4, 4);
    std::memcpy(&y[0], b, 4);
    std::memcpy(&y[1], b + size - 4, 4);
    return x[0] == y[0] && x[1] == y[1];
  }
  return std::memcmp(a, b, size) == 0;
}

inline constexpr std::array<std::uint64_t, 9> powers_of_ten{
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};

}  // namespace mqcheck::history::detail::swar
