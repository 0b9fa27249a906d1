#!/usr/bin/env bash
# Lays out the compiled services as the images run them (Dockerfile; test/runtime-build.test.ts checks the
# layout runs): the JavaScript that `tsc -p tsconfig.build.json` made stands where its TypeScript was, and
# every workspace's package.json points its exports at .js, so relative paths (models/, console/dist, the
# compute threads) hold as they do in the repo. Usage: assemble-runtime.sh <tsc outDir> <target dir>
set -euo pipefail
build=${1:?tsc outDir}
out=${2:?target dir}
mkdir -p "$out"
cp package.json package-lock.json .npmrc "$out/"
for pkg in packages/* services/*; do
  mkdir -p "$out/$pkg"
  sed 's/\.ts"/.js"/g' "$pkg/package.json" > "$out/$pkg/package.json"
  cp -r "$build/$pkg/src" "$out/$pkg/src"
done
