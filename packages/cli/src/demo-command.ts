import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { makeSyntheticClip } from '@reelrestore/shared/synthetic/synthetic-clip';
import { startLocalStack, type LocalStack } from './local-stack.js';
import { restore } from './restore-command.js';

const W = 480;
const H = 272;
const SHOT_FRAMES = 16;

/**
 * `npm run demo`: two short shots of film-like footage with a hard cut between them, dust, dirt and a
 * scratch of known position, restored locally; prints what changed and where to look.
 */
export async function runDemo(outDir: string, opts: { serve?: boolean } = {}): Promise<void> {
  const out = resolve(outDir);
  await rm(out, { recursive: true, force: true });
  const dirs = { damaged: join(out, 'sample', 'damaged'), clean: join(out, 'sample', 'clean'), truth: join(out, 'sample', 'true-masks'), restored: join(out, 'restored') };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });

  console.log(`Making a ${2 * SHOT_FRAMES}-frame ${W}x${H} sample with dust, dirt and a scratch…`);
  const shots = [
    makeSyntheticClip({ width: W, height: H, frames: SHOT_FRAMES, channels: 1, bits: 8, seed: 7, shift: { x: 0.8, y: 0.3 }, damage: { specksPerFrame: 6, scratch: true } }),
    makeSyntheticClip({ width: W, height: H, frames: SHOT_FRAMES, channels: 1, bits: 8, seed: 99, shift: { x: -0.6, y: 0.2 }, damage: { specksPerFrame: 6 } }),
  ];
  const names: string[] = [];
  let n = 0;
  for (const clip of shots) {
    for (let f = 0; f < clip.damaged.length; f++) {
      const name = `frame_${String(++n).padStart(4, '0')}.png`;
      names.push(name);
      await writeGrey(clip.damaged[f]!, join(dirs.damaged, name));
      await writeGrey(clip.clean[f]!, join(dirs.clean, name));
      await writeGrey(clip.masks[f]!, join(dirs.truth, name));
    }
  }

  console.log('Restoring it with the local service (private redis-server, store in a local folder)…');
  const dataDir = join(out, 'service');
  const stack = opts.serve ? await startLocalStack({ dataDir }) : undefined;
  const result = await restore({ input: dirs.damaged, out: dirs.restored, dataDir, ...(stack ? { stack } : {}) });

  const m = await measure(names, dirs);
  const mid = names[Math.floor(names.length / 4)]!;
  const compare = join(out, 'before-after.png');
  await sideBySide([join(dirs.damaged, mid), join(dirs.restored, mid), join(dirs.restored, 'masks', mid)], compare);

  console.log(`
Done: reel ${result.reel.id}, ${result.reel.shots.length} shots found (cut after frame ${SHOT_FRAMES}).
  damage left (mean error vs. the clean truth inside true damage): ${m.errorBefore.toFixed(1)} before → ${m.errorAfter.toFixed(1)} after (grey levels)
  pixels outside the repaint mask identical to the input: ${(m.untouchedExact * 100).toFixed(3)}%
  before / after / mask of ${mid}: ${compare}
  damaged input:   ${dirs.damaged}
  restored frames: ${dirs.restored}  (masks in ${join(dirs.restored, 'masks')})
  report:          ${result.reportPath}
  preview:         ${join(dirs.restored, 'preview.mp4')}`);
  if (stack) {
    await attachTruth(stack, result.reel.id, names, dirs.truth);
    await serveUntilInterrupted(stack);
  } else {
    console.log(`\n${SERVE_HINT}`);
  }
}

/** Printed by a plain demo: the console needs the service kept up, which `--serve` does. */
export const SERVE_HINT = 'To open the demo reel in the web console, run it again with --serve: npm run demo -- --serve';

/** The demo's damage is known: attached to the reel, the console's mask overlay shows what was found, falsely flagged and missed. */
async function attachTruth(stack: LocalStack, reelId: string, names: string[], dir: string): Promise<void> {
  for (const [n, name] of names.entries()) {
    const res = await fetch(`${stack.apiUrl}/v1/reels/${reelId}/truth/${n}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'image/png' },
      body: await readFile(join(dir, name)),
    });
    if (res.status !== 204) throw new Error(`attaching the demo's known damage to frame ${n} failed: ${res.status} ${await res.text()}`);
  }
}

/** demo --serve: the local service stays up so the demo reel can be opened in the console, until Ctrl-C. */
async function serveUntilInterrupted(stack: LocalStack): Promise<void> {
  console.log(`
The service keeps running for the console:
  console: ${stack.apiUrl}/
  API key: ${stack.apiKey}   (paste it into the console; it is valid until this stops)
Press Ctrl-C to stop.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await stack.close();
}

async function writeGrey(data: Uint8Array | Uint16Array, path: string): Promise<void> {
  await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), { raw: { width: W, height: H, channels: 1 } })
    .png()
    .toFile(path);
}

async function readGrey(path: string): Promise<Uint8Array> {
  const { data } = await sharp(await readFile(path)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

async function measure(names: string[], dirs: { damaged: string; clean: string; truth: string; restored: string }) {
  let errBefore = 0;
  let errAfter = 0;
  let damaged = 0;
  let outside = 0;
  let outsideSame = 0;
  for (const name of names) {
    const [input, clean, truth, restored, mask] = await Promise.all(
      [join(dirs.damaged, name), join(dirs.clean, name), join(dirs.truth, name), join(dirs.restored, name), join(dirs.restored, 'masks', name)].map(readGrey),
    );
    for (let i = 0; i < input!.length; i++) {
      if (truth![i]) {
        damaged++;
        errBefore += Math.abs(input![i]! - clean![i]!);
        errAfter += Math.abs(restored![i]! - clean![i]!);
      }
      if (!mask![i]) {
        outside++;
        if (restored![i] === input![i]) outsideSame++;
      }
    }
  }
  return { errorBefore: errBefore / Math.max(1, damaged), errorAfter: errAfter / Math.max(1, damaged), untouchedExact: outsideSame / Math.max(1, outside) };
}

async function sideBySide(paths: string[], out: string): Promise<void> {
  await sharp({ create: { width: W * paths.length, height: H, channels: 3, background: '#000' } })
    .composite(await Promise.all(paths.map(async (p, i) => ({ input: await readFile(p), left: i * W, top: 0 }))))
    .png()
    .toFile(out);
}
