// SPDX-License-Identifier: Apache-2.0
// File: history/json_line.cpp (layer: history)
// One JSON line in, typed fields out, through nlohmann::json (https://json.nlohmann.me): the
// header's decoding, and the error paths of every line. These may be slow: they run once, just
// before the read stops.
#include "history/json_line.hpp"

#include <vector>

#include "core/assert.hpp"
#include "core/input_error.hpp"
#include "history/json_text.hpp"

namespace mqcheck::history::detail {
namespace {

// Returns the parser's own explanation without its "[json.exception...] ... column N: " prefix.
std::string parser_message(std::string_view what) {
  std::size_t const column = what.find("column ");
  std::size_t const colon = column == std::string_view::npos ? column : what.find(": ", column);
  if (colon != std::string_view::npos) what.remove_prefix(colon + 2);
  std::string out;
  for (char const c : what) {  // The message quotes raw input; keep it printable.
    auto const byte = static_cast<unsigned char>(c);
    out.push_back(byte < 0x20 || byte >= 0x7F ? '?' : c);
  }
  return out;
}

// Rejects a field written twice in one object.
class DuplicateGuard {
 public:
  explicit DuplicateGuard(Line const& line) : line_(line) {}

  bool on_event(int depth, Json::parse_event_t event, Json const& parsed) {
    if (event == Json::parse_event_t::object_start) {
      starts_.push_back(keys_.size());
    } else if (event == Json::parse_event_t::object_end) {
      MQCHECK_ASSERT(!starts_.empty());
      keys_.resize(starts_.back());
      starts_.pop_back();
    } else if (event == Json::parse_event_t::key) {
      MQCHECK_ASSERT(!starts_.empty());
      auto const& key = parsed.get_ref<std::string const&>();
      for (std::size_t at = starts_.back(); at < keys_.size(); ++at)
        if (keys_[at] == key) fail_duplicate(depth, key);
      keys_.push_back(key);
    }
    return true;
  }

 private:
  [[noreturn]] void fail_duplicate(int depth, std::string const& key) const {
    // Depth 1 is the line's own object; deeper keys belong to a message or a subscription.
    int const column = depth == 1 ? find_key(line_.text, key, 2).key_column : 0;
    std::string const where = depth == 1 ? "" : " in a nested object";
    throw InputError(SourceMark{line_.file, line_.number, column}, printable(key),
                     "duplicate field " + in_quotes(key) + where + " (each field may appear once)");
  }

  Line const& line_;
  std::vector<std::string> keys_;    // The keys of every open object, outermost first.
  std::vector<std::size_t> starts_;  // Where each open object's keys start in keys_.
};

}  // namespace

std::string Field::key() const {
  if (record == no_record) return printable(name);
  std::string out = "value[" + std::to_string(record) + "]";
  if (!name.empty()) out += "." + printable(name);
  return out;
}

std::string_view Field::spot_key() const {
  if (record != no_record) return "value";
  return spot.empty() ? name : spot;
}

void fail(Line const& line, Field const& field, std::string const& problem) {
  int const column = find_key(line.text, field.spot_key()).value_column;
  throw InputError(SourceMark{line.file, line.number, column}, field.key(), problem);
}

void fail_unknown_field(Line const& line, Field const& field,
                        std::span<std::string_view const> names) {
  std::string const problem =
      "unknown field " + in_quotes(field.name) + suggestion(field.name, names);
  if (field.record != no_record || !field.spot.empty()) fail(line, field, problem);
  int const column = find_key(line.text, field.name).key_column;
  throw InputError(SourceMark{line.file, line.number, column}, printable(field.name), problem);
}

std::string suggestion(std::string_view word, std::span<std::string_view const> names) {
  std::string const near = nearest(word, names);
  if (!near.empty()) return " (did you mean '" + near + "'?)";
  std::string out = " (expected one of ";
  for (std::size_t at = 0; at < names.size(); ++at) {
    if (at > 0) out += ", ";
    out += names[at];
  }
  return out + ")";
}

std::string describe(Json const& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return value.get<bool>() ? "true" : "false";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return value.dump();
    default: return "an unsupported value";
  }
}

Json parse_line(Line const& line) {
  DuplicateGuard guard(line);
  auto callback = [&guard](int depth, Json::parse_event_t event, Json& parsed) {
    return guard.on_event(depth, event, parsed);
  };
  try {
    Json json = Json::parse(line.text.begin(), line.text.end(), callback);
    // The library takes a NUL byte where a token may start as the end of its input, so it
    // would accept `{...}` followed by NUL and anything. No writer writes that: reject it.
    if (std::size_t const nul = line.text.find('\0'); nul != line.text.npos) {
      throw InputError(SourceMark{line.file, line.number, column_at(line.text, nul)}, "",
                       "malformed JSON: unexpected '\\u0000' after the value");
    }
    return json;
  } catch (Json::parse_error const& error) {
    // `byte` counts from 1 and points at the last character read, the one at fault.
    int const column = column_at(line.text, error.byte == 0 ? 0 : error.byte - 1);
    throw InputError(SourceMark{line.file, line.number, column}, "",
                     "malformed JSON: " + parser_message(error.what()));
  } catch (Json::out_of_range const& error) {
    // A number beyond a double (1e400): valid JSON, but no reader can hold it (RFC 8259
    // section 6 lets implementations limit the range). The library quotes the number.
    std::string_view const what = error.what();
    std::size_t const open = what.find('\'');
    std::string_view const number =
        open == what.npos ? "" : what.substr(open + 1, what.rfind('\'') - open - 1);
    std::size_t const at = number.empty() ? line.text.npos : line.text.find(number);
    int const column = at == line.text.npos ? 0 : column_at(line.text, at);
    throw InputError(SourceMark{line.file, line.number, column}, "",
                     "number out of range: " + in_quotes(number) + " is too large for any reader");
  }
}

void check_syntax(Line const& line) { static_cast<void>(parse_line(line)); }

std::string describe_at(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "nothing";  // Not for a valid line; stay safe all the same.
  switch (text[offset]) {
    case '"': return "a string";
    case '{': return "an object";
    case '[': return "an array";
    case 't': return "true";
    case 'f': return "false";
    case 'n': return "null";
    default: break;
  }
  // A number: the library formats it, so that 1e3 reads "1000.0" here as it does in describe.
  std::size_t const end = text.find_first_not_of("+-.eE0123456789", offset);
  std::string_view const number = text.substr(offset, end == text.npos ? end : end - offset);
  return describe(Json::parse(number.begin(), number.end()));
}

std::uint64_t get_count(Line const& line, Json const& value, Field const& field,
                        std::uint64_t max) {
  if (value.is_number_unsigned() && value.get<std::uint64_t>() <= max)
    return value.get<std::uint64_t>();
  bool const negative = value.is_number_integer() && !value.is_number_unsigned();
  if (negative && value.get<std::int64_t>() == 0) return 0;  // Written "-0".
  fail(line, field,
       "expected an integer from 0 to " + std::to_string(max) + ", found " + describe(value));
}

std::string const& get_string(Line const& line, Json const& value, Field const& field) {
  if (!value.is_string()) fail(line, field, "expected a string, found " + describe(value));
  return value.get_ref<std::string const&>();
}

std::string const& get_name(Line const& line, Json const& value, Field const& field) {
  std::string const& text = get_string(line, value, field);
  if (text.empty()) fail(line, field, "must not be empty");
  return text;
}

bool get_bool(Line const& line, Json const& value, Field const& field) {
  if (!value.is_boolean()) fail(line, field, "expected true or false, found " + describe(value));
  return value.get<bool>();
}

}  // namespace mqcheck::history::detail
