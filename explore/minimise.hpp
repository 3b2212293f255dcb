// SPDX-License-Identifier: Apache-2.0
// File: explore/minimise.hpp (layer: explore)
// Counterexample minimisation (--minimise): delta debugging (Zeller and Hildebrandt, "Simplifying
// and Isolating Failure-Inducing Input", IEEE TSE 28(2), 2002: the ddmin algorithm) over the
// choices of a counterexample. A candidate is a subsequence of the choices in words (the
// choice's description, "broker-0 receives ProduceRequest from p1"), re-run from the initial
// state: each word takes the first choice that reads the same in the state reached, and a word
// no longer enabled there is skipped. A candidate is kept when the same guarantee is still
// violated after the settle. Indices would not do: removing one choice renumbers the rest.
// The result is 1-minimal: removing any single remaining choice loses the violation.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "explore/search.hpp"

namespace mqcheck::explore {

template <class Model>
class Minimiser {
  using W = World<Model>;

 public:
  Minimiser(Search<Model>& search, std::size_t guarantee) : search_(search), g_(guarantee) {}

  /// Returns the choice indices of a 1-minimal counterexample found from `choices` (which must
  /// violate the guarantee), ready for Search::rebuild and a trace file.
  std::vector<std::uint32_t> run(std::vector<std::uint32_t> const& choices) {
    std::vector<std::string> words = words_of(choices);
    std::vector<std::uint32_t> best = choices;
    std::size_t n = 2;
    while (words.size() >= 2) {
      std::size_t const chunk = (words.size() + n - 1) / n;
      bool reduced = false;
      // Each chunk alone, then each complement (ddmin's two reductions).
      for (int complement = 0; complement < 2 && !reduced; ++complement) {
        for (std::size_t start = 0; start < words.size() && !reduced; start += chunk) {
          std::vector<std::string> candidate = slice(words, start, chunk, complement == 1);
          if (candidate.empty() || candidate.size() == words.size()) continue;
          if (auto indices = attempt(candidate)) {
            best = std::move(*indices);
            words = words_of(best);  // Without the words that were skipped.
            n = complement == 1 ? std::max<std::size_t>(n - 1, 2) : 2;
            reduced = true;
          }
        }
      }
      if (reduced) continue;
      if (n >= words.size()) break;
      n = std::min(n * 2, words.size());
    }
    return best;
  }

  /// The candidates re-run (each a replay from the initial state, a settle and a check).
  std::size_t attempts() const { return attempts_; }

 private:
  static std::vector<std::string> slice(std::vector<std::string> const& words, std::size_t start,
                                        std::size_t chunk, bool complement) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < words.size(); ++i) {
      bool const inside = i >= start && i < start + chunk;
      if (inside != complement) out.push_back(words[i]);
    }
    return out;
  }

  std::vector<std::string> words_of(std::vector<std::uint32_t> const& choices) {
    Engine<Model>& engine = search_.engine();
    std::vector<std::string> words;
    W w = engine.initial();
    std::vector<Choice> options;
    for (std::uint32_t c : choices) {
      options.clear();
      engine.choices(w, options);
      words.push_back(engine.describe(w, options.at(c)));
      engine.apply(w, options[c]);
    }
    return words;
  }

  // Re-runs `words` (skipping those not enabled); returns the indices taken when the guarantee
  // is still violated.
  std::optional<std::vector<std::uint32_t>> attempt(std::vector<std::string> const& words) {
    ++attempts_;
    Engine<Model>& engine = search_.engine();
    W w = engine.initial();
    std::vector<std::uint32_t> taken;
    std::vector<Choice> options;
    for (std::string const& word : words) {
      options.clear();
      engine.choices(w, options);
      for (std::uint32_t i = 0; i < options.size(); ++i) {
        if (engine.describe(w, options[i]) != word) continue;
        engine.apply(w, options[i]);
        taken.push_back(i);
        break;
      }
    }
    if (!search_.violates(std::move(w), g_)) return std::nullopt;
    return taken;
  }

  Search<Model>& search_;
  std::size_t g_;
  std::size_t attempts_ = 0;
};

}  // namespace mqcheck::explore
