// SPDX-License-Identifier: Apache-2.0
// File: tests/explore/timer_sums_test.cpp (tests, layer: explore)
// The fingerprint reads a node's timers from sums kept at absolute windows (explore/world.hpp
// TimerSums): at any now no later than the earliest start, at_zero - now * slope must equal the
// sum of timer_term over the windows relative to now, which is what a walk computes; and the
// timer table (explore/timer_table.hpp) keeps ids unique and in order, as the std::map did.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "explore/world.hpp"

using mqcheck::explore::relative;
using mqcheck::explore::timer_sums_of;
using mqcheck::explore::timer_term;
using mqcheck::explore::TimerSums;
using mqcheck::explore::TimerTable;
using mqcheck::explore::TimerWindow;

TEST_CASE("timer sums read at now equal the walk over relative windows") {
  TimerTable<TimerWindow> timers;
  timers[7] = {12'000, 12'000};                   // A constant delay.
  timers[3] = {5'000, 9'000};                     // A uniform one.
  timers[40] = {20'000, TimerWindow::unbounded};  // An exponential one.
  TimerSums const sums = timer_sums_of(timers);
  CHECK(sums.earliest == 5'000);
  for (std::int64_t now : {0, 1, 999, 4'000, 5'000}) {
    std::uint64_t walk = 0;
    for (auto const& [id, window] : timers) {
      walk += timer_term(id, relative(window.lo, mqcheck::SimTimeUs{now}),
                         relative(window.hi, mqcheck::SimTimeUs{now}));
    }
    INFO(now);
    CHECK(sums.at_zero - static_cast<std::uint64_t>(now) * sums.slope == walk);
  }
  // One window moved by a microsecond changes the digest; equal relative windows at two
  // different nows give the same one.
  TimerTable<TimerWindow> moved = timers;
  moved[7] = {12'001, 12'001};
  CHECK(timer_sums_of(moved).at_zero != sums.at_zero);
  TimerTable<TimerWindow> later;
  for (auto const& [id, window] : timers) {
    bool const open = window.hi == TimerWindow::unbounded;
    later[id] = {window.lo + 1'000, open ? window.hi : window.hi + 1'000};
  }
  TimerSums const shifted = timer_sums_of(later);
  CHECK(shifted.at_zero - 1'000u * shifted.slope == sums.at_zero);
}

TEST_CASE("the timer table keeps ids unique and in order, erase and re-arm") {
  TimerTable<TimerWindow> timers;
  timers[9] = {1, 1};
  timers[2] = {2, 2};
  timers[5] = {3, 3};
  timers[2] = {4, 4};  // Re-armed: replaced, not added.
  std::vector<std::uint64_t> ids;
  for (auto const& [id, window] : timers) ids.push_back(id);
  CHECK(ids == std::vector<std::uint64_t>{2, 5, 9});
  CHECK(timers.find(2)->second == TimerWindow{4, 4});
  CHECK(timers.erase(5) == 1);
  CHECK(timers.erase(5) == 0);
  CHECK(timers.find(5) == timers.end());
  timers.erase(timers.find(9));
  CHECK(timers.size() == 1);
  timers.clear();
  CHECK(timers.empty());
}
