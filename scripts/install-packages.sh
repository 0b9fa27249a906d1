#!/usr/bin/env bash
# Installs the npm packages from package-lock.json when they are missing or older than the lock.
# `npm install`, not `npm ci`: npm 11 writes lockfiles without other platforms' optional packages
# (rollup's native builds) and then `npm ci` refuses them as out of sync. `npm install` keeps every
# version the lock records.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  exit 0
fi
npm install --no-audit --no-fund
