/**
 * The reduced copies of a frame's luma that every window around it reads again: the cascade's test plane
 * (damage-candidates.ts, 2K halved once) and the motion plane (align-window.ts, halved to at most 640 px
 * wide). A frame sits in five windows; made once with its luma instead of once per window, they save
 * about a tenth of the learned segmenter's time per 2K frame.
 *
 * The segment worker's 'frame-luma' task makes them and carries them in the luma's own shared buffer,
 * after its pixels, with a tag saying what follows. The luma stays a plain w*h Float32Array wherever it is
 * passed (the compute pool's task arguments, the bench), and a window task finds the levels in its
 * buffer without any copy. A luma without them (a plain array, other settings) gets them computed.
 */
import type { FrameLayout, Samples } from '../frames/types.js';
import { toLuma } from './luma.js';
import { cascadePlane, cascadePlaneSize } from './damage-candidates.js';
import { shrink, shrunkSize, type ShrunkLuma } from './align-window.js';

export interface LumaLevels {
  /** The cascade's test plane at `halvings` (the luma itself at 0); null when not asked for. */
  cascade: Float32Array | null;
  /** The motion plane (the luma itself when the frame is narrow enough); null when not asked for. */
  motion: ShrunkLuma | null;
}

/** "RRL1": marks a buffer laid out by sharedLumaWithLevels. */
const TAG = 0x52524c31;
const TAG_WORDS = 4;

interface Layout {
  n: number;
  /** Float offsets of the stored planes, -1 where the plane is the luma itself. */
  cascadeAt: number;
  motionAt: number;
  tagAt: number;
  cascadeLen: number;
  motion: { w: number; h: number; scale: number };
}

function layoutOf(w: number, h: number, halvings: number): Layout {
  const n = w * h;
  const c = cascadePlaneSize(w, h, halvings);
  const cascadeLen = c.factor > 1 ? c.w * c.h : 0;
  const m = shrunkSize(w, h);
  const motionLen = m.scale > 1 ? m.w * m.h : 0;
  return {
    n,
    cascadeAt: cascadeLen ? n : -1,
    motionAt: motionLen ? n + cascadeLen : -1,
    tagAt: n + cascadeLen + motionLen,
    cascadeLen,
    motion: m,
  };
}

/**
 * The levels of a luma plane; `halvings` null leaves out the cascade plane, `motion` false the motion plane.
 * Written into `into`'s planes where given (sized as the levels are), else into new arrays.
 */
export function computeLevels(
  luma: Float32Array,
  w: number,
  h: number,
  halvings: number | null,
  motion = true,
  into: { cascade?: Float32Array; motion?: Float32Array } = {},
): LumaLevels {
  const cascade = halvings === null ? null : cascadePlane(luma, w, h, halvings, into.cascade);
  // At 2K the motion plane's first halving is the cascade's plane: made once.
  const half = halvings !== null && cascadePlaneSize(w, h, halvings).factor === 2 ? cascade : null;
  return { cascade, motion: motion ? shrink(luma, w, h, half, into.motion) : null };
}

/** Bytes of the shared buffer sharedLumaWithLevels lays a frame of this size out in. */
export function lumaBufferBytes(w: number, h: number, halvings: number): number {
  return (layoutOf(w, h, halvings).tagAt + TAG_WORDS) * Float32Array.BYTES_PER_ELEMENT;
}

/**
 * A frame's luma (toLuma) in shared memory, its levels for `halvings` after it in the same buffer. The
 * returned array is the luma alone (w*h values). `into`, a buffer of lumaBufferBytes that nothing reads any
 * more, is written over instead of a new one being allocated: a fresh 2K buffer's first touch costs more
 * than the conversion itself (see SharedBuffers).
 */
export function sharedLumaWithLevels(frame: Samples, layout: FrameLayout, halvings: number, into?: SharedArrayBuffer): Float32Array {
  const { width: w, height: h } = layout;
  const l = layoutOf(w, h, halvings);
  const bytes = lumaBufferBytes(w, h, halvings);
  if (into && into.byteLength !== bytes) throw new RangeError(`luma buffer holds ${into.byteLength} bytes, ${w}x${h} needs ${bytes}`);
  const buffer = into ?? new SharedArrayBuffer(bytes);
  const luma = toLuma(frame, layout, new Float32Array(buffer, 0, l.n));
  const cascade = l.cascadeAt >= 0 ? new Float32Array(buffer, l.cascadeAt * 4, l.cascadeLen) : undefined;
  const motion = l.motionAt >= 0 ? new Float32Array(buffer, l.motionAt * 4, l.motion.w * l.motion.h) : undefined;
  const levels = computeLevels(luma, w, h, halvings, true, { ...(cascade ? { cascade } : {}), ...(motion ? { motion } : {}) });
  // Where the motion plane is the cascade's plane itself (no halving of shrink's own wrote into `motion`).
  if (motion && levels.motion!.luma !== motion) motion.set(levels.motion!.luma);
  new Uint32Array(buffer, l.tagAt * 4, TAG_WORDS).set([TAG, w, h, halvings]);
  return luma;
}

/** The levels sharedLumaWithLevels stored with this luma for these dimensions and halvings; null if none. */
export function storedLevels(luma: Float32Array, w: number, h: number, halvings: number): LumaLevels | null {
  const l = layoutOf(w, h, halvings);
  const { buffer } = luma;
  if (luma.byteOffset !== 0 || luma.length !== l.n || buffer.byteLength !== (l.tagAt + TAG_WORDS) * 4) return null;
  const tag = new Uint32Array(buffer, l.tagAt * 4, TAG_WORDS);
  if (tag[0] !== TAG || tag[1] !== w || tag[2] !== h || tag[3] !== halvings) return null;
  const { motion: m } = l;
  return {
    cascade: l.cascadeAt >= 0 ? new Float32Array(buffer, l.cascadeAt * 4, l.cascadeLen) : luma,
    motion: l.motionAt >= 0 ? { luma: new Float32Array(buffer, l.motionAt * 4, m.w * m.h), w: m.w, h: m.h, scale: m.scale } : { luma, w, h, scale: 1 },
  };
}

/**
 * What a window needs of each frame: the levels stored with its luma for `halvings`, or those `want`ed,
 * computed. A frame that fills several slots gets one object, so its planes stay one object too (the
 * cascade tells a mirrored slot from a real neighbour by identity).
 */
export function windowLevels(
  lumas: readonly (Float32Array | null)[],
  w: number,
  h: number,
  halvings: number,
  want: { cascade: boolean; motion: boolean },
): (LumaLevels | null)[] {
  const made = new Map<Float32Array, LumaLevels>();
  return lumas.map((l) => {
    if (!l) return null;
    let levels = made.get(l);
    if (!levels) {
      levels = storedLevels(l, w, h, halvings) ?? computeLevels(l, w, h, want.cascade ? halvings : null, want.motion);
      made.set(l, levels);
    }
    return levels;
  });
}
