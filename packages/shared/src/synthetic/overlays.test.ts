import { describe, expect, it } from 'vitest';
import { damageFrame, newDamageLayer, planDamage, stampOverlay } from './damage.js';
import { DAMAGE_CLASSES } from './film-sequence.js';
import { OVERLAY_FOLDERS, defaultOverlaysDir, loadOverlayBank, overlaysAvailable, overlaysForClass } from './overlays.js';
import { rng } from './random.js';

const dir = defaultOverlaysDir();
const present = overlaysAvailable(dir);
if (!present) console.warn(`film-damage overlays not found at ${dir} (set FILM_AA_OVERLAYS): skipping the real-overlay tests`);

describe.skipIf(!present)(`real FILM-AA overlays (${dir})`, () => {
  it('loads a bounded, deterministic subset of every folder as coverage maps', async () => {
    const bank = await loadOverlayBank(dir, { perClass: 6 });
    expect(await loadOverlayBank(dir, { perClass: 6 })).toBe(bank);
    for (const [cls, folders] of Object.entries(OVERLAY_FOLDERS)) {
      const list = overlaysForClass(bank, cls as keyof typeof OVERLAY_FOLDERS);
      expect(list.length, cls).toBeGreaterThan(0);
      expect(list.length, cls).toBeLessThanOrEqual(Math.ceil(6 / folders.length) * folders.length);
      for (const ov of list) {
        const l0 = ov.levels[0]!;
        expect(l0.width).toBeLessThanOrEqual(400);
        expect(l0.cover.length).toBe(l0.width * l0.height);
        let min = 1;
        let max = 0;
        for (const v of l0.cover) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        expect(max).toBeGreaterThan(0.2);
        expect(min).toBeGreaterThanOrEqual(0);
        expect(ov.levels[ov.levels.length - 1]!.width).toBeLessThan(8);
      }
    }
    const names = (b: typeof bank) => [...b.byFolder.values()].flat().map((o) => o.file).join(',');
    expect(names(bank)).toBe(names(await loadOverlayBank(dir, { perClass: 6 })));
  });

  it('stamps a hair at any scale and rotation as a continuous line of its class', async () => {
    const bank = await loadOverlayBank(dir, { perClass: 6 });
    const hair = overlaysForClass(bank, 'hair')[0]!;
    for (const scale of [0.1, 0.3, 1]) {
      const layer = newDamageLayer(256, 256);
      stampOverlay(layer, hair, 128, 128, scale, rng(1, scale), false, 'hair');
      let n = 0;
      for (let p = 0; p < layer.cls.length; p++) if (layer.strength[p]! > 0.05) n++;
      expect(n, `scale ${scale}`).toBeGreaterThan(5);
      expect(layer.cls.every((c) => c === 0 || c === DAMAGE_CLASSES.indexOf('hair'))).toBe(true);
    }
  });

  it('draws overlay and procedural damage of the asked classes only', async () => {
    const bank = await loadOverlayBank(dir, { perClass: 6 });
    const plan = planDamage({ width: 200, height: 150 }, 4, 9, { density: 4, classes: ['hair', 'lint'] }, bank);
    const seen = new Set<number>();
    for (let f = 0; f < 4; f++) for (const c of damageFrame(plan, f).layer.cls) seen.add(c);
    seen.delete(0);
    expect([...seen].every((c) => c === DAMAGE_CLASSES.indexOf('hair') || c === DAMAGE_CLASSES.indexOf('lint'))).toBe(true);
    expect(seen.size).toBeGreaterThan(0);
  });
});
