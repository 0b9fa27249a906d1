"""Conditional diffusion denoiser for film inpainting: a small U-Net with a timestep embedding.

It works in *residual* space: the thing being generated is r = (truth - base) / RESIDUAL_SCALE inside the
mask, where base is the motion-compensated temporal median fill (restore/inpaint-window.ts). Where the
neighbours saw the picture, r is just the film's grain plus the median's small errors; where they did not
(a scratch that stays put, a blotch over a moving hand), r carries the missing picture too. Outside the
mask r is 0 by definition, so known pixels are re-imposed exactly at every sampling step.

Input 'x':  N x (1 + COND) x H x W float32: the noisy residual x_t, then the conditioning planes in the
            order conditionTile writes them: base, mask, 4 aligned neighbours, their 4 validity planes.
Input 't':  N float32 in [0, 1], the diffusion time (cosine schedule, see alpha_bar).
Output 'x0': N x 1 x H x W, the predicted clean residual.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

RESIDUAL_SCALE = 0.1
NEIGHBOURS = 4
COND = 3 + 2 * NEIGHBOURS


def alpha_bar(t: torch.Tensor) -> torch.Tensor:
    """Cosine schedule (Nichol & Dhariwal); the service's diffusion-fill.ts uses the same formula."""
    return torch.cos((t + 0.008) / 1.008 * math.pi / 2).pow(2).clamp(1e-5, 1.0)


def features(x: torch.Tensor) -> torch.Tensor:
    """What the first layer sees, computed in the graph so the runtime feeds raw planes."""
    xt = x[:, 0:1]
    base = x[:, 1:2]
    mask = x[:, 2:3]
    centre = x[:, 3:4]
    nb = x[:, 4 : 4 + NEIGHBOURS]
    valid = x[:, 4 + NEIGHBOURS : 4 + 2 * NEIGHBOURS]
    # What each neighbour says the residual is, where it can vouch (0 elsewhere), in residual units.
    said = (nb - base) * valid / RESIDUAL_SCALE
    # What the scan itself says under the mask: the truth where the mask covers clean picture (its
    # dilation ring, false alarms), the damage elsewhere.
    scanned = (centre - base) * mask / RESIDUAL_SCALE
    # Grain and detail of the known picture around the hole (the base is the frame itself outside it).
    local = (base - F.avg_pool2d(base, 5, stride=1, padding=2, count_include_pad=False)) / RESIDUAL_SCALE
    return torch.cat([xt, base, mask, scanned, said, valid, local], dim=1)


class Block(nn.Module):
    """Two 3x3 convs with GroupNorm and SiLU; the timestep embedding shifts the first."""

    def __init__(self, cin: int, cout: int, temb: int):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.n1 = nn.GroupNorm(4, cout)
        self.t = nn.Linear(temb, cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.n2 = nn.GroupNorm(4, cout)

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.n1(self.c1(x)) + self.t(e)[:, :, None, None])
        return F.silu(self.n2(self.c2(h)))


def up_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    x = F.interpolate(x, scale_factor=2.0, mode="nearest")
    return x[:, :, : like.shape[2], : like.shape[3]]


class Denoiser(nn.Module):
    def __init__(self, base: int = 12, temb: int = 32):
        super().__init__()
        self.temb = temb
        self.mlp = nn.Sequential(nn.Linear(temb, temb), nn.SiLU(), nn.Linear(temb, temb))
        cin = 4 + 2 * NEIGHBOURS + 1
        c0, c1, c2 = base, base * 2, base * 4
        self.enc0 = Block(cin, c0, temb)
        self.enc1 = Block(c0, c1, temb)
        self.bott = Block(c1, c2, temb)
        self.dec1 = Block(c2 + c1, c1, temb)
        self.dec0 = Block(c1 + c0, c0, temb)
        self.head = nn.Conv2d(c0, 1, 1)

    def embed(self, t: torch.Tensor) -> torch.Tensor:
        half = self.temb // 2
        freqs = torch.exp(torch.arange(half, dtype=torch.float32, device=t.device) * (-math.log(1000.0) / (half - 1)))
        a = t[:, None] * 1000.0 * freqs[None, :]
        return self.mlp(torch.cat([torch.sin(a), torch.cos(a)], dim=1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        e = self.embed(t)
        h = features(x)
        e0 = self.enc0(h, e)
        e1 = self.enc1(F.max_pool2d(e0, 2, ceil_mode=True), e)
        b = self.bott(F.max_pool2d(e1, 2, ceil_mode=True), e)
        d1 = self.dec1(torch.cat([up_to(b, e1), e1], dim=1), e)
        d0 = self.dec0(torch.cat([up_to(d1, e0), e0], dim=1), e)
        return self.head(d0)


def sample_times(steps: int, power: float = 1.0) -> list[float]:
    """The times DDIM visits, from 1 towards 0: (1 - i/steps)^power. A power above 1 spends the later steps
    at low noise, where fine detail (grain) is decided."""
    return [(1.0 - i / steps) ** power for i in range(steps)]


def ddim_sample(model: nn.Module, cond: torch.Tensor, steps: int, generator: torch.Generator | None = None, power: float = 1.0) -> torch.Tensor:
    """Deterministic DDIM from pure noise, known residual (0 outside the mask) re-imposed at every step."""
    mask = cond[:, 1:2]
    n, _, h, w = cond.shape
    x = torch.randn(n, 1, h, w, generator=generator)
    times = sample_times(steps, power)
    for i, t in enumerate(times):
        s = times[i + 1] if i + 1 < steps else 0.0
        at = alpha_bar(torch.tensor(t))
        as_ = alpha_bar(torch.tensor(s))
        # Outside the mask the residual is known to be 0: forcing x0 there re-imposes the known pixels.
        x0 = model(torch.cat([x, cond], dim=1), torch.full((n,), t)) * mask
        eps = (x - at.sqrt() * x0) / (1 - at).sqrt()
        x = as_.sqrt() * x0 + (1 - as_).sqrt() * eps
    return x0
