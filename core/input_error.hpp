// SPDX-License-Identifier: Apache-2.0
// File: core/input_error.hpp (layer: core)
// Bad user input (a scenario, a history, a command line) is an InputError: it names the
// file, line, column and key, and the command exits with status 2. It is never a crash and
// never a silent default.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mqcheck {

/// Where in a user's file a problem is. Lines and columns count from 1; 0 means unknown.
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

/// An error in user input. what() is the full message: "FILE:LINE:COL: key 'K': problem".
class InputError : public std::runtime_error {
 public:
  InputError(SourceMark mark, std::string key, std::string problem);
  SourceMark const& mark() const { return mark_; }
  std::string const& key() const { return key_; }
  std::string const& problem() const { return problem_; }

 private:
  SourceMark mark_;
  std::string key_;
  std::string problem_;
};

/// Returns the candidate nearest to `word` by edit distance, or "" when none is close enough
/// to be a plausible typo (distance above a third of the word's length, at least 2).
std::string nearest(std::string_view word, std::span<std::string_view const> candidates);

/// Returns the Levenshtein distance between `a` and `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace mqcheck
