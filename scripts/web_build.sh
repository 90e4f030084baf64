#!/usr/bin/env bash
# Installs the dashboard's npm dependencies (from the lockfile, only when it changed) and builds
# web/dist, with brotli and gzip copies of its text files. Node 20 and npm come with the machine;
# they are not installed from apt.
set -euo pipefail
cd "$(dirname "$0")/../web"
command -v node >/dev/null || { echo "web_build: node (20+) is required and not on PATH" >&2; exit 1; }
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
node scripts/gen-protocol.mjs --check # the types match docs/protocol.schema.json
npx tsc --noEmit
npx vite build --logLevel warn >&2
node scripts/precompress.mjs dist # NAME.br and NAME.gz beside each text file, sent as they are
