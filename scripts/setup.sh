#!/usr/bin/env bash
# Installs the Debian packages lieblr needs (or those named as arguments), when any is
# missing. Idempotent and quick when everything is present. As root it runs apt-get;
# otherwise it prints the command and fails.
set -euo pipefail
pkgs=(build-essential pkg-config libgsl-dev libyaml-dev libopenblas-openmp-dev zlib1g-dev
      libcriterion-dev gnuplot-nox dataset-fashion-mnist nodejs npm groff-base
      openmpi-bin libopenmpi-dev slurm-wlm munge)
# With arguments, those packages instead: `make fuzz` adds its clang toolchain this way, so
# `make test` and `make run` need only gcc.
if [ $# -gt 0 ]; then
    pkgs=("$@")
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from elsewhere than Debian's packages; either will do.
if command -v node >/dev/null && command -v npm >/dev/null; then
    missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
    echo "lieblr needs: ${missing[*]}" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
