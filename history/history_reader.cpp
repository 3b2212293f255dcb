// SPDX-License-Identifier: Apache-2.0
// File: history/history_reader.cpp (layer: history)
// HistoryReader: splits the input into lines and checks what spans lines (the header comes
// first, indices count 0, 1, 2, ..., times never decrease, blank lines only at the end).
// Each line is decoded by history/line_decoder.cpp. Memory stays bounded by one line.
#include <cstring>
#include <istream>
#include <limits>
#include <streambuf>
#include <vector>

#include "core/input_error.hpp"
#include "history/history_io.hpp"
#include "history/canonical_op_line.hpp"
#include "history/json_text.hpp"
#include "history/line_decoder.hpp"

namespace mqcheck::history {
namespace {

constexpr std::string_view header_example = "{\"mqcheck-history\":1,\"time-unit\":\"us\"}";
constexpr std::size_t buffer_bytes = std::size_t{64} << 10;

}  // namespace

HistoryReader::HistoryReader(std::istream& in, std::string file_name)
    : in_(in), file_name_(std::move(file_name)), buffer_(buffer_bytes) {
  if (in_.fail() || in_.rdbuf() == nullptr) fail(0, "", "cannot read the input");
  if (read_line() && !detail::is_blank(line_)) {
    header_ = detail::decode_header_line(line_, file_name_);
    return;
  }
  // Line 1 is blank or missing. Tell an empty file from a header that is not on line 1.
  while (read_line()) {
    if (!detail::is_blank(line_)) {
      fail(1, "mqcheck-history",
           "line 1 is blank: the header " + std::string(header_example) +
               " must be the first line");
    }
  }
  fail(1, "mqcheck-history",
       "empty file: a history starts with a header line such as " + std::string(header_example));
}

bool HistoryReader::next(Op& op) {
  while (!done_) {
    if (!read_line()) {
      done_ = true;
      break;
    }
    // Nearly every line is in the writer's form: decoded at once, it can be neither blank nor
    // bad. Any other line takes the checks below, in their order.
    if (blank_line_ == 0 && detail::decode_canonical_op_line(line_, op)) {
      done_ = true;  // As below: a reader that threw stays at its end.
      check_sequence(op);
      done_ = false;
      ++index_next_;
      time_last_ = op.time;
      return true;
    }
    if (detail::is_blank(line_)) {
      if (blank_line_ == 0) blank_line_ = line_number_;
      continue;
    }
    if (blank_line_ != 0) {
      fail(blank_line_, "",
           "blank line inside the history: only the end of the file may have blank lines");
    }
    // A reader that threw stays at its end: next() after an InputError returns nothing.
    done_ = true;
    detail::decode_op_line_in_full(line_, file_name_, line_number_, op);
    check_sequence(op);
    done_ = false;
    ++index_next_;
    time_last_ = op.time;
    return true;
  }
  return false;
}

std::optional<Op> HistoryReader::next() {
  std::optional<Op> op(std::in_place);  // Decoded in place: no Op is moved on the way out.
  if (!next(*op)) op.reset();
  return op;
}

bool HistoryReader::read_line() {
  // Lines are cut out of blocks with memchr. A line that lies inside the current block is used
  // in place; one that spans blocks is gathered in spill_. Its length is checked as it grows,
  // so that a file without line breaks cannot exhaust memory.
  spill_.clear();
  bool any = false;
  while (buffer_begin_ < buffer_end_ || fill_buffer()) {
    if (!any) {
      if (line_number_ == std::numeric_limits<int>::max()) fail(line_number_, "", "too many lines");
      ++line_number_;
      any = true;
    }
    char const* const start = buffer_.data() + buffer_begin_;
    std::size_t const available = buffer_end_ - buffer_begin_;
    auto const* const newline = static_cast<char const*>(std::memchr(start, '\n', available));
    std::size_t const take = newline == nullptr ? available : std::size_t(newline - start);
    if (spill_.size() + take > line_bytes_max) {
      fail(line_number_, "",
           "line longer than " + std::to_string(line_bytes_max) + " bytes: not a history line");
    }
    buffer_begin_ += take;
    if (newline != nullptr && spill_.empty()) {
      line_ = std::string_view(start, take);  // Valid until the next fill_buffer.
      ++buffer_begin_;                        // The line break itself.
      return true;
    }
    spill_.append(start, take);
    if (newline != nullptr) {
      ++buffer_begin_;
      break;
    }
  }
  line_ = spill_;
  return any;
}

bool HistoryReader::fill_buffer() {
  std::streamsize const got =
      in_.rdbuf()->sgetn(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
  buffer_begin_ = 0;
  buffer_end_ = got > 0 ? static_cast<std::size_t>(got) : 0;
  return buffer_end_ > 0;
}

void HistoryReader::fail(int line, std::string const& key, std::string const& problem) {
  done_ = true;
  throw InputError(SourceMark{file_name_, line, 0}, key, problem);
}

void HistoryReader::check_sequence(Op const& op) const {
  if (op.index != index_next_) {
    detail::fail_at_field(line_, file_name_, line_number_, "index",
                          "expected " + std::to_string(index_next_) +
                              " (ops are numbered 0, 1, 2, ... in file order), found " +
                              std::to_string(op.index));
  }
  if (op.time < time_last_) {
    detail::fail_at_field(line_, file_name_, line_number_, "time",
                          "time went backwards: " + std::to_string(op.time.us) +
                              " is before the previous op's time " +
                              std::to_string(time_last_.us));
  }
}

}  // namespace mqcheck::history
