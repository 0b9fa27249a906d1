/**
 * Samples the plate at a rotated camera pose. A rotating camera (a hand-held or tilting shot, a slightly
 * turning printer) moves every pixel by a different vector, which block matching with one vector per
 * block gets wrong at the corners: exactly the compensation failure a detector must survive. The
 * separable sampler (samplePlate) cannot rotate, so this one is used only when a pose has an angle,
 * leaving every unrotated sequence byte-identical. Bicubic (Catmull-Rom), like samplePlate, so the
 * picture is equally sharp whichever sampler drew it.
 */
import type { CameraPose, Exposure } from './film-look.js';
import type { Plate } from './plates.js';

/**
 * Frame pixel centre (i + 0.5, j + 0.5), relative to the frame centre as d, maps to plate point
 * (pose.x, pose.y) + scale * R(angle) * d; the same convention as samplePlate at angle 0.
 */
export function sampleRotatedPlate(plate: Plate, pose: CameraPose, W: number, H: number, C: number, exposure?: Exposure): Float32Array {
  if (plate.channels !== C) throw new Error(`sampleRotatedPlate: plate has ${plate.channels} channels, frame ${C}`);
  const PW = plate.width;
  const PH = plate.height;
  const src = plate.data;
  const angle = pose.angle ?? 0;
  const ca = Math.cos(angle) * pose.scale;
  const sa = Math.sin(angle) * pose.scale;
  const out = new Float32Array(W * H * C);
  const wx = new Float64Array(4);
  const wy = new Float64Array(4);
  const ix = new Int32Array(4);
  const iy = new Int32Array(4);
  const offset = exposure?.offset ?? 0;
  for (let y = 0; y < H; y++) {
    const dy = y + 0.5 - H / 2;
    const rg = exposure ? exposure.rowGain[y]! : 1;
    for (let x = 0; x < W; x++) {
      const dx = x + 0.5 - W / 2;
      // Plate continuous coordinate minus 0.5: the index space of pixel centres.
      const u = pose.x + ca * dx - sa * dy - 0.5;
      const v = pose.y + sa * dx + ca * dy - 0.5;
      const iu = Math.floor(u);
      const iv = Math.floor(v);
      catmullRom(u - iu, wx);
      catmullRom(v - iv, wy);
      for (let k = 0; k < 4; k++) {
        const a = iu - 1 + k;
        const b = iv - 1 + k;
        ix[k] = a < 0 ? 0 : a >= PW ? PW - 1 : a;
        iy[k] = (b < 0 ? 0 : b >= PH ? PH - 1 : b) * PW;
      }
      const g = exposure ? exposure.colGain[x]! * rg : 1;
      const o = (y * W + x) * C;
      if (C === 1) {
        let acc = 0;
        for (let j = 0; j < 4; j++) {
          const r = iy[j]!;
          acc += wy[j]! * (wx[0]! * src[r + ix[0]!]! + wx[1]! * src[r + ix[1]!]! + wx[2]! * src[r + ix[2]!]! + wx[3]! * src[r + ix[3]!]!);
        }
        out[o] = acc * g + offset;
        continue;
      }
      if (C === 3) {
        let r0 = 0;
        let r1 = 0;
        let r2 = 0;
        for (let j = 0; j < 4; j++) {
          const r = iy[j]!;
          const wj = wy[j]!;
          for (let i = 0; i < 4; i++) {
            const w = wj * wx[i]!;
            const sIdx = (r + ix[i]!) * 3;
            r0 += w * src[sIdx]!;
            r1 += w * src[sIdx + 1]!;
            r2 += w * src[sIdx + 2]!;
          }
        }
        out[o] = r0 * g + offset;
        out[o + 1] = r1 * g + offset;
        out[o + 2] = r2 * g + offset;
        continue;
      }
      for (let c = 0; c < C; c++) {
        let acc = 0;
        for (let j = 0; j < 4; j++) {
          const r = iy[j]!;
          for (let i = 0; i < 4; i++) acc += wy[j]! * wx[i]! * src[(r + ix[i]!) * C + c]!;
        }
        out[o + c] = acc * g + offset;
      }
    }
  }
  return out;
}

function catmullRom(t: number, w: Float64Array): void {
  const t2 = t * t;
  const t3 = t2 * t;
  w[0] = -0.5 * t3 + t2 - 0.5 * t;
  w[1] = 1.5 * t3 - 2.5 * t2 + 1;
  w[2] = -1.5 * t3 + 2 * t2 + 0.5 * t;
  w[3] = 0.5 * t3 - 0.5 * t2;
}
