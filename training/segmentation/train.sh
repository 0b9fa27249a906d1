#!/usr/bin/env bash
# The learned damage segmenter, from nothing to models/segment-unet/model.onnx, in one command:
#
#   training/segmentation/train.sh [extra train.py flags for both stages, e.g. --device cuda]
#
# Inputs (all in or next to the repo; nothing is downloaded except the clean photographs, see 1):
#   1. Clean photographs: scripts/fetch-clean-images.sh fills .cache/clean-images from Debian packages
#      (wallpapers, scikit-image and OpenCV sample images). Without them the generator uses procedural plates.
#   2. Real artefact scans: ../shared/data/film-aa-overlays (FILM-AA; override with FILM_AA_OVERLAYS).
#   3. The benchmark's generator (packages/shared/src/synthetic): film look (grain, flicker, motion) and damage
#      composited from the scans, with exact masks. training/segmentation/make-train-set.ts only calls it
#      with the training mix (denser damage, one clean sequence in six) and writes it to $DATA.
#   4. Debian's PyTorch (/usr/bin/python3, torch 1.13, numpy, PIL, onnx); not the pyenv python on PATH.
# Outputs: $DATA (git-ignored), $RUN (checkpoints and log.json, git-ignored), $OUT and reference.json
# next to it (versioned, with MODEL_CARD.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

source training/common.sh
DATA=${DATA:-data/train-set}
DATA_SMALL=${DATA_SMALL:-data/train-set-small}
DATA_NEG=${DATA_NEG:-data/train-set-negatives}
RUN=${RUN:-training/segmentation/runs/default}
OUT=${OUT:-models/segment-unet/model.onnx}
# Two frame sizes, so picture detail and damage come at more than one scale.
SET_ARGS=(--count 48 --width 768 --height 576 --frames 9 --seed 11 --density 2 --scratches 1.5)
SMALL_ARGS=(--count 60 --width 512 --height 384 --frames 9 --seed 23 --density 2 --scratches 1.5)
NEG_ARGS=(--mix negatives --count 24 --width 640 --height 480 --frames 9 --seed 37)

require_python 'torch, onnx, numpy, PIL'
fetch_clean_images
GEN=training/segmentation/make-train-set.ts
make_set $GEN "$DATA" "${SET_ARGS[@]}"
make_set $GEN "$DATA_SMALL" "${SMALL_ARGS[@]}"
make_set $GEN "$DATA_NEG" "${NEG_ARGS[@]}"

# Stage 1: damaged sets, from scratch; the checkpoint with the best validation Dice is kept.
"$PY" training/segmentation/train.py --data "$DATA,$DATA_SMALL" --out "$RUN/stage1" --threads 2 --seed 1 --epochs 55 --steps-per-epoch 100 --pos-share 0.3 --focal-alpha 0.5 "$@"
# Stage 2: fine-tune with the hard negatives (still pictures whose lines stay put) and extra uncorrelated
# noise on half the crops (other grain); its last checkpoint is exported, since validation holds neither.
"$PY" training/segmentation/train.py --data "$DATA,$DATA_SMALL,$DATA_NEG" --out "$RUN/stage2" --init "$RUN/stage1/best.pt" --threads 2 --seed 2 --epochs 20 --steps-per-epoch 100 --lr 1e-3 --pos-share 0.3 --focal-alpha 0.5 --noise 0.025 "$@"
"$PY" training/segmentation/export_onnx.py --ckpt "$RUN/stage2/last.pt" --out "$OUT"
