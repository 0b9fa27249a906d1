import { describe, expect, it } from 'vitest';
import { damageVisibility, VISIBLE_CONTRAST } from '@reelrestore/shared/synthetic/film-sequence';
import { addConfusion, ClassRecall, CleanFalseAlarms, detectionScores, emptyConfusion, visibleTruth } from './detection.js';

const m = (...v: number[]) => Uint8Array.from(v);

describe('detectionScores', () => {
  const truth = m(255, 255, 0, 0, 0, 0, 0, 0);

  it('scores a perfect prediction 1 everywhere', () => {
    const s = detectionScores(addConfusion(truth, truth, emptyConfusion()));
    expect(s).toEqual({ precision: 1, recall: 1, dice: 1, iou: 1, fp_rate: 0 });
  });

  it('gives an empty prediction recall 0 and no precision', () => {
    const s = detectionScores(addConfusion(new Uint8Array(8), truth, emptyConfusion()));
    expect(s.recall).toBe(0);
    expect(s.precision).toBeNull();
    expect(s.dice).toBe(0);
    expect(s.iou).toBe(0);
  });

  it('gives an all-positive prediction recall 1 and precision = prevalence', () => {
    const s = detectionScores(addConfusion(new Uint8Array(8).fill(255), truth, emptyConfusion()));
    expect(s.recall).toBe(1);
    expect(s.precision).toBe(2 / 8);
    expect(s.dice).toBeCloseTo((2 * 2) / (2 * 2 + 6), 12);
    expect(s.iou).toBe(2 / 8);
    expect(s.fp_rate).toBe(1);
  });

  it('counts both empty as perfect agreement and false alarms on clean truth as precision 0', () => {
    expect(detectionScores(addConfusion(new Uint8Array(4), new Uint8Array(4), emptyConfusion())).dice).toBe(1);
    const s = detectionScores(addConfusion(m(1, 0, 0, 0), new Uint8Array(4), emptyConfusion()));
    expect(s).toEqual({ precision: 0, recall: null, dice: 0, iou: 0, fp_rate: 0.25 });
  });

  it('pools counts over frames before taking ratios', () => {
    const c = emptyConfusion();
    addConfusion(m(1, 0), m(1, 0), c); // tp
    addConfusion(m(1, 1), m(0, 1), c); // fp + tp
    expect(c).toEqual({ tp: 2, fp: 1, fn: 0, tn: 1 });
    expect(detectionScores(c).precision).toBeCloseTo(2 / 3, 12);
  });
});

describe('ClassRecall', () => {
  it('reports recall per class that occurs, by name', () => {
    const r = new ClassRecall();
    r.add(m(255, 0, 255, 0, 0), m(1, 1, 5, 5, 0));
    expect(r.scores()).toEqual({ dust: { recall: 0.5, pixels: 2 }, scratch: { recall: 0.5, pixels: 2 } });
  });
});

describe('CleanFalseAlarms', () => {
  it('is the flagged share of all pixels, null without a clean sequence', () => {
    const c = new CleanFalseAlarms();
    expect(c.rate()).toBeNull();
    c.add(m(255, 0, 0, 0));
    c.add(m(0, 0, 0, 0));
    expect(c.rate()).toBe(1 / 8);
  });
});

describe('scoring against visible damage', () => {
  it('ignores faint damage: neither credited when found, missed when not, nor a false alarm', () => {
    const layout = { width: 4, height: 1, channels: 1 as const, bits: 8 as const };
    const clean = Uint8Array.from([100, 100, 100, 100]);
    // Pixel 0 is darkened well past VISIBLE_CONTRAST, pixel 1 by 2 levels (faint), pixels 2 and 3 untouched.
    const damaged = Uint8Array.from([20, 98, 100, 100]);
    const mask = m(255, 255, 0, 0);
    const vis = damageVisibility(damaged, clean, mask, layout);
    expect([...vis]).toEqual([2, 1, 0, 0]);
    expect(2 / 255).toBeLessThan(VISIBLE_CONTRAST);
    const { truth, ignore } = visibleTruth(vis);
    // Flagging the faint pixel costs nothing; missing it costs nothing either.
    for (const pred of [m(255, 255, 0, 0), m(255, 0, 0, 0)]) {
      expect(detectionScores(addConfusion(pred, truth, emptyConfusion(), ignore))).toEqual({ precision: 1, recall: 1, dice: 1, iou: 1, fp_rate: 0 });
    }
    // An untouched pixel flagged is still a false alarm, and the visible one missed still a miss.
    const s = detectionScores(addConfusion(m(0, 255, 255, 0), truth, emptyConfusion(), ignore));
    expect(s.recall).toBe(0);
    expect(s.fp_rate).toBe(0.5);
  });
});
