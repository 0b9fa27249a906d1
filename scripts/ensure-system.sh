#!/usr/bin/env bash
# Installs what reelrestore needs from the system when it is missing (redis-server, ffmpeg/ffprobe, and
# with --browser what only the tests use: Chromium for the console's, kubectl for rendering the k8s
# overlays), through apt-get when run as root; otherwise prints the exact command to run.
set -euo pipefail

need=()
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # Debian's kubectl (1.20) renders the overlays as any newer one does: they keep to its kustomize.
  command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
fi
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
{ command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1; } || need+=(ffmpeg)

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "reelrestore needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

if [ ${#need[@]} -eq 0 ]; then exit 0; fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${need[*]} with apt-get…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi

echo "reelrestore needs: ${need[*]}. Install with:" >&2
echo "  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
exit 1
