// SPDX-License-Identifier: Apache-2.0
// File: history/canonical_op_line.cpp (layer: history)
// The fast path of the op-line reader: an op line as HistoryWriter writes it
// (history_io.cpp, append_op_line and append_record) is matched as fixed text, field by field
// in the writer's order, with each number and string read in one pass. Every check here only
// decides whether to go on: the rules themselves (ranges, a non-empty process, an f that fits
// the type) are the full decoder's, and whenever this code is unsure it returns false and lets
// line_decoder.cpp decide, and word the error.
#include "history/canonical_op_line.hpp"

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "history/json_swar.hpp"
#include "history/line_decoder.hpp"

namespace mqcheck::history::detail {
namespace {

constexpr std::uint64_t int32_max = std::numeric_limits<std::int32_t>::max();

// At most 19 digits: 9,999,999,999,999,999,999 fits in 64 bits, so no digit can overflow.
// Longer numbers (and every number the writer does not write) go to the full decoder.
constexpr std::ptrdiff_t count_digits_max = 19;

// The spellings of the op types or fs, looked up by open addressing on the length, the first
// and the last byte. Built once from op.hpp's spellings, so a new kind needs no change here.
template <class E>
class NameTable {
 public:
  template <class From>
  NameTable(std::vector<std::string_view> const& names, From from) {
    for (std::string_view const name : names) {
      std::size_t slot = hash(name);
      while (!entries_[slot].name.empty()) slot = (slot + 1) % slots;
      entries_[slot] = Entry{name, *from(name)};
    }
  }

  // Sets `out` to the value spelled `text` and returns true, or returns false.
  bool find(std::string_view text, E& out) const {
    if (text.empty()) return false;
    for (std::size_t slot = hash(text);; slot = (slot + 1) % slots) {
      Entry const& entry = entries_[slot];
      if (entry.name.empty()) return false;
      if (entry.name.size() == text.size() &&
          swar::same_bytes(entry.name.data(), text.data(), text.size())) {
        out = entry.value;
        return true;
      }
    }
  }

 private:
  static constexpr std::size_t slots = 64;  // More than twice the 26 fs: short probes.
  struct Entry {
    std::string_view name;
    E value{};
  };
  static std::size_t hash(std::string_view text) {
    auto const first = static_cast<unsigned char>(text.front());
    auto const last = static_cast<unsigned char>(text.back());
    return (text.size() * 37 + first * 7 + last) % slots;
  }
  std::array<Entry, slots> entries_{};
};

NameTable<OpType> const& type_table() {
  static NameTable<OpType> const table(op_type_names(), op_type_from);
  return table;
}

NameTable<OpKind> const& kind_table() {
  static NameTable<OpKind> const table(op_kind_names(), op_kind_from);
  return table;
}

// Stores a count that CanonicalLine::count has checked against the field's maximum.
void set_count(std::int32_t& to, std::uint64_t value) { to = static_cast<std::int32_t>(value); }
void set_count(Offset& to, std::uint64_t value) { to.value = static_cast<std::int64_t>(value); }
void set_count(SimTimeUs& to, std::uint64_t value) { to.us = static_cast<std::int64_t>(value); }
void set_count(MessageId& to, std::uint64_t value) { to.value = value; }

// Reads one canonical line front to back. Each method returns false, in any state, when the
// text is not what the writer would have written there.
class CanonicalLine {
 public:
  explicit CanonicalLine(std::string_view text)
      : at_(text.data()), end_(text.data() + text.size()) {
    if (at_ != end_ && end_[-1] == '\r') --end_;  // A "\r\n" line ending.
  }

  // Consumes `literal` (a string literal, without its NUL) when the text goes on with it.
  // The first eight bytes are compared alone first: an absent field differs there.
  template <std::size_t N>
  bool take(char const (&literal)[N]) {
    constexpr std::size_t size = N - 1;
    if (static_cast<std::size_t>(end_ - at_) < size) return false;
    if constexpr (size >= 8) {
      // Word by word, the last one overlapping, with no call: the first word differs when
      // the field is absent.
      for (std::size_t at = 0; at + 8 < size; at += 8)
        if (swar::load8(at_ + at) != swar::load8(literal + at)) return false;
      if (swar::load8(at_ + size - 8) != swar::load8(literal + size - 8)) return false;
    } else if (!swar::same_bytes(at_, literal, size)) {
      return false;
    }
    at_ += size;
    return true;
  }

  bool at_end() const { return at_ == end_; }
  // Returns true when a '}' is next: the object ends here.
  bool closing() const { return at_ != end_ && *at_ == '}'; }

  // Reads an integer from 0 to `max`, written with digits only and no leading zero.
  bool count(std::uint64_t max, std::uint64_t& out) {
    char const* p = at_;
    std::uint64_t value = 0;
    if (swar::enabled && end_ - p >= 8) {
      // Up to eight digits at once; the byte after the run is not a digit or it is the ninth.
      std::uint64_t const word = swar::load8(p);
      std::size_t const digits = swar::leading_digits(word);
      if (digits == 0 || (*p == '0' && digits > 1)) return false;
      value = swar::eight_digits(word << (8 * (8 - digits)));
      p += digits;
      if (digits == 8 && !digits_after(p, value)) return false;
    } else {
      if (p == end_ || !is_digit(*p) || (*p == '0' && p + 1 != end_ && is_digit(p[1])))
        return false;
      if (!digits_after(p, value)) return false;
    }
    if (value > max) return false;
    at_ = p;
    out = value;
    return true;
  }

  // Reads the digits from `p` on into `value`, which holds those before them. Returns false
  // when the number has more than count_digits_max digits.
  bool digits_after(char const*& p, std::uint64_t& value) const {
    for (; p != end_ && is_digit(*p); ++p) {
      if (p - at_ >= count_digits_max) return false;
      value = value * 10 + static_cast<std::uint64_t>(*p - '0');
    }
    return true;
  }

  // Reads the rest of a string whose opening quote has been taken, when it is plain text.
  bool string(std::string& out) {
    char const* const start = at_;
    char const* const stop = swar::plain_run_end(start, end_);
    if (stop == end_ || *stop != '"') return false;  // An escape, a control or UTF-8.
    auto const size = static_cast<std::size_t>(stop - start);
    // Histories repeat their names (a topic, a group, the process of an invoke and its
    // completion): comparing first skips most copies, and costs little when they differ.
    if (out.size() != size || !swar::same_bytes(out.data(), start, size)) out.assign(start, size);
    at_ = stop + 1;
    return true;
  }

  // As string(), returning a view of the text, or nothing.
  std::optional<std::string_view> word() {
    char const* const start = at_;
    char const* const stop = swar::plain_run_end(start, end_);
    if (stop == end_ || *stop != '"') return std::nullopt;
    at_ = stop + 1;
    return std::string_view(start, static_cast<std::size_t>(stop - start));
  }

  // Reads a string field `literal` (which ends with the opening quote) when it is next;
  // otherwise empties `out`, as the field is left out.
  template <std::size_t N>
  bool optional_string(char const (&literal)[N], std::string& out) {
    if (take(literal)) return string(out);
    out.clear();
    return true;
  }

  // Reads a count field `literal` when it is next; otherwise empties `out`.
  template <class T, std::size_t N>
  bool optional_count(char const (&literal)[N], std::uint64_t max, std::optional<T>& out) {
    if (!take(literal)) {
      out.reset();
      return true;
    }
    std::uint64_t value = 0;
    if (!count(max, value)) return false;
    set_count(out.emplace(), value);
    return true;
  }

  bool record(Record& out);
  bool records(std::vector<Record>& out);
  bool head(Op& out);

 private:
  char const* at_;
  char const* end_;
};

// A message, in append_record's order: {"id":N,"topic":"..","partition":N,"offset":N,
// "key":"..","priority":N,"deliver-after":N,"tag":"..","source":N}, each but id optional.
bool CanonicalLine::record(Record& out) {
  std::uint64_t id = 0;
  if (!take(R"({"id":)") || !count(uint64_max, id)) return false;
  out.id = MessageId{id};
  if (!optional_string(R"(,"topic":")", out.topic)) return false;
  // Most records end after their topic or their offset: a '}' there settles every field
  // left, with no attempt to match each one.
  if (!closing()) {
    if (!optional_count(R"(,"partition":)", int32_max, out.partition) ||
        !optional_count(R"(,"offset":)", int64_max, out.offset))
      return false;
  } else {
    out.partition.reset();
    out.offset.reset();
  }
  if (closing()) {
    out.key.clear();
    out.priority.reset();
    out.deliver_after.reset();
    out.tag.clear();
    out.source.reset();
    ++at_;
    return true;
  }
  return optional_string(R"(,"key":")", out.key) &&
         optional_count(R"(,"priority":)", int32_max, out.priority) &&
         optional_count(R"(,"deliver-after":)", int64_max, out.deliver_after) &&
         optional_string(R"(,"tag":")", out.tag) &&
         optional_count(R"(,"source":)", uint64_max, out.source) && take("}");
}

// The messages after `"value":[`, decoded into the records `out` already holds first.
bool CanonicalLine::records(std::vector<Record>& out) {
  std::size_t count = 0;
  if (!take("]")) {
    do {
      if (count == out.size()) out.emplace_back();  // record() sets all of a reused one.
      if (!record(out[count])) return false;
      ++count;
    } while (take(","));
    if (!take("]")) return false;
  }
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(count), out.end());
  return true;
}

// The required fields: {"index":N,"time":N,"process":"..","type":"..","f":"..".
bool CanonicalLine::head(Op& out) {
  std::uint64_t index = 0;
  std::uint64_t time = 0;
  if (!take(R"({"index":)") || !count(uint64_max, index) || !take(R"(,"time":)") ||
      !count(int64_max, time) || !take(R"(,"process":")") || !string(out.process) ||
      out.process.empty() || !take(R"(,"type":")")) {
    return false;
  }
  std::optional<std::string_view> const type = word();
  if (!type || !type_table().find(*type, out.type) || !take(R"(,"f":")")) return false;
  std::optional<std::string_view> const f = word();
  if (!f || !kind_table().find(*f, out.f) || !kind_fits_type(out.type, out.f)) return false;
  out.index = index;
  out.time = SimTimeUs{static_cast<std::int64_t>(time)};
  return true;
}

}  // namespace

bool decode_canonical_op_line(std::string_view text, Op& out) {
  CanonicalLine line(text);
  if (!line.head(out) || !line.optional_string(R"(,"group":")", out.group)) return false;
  // The value usually follows at once: then tenant, principal and txn, written before it,
  // are absent, with no attempt to match each one.
  bool value = line.take(R"(,"value":[)");
  if (value) {
    out.tenant.clear();
    out.principal.clear();
    out.txn.clear();
  } else {
    if (!line.optional_string(R"(,"tenant":")", out.tenant) ||
        !line.optional_string(R"(,"principal":")", out.principal) ||
        !line.optional_string(R"(,"txn":")", out.txn)) {
      return false;
    }
    value = line.take(R"(,"value":[)");
  }
  if (value) {
    if (!line.records(out.value)) return false;
  } else {
    out.value.clear();
  }
  return line.optional_string(R"(,"detail":")", out.detail) && line.take("}") && line.at_end();
}

}  // namespace mqcheck::history::detail
