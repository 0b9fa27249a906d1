"""Export a denoiser checkpoint to ONNX: inputs 'x' (N x 12 x H x W float32: x_t then the conditioning
planes, see model.py) and 't' (N float32 in [0,1]); output 'x0' (N x 1 x H x W, the predicted residual).
Dynamic N, H, W; opset 13.

/usr/bin/python3 training/inpainting/export_onnx.py --ckpt <run>/best.pt --out models/inpaint-diffusion/model.onnx
A small torch reference pair (reference.json) is written next to the model: the Node test runs the same
input through onnxruntime-node and compares.
"""
import argparse
import json
import os

import onnx
import torch

from model import COND, Denoiser


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", default="models/inpaint-diffusion/model.onnx")
    args = ap.parse_args()
    ck = torch.load(args.ckpt, map_location="cpu")
    net = Denoiser(base=ck["args"]["base"])
    net.load_state_dict(ck["model"])
    net.eval()
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    torch.onnx.export(
        net,
        (torch.rand(2, 1 + COND, 64, 64), torch.rand(2)),
        args.out,
        opset_version=13,
        input_names=["x", "t"],
        output_names=["x0"],
        dynamic_axes={"x": {0: "n", 2: "height", 3: "width"}, "t": {0: "n"}, "x0": {0: "n", 2: "height", 3: "width"}},
        do_constant_folding=True,
    )
    m = onnx.load(args.out)
    onnx.checker.check_model(m)
    m.metadata_props.add(key="params", value=str(sum(p.numel() for p in net.parameters())))
    m.metadata_props.add(key="validation", value=json.dumps(ck.get("metrics", {})))
    onnx.save(m, args.out)

    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, 1 + COND, 20, 24, generator=g)
    x[:, 2] = (x[:, 2] > 0.7).float()  # mask
    x[:, 8:12] = (x[:, 8:12] > 0.3).float()  # validity
    t = torch.tensor([0.6])
    with torch.no_grad():
        y = net(x, t)
    ref = {"dims": list(x.shape), "t": t.tolist(), "x": [round(v, 7) for v in x.flatten().tolist()],
           "x0": [round(v, 7) for v in y.flatten().tolist()]}
    json.dump(ref, open(os.path.join(os.path.dirname(args.out), "reference.json"), "w"))
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
