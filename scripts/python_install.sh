#!/usr/bin/env bash
# Builds and installs the Python package into ./.venv (Debian's /usr/bin/python3, with the
# system site packages, so numpy/pandas/pytest come from Debian; no package index is used).
# Idempotent: pip rebuilds the extension; ccache makes an unchanged rebuild quick. Built for
# this machine's CPU (RTRISK_NATIVE=1, as the CMake build's RTRISK_NATIVE); RTRISK_NATIVE=0 for
# a portable build.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
if [ ! -x .venv/bin/python ]; then
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
# ccache as cmake/ccache.cmake sets it: paths relative to the repository (pip builds in the tree),
# so a clone at another path hits the cache.
if command -v ccache >/dev/null; then export CC="ccache g++" CXX="ccache g++" CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1; fi
export RTRISK_BUILD_JOBS="${RTRISK_BUILD_JOBS:-$(nproc)}" RTRISK_NATIVE="${RTRISK_NATIVE:-1}"
.venv/bin/pip install --quiet --no-build-isolation --no-deps --no-index . >&2
