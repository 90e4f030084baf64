#!/usr/bin/env bash
# The dashboard's page-load and 10,000-position figures (docs/performance.md, "Browser"): the
# end-to-end test with E2E_MEASURE=1 against each server, which loads the page 7 more times as
# first visits and 7 as repeat visits and samples the 10,000-position book for 10 s (the test in
# scripts/test loads once each and samples 3 s). Results: build/e2e-measure/<server>/results.json.
# Needs the built server, web/dist and the Python package (scripts/build.sh,
# scripts/web_build.sh, scripts/python_install.sh). Usage: bench/run_browser.sh [cpp|python ...]
set -euo pipefail
cd "$(dirname "$0")/../web"
servers=("$@")
[ $# -gt 0 ] || servers=(cpp python)
for s in "${servers[@]}"; do
  RTRISK_SERVER=$s E2E_MEASURE=1 E2E_ARTIFACTS="$PWD/../build/e2e-measure" node e2e/live.e2e.mjs
done
