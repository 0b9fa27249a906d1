"""Temporal Attention U-Net for film damage segmentation (reduced channels).

Input  'frames': N x T x H x W float32 luma in [0,1], T consecutive frames (default 5), the centre one is
the frame to segment. Any H and W work (ceil-mode pooling, nearest upsampling cropped to the skip size),
and the network is translation-equivariant on a 4-pixel grid, so tiles whose origins are multiples of 4
give the same interior values as a whole-frame run.
Output: one logit per pixel of the centre frame (the exported graph adds the sigmoid).

Besides the raw window, the first layer sees hand-made temporal features, computed inside the graph so
the runtime only feeds frames: the signed differences centre - neighbour, their min and max, and the
rank-ordered spike scores of the classical detector (centre above the 3x3 maximum of every neighbour, or
below the 3x3 minimum). Dust and dirt live on one frame and light these up; persistent line scratches do
not, and are found from their spatial shape by the U-Net.

With reliability=True it also sees how far the alignment can be trusted: the spread of the aligned
neighbours' middle values (the second and third of four: one damaged neighbour does not move it), per pixel
and as its mean over 9x9 and 17x17 pixels. Where the neighbours confirm each other a small departure of the
centre is damage; where they disagree (a figure moving on its own, occlusion, blur) compensation failed and
a departure says little. The spread is a rank statistic the first convolution cannot form from the planes,
and its wide means reach past what the network sees of them.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


# Box sizes of the alignment spread's local means (reliability=True).
RELIABILITY_BOXES = (9, 17)


def conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class AttentionGate(nn.Module):
    """Additive attention (Oktay et al. 2018): the coarser decoder signal gates the skip features."""

    def __init__(self, skip_ch: int, gate_ch: int, inter_ch: int):
        super().__init__()
        self.wx = nn.Conv2d(skip_ch, inter_ch, 1, bias=False)
        self.wg = nn.Conv2d(gate_ch, inter_ch, 1, bias=True)
        self.psi = nn.Conv2d(inter_ch, 1, 1, bias=True)

    def forward(self, x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
        a = torch.relu(self.wx(x) + self.wg(g))
        return x * torch.sigmoid(self.psi(a))


def up_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Nearest x2 upsampling cropped to the skip's size (exact for odd sizes, shift-equivariant)."""
    x = F.interpolate(x, scale_factor=2.0, mode="nearest")
    return x[:, :, : like.shape[2], : like.shape[3]]


def alignment_spread(nb: torch.Tensor) -> torch.Tensor:
    """Spread of the neighbours' middle values per pixel: 0 where the aligned neighbours agree."""
    m = nb.shape[1]
    if m == 2:
        return (nb[:, :1] - nb[:, 1:]).abs()
    if m == 4:
        # The second and third of four by min and max (a sort is many times slower in onnxruntime).
        lo = torch.maximum(torch.minimum(nb[:, 0:1], nb[:, 1:2]), torch.minimum(nb[:, 2:3], nb[:, 3:4]))
        hi = torch.minimum(torch.maximum(nb[:, 0:1], nb[:, 1:2]), torch.maximum(nb[:, 2:3], nb[:, 3:4]))
        return (hi - lo).abs()
    s = torch.sort(nb, dim=1)[0]
    return s[:, m // 2 : m // 2 + 1] - s[:, (m - 1) // 2 : (m - 1) // 2 + 1]


def box_mean(x: torch.Tensor, k: int) -> torch.Tensor:
    """Mean over k x k pixels (fewer at the frame's edges), as two 1-D passes: a fraction of the cost."""
    x = F.avg_pool2d(x, (1, k), stride=1, padding=(0, k // 2), count_include_pad=False)
    return F.avg_pool2d(x, (k, 1), stride=1, padding=(k // 2, 0), count_include_pad=False)


def temporal_features(frames: torch.Tensor, reliability: bool = False) -> torch.Tensor:
    t = frames.shape[1]
    c = t // 2
    cur = frames[:, c : c + 1]
    nb = torch.cat([frames[:, :c], frames[:, c + 1 :]], dim=1)
    d = cur - nb
    dmin = d.min(dim=1, keepdim=True)[0]
    dmax = d.max(dim=1, keepdim=True)[0]
    # Rank-ordered spike test against each neighbour's 3x3 range, over all neighbours.
    hi = F.max_pool2d(nb, 3, stride=1, padding=1).max(dim=1, keepdim=True)[0]
    lo = -F.max_pool2d(-nb, 3, stride=1, padding=1)
    lo = lo.min(dim=1, keepdim=True)[0]
    up = cur - hi
    down = lo - cur
    # Local contrast of the centre frame (spatial cue for scratches that persist).
    local = cur - F.avg_pool2d(cur, 5, stride=1, padding=2, count_include_pad=False)
    planes = [frames, d, dmin, dmax, up, down, local]
    if reliability:
        spread = alignment_spread(nb)
        planes += [spread] + [box_mean(spread, k) for k in RELIABILITY_BOXES]
    return torch.cat(planes, dim=1)


class TemporalAttentionUNet(nn.Module):
    def __init__(self, window: int = 5, base: int = 8, reliability: bool = False):
        super().__init__()
        assert window % 2 == 1 and window >= 3
        self.window = window
        self.reliability = reliability
        cin = window + (window - 1) + 5 + (1 + len(RELIABILITY_BOXES) if reliability else 0)
        c0, c1, c2 = base, base * 2, base * 4
        self.enc0 = conv_block(cin, c0)
        self.enc1 = conv_block(c0, c1)
        self.bott = conv_block(c1, c2)
        self.att1 = AttentionGate(c1, c2, c1 // 2)
        self.dec1 = conv_block(c2 + c1, c1)
        self.att0 = AttentionGate(c0, c1, max(4, c0 // 2))
        self.dec0 = conv_block(c1 + c0, c0)
        self.head = nn.Conv2d(c0, 1, 1)
        # Damage is rare: start the output near its prior so early training is not swamped by negatives.
        nn.init.constant_(self.head.bias, -4.0)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        x = temporal_features(frames, self.reliability)
        e0 = self.enc0(x)
        e1 = self.enc1(F.max_pool2d(e0, 2, ceil_mode=True))
        b = self.bott(F.max_pool2d(e1, 2, ceil_mode=True))
        g1 = up_to(b, e1)
        d1 = self.dec1(torch.cat([g1, self.att1(e1, g1)], dim=1))
        g0 = up_to(d1, e0)
        d0 = self.dec0(torch.cat([g0, self.att0(e0, g0)], dim=1))
        return self.head(d0)


def build(args: dict) -> TemporalAttentionUNet:
    """The network a checkpoint's arguments describe (runs before reliability planes lack the key)."""
    return TemporalAttentionUNet(window=args["window"], base=args["base"], reliability=args.get("reliability", False))


def load_widened(net: nn.Module, state: dict) -> None:
    """Loads `state` into `net`, which may read more input planes (planes are only ever appended) and have
    more channels per level (a larger `base`) than the state's network. The state's weights fill the leading
    slice of each layer; what the old channels would read from the new planes and channels starts at 0, so
    the network starts out computing exactly what the state did, and fine-tuning teaches it what the new
    planes and channels add. The new channels' own weights keep their random start."""
    own = net.state_dict()
    old_c0 = state["enc0.0.weight"].shape[0]
    new_c0 = own["enc0.0.weight"].shape[0]
    # The decoders read [upsampled coarser level | gated skip]: where the old channels sit in each part.
    concat = {"dec1.0.weight": (4 * old_c0, 4 * new_c0), "dec0.0.weight": (2 * old_c0, 2 * new_c0)}
    for k, v in state.items():
        w = own[k]
        if w.shape == v.shape:
            continue
        grown = w.clone()
        if v.dim() == 4:
            out = v.shape[0]
            grown[:out] = 0
            if k in concat:
                old_up, new_up = concat[k]
                grown[:out, :old_up] = v[:, :old_up]
                grown[:out, new_up : new_up + v.shape[1] - old_up] = v[:, old_up:]
            else:
                grown[:out, : v.shape[1]] = v
        else:
            grown[: v.shape[0]] = v
        state = {**state, k: grown}
    net.load_state_dict(state)


class Exported(nn.Module):
    """What the ONNX file holds: frames in, damage probability of the centre frame out."""

    def __init__(self, net: TemporalAttentionUNet):
        super().__init__()
        self.net = net

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(frames))


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    m = TemporalAttentionUNet()
    print("params", count_params(m))
    y = m(torch.rand(2, 5, 37, 53))
    print(y.shape)
    # A wider network with reliability planes, loaded from this one, computes what it did.
    wide = TemporalAttentionUNet(base=12, reliability=True)
    load_widened(wide, m.state_dict())
    m.eval()
    wide.eval()
    x = torch.rand(2, 5, 37, 53)
    with torch.no_grad():
        print("widened, largest difference", float((m(x) - wide(x)).abs().max()))
