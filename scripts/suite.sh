#!/usr/bin/env bash
# Runs a list of experiments into results/<name>/ and records the wall time of each in
# results/<suite>-times.csv (`make paper`, `make tune`). Usage: suite.sh BLR SUITE NAME...
# A run with diverged or failed runs (exit 1) is still a result; bad input (exit 2) stops.
set -uo pipefail
blr=$1 suite=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
times="$root/results/$suite-times.csv"
mkdir -p "$root/results"
echo "experiment,seconds,exit" > "$times.tmp"
total=0
for name in "$@"; do
    start=$(date +%s)
    "$blr" run "$root/experiments/$name.yaml" --out "$root/results/$name"
    rc=$?
    secs=$(( $(date +%s) - start ))
    total=$(( total + secs ))
    echo "$name,$secs,$rc" >> "$times.tmp"
    if [ "$rc" -ge 2 ]; then
        echo "$suite: $name: bad input (exit $rc), stopping" >&2
        mv "$times.tmp" "$times"
        exit "$rc"
    fi
done
echo "total,$total,0" >> "$times.tmp"
mv "$times.tmp" "$times"
echo "$suite: $total s in all; per experiment: $times" >&2
