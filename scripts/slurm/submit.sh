#!/usr/bin/env bash
# Runs an experiment as a SLURM job array of N shards and a merge job:
#
#   scripts/slurm/submit.sh FILE OUT N [blr run args...]
#
# submits array.sbatch as `--array=1-N` (task K runs `blr run FILE --out OUTROOT/shard-K
# --shard K/N --quiet ARGS...`) and merge.sbatch with `--dependency=afterok:<array job>`
# (`blr merge OUT OUTROOT/shard-1 ... OUTROOT/shard-N`), and prints the two job ids on stdout:
#
#   array <array job id> <OUTROOT>
#   merge <merge job id> <OUT>
#
# OUTROOT is OUT.shards unless BLR_OUTROOT says otherwise; the jobs' logs go to
# OUTROOT/logs/shard-K.out and OUTROOT/logs/merge.out. FILE, OUT and OUTROOT become absolute
# paths, so the jobs find them from any node that shares the file system; the jobs start in
# the current directory. Environment:
#
#   BLR_BIN          the blr program (default: `blr` on PATH, else build/blr of this checkout)
#   BLR_PROFILE      passed to blr run as --profile
#   BLR_THREADS      passed to blr run as --threads (default: the experiment's `threads:`, else
#                    the task's CPUs: 1 unless BLR_SBATCH_ARGS has --cpus-per-task)
#   BLR_JOBS         passed to blr run as --jobs (default: the task's CPUs / threads, at least 1)
#   BLR_SBATCH_ARGS  extra sbatch options for both jobs, e.g. "--partition=cpu --time=4:00:00
#                    --cpus-per-task=4"
#
# Exit status: 0 when both jobs were submitted, 2 on bad usage, 1 when sbatch failed (the
# array is cancelled if the merge job could not be submitted).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    echo "usage: $0 FILE OUT N [blr run args...]" >&2
    exit 2
}
[ $# -ge 3 ] || usage
file=$1 out=$2 n=$3
shift 3
case "$n" in '' | *[!0-9]* | 0*) usage ;; esac
[ -f "$file" ] || {
    echo "submit.sh: no such experiment file: $file" >&2
    exit 2
}
command -v sbatch >/dev/null || {
    echo "submit.sh: sbatch is not on PATH" >&2
    exit 1
}

abspath() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "${1#./}" ;;
    esac
}
file=$(abspath "$file")
out=$(abspath "${out%/}")
outroot=$(abspath "${BLR_OUTROOT:-$out.shards}")
outroot=${outroot%/}
if [ -n "${BLR_BIN:-}" ]; then
    case $BLR_BIN in */*) BLR_BIN=$(abspath "$BLR_BIN") ;; esac
elif command -v blr >/dev/null; then
    BLR_BIN=$(command -v blr)
elif [ -x "$here/../../build/blr" ]; then
    BLR_BIN=$(cd "$here/../../build" && pwd)/blr
else
    echo "submit.sh: no blr program: set BLR_BIN, put blr on PATH or run make" >&2
    exit 1
fi
export BLR_BIN
# array.sbatch and merge.sbatch read these; the shards count comes from the array itself.
unset BLR_FILE BLR_OUTROOT BLR_OUT BLR_SHARDS

mkdir -p "$outroot/logs" || exit 1
read -r -a extra <<<"${BLR_SBATCH_ARGS:-}"

array=$(sbatch --parsable --export=ALL "${extra[@]}" --array="1-$n" \
    --output="$outroot/logs/shard-%a.out" \
    "$here/array.sbatch" "$file" "$outroot" "$@") || {
    echo "submit.sh: sbatch of the array failed" >&2
    exit 1
}
array=${array%%;*}
merge=$(sbatch --parsable --export=ALL "${extra[@]}" --dependency="afterok:$array" \
    --output="$outroot/logs/merge.out" \
    "$here/merge.sbatch" "$out" "$outroot" "$n") || {
    echo "submit.sh: sbatch of the merge job failed; cancelling array job $array" >&2
    scancel "$array"
    exit 1
}
merge=${merge%%;*}
echo "array $array $outroot"
echo "merge $merge $out"
echo "submit.sh: $n shards of $file as array job $array, merge job $merge into $out;" \
    "logs in $outroot/logs (squeue -j $array,$merge)" >&2
