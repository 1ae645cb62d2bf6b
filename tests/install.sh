#!/usr/bin/env bash
# The install, end to end (make test runs it after the unit tests; README: Install): `make
# install` into a temporary prefix; from another directory, the installed blr checks and runs
# an installed experiment, drawing its figures with the installed plots and finding mnist in
# the installed data directory; the man pages render without warnings; the completion
# completes; a small program builds against the installed library through pkg-config and
# runs; `make uninstall` removes every installed file and leaves the fetched data.
# Usage: tests/install.sh [EXTRA_CFLAGS] (make passes the sanitizer flags of a SAN=1 build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
extra=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "install test: $*" >&2; exit 1; }

make -C "$root" --no-print-directory install PREFIX="$prefix" >/dev/null
mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
blr=$prefix/bin/blr
unset BLR_DATA_DIR BLR_PLOTS_DIR
share=$prefix/share/lieblr

# mnist: missing until fetched, and the message says how to fetch it.
"$blr" check "$share/experiments/quick.yaml" 2>err && fail "check passed without mnist"
grep -q "blr data fetch" err || fail "the missing-data message: $(cat err)"
# `blr data fetch` would download it into the installed data directory; the repository's copy
# stands in for the download here.
mkdir -p "$share/data/mnist"
cp "$root"/data/mnist/*.gz "$share/data/mnist/"
"$blr" data where | grep -qx "mnist: $share/data/mnist (present)" || fail "$("$blr" data where)"
"$blr" check "$share/experiments/quick.yaml" >out || fail "check quick.yaml"

"$blr" run "$share/experiments/linreg-exact.yaml" --set train.epochs=5 --variant sgd \
    --out res --quiet >out || fail "run linreg-exact"
for f in runs.csv table.md manifest.json curves.png curves.gp posterior.png; do
    [ -s "res/$f" ] || fail "the run wrote no $f"
done
cmp -s res/curves.gp "$share/plots/curves.gp" || fail "curves.gp is not the installed one"

for page in man1/blr.1 man5/blr-experiment.5; do
    warnings=$(groff -man -Tutf8 -ww -z "$prefix/share/man/$page" 2>&1)
    [ -z "$warnings" ] || fail "$page: $warnings"
done

# shellcheck source=/dev/null
source "$prefix/share/bash-completion/completions/blr"
COMP_WORDS=(blr run --res); COMP_CWORD=2; _blr
[ "${COMPREPLY[*]}" = --resume ] || fail "completion of 'blr run --res': ${COMPREPLY[*]}"

cat >t.c <<'C'
#include <blr.h>
#include <stdio.h>

int main(void)
{
    const blr_method_ops *m = blr_method_find("lie-affine");
    printf("blr %s: %zu rules, %s\n", BLR_VERSION, blr_method_count(), m ? m->name : "none");
    return m ? 0 : 1;
}
C
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# shellcheck disable=SC2046,SC2086
cc -std=c11 $extra t.c $(pkg-config --cflags --libs --static blr) -o t || fail "t.c does not build"
./t | grep -q "rules, lie-affine$" || fail "t printed: $(./t)"

make -C "$root" --no-print-directory uninstall PREFIX="$prefix" >/dev/null
left=$(cd "$prefix" && find . -type f ! -path "./share/lieblr/data/*")
[ -z "$left" ] || fail "uninstall left: $left"
[ -d "$share/data/mnist" ] || fail "uninstall removed the fetched data"
[ ! -d "$prefix/include/blr" ] || fail "uninstall left include/blr"
echo "install test: ok"
