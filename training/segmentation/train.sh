#!/usr/bin/env bash
# The learned damage segmenter, from nothing to models/segment-unet/model.onnx, in one command:
#
#   training/segmentation/train.sh            # from scratch, or continues where the last run stopped
#   training/segmentation/train.sh --device cuda
#
# Inputs (all in or next to the repo; nothing is downloaded except the clean photographs, see 1):
#   1. Clean photographs: scripts/fetch-clean-images.sh fills .cache/clean-images from Debian packages
#      (wallpapers, scikit-image and OpenCV sample images). Only the training side of the split
#      (packages/shared/src/synthetic/unseen-sources.json) is used; the benchmark keeps the rest unseen.
#   2. Real artefact scans: ../shared/data/film-aa-overlays (FILM-AA; override with FILM_AA_OVERLAYS), the
#      training side of the split likewise.
#   3. The benchmark's generator (packages/shared/src/synthetic): film look (grain, flicker, motion), the hard
#      mix (walking figures, swaying lines, damage-like detail, gate borders, repeats, other grain) and damage
#      composited from the scans, with exact masks. training/segmentation/make-train-set.ts calls it and
#      writes, per frame, the network's input: the motion-compensated window the segment worker builds
#      (restore/align-window.ts).
#   4. Debian's PyTorch (/usr/bin/python3, torch 1.13, numpy, PIL, onnx); not the pyenv python on PATH.
# Outputs: $DATA* (git-ignored), $RUN (checkpoints and log.json, git-ignored), $OUT, its input JSON and
# reference.json next to it (versioned, with MODEL_CARD.md and checkpoint.pt).
#
# Resumable: each stage writes $RUN/<stage>/last.pt after every epoch and continues from it when run again
# (CPU training spans sessions; run it in the background). CONTINUE_SHIPPED=1 with more STAGE4_EPOCHS
# continues the shipped model's last stage from the committed models/segment-unet/checkpoint.pt on a
# machine that has no run folder.
set -euo pipefail
cd "$(dirname "$0")/../.."

source training/common.sh
DATA=${DATA:-data/train-set}
DATA_SMALL=${DATA_SMALL:-data/train-set-small}
DATA_NEG=${DATA_NEG:-data/train-set-negatives}
DATA_HARD=${DATA_HARD:-data/train-set-hard}
RUN=${RUN:-training/segmentation/runs/aligned}
OUT=${OUT:-models/segment-unet/model.onnx}
# Two frame sizes, so picture detail and damage come at more than one scale.
SET_ARGS=(--count 48 --width 768 --height 576 --frames 9 --seed 11 --density 2 --scratches 1.5)
SMALL_ARGS=(--count 60 --width 512 --height 384 --frames 9 --seed 23 --density 2 --scratches 1.5)
NEG_ARGS=(--mix negatives --count 24 --width 640 --height 480 --frames 9 --seed 37)
HARD_ARGS=(--mix hard --count 40 --width 640 --height 480 --frames 9 --seed 41)
STAGE1_EPOCHS=${STAGE1_EPOCHS:-45}
STAGE2_EPOCHS=${STAGE2_EPOCHS:-15}
STAGE3_EPOCHS=${STAGE3_EPOCHS:-30}
STAGE4_EPOCHS=${STAGE4_EPOCHS:-15}

require_python 'torch, onnx, numpy, PIL'
fetch_clean_images
GEN=training/segmentation/make-train-set.ts
# The version makes sets new when what the generator writes changes: aligned-1 added the aligned windows,
# aligned-2 their motion estimated on exposure-matched frames (as the service does since 2026-12-02),
# aligned-3 a slot without its frame or mirror filled by the nearest neighbour, not the centre (2026-12-04).
export SET_VERSION=aligned-3
make_set $GEN "$DATA" "${SET_ARGS[@]}"
make_set $GEN "$DATA_SMALL" "${SMALL_ARGS[@]}"
make_set $GEN "$DATA_NEG" "${NEG_ARGS[@]}"
make_set $GEN "$DATA_HARD" "${HARD_ARGS[@]}"

# train_stage <dir> <epochs> <args…>: runs a stage, or continues it from its last checkpoint, or skips it
# when its last checkpoint already reached <epochs>.
train_stage() {
  local dir=$1 epochs=$2
  shift 2
  local resume=()
  if [[ -f "$dir/last.pt" ]]; then
    local done_epochs
    done_epochs=$("$PY" -c "import torch,sys; print(torch.load(sys.argv[1], map_location='cpu')['epoch'])" "$dir/last.pt")
    if (( done_epochs >= epochs )); then echo "$dir: done ($done_epochs epochs)"; return; fi
    resume=(--resume "$dir/last.pt")
  fi
  "$PY" training/segmentation/train.py --out "$dir" --epochs "$epochs" "${resume[@]}" "$@"
}

if [[ "${CONTINUE_SHIPPED:-0}" == 1 && ! -f "$RUN/stage4/last.pt" ]]; then
  mkdir -p "$RUN/stage4"
  cp models/segment-unet/checkpoint.pt "$RUN/stage4/last.pt"
fi

# started <stage…>: whether any of these stages has a checkpoint (then the stages before it are done).
started() {
  local stage
  for stage in "$@"; do [[ -f "$RUN/$stage/last.pt" ]] && return 0; done
  return 1
}
# init_from <stage> <checkpoint>: INIT holds --init from the stage before, unless this stage continues from
# its own last checkpoint (CONTINUE_SHIPPED included).
init_from() {
  INIT=()
  [[ -f "$RUN/$1/last.pt" ]] || INIT=(--init "$2")
}

COMMON=(--input aligned --steps-per-epoch 100 --pos-share 0.3)
# Stage 1: every damaged set and the hard mix (moving picture, detail, borders: a third of it clean), from
# scratch; the checkpoint with the best validation Dice is kept.
started stage2 stage3 stage4 || train_stage "$RUN/stage1" "$STAGE1_EPOCHS" "${COMMON[@]}" --data "$DATA,$DATA_SMALL,$DATA_HARD" --threads 2 --seed 1 --focal-alpha 0.5 "$@"
ALL="$DATA,$DATA_SMALL,$DATA_HARD,$DATA_NEG"
# Stage 2: fine-tune with the still negatives (pictures whose lines stay put) and extra uncorrelated noise on
# half the crops (other grain).
init_from stage2 "$RUN/stage1/best.pt"
started stage3 stage4 || train_stage "$RUN/stage2" "$STAGE2_EPOCHS" "${COMMON[@]}" --data "$ALL" "${INIT[@]}" --threads 2 --seed 2 --lr 1e-3 --focal-alpha 0.5 --noise 0.025 "$@"
# Stage 3 (W12): half as many channels again (--base 12, model.load_widened keeps stage 2's weights) and the
# aligned neighbours' spread as input (--reliability); a twentieth of the crops are hard negatives (clean
# pixels the neighbours do not confirm).
init_from stage3 "$RUN/stage2/last.pt"
started stage4 || train_stage "$RUN/stage3" "$STAGE3_EPOCHS" "${COMMON[@]}" --data "$ALL" "${INIT[@]}" --threads 2 --seed 3 --lr 1e-3 --focal-alpha 0.4 --noise 0.025 --reliability --base 12 --hard-share 0.05 "$@"
# Stage 4: the same at half the learning rate with a fifth of the crops hard negatives, which take back what
# stage 3 flagged on swaying wires and moving figures and keep its recall. Its last checkpoint is exported,
# since validation holds no hard negatives.
init_from stage4 "$RUN/stage3/last.pt"
train_stage "$RUN/stage4" "$STAGE4_EPOCHS" "${COMMON[@]}" --data "$ALL" "${INIT[@]}" --threads 2 --seed 6 --lr 5e-4 --focal-alpha 0.4 --noise 0.025 --reliability --base 12 --hard-share 0.2 "$@"
"$PY" training/segmentation/export_onnx.py --ckpt "$RUN/stage4/last.pt" --out "$OUT"
echo '{ "input": "aligned", "window": 5 }' > "${OUT%.onnx}.json"
cp "$RUN/stage4/last.pt" "$(dirname "$OUT")/checkpoint.pt"
