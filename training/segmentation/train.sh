#!/usr/bin/env bash
# The learned damage segmenter, from nothing to models/segment-unet/model.onnx, in one command:
#
#   training/segmentation/train.sh [extra train.py flags, e.g. --epochs 10 --steps-per-epoch 100 --device cuda]
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

PY=${PY:-/usr/bin/python3}
DATA=${DATA:-data/train-set}
RUN=${RUN:-training/segmentation/runs/default}
OUT=${OUT:-models/segment-unet/model.onnx}
SET_ARGS=(--count 48 --width 768 --height 576 --frames 9 --seed 11 --density 2 --scratches 1.5)

"$PY" -c 'import torch, onnx, numpy, PIL' || { echo "error: $PY lacks torch/onnx/numpy/PIL (apt-get install python3-torch python3-onnx python3-pil)" >&2; exit 1; }

bash scripts/fetch-clean-images.sh .cache/clean-images || echo "warning: no clean photographs; the generator falls back to procedural plates" >&2

# The set is regenerated only when missing or made with other arguments: it is deterministic for SET_ARGS.
if [[ "$(cat "$DATA/.complete" 2>/dev/null)" != "${SET_ARGS[*]}" ]]; then
  rm -rf "$DATA"
  npx tsx training/segmentation/make-train-set.ts --out "$DATA" --clean-dir .cache/clean-images "${SET_ARGS[@]}"
  echo "${SET_ARGS[*]}" > "$DATA/.complete"
fi

"$PY" training/segmentation/train.py --data "$DATA" --out "$RUN" --threads 2 --seed 1 --epochs 60 --steps-per-epoch 100 --pos-share 0.3 --focal-alpha 0.5 "$@"
"$PY" training/segmentation/export_onnx.py --ckpt "$RUN/best.pt" --out "$OUT"
