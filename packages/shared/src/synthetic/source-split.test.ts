import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeBenchmarkSet } from './make-sequence.js';
import { defaultOverlaysDir, loadOverlayBank } from './overlays.js';
import { imagesOfSplit, isUnseenImage, overlaysOfSplit, unseenSourceList } from './source-split.js';

describe('the unseen split', () => {
  it('splits photographs by file: every one is on exactly one side', () => {
    const paths = ['/c/mate-backgrounds__Aqua.jpg', '/c/lomiri-wallpapers-16.04__usr_share_backgrounds_Bridge_by_Sander_Klootwijk.jpg', '/c/opencv-doc__baboon.jpg'];
    const train = imagesOfSplit(paths, 'train');
    const unseen = imagesOfSplit(paths, 'unseen');
    expect(unseen).toEqual([paths[1]]);
    expect([...train, ...unseen].sort()).toEqual([...paths].sort());
    for (const name of unseenSourceList().images) expect(isUnseenImage(`/any/${name}`)).toBe(true);
  });

  it('splits each overlay folder by file', () => {
    const { overlays } = unseenSourceList();
    for (const [folder, names] of Object.entries(overlays)) {
      expect(names.length).toBeGreaterThan(0);
      const all = [...names, 'not-in-the-list.png'];
      expect(overlaysOfSplit(folder, all, 'unseen')).toEqual(names);
      expect(overlaysOfSplit(folder, all, 'train')).toEqual(['not-in-the-list.png']);
    }
  });

  it.skipIf(!existsSync(defaultOverlaysDir()))('names overlay files that exist, and a training bank never holds one of them (needs ../shared)', async () => {
    const dir = defaultOverlaysDir();
    const { overlays } = unseenSourceList();
    for (const [folder, names] of Object.entries(overlays)) {
      const present = new Set(readdirSync(join(dir, folder)));
      for (const n of names) expect(present.has(n)).toBe(true);
    }
    const bank = await loadOverlayBank(dir, { perClass: 40, split: 'train' });
    for (const [folder, list] of bank.byFolder) for (const o of list) expect(overlays[folder]?.includes(o.file) ?? false).toBe(false);
    const unseen = await loadOverlayBank(dir, { perClass: 40, split: 'unseen' });
    for (const [folder, list] of unseen.byFolder) for (const o of list) expect(overlays[folder]).toContain(o.file);
  });

  it('a set made for training draws its plates only from the training side, and the unseen set only from the other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rr-split-'));
    try {
      const img = (name: string, v: number) => sharp({ create: { width: 520, height: 520, channels: 3, background: { r: v, g: v, b: v } } }).png().toFile(join(dir, name));
      await img('mate-backgrounds__a.png', 60);
      await img('mate-backgrounds__b.png', 120);
      await img('lomiri-wallpapers-16.04__usr_share_backgrounds_x.png', 200);
      const sources = async (split: 'train' | 'unseen') => {
        const out: string[] = [];
        for await (const s of makeBenchmarkSet({ count: 4, width: 64, height: 48, frames: 2, seed: 3, cleanDir: dir, split, variants: [{ damage: false }] })) out.push(String(s.meta.source));
        return out;
      };
      for (const s of await sources('train')) expect(s).toMatch(/mate-backgrounds/);
      for (const s of await sources('unseen')) expect(s).toMatch(/lomiri/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
