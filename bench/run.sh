#!/usr/bin/env bash
# make bench: every benchmark, each measuring ratios side by side in one run.
# Results: build/bench/*.txt (one table per benchmark) and a combined summary on stdout.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export QTRACE_TOP=$TOP QTRACE_BUILD=${QTRACE_BUILD:-$TOP/build} QTRACE_CACHE=${QTRACE_CACHE:-$TOP/.cache}
mkdir -p "$QTRACE_BUILD/bench"
only=${1:-}
rc=0
for b in "$TOP"/bench/*.sh; do
    name=$(basename "$b" .sh)
    [ "$name" = run ] || [ "$name" = lib ] && continue
    [[ -z "$only" || "$name" == *"$only"* ]] || continue
    echo "== bench: $name"
    bash "$b" || { echo "bench $name failed"; rc=1; }
    echo
done
exit $rc
