#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks the layer rule of DESIGN.md §2 on #include lines: checker/ and viz/ never include
# model/ or sim/; model/ never includes sim/, checker/, viz/ or cli/; history/ and core/
# include only what is below them; explore/ (the explorer) sits above sim/ and checker/, and
# nothing below it includes it. The CMake target links enforce the same rule at link time;
# this catches a header-only reach that would link anyway.
set -u
root=${1:?usage: check_layers.sh REPO_ROOT}
cd "$root" || exit 2
status=0
forbid() {  # forbid LAYER PATTERN...
  local layer=$1; shift
  for pattern in "$@"; do
    hits=$(grep -rnE "#include \"${pattern}/" "$layer" 2>/dev/null)
    if [ -n "$hits" ]; then
      echo "layer violation: $layer/ must not include $pattern/:"; echo "$hits"; status=1
    fi
  done
}
forbid core history model sim checker viz cli explore
forbid history model sim checker viz cli explore
forbid model sim checker viz cli explore
forbid sim checker viz cli explore
forbid checker model sim viz cli explore
forbid viz model sim cli explore
forbid explore viz cli
[ $status -eq 0 ] && echo "layers: ok"
exit $status
