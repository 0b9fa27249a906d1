#!/usr/bin/env bash
# The learned inpainter, from nothing to models/inpaint-diffusion/model.onnx, in one command:
#
#   training/inpainting/train.sh [extra train.py flags]
#
# Inputs (all in or next to the repo; nothing is downloaded except the clean photographs, see 1):
#   1. Clean photographs: scripts/fetch-clean-images.sh fills .cache/clean-images from Debian packages.
#      Without them the generator uses procedural plates.
#   2. Real artefact scans: ../shared/data/film-aa-overlays (FILM-AA), found by the generator.
#   3. The benchmark's generator (packages/shared/src/synthetic) for clean film-like sequences with damage,
#      and the service's own window code (packages/shared/src/restore/inpaint-window.ts) for alignment,
#      median base and conditioning: training/inpainting/make-train-set.ts calls both and writes tiles.
#   4. Debian's PyTorch (/usr/bin/python3, torch 1.13, numpy, onnx); not the pyenv python on PATH.
# Outputs: $DATA and $DATA_SMALL (git-ignored), $RUN (checkpoints and log.json, git-ignored), $OUT and
# reference.json next to it (versioned, with MODEL_CARD.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

source training/common.sh
DATA=${DATA:-data/inpaint-set}
DATA_SMALL=${DATA_SMALL:-data/inpaint-set-small}
RUN=${RUN:-training/inpainting/runs/default}
OUT=${OUT:-models/inpaint-diffusion/model.onnx}
# Two frame sizes, so picture detail and damage come at more than one scale.
SET_ARGS=(--count 40 --width 768 --height 576 --frames 9 --seed 5 --tiles 8)
SMALL_ARGS=(--count 40 --width 512 --height 384 --frames 9 --seed 19 --tiles 8)

require_python 'torch, onnx, numpy'
fetch_clean_images
GEN=training/inpainting/make-train-set.ts
make_set $GEN "$DATA" "${SET_ARGS[@]}"
make_set $GEN "$DATA_SMALL" "${SMALL_ARGS[@]}"

SETS="../../$DATA,../../$DATA_SMALL"
# One stage, cosine decay over 50 epochs (on the 2-core CPU: about 17 minutes).
(cd training/inpainting && "$PY" train.py --data "$SETS" --out "../../$RUN" --threads 2 --seed 1 --epochs 50 --steps 100 --batch 32 --lr 2e-3 --base 12 "$@")
(cd training/inpainting && "$PY" export_onnx.py --ckpt "../../$RUN/last.pt" --out "../../$OUT")
