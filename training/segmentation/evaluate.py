"""Validation figures of a checkpoint at several thresholds (full frames of the held-out sequences):
pixel Dice, recall and precision on damaged sequences against visible damage (faint damage is
don't-care, as in training and the benchmark), and the share of flagged pixels on clean ones.

/usr/bin/python3 training/segmentation/evaluate.py --ckpt <run>/best.pt [--data data/train-set]
"""
import argparse

import numpy as np
import torch

from data import FAINT, load_set, visible
from model import build


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--data", default="data/train-set")
    ap.add_argument("--thresholds", default="0.3,0.5,0.7,0.8,0.9,0.95")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = torch.load(args.ckpt, map_location="cpu")
    a = ck["args"]
    net = build(a)
    net.load_state_dict(ck["model"])
    net.eval()
    import json, os
    log = json.load(open(os.path.join(os.path.dirname(args.ckpt), "log.json")))
    # The run's log names its validation sequences by path (several sets may have been combined).
    seqs = load_set("", [v if os.path.isdir(v) else os.path.join(args.data, v) for v in log["val"]])
    ths = [float(t) for t in args.thresholds.split(",")]
    acc = {t: [0, 0, 0, 0, 0] for t in ths}  # tp fp fn clean_fp clean_px
    with torch.no_grad():
        for s in seqs:
            for t in range(len(s)):
                p = torch.sigmoid(net(torch.from_numpy(np.ascontiguousarray(s.window(t, a["window"])))[None]))[0, 0].numpy()
                m = visible(s.masks[t])
                care = s.masks[t] != FAINT
                for th in ths:
                    pr = (p > th) & care
                    c = acc[th]
                    if s.clean:
                        c[3] += int(pr.sum())
                        c[4] += pr.size
                    else:
                        c[0] += int((pr & m).sum())
                        c[1] += int((pr & ~m).sum())
                        c[2] += int((~pr & m).sum())
    print(f"val sequences {log['val']} (all frames)")
    print("threshold  dice   recall precision clean-fp")
    for th in ths:
        tp, fp, fn, cf, cp = acc[th]
        print(f"{th:9.2f}  {2 * tp / max(1, 2 * tp + fp + fn):.3f}  {tp / max(1, tp + fn):.3f}  {tp / max(1, tp + fp):.3f}     {cf / max(1, cp):.4%}")


if __name__ == "__main__":
    main()
