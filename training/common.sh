# Shared by training/*/train.sh (sourced, from the repo root): the Python check and set generation.

PY=${PY:-/usr/bin/python3}

# Debian's PyTorch, not the pyenv python on PATH: the first thing a fresh machine lacks.
require_python() {
  "$PY" -c "import $1" || { echo "error: $PY lacks $1 (apt-get install python3-torch python3-onnx python3-numpy python3-pil)" >&2; exit 1; }
}

fetch_clean_images() {
  bash scripts/fetch-clean-images.sh .cache/clean-images || echo "warning: no clean photographs; the generator falls back to procedural plates" >&2
}

# make_set <generator.ts> <dir> <args…>: a set is regenerated only when missing or made with other
# arguments or another SET_VERSION (what the generator writes); it is deterministic for its arguments.
make_set() {
  local generator=$1 dir=$2
  shift 2
  local marker="${SET_VERSION:+$SET_VERSION }$*"
  if [[ "$(cat "$dir/.complete" 2>/dev/null)" != "$marker" ]]; then
    rm -rf "$dir"
    npx tsx "$generator" --out "$dir" --clean-dir .cache/clean-images "$@"
    echo "$marker" > "$dir/.complete"
  fi
}
