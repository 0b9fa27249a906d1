"""Export a checkpoint to ONNX: input 'frames' (N x T x H x W float32 luma in [0,1], dynamic N, H, W),
output 'prob' (N x 1 x H x W, damage probability of the centre frame, after the sigmoid). Opset 13.

/usr/bin/python3 training/segmentation/export_onnx.py --ckpt <run>/best.pt --out models/segment-unet/model.onnx
The file is checked with onnx.checker; onnxruntime is compared against torch in the Node tests
(packages/shared/src/restore/unet-segment.test.ts), since the Python onnxruntime is not installed here.
A small reference input/output pair (reference.json) is written next to the model for that comparison.
"""
import argparse
import json
import os

import numpy as np
import onnx
import torch

from model import Exported, build, count_params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", default="models/segment-unet/model.onnx")
    args = ap.parse_args()

    ck = torch.load(args.ckpt, map_location="cpu")
    a = ck["args"]
    net = build(a)
    net.load_state_dict(ck["model"])
    net.eval()
    model = Exported(net).eval()

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    dummy = torch.rand(1, a["window"], 64, 96)
    torch.onnx.export(
        model,
        dummy,
        args.out,
        opset_version=13,
        input_names=["frames"],
        output_names=["prob"],
        dynamic_axes={"frames": {0: "n", 2: "height", 3: "width"}, "prob": {0: "n", 2: "height", 3: "width"}},
        do_constant_folding=True,
    )
    m = onnx.load(args.out)
    onnx.checker.check_model(m)
    m.metadata_props.add(key="window", value=str(a["window"]))
    m.metadata_props.add(key="params", value=str(count_params(net)))
    m.metadata_props.add(key="validation", value=json.dumps(ck.get("metrics", {})))
    onnx.save(m, args.out)

    # Torch reference at a size the export never saw (odd, not a multiple of 4), for the Node test
    # that runs the same input through onnxruntime-node.
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, a["window"], 13, 21, generator=g)
    x[:, a["window"] // 2, 6, 10] = 1.0  # one bright speck on the centre frame only
    with torch.no_grad():
        y = model(x)
    ref = {"dims": list(x.shape), "frames": [round(v, 7) for v in x.flatten().tolist()],
           "prob": [round(v, 7) for v in y.flatten().tolist()]}
    with open(os.path.join(os.path.dirname(args.out) or ".", "reference.json"), "w") as f:
        json.dump(ref, f)
    print(f"exported {args.out}: {os.path.getsize(args.out) / 1e6:.2f} MB, {count_params(net)} params, "
          f"window {a['window']}, epoch {ck.get('epoch')}, val {ck.get('metrics')}; torch out {tuple(y.shape)}")


if __name__ == "__main__":
    main()
