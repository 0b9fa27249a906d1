"""Trains the inpainting denoiser on tiles written by make-train-set.ts.

/usr/bin/python3 training/inpainting/train.py --data data/inpaint-set,data/inpaint-set-small --out training/inpainting/runs/v1
    [--epochs 30] [--steps 100] [--batch 32] [--lr 2e-3] [--base 12] [--threads 2] [--seed 1] [--init <ckpt>]

Each tile holds the truth of one channel and its conditioning planes (see model.py). The target is the
residual r = (truth - base) / RESIDUAL_SCALE inside the mask, 0 outside. Loss: MSE of the predicted x0
inside the mask, at a uniformly drawn diffusion time. --damage-weight w (default 0) weights the pixels
the damage visibly changed (|scan - truth| >= VISIBLE_CONTRAST) 1 + w: the model then trusts the scan
under the mask less (see the model card for what that traded). Validation (the last 4 % of each set)
samples with the service's DDIM steps and reports masked PSNR of the sample and of the base (the median
fill), the same on the visibly damaged pixels, and the grain ratio: the sample's high-pass spread inside
the mask over the truth's.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from model import COND, RESIDUAL_SCALE, Denoiser, alpha_bar, ddim_sample


def load(paths: list[str]) -> tuple[np.ndarray, np.ndarray]:
    train, val = [], []
    for p in paths:
        meta = json.load(open(os.path.join(p, "meta.json")))
        n, planes, size = meta["tiles"], meta["planes"], meta["size"]
        a = np.fromfile(os.path.join(p, "tiles.u16"), dtype=np.uint16).reshape(n, planes, size, size)
        cut = max(1, int(n * 0.04))
        train.append(a[:-cut])
        val.append(a[-cut:])
    return np.concatenate(train), np.concatenate(val)


# The benchmark's VISIBLE_CONTRAST (synthetic/film-sequence.ts): damage fainter than this is lost in the grain.
VISIBLE_CONTRAST = 0.03


def visible_damage(cond: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
    """1 inside the mask where the scan differs visibly from the truth, else 0."""
    truth = cond[:, 0:1] + r * RESIDUAL_SCALE
    return cond[:, 1:2] * ((cond[:, 2:3] - truth).abs() >= VISIBLE_CONTRAST).float()


def to_tensors(a: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """uint16 tiles -> (cond, residual target r, 0 outside the mask)."""
    x = torch.from_numpy(a.astype(np.float32) / 65535.0)
    truth, cond = x[:, 0:1], x[:, 1:]
    mask = cond[:, 1:2]
    r = (truth - cond[:, 0:1]) / RESIDUAL_SCALE * mask
    return cond, r


def augment(cond: torch.Tensor, r: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    if torch.rand(()) < 0.5:
        cond, r = cond.flip(3), r.flip(3)
    if torch.rand(()) < 0.5:
        cond, r = cond.flip(2), r.flip(2)
    if torch.rand(()) < 0.5:
        # Swap past and future: the neighbours t-2, t-1, t+1, t+2 and their validity planes.
        order = [0, 1, 2, 6, 5, 4, 3, 10, 9, 8, 7]
        cond = cond[:, order]
    return cond, r


def highpass(x: torch.Tensor) -> torch.Tensor:
    return x - F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)


@torch.no_grad()
def validate(model: Denoiser, val: np.ndarray, steps: int) -> dict:
    model.eval()
    g = torch.Generator().manual_seed(0)
    se_s = se_b = n = 0.0
    hp_s, hp_t = [], []
    # The same on the pixels the damage visibly changed: what the benchmark's masked PSNR scores.
    sd_s = sd_b = nd = 0.0
    for i in range(0, len(val), 64):
        cond, r = to_tensors(val[i : i + 64])
        mask = cond[:, 1:2]
        sample = ddim_sample(model, cond, steps, g)
        se_s += float((((sample - r) * RESIDUAL_SCALE) ** 2 * mask).sum())
        se_b += float(((r * RESIDUAL_SCALE) ** 2 * mask).sum())
        n += float(mask.sum())
        dmg = visible_damage(cond, r)
        sd_s += float((((sample - r) * RESIDUAL_SCALE) ** 2 * dmg).sum())
        sd_b += float(((r * RESIDUAL_SCALE) ** 2 * dmg).sum())
        nd += float(dmg.sum())
        inner = F.max_pool2d(-mask, 3, stride=1, padding=1) < -0.5  # mask eroded by 1: high-pass stays inside
        base = cond[:, 0:1]
        hp_s.append(highpass(base + sample * RESIDUAL_SCALE)[inner])
        hp_t.append(highpass(base + r * RESIDUAL_SCALE)[inner])
    model.train()
    psnr = lambda se, count: 10 * math.log10(count / max(se, 1e-12))
    return {
        "psnr_sample": psnr(se_s, n),
        "psnr_base": psnr(se_b, n),
        "psnr_damage_sample": psnr(sd_s, nd),
        "psnr_damage_base": psnr(sd_b, nd),
        "grain_ratio": float(torch.cat(hp_s).std() / torch.cat(hp_t).std()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--base", type=int, default=12)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sample-steps", type=int, default=1)
    ap.add_argument("--damage-weight", type=float, default=0.0)
    ap.add_argument("--init", help="checkpoint to start from (same --base)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    train, val = load(args.data.split(","))
    print(f"{len(train)} training tiles, {len(val)} validation tiles", flush=True)
    model = Denoiser(base=args.base)
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu")["model"])
    print(f"{sum(p.numel() for p in model.parameters())} parameters", flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    total = args.epochs * args.steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))))
    log = []
    best = -1.0
    started = time.time()
    for epoch in range(1, args.epochs + 1):
        t0 = time.time()
        losses = []
        for _ in range(args.steps):
            idx = np.random.randint(0, len(train), args.batch)
            cond, r = augment(*to_tensors(train[np.sort(idx)]))
            weight = cond[:, 1:2] + args.damage_weight * visible_damage(cond, r)
            t = torch.rand(args.batch)
            ab = alpha_bar(t)[:, None, None, None]
            xt = ab.sqrt() * r + (1 - ab).sqrt() * torch.randn_like(r)
            x0 = model(torch.cat([xt, cond], dim=1), t)
            loss = (((x0 - r) ** 2) * weight).sum() / weight.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss))
        v = validate(model, val, args.sample_steps)
        entry = {"epoch": epoch, "loss": float(np.mean(losses)), "seconds": time.time() - t0, **v}
        log.append(entry)
        print(json.dumps(entry), flush=True)
        ck = {"args": vars(args), "model": model.state_dict(), "metrics": entry}
        torch.save(ck, os.path.join(args.out, "last.pt"))
        if v["psnr_sample"] > best:
            best = v["psnr_sample"]
            torch.save(ck, os.path.join(args.out, "best.pt"))
        json.dump({"args": vars(args), "minutes": (time.time() - started) / 60, "epochs": log}, open(os.path.join(args.out, "log.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
