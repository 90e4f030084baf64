#!/usr/bin/env bash
# The C++ suites and the live server's tests again, built with AddressSanitizer +
# UndefinedBehaviorSanitizer (RTRISK_SANITIZE) in ./build-asan: the doctest suites through ctest,
# then the protocol conformance, fault, Kafka and history suites against the sanitized
# rtrisk_live. Any report (leak, overflow, use after free, undefined behaviour) fails the run.
# Usage: scripts/sanitize.sh [build|run]   (default: both; scripts/test times them apart)
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-all}"
case "$what" in all|build|run) ;; *) echo "usage: scripts/sanitize.sh [build|run]" >&2; exit 2 ;; esac
if [ "$what" != run ]; then
  ./scripts/bootstrap.sh
  # -O1 with line tables (-g1): every report still names file and line; the live server's
  # translation unit compiles in 6.6 min here where -O2 -g (RelWithDebInfo's default) took over 8.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DRTRISK_SANITIZE=ON -DRTRISK_NATIVE=OFF -DRTRISK_BUILD_BENCHMARKS=OFF -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
  cmake --build build-asan -j"$(nproc)" --target rtrisk_live rtrisk_tests rtrisk_kafka_mock
fi
[ "$what" != build ] || exit 0
# A 16 MiB quarantine (default 256): the fault suite bounds the server's memory while it churns
# through a garbage tick file, and freed blocks held for use-after-free detection count as RSS.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:quarantine_size_mb=16"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The C++ suites (the consumer projects and header_standalone only build code; the main build
# covers them) run at idle priority beside the server suites, which mostly wait on servers and
# the clock: under the sanitizers test_book_state's 10^5 updates take a minute of one core.
(cd build-asan && exec chrt --idle 0 ctest --output-on-failure -j"$(nproc)" -E '^(consumer_|header_standalone)') >build-asan/ctest.log 2>&1 &
ctest_pid=$!
trap 'kill "$ctest_pid" 2>/dev/null || true' EXIT
# The Python service's suites run in the normal pass: this build is the C++ server's. On every
# core (pytest-xdist): each test has its own server, port, database cluster and Kafka mock.
RTRISK_SERVERS=cpp RTRISK_BUILD_DIR="$PWD/build-asan" /usr/bin/python3 -m pytest -q -p no:cacheprovider -n "$(nproc)" \
  tests/python/test_live_protocol.py tests/python/test_live_faults.py tests/python/test_kafka.py tests/python/test_history.py
status=0
wait "$ctest_pid" || status=$?
trap - EXIT
cat build-asan/ctest.log
if [ $status != 0 ]; then echo "sanitize.sh: the C++ suites failed under the sanitizers (above)" >&2; exit $status; fi
