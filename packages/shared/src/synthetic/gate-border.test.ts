import { describe, expect, it } from 'vitest';
import { drawGateBorder, planGateBorder, type GateEdge } from './gate-border.js';
import { makeFilmSequence } from './make-sequence.js';

const W = 160;
const H = 120;

/** Mean of column x (left/right bands) or row y (top/bottom) over the middle half of the frame. */
function lineMean(frame: Float32Array, edge: GateEdge, at: number): number {
  let s = 0;
  let n = 0;
  if (edge === 'left' || edge === 'right') {
    for (let y = H / 4; y < (3 * H) / 4; y++, n++) s += frame[y * W + at]!;
  } else {
    for (let x = W / 4; x < (3 * W) / 4; x++, n++) s += frame[at * W + x]!;
  }
  return s / n;
}

describe('gate borders', () => {
  it('lie at the frame edge, leave the picture alone, and flicker and weave per frame', () => {
    let flickered = 0;
    let weaved = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const plan = planGateBorder(W, H, 6, seed);
      expect(plan.edges.length).toBeGreaterThan(0);
      const frames = [0, 1, 2, 3].map((f) => {
        const fr = new Float32Array(W * H).fill(0.5);
        drawGateBorder(plan, fr, 1, f);
        return fr;
      });
      for (const e of plan.edges) {
        const span = e === 'left' || e === 'right' ? W : H;
        const inset = plan.inset[e];
        // A few per cent of the frame.
        expect(inset / span).toBeGreaterThan(0.009);
        expect(inset).toBeGreaterThan(3);
        expect(inset / span).toBeLessThan(Math.max(0.05, 6 / span));
        const outer = e === 'left' || e === 'top' ? 0 : span - 1;
        const inner = e === 'left' || e === 'top' ? Math.ceil(inset + 6) : Math.floor(span - 1 - inset - 6);
        for (let f = 0; f < 4; f++) {
          // At the very edge: the band's own value, far from the picture's 0.5.
          expect(Math.abs(lineMean(frames[f]!, e, outer) - plan.tone[f]!)).toBeLessThan(0.08);
          expect(Math.abs(lineMean(frames[f]!, e, outer) - 0.5)).toBeGreaterThan(0.3);
          // Inside the picture, untouched.
          expect(lineMean(frames[f]!, e, inner)).toBeCloseTo(0.5, 6);
        }
      }
      if (Math.abs(plan.tone[0]! - plan.tone[1]!) > 0.003) flickered++;
      if (Math.abs(plan.dx[0]! - plan.dx[1]!) > 0.2 || Math.abs(plan.dy[0]! - plan.dy[1]!) > 0.2) weaved++;
      for (const d of [...plan.dx, ...plan.dy]) expect(Math.abs(d)).toBeLessThanOrEqual(2);
    }
    expect(flickered).toBeGreaterThanOrEqual(10);
    expect(weaved).toBeGreaterThanOrEqual(10);
  });

  it('are drawn under the grain, in sequences at both depths and channel counts', async () => {
    for (const [channels, bits] of [[1, 8], [3, 16]] as const) {
      const s = await makeFilmSequence({ width: W, height: H, frames: 4, channels, bits, seed: 31, border: true, motion: 'static', damage: false });
      const border = s.meta.border as { edges: GateEdge[]; tone: number[] };
      const e = border.edges[0]!;
      const maxV = bits === 16 ? 65535 : 255;
      const at = e === 'left' || e === 'top' ? 0 : (e === 'right' ? W : H) - 1;
      const means = s.clean.map((fr) => {
        const luma = Float32Array.from({ length: W * H }, (_, p) => fr[p * channels]! / maxV);
        return lineMean(luma, e, at);
      });
      // Band brightness differs between frames, and follows the planned tone.
      expect(Math.max(...means) - Math.min(...means)).toBeGreaterThan(0.002);
      means.forEach((m, f) => expect(Math.abs(m - border.tone[f]!)).toBeLessThan(0.08));
      // Grain covers the band too: it is not a flat value.
      const values = new Set<number>();
      const fr = s.clean[0]!;
      for (let k = 0; k < 60; k++) {
        const p = e === 'left' || e === 'right' ? (30 + k) * W + at : at * W + 30 + k;
        values.add(fr[p * channels]!);
      }
      expect(values.size).toBeGreaterThan(3);
    }
  });
});
