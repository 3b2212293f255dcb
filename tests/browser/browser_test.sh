#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# File: tests/browser/browser_test.sh (tests, browser)
# The HTML report in a real browser: generates reports with mqcheck, loads them in Debian's
# headless Chromium (driven by report_in_browser.js over the DevTools pipe) and checks what a
# person sees. Installs nothing: a missing Chromium or Node.js is a failure that names
# scripts/setup, never a silent skip. Usage: browser_test.sh MQCHECK SOURCE_DIR OUT_DIR
set -euo pipefail
mqcheck=$1 source_dir=$2 out=$3
chromium=/usr/bin/chromium
if [ ! -x "$chromium" ]; then
  echo "FAIL: $chromium is missing; run scripts/setup (it installs Debian's chromium)" >&2
  exit 1
fi
if ! command -v node >/dev/null; then
  echo "FAIL: node is missing; run scripts/setup (it installs nodejs)" >&2
  exit 1
fi
mkdir -p "$out"
profile=$(mktemp -d)
# Chromium's helpers may still be writing the profile for a moment after it was told to stop:
# retry the removal, and never let it change the test's own exit status.
cleanup() {
  local status=$?
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    rm -rf "$profile" 2>/dev/null && break
    sleep 0.3
  done
  return $status
}
trap cleanup EXIT
# A recorded history (the golden one, so the page under test is the same on every run).
"$mqcheck" report "$source_dir/tests/golden/power-loss-without-fsync.jsonl" -o "$out/report.html"
scenario=$source_dir/scenarios/reference/power-loss-without-fsync.yaml
# The same scenario with 10,000 messages, for the opening-time figure.
sed -e 's/messages: 100,/messages: 10000,/' "$scenario" > "$out/big.yaml"
grep -q 'messages: 10000,' "$out/big.yaml" || { echo "FAIL: could not make big.yaml" >&2; exit 1; }
"$mqcheck" report "$out/big.yaml" -o "$out/big.html"
# And the same run with its first 2,000 ops drawn and stepped, far past the legible size.
"$mqcheck" report "$out/big.yaml" -o "$out/big-2000.html" --from 0 --max-events 2000
# The tutorial's Kafka report: a replicated loss, with election and truncation in view.
"$mqcheck" report "$source_dir/scenarios/kafka/acks1-leader-crash-loss.yaml" -o "$out/kafka.html"
# Chromium keeps its singleton socket in a directory of its own under $TMPDIR, which it leaves
# behind: inside the profile, it goes with it.
mkdir -p "$profile/tmp"
TMPDIR="$profile/tmp" node "$source_dir/tests/browser/report_in_browser.js" "$chromium" "$profile" \
  "$out/report.html" "$out/report.png" "$out/kafka.html" "$out/kafka.png" \
  "$out/big.html" "$out/big-2000.html"
