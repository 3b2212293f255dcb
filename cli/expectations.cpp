// SPDX-License-Identifier: Apache-2.0
// File: cli/expectations.cpp (layer: cli)
#include "cli/expectations.hpp"

#include <algorithm>

#include "checker/check.hpp"

namespace mqcheck::cli {
namespace {

viz::ExpectedVerdict parse_one(std::string const& guarantee, std::string const& verdict,
                               SourceMark const& mark, std::string const& key) {
  auto const names = checker::all_guarantee_names();
  if (std::find(names.begin(), names.end(), guarantee) == names.end()) {
    std::string problem = "unknown guarantee '" + guarantee + "'";
    if (auto const near = nearest(guarantee, names); !near.empty()) {
      problem += " (did you mean '" + near + "'?)";
    }
    throw InputError(mark, key, problem);
  }
  auto const validity = checker::validity_from(verdict);
  if (!validity) {
    std::string problem = "unknown verdict '" + verdict + "'; expected valid, invalid or unknown";
    auto const options = checker::validity_names();
    if (auto const near = nearest(verdict, options); !near.empty()) {
      problem += " (did you mean '" + near + "'?)";
    }
    throw InputError(mark, key, problem);
  }
  return {guarantee, *validity};
}

}  // namespace

void validate_guarantee_options(std::vector<std::string> const& names) {
  auto const known = checker::all_guarantee_names();
  for (std::string const& name : names) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string problem = "unknown guarantee '" + name + "'";
    if (auto const near = nearest(name, known); !near.empty()) {
      problem += " (did you mean '" + near + "'?)";
    }
    throw InputError({}, "--guarantee", problem);
  }
}

std::vector<viz::ExpectedVerdict> expected_verdicts(sim::Scenario const& scenario) {
  std::vector<viz::ExpectedVerdict> out;
  for (sim::Expectation const& e : scenario.expect) {
    out.push_back(parse_one(e.guarantee, e.verdict, e.mark, "expect." + e.guarantee));
  }
  return out;
}

std::vector<viz::ExpectedVerdict> parse_expect_options(std::vector<std::string> const& options) {
  std::vector<viz::ExpectedVerdict> out;
  for (std::string const& o : options) {
    auto const eq = o.find('=');
    if (eq == std::string::npos) {
      throw InputError({}, "--expect", "expected GUARANTEE=VERDICT, got '" + o + "'");
    }
    out.push_back(parse_one(o.substr(0, eq), o.substr(eq + 1), {}, "--expect"));
  }
  return out;
}

std::vector<std::string> mismatches(checker::DeliveryReport const& report,
                                    std::vector<viz::ExpectedVerdict> const& expected) {
  std::vector<std::string> out;
  for (viz::ExpectedVerdict const& e : expected) {
    auto const v =
        std::find_if(report.verdicts.begin(), report.verdicts.end(),
                     [&](checker::Verdict const& x) { return x.guarantee == e.guarantee; });
    // An expectation nothing judged must not pass silently: the run did not exercise it.
    if (v == report.verdicts.end()) {
      out.push_back(e.guarantee + " was not judged (the history exercises nothing it covers, " +
                    "or --guarantee left it out), expected " +
                    std::string(checker::to_string(e.validity)));
    } else if (v->validity != e.validity) {
      out.push_back(v->guarantee + " is " + std::string(checker::to_string(v->validity)) +
                    ", expected " + std::string(checker::to_string(e.validity)));
    }
  }
  return out;
}

}  // namespace mqcheck::cli
