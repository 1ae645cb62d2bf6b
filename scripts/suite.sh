#!/usr/bin/env bash
# Runs a list of experiments into results/<name>/ and records the wall time of each in
# results/<suite>-times.csv (`make paper`, `make tune`). Usage: suite.sh BLR SUITE NAME...
# The times file keeps the rows of experiments not in this list (a suite run in parts keeps
# one file); its total is over all its rows.
# Each experiment's runs go side by side on the cores (blr run's default --jobs).
# With RESUME=1 in the environment, an experiment whose directory holds run records continues
# where it stopped (blr run --resume: finished runs are kept, interrupted ones continue from
# their checkpoints), so `make paper RESUME=1` after a crash redoes only what was lost.
# A run with diverged or failed runs (exit 1) is still a result; bad input (exit 2) or an
# interruption (SIGINT/SIGTERM: exit 130/143, blr saves its checkpoints) stops the suite, and
# no half-written times file is left behind.
set -uo pipefail
blr=$1 suite=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
times="$root/results/$suite-times.csv"
mkdir -p "$root/results"
child=
# bash runs a trap only when its foreground command ends; blr runs in the background and is
# waited for, so a signal is handled at once: blr gets it too, saves its checkpoints and ends.
stop() {
    [ -n "$child" ] && kill -"$1" "$child" 2>/dev/null && wait "$child"
    rm -f "$times.tmp"
    echo "$suite: stopped; continue with: make $suite RESUME=1" >&2
    exit "$2"
}
trap 'stop INT 130' INT
trap 'stop TERM 143' TERM
# Adds the rows of experiments this call did not run and the total, and replaces the file.
finish_times() {
    if [ -f "$times" ]; then
        awk -F, 'NR == FNR { if (FNR > 1) ran[$1] = 1; next }
                 FNR > 1 && $1 != "total" && !($1 in ran)' "$times.tmp" "$times" > "$times.kept"
        cat "$times.kept" >> "$times.tmp"
        rm -f "$times.kept"
    fi
    total=$(awk -F, 'NR > 1 { s += $2 } END { print s + 0 }' "$times.tmp")
    echo "total,$total,0" >> "$times.tmp"
    mv "$times.tmp" "$times"
}
echo "experiment,seconds,exit" > "$times.tmp"
for name in "$@"; do
    dir="$root/results/$name"
    resume=()
    if [ "${RESUME:-0}" = 1 ] && [ -d "$dir/runs" ]; then
        resume=(--resume)
    fi
    start=$(date +%s)
    "$blr" run "$root/experiments/$name.yaml" --out "$dir" "${resume[@]}" &
    child=$!
    wait "$child"
    rc=$?
    child=
    secs=$(( $(date +%s) - start ))
    echo "$name,$secs,$rc" >> "$times.tmp"
    if [ "$rc" -ge 2 ]; then
        echo "$suite: $name: bad input or interrupted (exit $rc), stopping" >&2
        finish_times
        exit "$rc"
    fi
done
finish_times
echo "$suite: $total s in all; per experiment: $times" >&2
