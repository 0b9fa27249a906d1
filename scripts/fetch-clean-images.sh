#!/usr/bin/env bash
# Fetch clean photographs for the synthetic benchmark from Debian packages (wallpapers, scikit-image data,
# OpenCV samples) into a cache folder. Nothing here is committed: .cache/ is git-ignored, and the
# generator falls back to procedural plates when the folder is empty, so tests never need this.
#
# Usage: scripts/fetch-clean-images.sh [cacheDir=.cache/clean-images]
set -euo pipefail

CACHE_DIR="${1:-.cache/clean-images}"
MIN_SIDE="${MIN_SIDE:-512}"
# The first four feed training and the benchmark's seen split; the Lomiri photographs are the unseen
# split's (packages/shared/src/synthetic/unseen-sources.json): training never reads them.
PACKAGES=(plasma-workspace-wallpapers mate-backgrounds python3-skimage opencv-doc lomiri-wallpapers-16.04 lomiri-wallpapers-20.04)

# Idempotent: a filled cache (SOURCES.txt written last) that lists every package is left alone.
cache_complete() {
  [[ -f "$CACHE_DIR/SOURCES.txt" ]] && compgen -G "$CACHE_DIR/*.[jpw]*" >/dev/null || return 1
  local pkg
  for pkg in "${PACKAGES[@]}"; do grep -q "^$pkg"$'\t' "$CACHE_DIR/SOURCES.txt" || return 1; done
}
if cache_complete; then
  echo "clean images already in $CACHE_DIR ($(ls "$CACHE_DIR" | grep -vc SOURCES.txt) files); nothing to do"
  exit 0
fi

for tool in apt-get apt-cache dpkg-deb ffprobe; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found" >&2; exit 1; }
done
# ffprobe reads each image's size; one that is installed but cannot run (its libraries half-installed,
# as while apt is still at work) would quietly keep no image at all.
ffprobe -version >/dev/null 2>&1 || { echo "error: ffprobe does not run (is apt still installing ffmpeg?)" >&2; exit 1; }

mkdir -p "$CACHE_DIR"
CACHE_DIR="$(cd "$CACHE_DIR" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

has_candidate() {
  local cand
  cand="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')"
  [[ -n "$cand" && "$cand" != "(none)" ]]
}

# An empty package index (fresh container) has no candidates: refresh it once.
if ! has_candidate "${PACKAGES[0]}"; then
  echo "no apt candidate for ${PACKAGES[0]}: running apt-get update"
  apt-get update -qq || echo "warning: apt-get update failed; using what the index has" >&2
fi

# Short side of an image in pixels, or 0 when ffprobe cannot read it.
short_side() {
  local wh
  wh="$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=p=0 "$1" 2>/dev/null | head -1)"
  local w="${wh%%,*}" h="${wh##*,}"
  [[ "$w" =~ ^[0-9]+$ && "$h" =~ ^[0-9]+$ ]] || { echo 0; return; }
  if (( w < h )); then echo "$w"; else echo "$h"; fi
}

license_note() {
  case "$1" in
    plasma-workspace-wallpapers) echo "KDE Plasma wallpapers; per-image licences (mostly CC-BY-SA / LGPL), see /usr/share/doc/$1/copyright";;
    mate-backgrounds) echo "MATE backgrounds; GPL-2+ / CC-BY-SA per image, see /usr/share/doc/$1/copyright";;
    python3-skimage) echo "scikit-image sample data; BSD-3-Clause or public domain / CC0 per image, see skimage/data/README";;
    opencv-doc) echo "OpenCV samples; Apache-2.0 / BSD per file, see /usr/share/doc/$1/copyright";;
    lomiri-wallpapers-*) echo "Ubuntu community wallpaper contest photographs; CC-BY-SA per image, see /usr/share/doc/$1/copyright";;
    *) echo "see /usr/share/doc/$1/copyright";;
  esac
}

# Which files of a package are photographs: OpenCV's HTML docs are screenshots and diagrams, and some
# samples are test charts (chessboards, digits, shapes), and most wallpapers are vector art or cartoons,
# which look nothing like a film frame. The wallpaper lists name the photographs (checked by eye).
PLASMA_PHOTOS='bythewater|coldripple|colorfulcups|darkesthour|eveningglow|fallenleaf|grey|kite|onestandsout|path|volna|summer_1am'
photo_path() {
  case "$1" in
    plasma-workspace-wallpapers)
      [[ "$2" =~ ^usr/share/wallpapers/($PLASMA_PHOTOS)/ ]];;
    mate-backgrounds)
      [[ "$2" == usr/share/backgrounds/mate/nature/* ]];;
    opencv-doc)
      [[ "$2" == usr/share/doc/opencv-doc/examples/data/* ]] || return 1
      [[ "$2" =~ (chess|sudoku|digits|shape|blob|gt\.|pattern|board|circles|pca_|ela_|text|graf|box) ]] && return 1
      return 0;;
    lomiri-wallpapers-16.04)
      # Photographs only: umang is vector art.
      [[ "$2" == usr/share/backgrounds/*.jpg && "$2" != *umang* ]];;
    lomiri-wallpapers-20.04)
      # The one photograph; the rest are vector art and paintings.
      [[ "$2" == *kleiber* ]];;
    python3-skimage)
      [[ "$2" == */skimage/data/* ]] || return 1
      [[ "$2" =~ (cell|ihc|retina|hubble|chess|text|horse|page|checker) ]] && return 1
      return 0;;
    *) return 0;;
  esac
}

SOURCES="$WORK/SOURCES.txt"
{
  echo "# Clean photographs for reelrestore's synthetic benchmark, unpacked from Debian packages."
  echo "# Not redistributed by the project. package<TAB>version<TAB>files kept<TAB>licence note"
} >"$SOURCES"

total=0
for pkg in "${PACKAGES[@]}"; do
  if ! has_candidate "$pkg"; then
    echo "skip $pkg: no apt candidate"
    continue
  fi
  mkdir -p "$WORK/deb/$pkg" "$WORK/root/$pkg"
  if ! (cd "$WORK/deb/$pkg" && apt-get download -qq "$pkg" >/dev/null 2>&1); then
    echo "skip $pkg: apt-get download failed"
    continue
  fi
  deb="$(ls "$WORK/deb/$pkg"/*.deb | head -1)"
  dpkg-deb -x "$deb" "$WORK/root/$pkg"
  version="$(dpkg-deb -f "$deb" Version)"
  kept=0
  # Photos only: raster formats; vector art, logos and icons are not film-like pictures.
  while IFS= read -r -d '' f; do
    rel="${f#"$WORK/root/$pkg/"}"
    lower="${rel,,}"
    [[ "$lower" =~ (logo|icon|thumb|screenshot|preview|mask|text) ]] && continue
    photo_path "$pkg" "$lower" || continue
    (( $(short_side "$f") >= MIN_SIDE )) || continue
    # Flatten to one safe, unique name: package + path, every odd character replaced.
    safe="$(echo "${pkg}__${rel}" | tr '/ ' '__' | tr -c 'A-Za-z0-9._\n-' '_')"
    cp "$f" "$CACHE_DIR/$safe"
    kept=$((kept + 1))
  done < <(find "$WORK/root/$pkg" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' -o -iname '*.webp' \) -print0 | sort -z)
  printf '%s\t%s\t%d\t%s\n' "$pkg" "$version" "$kept" "$(license_note "$pkg")" >>"$SOURCES"
  echo "$pkg $version: kept $kept images"
  total=$((total + kept))
done

# Nothing kept is a failure, not an empty cache to reuse: the next run tries again.
if (( total == 0 )); then
  echo "error: no photographs kept from ${PACKAGES[*]}" >&2
  exit 1
fi
# SOURCES.txt last, so an interrupted run is retried rather than taken as done.
cp "$SOURCES" "$CACHE_DIR/SOURCES.txt"
echo "done: $total clean images in $CACHE_DIR"
