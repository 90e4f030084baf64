#!/usr/bin/env bash
# Configures and builds rtrisk in ./build (Release, Ninja, ccache when present) with Debian's
# Python pinned. Used by scripts/run and scripts/test; safe to run again (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j"$(nproc)" "$@"
