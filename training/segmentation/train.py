"""Train the temporal Attention U-Net on a benchmark-set folder.

/usr/bin/python3 training/segmentation/train.py --data data/train-set --out training/segmentation/runs/default
Deterministic for a given seed and thread count; CPU by default, --device cuda where available.
Logs per-epoch loss and validation Dice / recall / precision (full frames of held-out sequences) and the
false-positive rate on held-out clean sequences; keeps the checkpoint with the best validation Dice.
"""
import argparse
import json
import math
import os
import random
import time

import numpy as np
import torch
import torch.nn.functional as F

from data import FAINT, WEAK, CropSampler, list_sequences, load_set, visible
from model import build, count_params, load_widened


def split_label(label, weak_weight: float = 1.0):
    """Label 0/1/2/3 (clean, damage, faint, weak) to a 0/1 target, a weight that is 0 on faint pixels and
    weak_weight on weak ones (for the focal term), and the care mask (for the Tversky term)."""
    care = (label != FAINT).float()
    return visible(label).float(), care * torch.where(label == WEAK, weak_weight, 1.0), care


def focal_loss(logits, target, weight, gamma: float, alpha: float):
    bce = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
    p = torch.sigmoid(logits)
    pt = p * target + (1 - p) * (1 - target)
    w = alpha * target + (1 - alpha) * (1 - target)
    return (weight * w * (1 - pt) ** gamma * bce).sum() / weight.sum().clamp(min=1)


def tversky_loss(logits, target, weight, a: float, b: float, eps: float = 1.0):
    """Soft Tversky over the batch: b > a weighs missed damage above false alarms (recall first)."""
    p = torch.sigmoid(logits) * weight
    tp = (p * target).sum()
    fp = (p * (1 - target)).sum()
    fn = ((1 - p) * target * weight).sum()
    return 1 - (tp + eps) / (tp + a * fp + b * fn + eps)


@torch.no_grad()
def evaluate(net, seqs, window: int, device, threshold: float):
    net.eval()
    tp = fp = fn = 0
    clean_fp = clean_px = 0
    for s in seqs:
        for t in range(0, len(s), 2):
            x = torch.from_numpy(np.ascontiguousarray(s.window(t, window)))[None].to(device)
            pred = (torch.sigmoid(net(x))[0, 0] > threshold).cpu().numpy()
            # Faint damage is don't-care: counted neither as found, missed nor false alarm.
            m = visible(s.masks[t])
            pred = pred & (s.masks[t] != FAINT)
            if s.clean:
                clean_fp += int(pred.sum())
                clean_px += pred.size
            else:
                tp += int((pred & m).sum())
                fp += int((pred & ~m).sum())
                fn += int((~pred & m).sum())
    net.train()
    return {
        "dice": 2 * tp / max(1, 2 * tp + fp + fn),
        "recall": tp / max(1, tp + fn),
        "precision": tp / max(1, tp + fp),
        "clean_fp_rate": clean_fp / max(1, clean_px),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/train-set", help="set folder(s), comma-separated")
    ap.add_argument("--out", default="training/segmentation/runs/default")
    ap.add_argument("--val", default="", help="comma-separated sequence names held out (default: the last 3)")
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--base", type=int, default=8, help="channels of the first level (doubling per level); with --init from a narrower network, its weights are kept (model.load_widened)")
    ap.add_argument("--crop", type=int, default=96)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--steps-per-epoch", type=int, default=100)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--pos-share", type=float, default=0.4)
    ap.add_argument("--focal-gamma", type=float, default=2.0)
    ap.add_argument("--focal-alpha", type=float, default=0.5)
    ap.add_argument("--tversky-a", type=float, default=0.3)
    ap.add_argument("--tversky-b", type=float, default=0.7)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--max-minutes", type=float, default=0, help="stop early after this long (0 = no limit)")
    ap.add_argument("--log-every", type=int, default=0, help="print the running loss every N steps (0 = only per epoch)")
    ap.add_argument("--noise", type=float, default=0.0, help="largest sigma of the extra uncorrelated noise (0 = none)")
    ap.add_argument("--class-balance", action="store_true", help="draw damage-centred crops per damage class, not per pixel")
    ap.add_argument("--class-power", type=float, default=0.0, help="with --class-balance, weigh each class by its pixel count to this power (0: equally)")
    ap.add_argument("--weak-weight", type=float, default=1.0, help="focal-loss weight of weak damage (visible, under 0.08 of luma): the misses that matter most")
    ap.add_argument("--hard-share", type=float, default=0.0, help="share of crops centred on clean pixels the aligned neighbours do not confirm (data.look_alikes): hard negatives")
    ap.add_argument("--reliability", action="store_true", help="the network also reads the aligned neighbours' spread (model.py)")
    ap.add_argument("--train-only", default="", help="comma-separated name prefixes of the only parameters trained (e.g. enc0: the layer that reads new input planes); the rest stay as --init left them")
    ap.add_argument("--init", default="", help="start from this checkpoint's weights (fine-tuning stage)")
    ap.add_argument("--resume", default="", help="continue a run from this checkpoint (weights, optimiser, schedule, epoch, best, log)")
    ap.add_argument("--input", choices=["raw", "aligned"], default="raw", help="the window the network reads: raw frames or the motion-compensated window the generator wrote")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = torch.device(args.device)
    os.makedirs(args.out, exist_ok=True)

    # Several sets may be given (comma-separated folders, e.g. two frame sizes); validation comes from the first.
    roots = args.data.split(",")
    names = [os.path.join(r, n) for r in roots for n in list_sequences(r)]
    first = [n for n in names if os.path.dirname(n) == roots[0]]
    val_names = [os.path.join(roots[0], v) for v in args.val.split(",")] if args.val else first[-3:]
    train_names = [n for n in names if n not in val_names]
    t0 = time.time()
    aligned = args.input == "aligned"
    train_seqs = load_set("", train_names, aligned)
    val_seqs = load_set("", val_names, aligned)
    sampler = CropSampler(train_seqs, args.window, args.crop, args.pos_share, args.seed, args.noise, args.class_balance, args.class_power, args.hard_share)
    pos_px = sum(int(visible(s.masks).sum()) for s in train_seqs)
    all_px = sum(s.masks.size for s in train_seqs)
    faint_px = sum(int((s.masks == FAINT).sum()) for s in train_seqs)
    print(
        f"train {train_names}\nval {val_names}\nloaded in {time.time() - t0:.1f} s; "
        f"visibly damaged share {pos_px / all_px:.4%}, faint (ignored) {faint_px / all_px:.4%}",
        flush=True,
    )

    net = build(vars(args)).to(device)
    if args.init:
        # A checkpoint without the reliability planes, or with fewer channels, starts a network with them (the
        # old channels reading nothing of the new ones at first).
        load_widened(net, torch.load(args.init, map_location=device)["model"])
        print(f"weights from {args.init}", flush=True)
    print(f"params {count_params(net)}", flush=True)
    if args.train_only:
        prefixes = tuple(args.train_only.split(","))
        for name, p in net.named_parameters():
            p.requires_grad = name.startswith(prefixes)
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=args.lr, weight_decay=args.weight_decay)
    total = args.epochs * args.steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / 100) * 0.5 * (1 + math.cos(math.pi * min(1.0, s / total)))
    )

    log = []
    best = -1.0
    started = time.time()
    step = 0
    first_epoch = 1
    if args.resume:
        # A run is continued where its checkpoint left it: CPU training spans several sessions.
        ck = torch.load(args.resume, map_location=device)
        net.load_state_dict(ck["model"])
        if "optimizer" in ck:
            opt.load_state_dict(ck["optimizer"])
            sched.load_state_dict(ck["scheduler"])
        step = ck.get("step", 0)
        first_epoch = ck["epoch"] + 1
        best = ck.get("best", -1.0)
        log = ck.get("log", [])
        started -= 60 * (log[-1]["minutes"] if log else 0)
        # A new crop stream for the epochs still to come (the old one's state is not kept).
        sampler.rng.seed(args.seed * 1000 + first_epoch)
        sampler.np_rng = np.random.default_rng(args.seed * 1000 + first_epoch)
        print(f"resumed {args.resume} after epoch {ck['epoch']} (step {step}, best dice {best:.3f})", flush=True)
    for epoch in range(first_epoch, args.epochs + 1):
        losses = []
        for _ in range(args.steps_per_epoch):
            xb, yb = sampler.batch(args.batch)
            x = torch.from_numpy(xb).to(device)
            y, wt, care = split_label(torch.from_numpy(yb).to(device), args.weak_weight)
            logits = net(x)
            loss = focal_loss(logits, y, wt, args.focal_gamma, args.focal_alpha) * 10 + tversky_loss(
                logits, y, care, args.tversky_a, args.tversky_b
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            losses.append(loss.item())
            if args.log_every and step % args.log_every == 0:
                print(f"  step {step} loss {np.mean(losses[-args.log_every:]):.4f} | {(time.time() - started) / 60:.1f} min", flush=True)
        m = evaluate(net, val_seqs, args.window, device, args.threshold)
        elapsed = time.time() - started
        rec = {"epoch": epoch, "step": step, "loss": float(np.mean(losses)), "minutes": elapsed / 60, **m}
        log.append(rec)
        print(
            f"epoch {epoch:3d} step {step:5d} loss {rec['loss']:.4f} | val dice {m['dice']:.3f} recall {m['recall']:.3f} "
            f"precision {m['precision']:.3f} clean-fp {m['clean_fp_rate']:.5%} | {elapsed / 60:.1f} min",
            flush=True,
        )
        improved = m["dice"] > best
        best = max(best, m["dice"])
        ckpt = {
            "model": net.state_dict(),
            "optimizer": opt.state_dict(),
            "scheduler": sched.state_dict(),
            "args": vars(args),
            "epoch": epoch,
            "step": step,
            "best": best,
            "metrics": m,
            "log": log,
        }
        # Written to a temporary name first: a run killed mid-save keeps its previous checkpoint.
        tmp = os.path.join(args.out, "last.pt.tmp")
        torch.save(ckpt, tmp)
        os.replace(tmp, os.path.join(args.out, "last.pt"))
        if improved:
            torch.save(ckpt, os.path.join(args.out, "best.pt"))
        with open(os.path.join(args.out, "log.json"), "w") as f:
            json.dump({"args": vars(args), "train": train_names, "val": val_names, "epochs": log}, f, indent=1)
        if args.max_minutes and elapsed > args.max_minutes * 60:
            print(f"stopping: {args.max_minutes} minutes reached", flush=True)
            break
    print(f"done in {(time.time() - started) / 60:.1f} min; best val dice {best:.3f}", flush=True)


if __name__ == "__main__":
    main()
