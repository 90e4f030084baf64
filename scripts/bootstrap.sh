#!/usr/bin/env bash
# Installs every Debian package rtrisk needs to build, test and benchmark.
# Idempotent: when every package is already present it installs nothing and touches no network.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libeigen3-dev libxtensor-dev libxsimd-dev xtl-dev libboost-dev nlohmann-json3-dev
  doctest-dev libbenchmark-dev
  python3 python3-numpy python3-pandas
  python3-dev python3-venv python3-pip python3-setuptools python3-wheel python3-pybind11 pybind11-dev
  python3-pytest python3-pytest-xdist python3-scipy quantlib-python
  python3-nbclient python3-nbformat python3-ipykernel python3-matplotlib
  python3-websockets python3-jsonschema python3-confluent-kafka python3-fastapi python3-uvicorn chromium
  libcli11-dev clang-14 libclang-rt-14-dev librdkafka-dev zlib1g-dev
  postgresql-15 libpq-dev python3-psycopg2
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "bootstrap: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
