// SPDX-License-Identifier: Apache-2.0
// File: sim/properties_file.cpp (layer: sim)
// The .properties reader: logical lines (continuations joined), then key and value split with
// escapes decoded, each value marked with the line and column where its key starts.
#include "sim/properties_file.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>

namespace mqcheck::sim {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// One logical line: its text with continuations joined, and where it starts.
struct LogicalLine {
  std::string text;
  int line = 0;
  int column = 0;  // Of the first non-blank character.
};

// Returns true when `line` ends in an odd number of backslashes (a continuation).
bool continues(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

std::vector<std::string_view> physical_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    bool const end = i == text.size();
    if (!end && text[i] != '\n' && text[i] != '\r') continue;
    lines.push_back(text.substr(start, i - start));
    if (!end && text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    start = i + 1;
  }
  return lines;
}

std::string_view skip_blanks(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  return s;
}

std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<std::string_view> const lines = physical_lines(text);
  std::vector<LogicalLine> out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view first = skip_blanks(lines[i]);
    if (first.empty() || first.front() == '#' || first.front() == '!') continue;
    LogicalLine l{std::string(), static_cast<int>(i + 1),
                  static_cast<int>(lines[i].size() - first.size() + 1)};
    std::string_view part = first;
    while (continues(part) && i + 1 < lines.size()) {
      l.text.append(part.substr(0, part.size() - 1));
      part = skip_blanks(lines[++i]);
    }
    l.text.append(part);
    out.push_back(std::move(l));
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the escape at text[i] == '\\'; returns the index after it.
std::size_t unescape(std::string_view text, std::size_t i, std::string& out,
                     SourceMark const& mark) {
  if (i + 1 >= text.size()) return i + 1;  // A lone trailing backslash: dropped, as Java does.
  char const c = text[i + 1];
  switch (c) {
    case 't': out += '\t'; return i + 2;
    case 'n': out += '\n'; return i + 2;
    case 'r': out += '\r'; return i + 2;
    case 'f': out += '\f'; return i + 2;
    case 'u': break;
    default: out += c; return i + 2;
  }
  std::uint32_t cp = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    int const d = i + 2 + k < text.size() ? hex_digit(text[i + 2 + k]) : -1;
    if (d < 0) throw InputError(mark, "", "malformed \\uXXXX escape (four hex digits expected)");
    cp = cp * 16 + static_cast<std::uint32_t>(d);
  }
  append_utf8(out, cp);
  return i + 6;
}

// Splits a logical line into its key and value, decoding escapes.
std::pair<std::string, std::string> split(std::string_view text, SourceMark const& mark) {
  std::string key;
  std::size_t i = 0;
  while (i < text.size() && text[i] != '=' && text[i] != ':' && !blank(text[i])) {
    if (text[i] == '\\') {
      i = unescape(text, i, key, mark);
    } else {
      key += text[i++];
    }
  }
  while (i < text.size() && blank(text[i])) ++i;
  if (i < text.size() && (text[i] == '=' || text[i] == ':')) ++i;
  while (i < text.size() && blank(text[i])) ++i;
  std::string value;
  while (i < text.size()) {
    if (text[i] == '\\') {
      i = unescape(text, i, value, mark);
    } else {
      value += text[i++];
    }
  }
  return {std::move(key), std::move(value)};
}

}  // namespace

ConfigMap parse_properties(std::string_view text, std::string const& file) {
  ConfigMap map;
  for (LogicalLine const& l : logical_lines(text)) {
    SourceMark const mark{file, l.line, l.column};
    auto [key, value] = split(l.text, mark);
    ConfigValue v{std::move(value), mark};
    v.lenient = true;
    map.insert_or_assign(std::move(key), std::move(v));
  }
  return map;
}

ConfigMap read_properties(std::string const& path, SourceMark const& where) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(where, "", "cannot open the properties file '" + path + "'");
  std::string const text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw InputError(where, "", "cannot read the properties file '" + path + "'");
  return parse_properties(text, path);
}

ConfigMap overlay(ConfigMap base, ConfigMap const& over) {
  for (auto const& [key, value] : over) base.insert_or_assign(key, value);
  return base;
}

std::vector<IgnoredKey> ignored_keys(Scenario const& s) {
  std::vector<IgnoredKey> out;
  auto const scan = [&](ConfigMap const& map, std::string const& scope) {
    for (auto const& [key, value] : map) {
      if (value.lenient && !value.read) out.push_back(IgnoredKey{scope, key, value.mark});
    }
  };
  scan(s.broker_config, "broker_config");
  for (std::size_t i = 0; i < s.producers.size(); ++i) {
    scan(s.producers[i].config, "producers[" + std::to_string(i) + "].config");
  }
  for (std::size_t i = 0; i < s.consumers.size(); ++i) {
    scan(s.consumers[i].config, "consumers[" + std::to_string(i) + "].config");
  }
  return out;
}

}  // namespace mqcheck::sim
