#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The determinism lint (STYLE.md §3.5, after TigerBeetle's tidy.zig): core/, model/, sim/ and
# checker/ must not use the standard library's randomness, host clocks, the environment or
# threads. An unordered container is allowed only on a line that says "lookup only": its
# hash order must never reach output, so it is never iterated. explore/ follows the container
# rule too (its state counts and counterexamples must not depend on hash order); it may time
# itself and, later, use threads whose results equal the serial search's.
set -u
root=${1:?usage: check_determinism.sh REPO_ROOT}
cd "$root" || exit 2
banned='std::rand\b|\bsrand\(|random_device|std::[a-z_]+_distribution|std::shuffle'
banned+='|std::random_shuffle|system_clock|steady_clock|high_resolution_clock|[^_a-z.]time\('
banned+='|getenv|std::thread|std::async|#include <random>|#include <chrono>'
status=0
hits=$(grep -rnE "$banned" core model sim checker --include='*.hpp' --include='*.cpp')
if [ -n "$hits" ]; then
  echo "determinism lint: banned construct in core/ model/ sim/ checker/:"; echo "$hits"; status=1
fi
hits=$(grep -rnE 'unordered_(map|set|multimap|multiset)<' core model sim checker explore \
  --include='*.hpp' --include='*.cpp' | grep -v 'lookup only')
if [ -n "$hits" ]; then
  echo "determinism lint: unordered container without a 'lookup only' comment:"; echo "$hits"
  status=1
fi
[ $status -eq 0 ] && echo "determinism: ok"
exit $status
