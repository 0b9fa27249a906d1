"""Training windows from benchmark-set folders (written by the shared generator):
<root>/<seq>/{damaged,mask}/frame_0001.png (+ clean/, classes/, meta.json).

A sample is T consecutive damaged frames as luma in [0,1] (Rec.709, like toLuma in the Node code) and the
centre frame's label: 0 clean, 1 visible damage, 2 faint damage (don't care), 3 weak damage (visible, but
changing luma by less than WEAK_CONTRAST, line scratches aside: what the network misses most; its loss may
weigh more). The generator marks every
pixel the damage changed at all, down to 1.5 steps of 8 bits; below VISIBLE_CONTRAST of luma that change
is lost in the grain, so neither flagging it nor missing it is an error (the benchmark scores it the same
way: bench/metrics/detection.ts). Past either end of a sequence the window is mirrored about the centre (the frame
t-k stands in for a missing t+k), which is what the segment worker does at shot boundaries.
"""
import functools
import os
import random
from typing import List, Tuple

import numpy as np
from PIL import Image

KR, KG, KB = 0.2126, 0.7152, 0.0722
# Same value as VISIBLE_CONTRAST in packages/shared/src/synthetic/film-sequence.ts.
VISIBLE_CONTRAST = 0.03
WEAK_CONTRAST = 0.08
CLEAN, DAMAGE, FAINT, WEAK = 0, 1, 2, 3
# The line scratches' id in DAMAGE_CLASSES (packages/shared/src/synthetic/film-sequence.ts).
SCRATCH_CLASS = 5


def visible(masks: np.ndarray) -> np.ndarray:
    """Visible damage, weak or not."""
    return (masks == DAMAGE) | (masks == WEAK)


def read_luma(path: str) -> np.ndarray:
    im = Image.open(path)
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(im, dtype=np.float32) / 65535.0
    elif im.mode == "L":
        a = np.asarray(im, dtype=np.float32) / 255.0
    else:
        # PIL reads 48-bit PNGs as 8-bit RGB; the lost low byte is far below the damage contrast.
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
        a = rgb[..., 0] * KR + rgb[..., 1] * KG + rgb[..., 2] * KB
    return np.ascontiguousarray(a, dtype=np.float32)


def read_classes(seq_dir: str, files: List[str], marked: np.ndarray) -> np.ndarray:
    """Per pixel the generator's class id (DAMAGE_CLASSES in film-sequence.ts; 0 = none); a set written
    without classes counts every `marked` pixel as dust."""
    cdir = os.path.join(seq_dir, "classes")
    if not os.path.isdir(cdir):
        return marked.astype(np.uint8)
    return np.stack([np.asarray(Image.open(os.path.join(cdir, f)).convert("L")) for f in files])


def read_mask(path: str) -> np.ndarray:
    return (np.asarray(Image.open(path).convert("L")) > 127).astype(np.uint8)


def window_indices(t: int, n: int, window: int) -> List[int]:
    """Frame indices for a window centred on t in a sequence of n frames, mirrored past the ends."""
    half = window // 2
    out = []
    for k in range(-half, half + 1):
        j = t + k
        if j < 0 or j >= n:
            j = t - k
        if j < 0 or j >= n:
            j = t
        out.append(j)
    return out


class Sequence:
    """One sequence. With aligned=True the windows are the motion-compensated ones the generator wrote
    (<seq>/aligned/frame_0001.u16: window planes of uint16 luma, made by the service's align-window.ts),
    kept as uint16 to halve the memory; otherwise the raw frames, mirrored past the ends."""

    def __init__(self, root: str, name: str, aligned: bool = False):
        self.name = name
        d = os.path.join(root, name)
        files = sorted(f for f in os.listdir(os.path.join(d, "damaged")) if f.endswith(".png"))
        self.frames = np.stack([read_luma(os.path.join(d, "damaged", f)) for f in files])
        self.aligned = None
        if aligned:
            h, w = self.frames.shape[1:]
            planes = [np.fromfile(os.path.join(d, "aligned", f[:-4] + ".u16"), dtype=np.uint16) for f in files]
            self.aligned = np.stack([p.reshape(-1, h, w) for p in planes])
        masks = np.stack([read_mask(os.path.join(d, "mask", f)) for f in files])
        clean = np.stack([read_luma(os.path.join(d, "clean", f)) for f in files])
        contrast = np.abs(self.frames - clean)
        faint = (masks == 1) & (contrast < VISIBLE_CONTRAST)
        self._dir = d
        self._files = files
        # Line scratches are left out: weighing their soft edges made a fine-tune sure of every thin dark
        # line, and it repainted the board seams of the real clip's still shots as scratches. The class map
        # is not kept: only sampling by class needs it later (the `classes` property reads it again).
        weak = (masks == 1) & ~faint & (contrast < WEAK_CONTRAST) & (read_classes(d, files, masks) != SCRATCH_CLASS)
        self.masks = np.where(faint, FAINT, np.where(weak, WEAK, masks)).astype(np.uint8)
        self.clean = bool(masks.sum() == 0)

    @functools.cached_property
    def classes(self) -> np.ndarray:
        """Per pixel the generator's class id, read when positives are sampled by class (read_classes)."""
        return read_classes(self._dir, self._files, visible(self.masks))

    def __len__(self) -> int:
        return self.frames.shape[0]

    def window(self, t: int, window: int) -> np.ndarray:
        if self.aligned is not None:
            if self.aligned.shape[1] != window:
                raise ValueError(f"{self.name}: aligned windows hold {self.aligned.shape[1]} planes, not {window}")
            return self.aligned[t].astype(np.float32) / 65535.0
        return self.frames[window_indices(t, len(self), window)]

    def window_crop(self, t: int, window: int, y0: int, x0: int, c: int) -> np.ndarray:
        """The window cropped before conversion: aligned windows stay uint16 until here."""
        if self.aligned is not None:
            return self.aligned[t][:, y0 : y0 + c, x0 : x0 + c].astype(np.float32) / 65535.0
        return self.frames[window_indices(t, len(self), window)][:, y0 : y0 + c, x0 : x0 + c]


def list_sequences(root: str) -> List[str]:
    return sorted(s for s in os.listdir(root) if os.path.isdir(os.path.join(root, s, "damaged")))


def load_set(root: str, names: List[str], aligned: bool = False) -> List[Sequence]:
    return [Sequence(root, n, aligned) for n in names]


# A clean pixel whose centre departs from its aligned neighbours' middle by this much looks like damage to
# a temporal detector: something moving on its own, a swaying wire, a flickering gate band.
LOOK_ALIKE_DEPARTURE = 0.1
# How far (px) such a pixel must be from any marked damage, and how many of them are kept per frame.
LOOK_ALIKE_CLEARANCE = 8
LOOK_ALIKE_PER_FRAME = 2000


def look_alikes(seqs: List["Sequence"], rng: np.random.Generator) -> list:
    """Per (sequence, frame) of aligned windows, clean pixels the aligned neighbours do not confirm (see
    LOOK_ALIKE_DEPARTURE), far from damage: the hard negatives. Uniform crops land on them rarely, and what
    the gate cannot drop is among them."""
    out = []
    for si, s in enumerate(seqs):
        if s.aligned is None:
            continue
        for t in range(len(s)):
            win = s.aligned[t].astype(np.float32) / 65535.0
            centre = win[win.shape[0] // 2]
            others = np.sort(np.delete(win, win.shape[0] // 2, axis=0), axis=0)
            mid = others.shape[0] // 2
            middle = (others[mid - 1] + others[mid]) / 2 if others.shape[0] % 2 == 0 else others[mid]
            far = box_max(s.masks[t] != CLEAN, LOOK_ALIKE_CLEARANCE) == 0
            ys, xs = np.nonzero((np.abs(centre - middle) > LOOK_ALIKE_DEPARTURE) & far)
            if len(ys) > LOOK_ALIKE_PER_FRAME:
                pick = rng.choice(len(ys), LOOK_ALIKE_PER_FRAME, replace=False)
                ys, xs = ys[pick], xs[pick]
            if len(ys):
                out.append((si, t, ys, xs))
    return out


def box_max(m: np.ndarray, r: int) -> np.ndarray:
    """Whether any pixel of the (2r+1)-square around each is set (an integral-image box count)."""
    h, w = m.shape
    ii = np.zeros((h + 1, w + 1), dtype=np.int32)
    ii[1:, 1:] = np.cumsum(np.cumsum(m.astype(np.int32), axis=0), axis=1)
    y = np.arange(h)
    x = np.arange(w)
    y0, y1 = np.clip(y - r, 0, h), np.clip(y + r + 1, 0, h)
    x0, x1 = np.clip(x - r, 0, w), np.clip(x + r + 1, 0, w)
    return ii[y1][:, x1] - ii[y0][:, x1] - ii[y1][:, x0] + ii[y0][:, x0]


class CropSampler:
    """Random crops: most centred on damage (positives are rare), the rest uniform, which includes the
    clean sequences (hard negatives: grain, flicker and motion with nothing to find). Random flips,
    90-degree transposes are left out (scratches are vertical on film), and random temporal reversal."""

    def __init__(
        self,
        seqs: List[Sequence],
        window: int,
        crop: int,
        pos_share: float,
        seed: int,
        noise: float = 0.0,
        by_class: bool = False,
        class_power: float = 0.0,
        hard_share: float = 0.0,
    ):
        self.seqs = seqs
        self.hard_share = hard_share
        self.noise = noise
        self.window = window
        self.crop = crop
        self.pos_share = pos_share
        self.rng = random.Random(seed)
        self.np_rng = np.random.default_rng(seed)
        # Visibly damaged pixel coordinates per (sequence, frame), for positive-centred crops. Drawn by
        # pixel, crops land mostly on blotches and dirt (they have the most pixels) and hardly ever on a
        # hair; with by_class a class is drawn first (see class_power), then a frame, then a pixel.
        self.pos_by_class: dict = {}
        for si, s in enumerate(seqs):
            for t in range(len(s)):
                seen = visible(s.masks[t])
                ids = np.unique(s.classes[t][seen]) if by_class else [None]
                for c in ids:
                    ys, xs = np.nonzero(seen if c is None else seen & (s.classes[t] == c))
                    if len(ys):
                        self.pos_by_class.setdefault(c, []).append((si, t, ys, xs))
        # A class is drawn with weight (its visibly damaged pixels) ** class_power: 0 draws each class
        # equally often, 0.5 leans towards the common ones without starving the rare.
        self.class_keys = sorted(self.pos_by_class, key=str)
        self.class_weights = [
            sum(len(e[2]) for e in self.pos_by_class[c]) ** class_power for c in self.class_keys
        ]
        self.look_alikes = look_alikes(seqs, self.np_rng) if hard_share > 0 else []

    def _around(self, entry: tuple) -> Tuple["Sequence", int, int, int]:
        """A crop holding one of the entry's points (sequence index, frame, ys, xs) at a random place in it."""
        si, t, ys, xs = entry
        c = self.crop
        k = self.rng.randrange(len(ys))
        s = self.seqs[si]
        h, w = s.frames.shape[1:]
        y0 = int(np.clip(ys[k] - self.rng.randrange(c), 0, h - c))
        x0 = int(np.clip(xs[k] - self.rng.randrange(c), 0, w - c))
        return s, t, y0, x0

    def sample(self) -> Tuple[np.ndarray, np.ndarray]:
        c = self.crop
        if self.pos_by_class and self.rng.random() < self.pos_share:
            # Without by_class there is one key and no draw: the crop stream is the one it always was.
            key = self.class_keys[0] if len(self.class_keys) == 1 else self.rng.choices(self.class_keys, self.class_weights)[0]
            entries = self.pos_by_class[key]
            s, t, y0, x0 = self._around(entries[self.rng.randrange(len(entries))])
        elif self.look_alikes and self.rng.random() < self.hard_share / (1 - self.pos_share):
            s, t, y0, x0 = self._around(self.look_alikes[self.rng.randrange(len(self.look_alikes))])
        else:
            si = self.rng.randrange(len(self.seqs))
            s = self.seqs[si]
            t = self.rng.randrange(len(s))
            h, w = s.frames.shape[1:]
            y0 = self.rng.randrange(h - c + 1)
            x0 = self.rng.randrange(w - c + 1)
        x = s.window_crop(t, self.window, y0, x0, c)
        y = s.masks[t][None, y0 : y0 + c, x0 : x0 + c]
        if self.rng.random() < 0.5:
            x, y = x[:, :, ::-1], y[:, :, ::-1]
        if self.rng.random() < 0.5:
            x, y = x[:, ::-1], y[:, ::-1]
        if self.rng.random() < 0.5:
            x = x[::-1]
        # Exposure and contrast jitter: prints and scans differ.
        gain = self.rng.uniform(0.8, 1.2)
        bias = self.rng.uniform(-0.08, 0.08)
        x = x * gain + bias
        # Extra fine, uncorrelated noise on half the crops: scanners and stocks differ in grain, and a
        # model that knows only the generator's grain takes clumps of another grain for dust.
        if self.noise and self.rng.random() < 0.5:
            x = x + self.np_rng.normal(0.0, self.rng.uniform(0.005, self.noise), x.shape).astype(np.float32)
        x = np.clip(x, 0.0, 1.0)
        return np.ascontiguousarray(x, dtype=np.float32), np.ascontiguousarray(y, dtype=np.float32)

    def batch(self, n: int) -> Tuple[np.ndarray, np.ndarray]:
        xs, ys = zip(*(self.sample() for _ in range(n)))
        return np.stack(xs), np.stack(ys)
