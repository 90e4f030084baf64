#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang-14 + ASan + UBSan) in ./build-fuzz and runs each for
# a bounded time, two at a time, starting from the seed corpora in fuzz/corpus/ (left unchanged;
# new inputs go to build-fuzz/corpus/). A crash, leak or sanitizer report fails the run and
# leaves the input in build-fuzz/.
# Usage: scripts/fuzz.sh [seconds per target, default 30]   (build, then run)
#        scripts/fuzz.sh build | run [seconds]              (one half; scripts/test times them apart)
set -euo pipefail
cd "$(dirname "$0")/.."
what=all
case "${1:-}" in build|run) what=$1; shift ;; esac
seconds="${1:-30}"
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: '$seconds' is not a whole number of seconds" >&2; exit 2; }
if [ "$what" != run ]; then
  ./scripts/bootstrap.sh
  cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
    -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
  cmake --build build-fuzz -j"$(nproc)"
fi
[ "$what" != build ] || exit 0
targets=(tick_line client_message request_target scenarios_json price_csv book_records kafka_message vectors_record history_journal history_request
         what_if_request limits)
run_one() {
  local t="$1"
  mkdir -p "build-fuzz/corpus/$t" "build-fuzz/artifacts/$t"
  if ./build-fuzz/fuzz_"$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="build-fuzz/artifacts/$t/" "build-fuzz/corpus/$t" "fuzz/corpus/$t" >"build-fuzz/$t.log" 2>&1; then
    local execs cov
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -o 'cov: [0-9]*' "build-fuzz/$t.log" | tail -1 | grep -o '[0-9]*')
    echo "fuzz $t: ${seconds} s, ${execs:-?} executions, coverage ${cov:-?} edges, no crash"
  else
    echo "fuzz $t: FAILED (see build-fuzz/$t.log and build-fuzz/artifacts/$t/)" >&2
    tail -30 "build-fuzz/$t.log" >&2
    return 1
  fi
}
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do run_one "$t" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
exit $status
