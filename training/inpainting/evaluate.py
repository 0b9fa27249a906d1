"""Scores a checkpoint on the validation tiles for several DDIM step counts: masked PSNR of the sample and
of the base (the temporal median), and the grain ratio of each (high-pass spread inside the mask, over the
truth's). Shows the trade the sampler makes between fidelity and grain.

/usr/bin/python3 training/inpainting/evaluate.py --ckpt runs/v1/last.pt --data ../../data/inpaint-set,../../data/inpaint-set-small [--steps 1,2,4,8]
"""
import argparse
import json
import math

import torch
import torch.nn.functional as F

from model import RESIDUAL_SCALE, Denoiser, ddim_sample
from train import highpass, load, to_tensors


@torch.no_grad()
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--steps", default="1,2,4,8")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(args.ckpt, map_location="cpu")
    model = Denoiser(base=ck["args"]["base"])
    model.load_state_dict(ck["model"])
    model.eval()
    _, val = load(args.data.split(","))
    for steps in [0] + [int(s) for s in args.steps.split(",")]:
        g = torch.Generator().manual_seed(0)
        se = n = 0.0
        hp_o, hp_t = [], []
        worst = []
        for i in range(0, len(val), 64):
            cond, r = to_tensors(val[i : i + 64])
            mask = cond[:, 1:2]
            out = torch.zeros_like(r) if steps == 0 else ddim_sample(model, cond, steps, g)
            err = ((out - r) * RESIDUAL_SCALE) ** 2 * mask
            se += float(err.sum())
            n += float(mask.sum())
            worst += (err.sum((1, 2, 3)) / mask.sum((1, 2, 3)).clamp(min=1)).tolist()
            inner = F.max_pool2d(-mask, 3, stride=1, padding=1) < -0.5
            base = cond[:, 0:1]
            hp_o.append(highpass(base + out * RESIDUAL_SCALE)[inner])
            hp_t.append(highpass(base + r * RESIDUAL_SCALE)[inner])
        worst.sort()
        print(json.dumps({
            "steps": steps if steps else "base (median)",
            "psnr": round(10 * math.log10(n / se), 2),
            "grain_ratio": round(float(torch.cat(hp_o).std() / torch.cat(hp_t).std()), 3),
            "worst_tile_psnr": round(10 * math.log10(1 / max(worst[-1], 1e-12)), 2),
        }), flush=True)


if __name__ == "__main__":
    main()
