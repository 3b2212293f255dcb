// SPDX-License-Identifier: Apache-2.0
// File: history/history_io.hpp (layer: history)
// Reads and writes history files: JSON Lines, a header line and then one op per line
// (docs/history-format.md is the full contract). Writing is byte-deterministic: the same
// History always gives the same bytes. Reading is strict: anything the writer could not have
// written is an mqcheck::InputError naming file, line, column when known, and field.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.hpp"
#include "history/history.hpp"
#include "history/op.hpp"

namespace mqcheck::history {

/// The longest line a reader accepts, in bytes. Reading stays in bounded memory even when a
/// file is not a history at all (a binary file, a log with no line breaks).
inline constexpr std::size_t line_bytes_max = std::size_t{16} << 20;

/// Returns the file spelling of a group's mode ("clustering", "broadcast"), of an isolation
/// level ("read-uncommitted", "read-committed") and of an ordering scope ("none", "partition",
/// "queue", "key", "producer").
std::string_view to_string(GroupSpec::Mode mode);
std::string_view to_string(GroupSpec::Isolation isolation);
std::string_view to_string(GroupSpec::DelayBy delay);
std::string_view to_string(OrderingScope scope);

/// Returns the guarantee names a header's `promises` may list, in report order. The reader
/// rejects any other name (suggesting the nearest), so a misspelt promise cannot quietly turn
/// a violation into information. A checker that adds a guarantee adds its name here.
std::span<std::string_view const> guarantee_names();

/// Returns the anomaly kinds a header's `allowed` may name (Jepsen's and Adya's spellings,
/// docs/anomalies.md). A checker that adds an anomaly kind adds it here.
std::span<std::string_view const> anomaly_kind_names();

/// Streams a history to `out`: the header first, then ops in order, one compact JSON object
/// per line, each ending in "\n". Fields are written in a fixed order, and empty optional
/// fields are left out. It asserts (MQCHECK_ASSERT) every rule the reader checks, so what it
/// writes always reads back: indices 0, 1, 2, ... in order, times that never decrease, a
/// non-empty process, an f that fits the type. Stream failures are left in `out`'s state.
class HistoryWriter {
 public:
  /// Writes the header line. `out` must outlive the writer.
  HistoryWriter(std::ostream& out, Header const& header);
  /// Writes one op line. `op.index` must be the number of ops written before it.
  void write(Op const& op);

 private:
  std::ostream& out_;
  std::string line_;  // Reused for every line, so that writing does not allocate per op.
  std::uint64_t index_next_ = 0;
  SimTimeUs time_last_{};
};

/// Writes `history` to `out` in the history file format.
void write_history(std::ostream& out, History const& history);

/// Returns `history` in the history file format.
std::string to_jsonl(History const& history);

/// Streams ops from a history file one at a time, in bounded memory (one line at a time, at
/// most line_bytes_max bytes). Each op is checked against the line before it: indices must
/// count 0, 1, 2, ... and times must not decrease. Blank lines are allowed only at the end.
/// It reads `in`'s stream buffer ahead in blocks, so `in` is its own until it is destroyed.
class HistoryReader {
 public:
  /// Reads and checks the header line. `file_name` names the input in error messages, and
  /// `in` must outlive the reader. Throws InputError on an empty file or a bad header.
  HistoryReader(std::istream& in, std::string file_name);
  /// Returns the header read by the constructor.
  Header const& header() const { return header_; }
  /// Decodes the next op into `op` and returns true, or returns false at the end of the file
  /// (and on every call after that), leaving `op` as it was. Every field of `op` is
  /// overwritten: fields the line leaves out become empty. Its strings and its value vector
  /// (and the strings of the records it already holds) keep their capacity, so that a loop
  /// that passes the same Op every time does not allocate per op once it has warmed up.
  /// Checks and errors are next()'s: throws InputError when the next line is not a valid op,
  /// leaving `op` partly overwritten, and returns false on every call after that.
  bool next(Op& op);
  /// Returns the next op, or nothing at the end of the file (and on every call after that).
  /// Throws InputError when the next line is not a valid op. Built on next(Op&); a loop over a
  /// large file should call that instead, to reuse one Op.
  std::optional<Op> next();

 private:
  bool read_line();    // Reads the next line into line_; false at the end of the input.
  bool fill_buffer();  // Reads the next block of input into buffer_; false at its end.
  [[noreturn]] void fail(int line, std::string const& key, std::string const& problem);
  void check_sequence(Op const& op) const;

  std::istream& in_;
  std::string file_name_;
  std::vector<char> buffer_;  // Input read ahead in blocks; lines are cut out of it.
  std::size_t buffer_begin_ = 0;
  std::size_t buffer_end_ = 0;
  std::string_view line_;  // The current line: in buffer_, or in spill_ if it spans blocks.
  std::string spill_;
  int line_number_ = 0;  // Of the line in line_, from 1.
  int blank_line_ = 0;   // The first blank line since the last op, or 0.
  bool done_ = false;
  std::uint64_t index_next_ = 0;
  SimTimeUs time_last_{};
  Header header_;
};

/// Reads a whole history from `in`. Throws InputError, naming `file_name`, on bad input.
History read_history(std::istream& in, std::string const& file_name);

/// Reads the history file at `path`. Throws InputError when the file is missing, unreadable
/// or not a valid history.
History load_history(std::string const& path);

}  // namespace mqcheck::history
