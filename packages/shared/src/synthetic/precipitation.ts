/**
 * Rain and snow: particles in the scene that fall independently of the camera and of each other, each
 * visible on one frame at one place and somewhere else on the next. A falling drop is a thin bright streak
 * on one frame only, exactly what a temporal detector calls dust or a short scratch; it is picture, and
 * a restorer must leave it. Drawn only when the detail amount is high (0.5 and above).
 */
import type { Exposure } from './film-look.js';
import { drawPolyline, type Canvas } from './raster.js';
import { rng, uniform } from './random.js';

export interface Particle {
  x0: number;
  y0: number;
  vx: number;
  vy: number;
  /** Snow sways sideways as it falls. */
  swayAmp: number;
  swayRate: number;
  phase: number;
  width: number;
  value: number;
  opacity: number;
}

export interface PrecipitationPlan {
  kind: 'rain' | 'snow';
  width: number;
  height: number;
  particles: Particle[];
}

/** Rain or snow for a sequence when `amount` >= 0.5, else null. */
export function planPrecipitation(width: number, height: number, amount: number, seed: number): PrecipitationPlan | null {
  if (!(amount >= 0.5)) return null;
  const rand = rng(seed, 'precipitation');
  const kind = rand() < 0.55 ? 'rain' : 'snow';
  const unit = width / 1024;
  // Per 1K-wide 4:3 frame: a few hundred drops or flakes at full amount.
  const count = Math.round((kind === 'rain' ? 700 : 450) * (amount - 0.35) * ((width * height) / (1024 * 768)));
  const wind = uniform(rand, -0.3, 0.3);
  const particles: Particle[] = [];
  for (let i = 0; i < count; i++) {
    // Depth: far particles are smaller, slower and fainter.
    const near = rand();
    const speed = kind === 'rain' ? uniform(rand, 10, 24) * (0.5 + near) * unit : uniform(rand, 1, 4) * (0.5 + near) * unit;
    particles.push({
      x0: rand() * width,
      y0: rand() * height,
      vx: speed * (wind + uniform(rand, -0.05, 0.05)),
      vy: speed,
      swayAmp: kind === 'snow' ? uniform(rand, 0.5, 2.5) * unit : 0,
      swayRate: uniform(rand, 0.2, 0.8),
      phase: rand() * 2 * Math.PI,
      width: Math.max(0.6, (kind === 'rain' ? uniform(rand, 0.6, 1.2) : uniform(rand, 1.2, 4)) * (0.6 + 0.6 * near) * Math.max(1, unit)),
      value: uniform(rand, 0.8, 0.98),
      opacity: kind === 'rain' ? uniform(rand, 0.08, 0.3) * (0.5 + near) : uniform(rand, 0.3, 0.8) * (0.5 + 0.5 * near),
    });
  }
  return { kind, width, height, particles };
}

/**
 * Draws film frame f's particles onto an exposed frame in place. Positions wrap around the frame, so the
 * density stays even however long the sequence. A particle is drawn as its path during half a frame
 * interval (a 180 degree shutter): a streak for rain, a short smear for snow.
 */
export function drawPrecipitation(plan: PrecipitationPlan, frame: Float32Array, channels: number, f: number, exposure?: Exposure): void {
  const { width: W, height: H } = plan;
  const canvas: Canvas = { width: W, height: H, channels, data: frame, exposure };
  const margin = 40 * Math.max(1, W / 1024);
  const spanX = W + 2 * margin;
  const spanY = H + 2 * margin;
  for (const p of plan.particles) {
    const sway = p.swayAmp * Math.sin(p.swayRate * f + p.phase);
    const x = mod(p.x0 + p.vx * f + sway, spanX) - margin;
    const y = mod(p.y0 + p.vy * f, spanY) - margin;
    const tx = x - 0.5 * p.vx;
    const ty = y - 0.5 * p.vy;
    if (Math.max(x, tx) < -4 || Math.min(x, tx) > W + 4 || Math.max(y, ty) < -4 || Math.min(y, ty) > H + 4) continue;
    drawPolyline(canvas, [[tx, ty], [x, y]], p.width, p.value, p.opacity, 0.5);
  }
}

function mod(v: number, m: number): number {
  const r = v % m;
  return r < 0 ? r + m : r;
}
