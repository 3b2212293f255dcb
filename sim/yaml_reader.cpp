// SPDX-License-Identifier: Apache-2.0
// File: sim/yaml_reader.cpp (layer: sim)
// Position-aware YAML access for the scenario loader. Only yaml-cpp calls that cannot throw
// on a valid node are used (type tests, Scalar(), Mark(), iteration); lookups by key such as
// node["x"] are avoided because they may throw or insert.
#include "sim/yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <limits>
#include <map>
#include <sstream>

#include "core/assert.hpp"
#include "core/parse.hpp"

namespace mqcheck::sim {

SourceMark to_source_mark(YAML::Mark const& mark, std::string const& file) {
  // yaml-cpp counts from 0 and uses -1 for "no position"; SourceMark counts from 1, 0 unknown.
  return SourceMark{file, mark.line < 0 ? 0 : mark.line + 1, mark.column < 0 ? 0 : mark.column + 1};
}

std::string quote_text(std::string_view text) {
  constexpr std::size_t shown_max = 40;
  if (text.size() <= shown_max) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, shown_max)) + "...'";
}

YamlField::YamlField(YAML::Node node, std::string path, std::string file, YAML::Mark empty_at)
    : node_(std::move(node)),
      mark_(node_.IsNull() && !empty_at.is_null() ? empty_at : node_.Mark()),
      path_(std::move(path)),
      file_(std::move(file)) {}

SourceMark YamlField::mark() const { return to_source_mark(mark_, file_); }

std::string YamlField::describe() const {
  if (node_.IsMap()) return "a map";
  if (node_.IsSequence()) return "a sequence";
  if (node_.IsScalar()) return quote_text(node_.Scalar());
  return "nothing";
}

void YamlField::fail(std::string const& problem) const { throw InputError(mark(), path_, problem); }

std::string YamlField::text() const {
  if (!node_.IsScalar()) fail("expected a string, got " + describe());
  return node_.Scalar();
}

std::string YamlField::name() const {
  std::string value = text();
  if (value.empty()) fail("must not be empty");
  return value;
}

std::int64_t YamlField::integer(std::int64_t min, std::int64_t max) const {
  MQCHECK_ASSERT(min <= max);
  if (!node_.IsScalar()) fail("expected an integer, got " + describe());
  std::optional<std::int64_t> const value = parse_int(node_.Scalar());
  if (!value) fail("expected an integer, got " + describe());
  if (*value < min || *value > max) {
    if (max == std::numeric_limits<std::int64_t>::max()) {
      fail("must be >= " + std::to_string(min) + ", got " + node_.Scalar());
    }
    fail("must be within [" + std::to_string(min) + ", " + std::to_string(max) + "], got " +
         node_.Scalar());
  }
  return *value;
}

std::uint64_t YamlField::unsigned_integer() const {
  if (!node_.IsScalar()) fail("expected an unsigned integer, got " + describe());
  std::string const& digits = node_.Scalar();
  constexpr std::uint64_t limit = std::numeric_limits<std::uint64_t>::max();
  bool const well_formed =
      !digits.empty() && digits.size() <= 20 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!well_formed) fail("expected an unsigned integer, got " + describe());
  std::uint64_t value = 0;
  for (char c : digits) {
    auto const digit = static_cast<std::uint64_t>(c - '0');
    if (value > (limit - digit) / 10) fail("must be at most " + std::to_string(limit));
    value = value * 10 + digit;
  }
  return value;
}

bool YamlField::boolean() const {
  if (!node_.IsScalar()) fail("expected true or false, got " + describe());
  std::optional<bool> const value = parse_bool(node_.Scalar());
  if (!value) fail("expected true or false, got " + describe());
  return *value;
}

std::vector<YamlField> YamlField::items() const {
  if (!node_.IsSequence()) fail("expected a sequence, got " + describe());
  std::vector<YamlField> out;
  std::size_t index = 0;
  for (YAML::const_iterator it = node_.begin(); it != node_.end(); ++it, ++index) {
    out.emplace_back(*it, path_ + "[" + std::to_string(index) + "]", file_);
  }
  return out;
}

YamlMap YamlField::map(std::span<std::string_view const> keys, std::string_view hint) const {
  YamlMap map(*this);
  map.allow_only(keys, hint);
  return map;
}

YamlMap::YamlMap(YamlField field) : self_(std::move(field)) {
  YAML::Node const& node = self_.node();
  if (!node.IsMap()) self_.fail("expected a map, got " + self_.describe());
  std::string const file = self_.mark().file;
  std::map<std::string, int> first_line;  // Ordered: only looked up, never iterated.
  for (YAML::const_iterator it = node.begin(); it != node.end(); ++it) {
    YamlField const key(it->first, self_.path(), file);
    if (!it->first.IsScalar()) key.fail("a key must be a scalar, got " + key.describe());
    std::string const& text = it->first.Scalar();
    YamlField const value(it->second, child_path(text), file, it->first.Mark());
    if (text.empty()) key.fail("a key must not be empty");
    SourceMark const key_mark = key.mark();
    auto const [seen, inserted] = first_line.emplace(text, key_mark.line);
    if (!inserted) {
      throw InputError(key_mark, value.path(),
                       "duplicate key (first given at line " + std::to_string(seen->second) + ")");
    }
    entries_.push_back(Entry{text, key_mark, value});
  }
}

void YamlMap::allow_only(std::span<std::string_view const> keys, std::string_view hint) const {
  for (Entry const& entry : entries_) {
    if (std::find(keys.begin(), keys.end(), entry.key) != keys.end()) continue;
    std::string problem = "unknown key";
    std::string const near = nearest(entry.key, keys);
    if (!near.empty()) {
      problem += "; did you mean '" + near + "'?";
    } else {
      problem += "; valid keys are";
      for (std::size_t i = 0; i < keys.size(); ++i) {
        problem += (i == 0 ? " '" : ", '") + std::string(keys[i]) + "'";
      }
      if (!hint.empty()) problem += "; " + std::string(hint);
    }
    throw InputError(entry.key_mark, entry.value.path(), problem);
  }
}

bool YamlMap::has(std::string_view key) const { return find(key).has_value(); }

std::optional<YamlField> YamlMap::find(std::string_view key) const {
  for (Entry const& entry : entries_) {
    if (entry.key == key) return entry.value;
  }
  return std::nullopt;
}

YamlField YamlMap::require(std::string_view key) const {
  std::optional<YamlField> value = find(key);
  if (!value) fail_missing(key);
  return *value;
}

void YamlMap::fail_missing(std::string_view key) const {
  throw InputError(self_.mark(), child_path(key), "required key is missing");
}

std::string YamlMap::child_path(std::string_view key) const {
  if (self_.path().empty()) return std::string(key);
  return self_.path() + "." + std::string(key);
}

namespace {

/// Records where each YAML document starts and ignores everything else.
class DocumentStarts final : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;
  void OnDocumentStart(YAML::Mark const& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(YAML::Mark const&, YAML::anchor_t) override {}
  void OnAlias(YAML::Mark const&, YAML::anchor_t) override {}
  void OnScalar(YAML::Mark const&, std::string const&, YAML::anchor_t,
                std::string const&) override {}
  void OnSequenceStart(YAML::Mark const&, std::string const&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(YAML::Mark const&, std::string const&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// Returns where the documents of `text` start, for at most 3 documents.
///
/// This replaces YAML::LoadAll, which in yaml-cpp 0.7 loops forever, allocating until the
/// process is killed, on a token that cannot start a node (a lone ","): the parser reports an
/// empty document without consuming the token, again and again (jbeder/yaml-cpp issue 1040,
/// fixed upstream by pull request 1319). Here a document that starts where the previous one
/// started has made no progress, and its first token is reported as a syntax error.
std::vector<YAML::Mark> document_starts(std::string const& text, std::string const& file) {
  constexpr std::size_t documents_max = 3;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  while (handler.starts.size() < documents_max && parser.HandleNextDocument(handler)) {
    std::size_t const n = handler.starts.size();
    if (n < 2 || handler.starts[n - 1].pos != handler.starts[n - 2].pos) continue;
    YAML::Mark const& stuck = handler.starts[n - 1];
    std::string problem = "YAML syntax error: unexpected token";
    if (stuck.pos >= 0 && static_cast<std::size_t>(stuck.pos) < text.size()) {
      problem += " " + quote_text(text.substr(static_cast<std::size_t>(stuck.pos), 1));
    }
    throw InputError(to_source_mark(stuck, file), "", problem);
  }
  return handler.starts;
}

}  // namespace

YamlField parse_yaml(std::string const& text, std::string const& file) {
  std::vector<YAML::Mark> starts;
  YAML::Node first;
  try {
    starts = document_starts(text, file);
    first = YAML::Load(text);
  } catch (YAML::Exception const& e) {
    throw InputError(to_source_mark(e.mark, file), "", "YAML syntax error: " + e.msg);
  }
  if (starts.empty() || (starts.size() == 1 && first.IsNull())) {
    throw InputError(SourceMark{file, 0, 0}, "",
                     "the file is empty; a scenario is a map with at least 'name' and 'broker'");
  }
  if (starts.size() > 1) {
    throw InputError(to_source_mark(starts[1], file), "",
                     "the file holds more than one YAML document; a scenario is exactly one");
  }
  YamlField root(first, "", file);
  if (!root.node().IsMap()) {
    root.fail("the top level of a scenario must be a map, got " + root.describe());
  }
  return root;
}

}  // namespace mqcheck::sim
