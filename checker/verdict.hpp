// SPDX-License-Identifier: Apache-2.0
// File: checker/verdict.hpp (layer: checker)
// What every checker returns: a three-valued validity, the anomalies that prove a violation
// (each with the history indices that witness it) and a reason a person can read. Validity
// merges worst-wins, as Jepsen's checker/compose does: invalid > unknown > valid.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/strong_id.hpp"

namespace mqcheck::checker {

/// Whether a guarantee held. `unknown` means the history cannot decide it (an `info` op, no
/// final drain, no consumer), which is never reported as `valid`.
enum class Validity : std::uint8_t { valid, unknown, invalid };

/// Returns "valid", "unknown" or "invalid".
std::string_view to_string(Validity validity);
/// Returns the validity spelled `text`, or nothing when `text` spells none.
std::optional<Validity> validity_from(std::string_view text);
/// Returns every spelling, in enum order (for messages that suggest the nearest one).
std::vector<std::string_view> validity_names();
/// Returns the more severe of `a` and `b`: invalid over unknown over valid.
Validity worst(Validity a, Validity b);

/// One violation, with the ops that prove it.
struct Anomaly {
  std::string kind;                      // Jepsen's names: "lost", "duplicated", "unexpected".
  MessageId message;                     // The message concerned.
  std::string group;                     // The consumer group concerned.
  std::vector<std::uint64_t> witnesses;  // History indices, ascending; never empty.
  std::string explanation;               // One sentence a student can follow.
  bool operator==(Anomaly const&) const = default;
};

/// The judgement of one guarantee.
struct Verdict {
  std::string guarantee;  // "at-most-once", "at-least-once", ...
  Validity validity = Validity::valid;
  std::vector<Anomaly> anomalies{};  // Sorted by (first witness, kind, group, message).
  std::string reason{};              // Why it is invalid or unknown; empty when valid.
  bool operator==(Verdict const&) const = default;
};

/// Sorts `anomalies` by (first witness, kind, group, message), so that output is stable and
/// the earliest evidence comes first. Asserts that every anomaly has a witness.
void sort_anomalies(std::vector<Anomaly>& anomalies);

/// Returns `indices` ascending, each once: an anomaly's witnesses.
std::vector<std::uint64_t> unique_sorted(std::vector<std::uint64_t> indices);

/// Returns "message 7": how explanations name a message.
std::string message_name(MessageId id);

/// Text helpers shared by the explanations: "1 message", "3 messages"; "op 7", "ops 7, 9"
/// (`indices` not empty); the parts joined by `separator`, as reasons are.
std::string plural(std::size_t n, std::string_view noun);
std::string op_list(std::vector<std::uint64_t> const& indices);
std::string join(std::vector<std::string> const& parts, std::string_view separator = "; ");

}  // namespace mqcheck::checker
