/**
 * Real film-damage overlays (the FILM-AA scans: 400x400 RGBA, alpha = coverage, grey = texture), read from
 * the shared data folder, never copied into the repo. A bounded, deterministic subset is decoded once per
 * process and kept as coverage maps with a mip pyramid, so stamping one at any scale is a few thousand
 * bilinear look-ups and thin hairs stay continuous when shrunk.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import type { DamageClass } from './film-sequence.js';
import { overlaysOfSplit, type SourceSplit } from './source-split.js';

/** Which overlay folders make each damage class. */
export const OVERLAY_FOLDERS: Readonly<Record<Exclude<DamageClass, 'none'>, readonly string[]>> = {
  dust: ['dots', 'spots', 'sprinkles'],
  dirt: ['dirt', 'smut'],
  hair: ['hair', 'hair-short'],
  lint: ['lint'],
  scratch: ['scratches'],
  blotch: ['stain'],
};

/** One mip level of an overlay: coverage in [0,1] (alpha times texture). */
export interface OverlayLevel {
  width: number;
  height: number;
  cover: Float32Array;
}

export interface Overlay {
  folder: string;
  file: string;
  /** Level 0 is the scan's own resolution (cropped to the artefact); each next level is half as big. */
  levels: OverlayLevel[];
}

export interface OverlayBank {
  dir: string;
  /** Overlays per folder name, in sorted file order. */
  byFolder: Map<string, Overlay[]>;
  /** The width of the film frame the overlays were scanned at, roughly: 1 overlay pixel = 1 frame pixel at this width. */
  nativeWidth: number;
}

/** Overlays were cut from scans of about this width; a frame this wide stamps them at scale 1. */
export const OVERLAY_NATIVE_WIDTH = 4096;

/** FILM_AA_OVERLAYS, else ../shared/data/film-aa-overlays beside the repository root. */
export function defaultOverlaysDir(): string {
  const fromEnv = process.env.FILM_AA_OVERLAYS;
  if (fromEnv) return resolve(fromEnv);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
  return resolve(repoRoot, '../shared/data/film-aa-overlays');
}

export function overlaysAvailable(dir = defaultOverlaysDir()): boolean {
  return existsSync(join(dir, 'dots')) || existsSync(join(dir, 'hair'));
}

const banks = new Map<string, Promise<OverlayBank>>();

/**
 * Loads (once per process and arguments) up to `perClass` overlays for each damage class, split evenly
 * over the class's folders and spread evenly over each folder's sorted files, so the subset is the same on
 * every machine and covers the folder's variety. Missing folders are skipped.
 */
export function loadOverlayBank(dir = defaultOverlaysDir(), opts: { perClass?: number; split?: SourceSplit } = {}): Promise<OverlayBank> {
  const perClass = opts.perClass ?? 40;
  const split = opts.split ?? 'all';
  const key = `${resolve(dir)}|${perClass}|${split}`;
  let bank = banks.get(key);
  if (!bank) {
    bank = readBank(resolve(dir), perClass, split);
    banks.set(key, bank);
    // A failed load must not poison the cache for a later, fixed call.
    bank.catch(() => banks.delete(key));
  }
  return bank;
}

async function readBank(dir: string, perClass: number, split: SourceSplit): Promise<OverlayBank> {
  const byFolder = new Map<string, Overlay[]>();
  for (const folders of Object.values(OVERLAY_FOLDERS)) {
    const perFolder = Math.max(1, Math.ceil(perClass / folders.length));
    for (const folder of folders) {
      let names: string[];
      try {
        names = overlaysOfSplit(folder, (await readdir(join(dir, folder))).filter((n) => n.toLowerCase().endsWith('.png')).sort(), split);
      } catch {
        continue;
      }
      const chosen = spreadPick(names, perFolder);
      const overlays = await Promise.all(chosen.map((name) => readOverlay(join(dir, folder, name), folder, name)));
      const usable = overlays.filter((o): o is Overlay => o !== null);
      if (usable.length > 0) byFolder.set(folder, usable);
    }
  }
  if (byFolder.size === 0) throw new Error(`no film-damage overlays found in ${dir} (set FILM_AA_OVERLAYS or pass overlaysDir)`);
  return { dir, byFolder, nativeWidth: OVERLAY_NATIVE_WIDTH };
}

/** Up to n items spread evenly over the list (first, ..., near last). */
function spreadPick<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * items.length) / n)]!);
  return out;
}

/** Decodes one RGBA overlay into a cropped coverage map and its mip pyramid; null when it is empty. */
export async function readOverlay(path: string, folder: string, file: string): Promise<Overlay | null> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const W = info.width;
  const H = info.height;
  const C = info.channels;
  let x0 = W;
  let y0 = H;
  let x1 = -1;
  let y1 = -1;
  // Faint alpha (< 2/255) is scan noise around the artefact, not part of it.
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (data[(y * W + x) * C + C - 1]! < 2) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  // One pixel of empty border so bilinear sampling fades to zero at the crop's edge.
  x0 = Math.max(0, x0 - 1);
  y0 = Math.max(0, y0 - 1);
  x1 = Math.min(W - 1, x1 + 1);
  y1 = Math.min(H - 1, y1 + 1);
  const w = x1 - x0 + 1;
  const h = y1 - y0 + 1;
  const cover = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = ((y + y0) * W + (x + x0)) * C;
      const alpha = data[i + C - 1]! / 255;
      const grey = C >= 3 ? (data[i]! + data[i + 1]! + data[i + 2]!) / (3 * 255) : data[i]! / 255;
      // Texture modulates density: the grey varies across a speck (thicker and thinner dirt). The faintest
      // few percent are scan haze around the artefact, invisible under grain, so they are dropped.
      const a = alpha * (0.35 + 0.65 * grey);
      cover[y * w + x] = a <= 0.04 ? 0 : (a - 0.04) / 0.96;
    }
  }
  const levels: OverlayLevel[] = [{ width: w, height: h, cover }];
  while (true) {
    const last = levels[levels.length - 1]!;
    if (last.width < 8 && last.height < 8) break;
    levels.push(halve(last));
  }
  return { folder, file, levels };
}

/** Box-filters a level to half size (area average keeps thin lines' total coverage). */
function halve(l: OverlayLevel): OverlayLevel {
  const w = Math.max(1, Math.ceil(l.width / 2));
  const h = Math.max(1, Math.ceil(l.height / 2));
  const cover = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = 0; dy < 2; dy++) {
        const sy = 2 * y + dy;
        if (sy >= l.height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const sx = 2 * x + dx;
          if (sx < l.width) s += l.cover[sy * l.width + sx]!;
        }
      }
      cover[y * w + x] = s / 4;
    }
  }
  return { width: w, height: h, cover };
}

/** The overlays of a damage class that the bank holds. */
export function overlaysForClass(bank: OverlayBank, cls: Exclude<DamageClass, 'none'>): Overlay[] {
  return OVERLAY_FOLDERS[cls].flatMap((folder) => bank.byFolder.get(folder) ?? []);
}
