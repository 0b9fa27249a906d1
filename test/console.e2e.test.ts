/**
 * The restorer's console in real Chromium (Debian's, driven by playwright-core) against the whole stack:
 * sign in, upload by the file chooser, watch the reel's stages and shots through the event stream until it
 * completes (a queue held, so it is seen part way on any machine), resume an upload whose connection broke,
 * say why a reel failed, and look at it in the viewer. Screenshots go to a temp folder, to SCREENSHOT_DIR,
 * or to docs/screenshots with SCREENSHOTS=1 (the README's).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { build } from 'vite';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMaskPng } from '../packages/shared/src/restore/mask-png.js';
import { regionAt } from '../packages/shared/src/review/mask-edits.js';
import { CONSOLE_DIST } from '../services/api/src/plugins/console.js';
import { writeFfv1Video } from './support/clip-files.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { makeSyntheticClip } from './support/synthetic-clip.js';

const ROOT = resolve(import.meta.dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let work: string;
let shots: string;
let stack: TestStack;
let browser: Browser;
let clipPath: string;
let reelId: string;
/** The clip's known damage, attached to the reel so the overlay shows hits, false alarms and misses. */
let truth: Uint8Array[];

beforeAll(async () => {
  // npm test builds the console first; a test run on its own builds it here.
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) await build({ configFile: join(ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
  work = mkdtempSync(join(tmpdir(), 'rr-console-'));
  shots = process.env.SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : (process.env.SCREENSHOT_DIR ?? work);
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median' } });
  const clip = makeSyntheticClip({ width: 96, height: 72, frames: 6, channels: 1, bits: 8, seed: 21, shift: { x: 0.5, y: 0.2 }, damage: { specksPerFrame: 4, minRadius: 2, maxRadius: 4 } });
  truth = clip.masks;
  clipPath = join(work, 'reel-21.mkv');
  await writeFfv1Video(clipPath, clip.layout, clip.damaged);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

const W = 96;
const H = 72;

/** One frame as the API serves it for the screen (8-bit grey PNG of the 8-bit grey clip), as samples. */
async function frameSamples(variant: 'source' | 'restored' | 'mask', n: number, rev: number): Promise<Uint8Array> {
  const res = await fetch(`${stack.api.url}/v1/reels/${reelId}/frames/${n}?variant=${variant}&rev=${rev}`, { headers: { authorization: `Bearer ${stack.keys.acme}` } });
  expect(res.status).toBe(200);
  const { data, info } = await sharp(Buffer.from(await res.arrayBuffer())).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height]).toEqual([W, H]);
  return new Uint8Array(data);
}

function largestRegion(mask: Uint8Array): { pixels: number[] } {
  let best: number[] = [];
  const seen = new Set<number>();
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || seen.has(i)) continue;
    const region = regionAt(mask, W, H, i % W, Math.floor(i / W))!;
    region.pixels.forEach((p) => seen.add(p));
    if (region.pixels.length > best.length) best = region.pixels;
  }
  return { pixels: best };
}

/** A horizontal stroke of 12 px whose brush (radius r) meets no repair, as pixel indices of its two ends. */
function cleanStroke(mask: Uint8Array, r: number): [number, number] {
  for (let y = r + 8; y < H - r - 8; y++) {
    for (let x = r + 8; x + 12 < W - r - 8; x++) {
      let clear = true;
      for (let dy = -r - 8; dy <= r + 8 && clear; dy++) for (let dx = -r - 8; dx <= 12 + r + 8 && clear; dx++) if (mask[(y + dy) * W + x + dx]) clear = false;
      if (clear) return [y * W + x, y * W + x + 12];
    }
  }
  throw new Error('no clean place for a stroke');
}

/** The pixels within `r` of the segment between two pixel indices on one row. */
function strokePixels(from: number, to: number, r: number): number[] {
  const y = Math.floor(from / W);
  const out: number[] = [];
  for (let dy = -r; dy <= r; dy++) for (let x = (from % W) - r; x <= (to % W) + r; x++) {
    const nearest = Math.min(to % W, Math.max(from % W, x));
    if (Math.hypot(x - nearest, dy) <= r) out.push((y + dy) * W + x);
  }
  return out;
}

/**
 * Polls a browser-side expression until it is true. (Playwright's waitForFunction compiles its text with
 * eval, which the console's content security policy forbids, as it should.)
 */
async function until(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`);
    await page.waitForTimeout(100);
  }
}

/**
 * Records, in the page, every change of the rows whose text has `name`: state, percent and the segment
 * stage's figure, in the order the page showed them. Read with `seenRows`.
 */
async function recordRows(page: Page, name: string): Promise<void> {
  await page.evaluate(`(() => {
    const seen = (window.__seenRows = []);
    const record = () => {
      for (const tr of document.querySelectorAll('tr[data-testid^=reel-]')) {
        if (!tr.textContent.includes(${JSON.stringify(name)})) continue;
        const entry = { state: tr.dataset.state, percent: Number(tr.dataset.percent), segment: tr.querySelector('[data-testid=stage-segment]')?.textContent ?? null };
        const last = seen.at(-1);
        if (!last || last.state !== entry.state || last.percent !== entry.percent || last.segment !== entry.segment) seen.push(entry);
      }
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  })()`);
}

async function seenRows(page: Page): Promise<{ state: string; percent: number; segment: string | null }[]> {
  return (await page.evaluate('window.__seenRows')) as { state: string; percent: number; segment: string | null }[];
}

/** A promise and the function that settles it: a route handler holds a request until the test has seen what it waits for. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(stack.api.url);
  await page.fill('input[name=key]', key);
  await page.click('button[type=submit]');
}

describe('the console', () => {
  it('refuses a wrong key in words', async () => {
    const page = await browser.newPage();
    await signIn(page, 'not-a-key');
    await expect(page.locator('[role=alert]').textContent({ timeout: 10_000 })).resolves.toMatch(/not valid/);
    await page.close();
  });

  it('uploads a reel, follows it to completed, and shows it in the viewer: wipe, mask, frame steps, 1:1', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signIn(page, stack.keys.acme);
    await page.locator('table').waitFor();
    await recordRows(page, 'reel-21.mkv');
    // The inpaint queue held: the reel stops with its frames segmented and none inpainted, whatever the
    // machine's speed, so the row's stage figures are seen while it runs.
    await stack.deps.queues.inpaint.pause();
    const row = page.locator('tr[data-testid^=reel-]', { hasText: 'reel-21.mkv' });
    try {
      await page.setInputFiles('[data-testid=file]', clipPath);
      // The row appears once the upload became a reel, and its state follows the event stream.
      await row.waitFor({ timeout: 30_000 });
      await expect.poll(() => row.locator('[data-testid=stage-segment]').textContent(), { timeout: 60_000 }).toMatch(/segment\s*100 %/);
      await expect(row.locator('[data-testid=stage-inpaint]').textContent()).resolves.toMatch(/inpaint\s*0 %/);
      await expect(row.locator('[data-testid=stage-stitch]').textContent()).resolves.toMatch(/stitch waiting/);
      expect(['segmenting', 'inpainting']).toContain(await row.getAttribute('data-state'));
      // Per shot: the clip is one shot, its frames segmented, none inpainted.
      const shot = row.locator('[data-testid=shot-0]');
      await expect(shot.getAttribute('data-segment')).resolves.toBe('100');
      await expect(shot.getAttribute('data-inpaint')).resolves.toBe('0');
      await row.locator('details.shots summary').click();
      await expect(row.locator('details.shots li').first().textContent()).resolves.toBe('shot 1, frames 1–6: segment 100 %, inpaint 0 %');
      await page.screenshot({ path: join(shots, 'console-reels-running.png') });
    } finally {
      await stack.deps.queues.inpaint.resume();
    }
    await page.locator('tr[data-testid^=reel-][data-state=completed]', { hasText: 'reel-21.mkv' }).waitFor({ timeout: 90_000 });
    // Completion came through the event stream: the row showed the reel running, part done, before it showed it completed.
    const seen = await seenRows(page);
    const done = seen.findIndex((r) => r.state === 'completed');
    expect(done, JSON.stringify(seen)).toBeGreaterThan(0);
    expect(seen.slice(0, done).some((r) => ['segmenting', 'inpainting'].includes(r.state) && r.percent > 0 && r.percent < 100 && /100 %/.test(r.segment ?? '')), JSON.stringify(seen)).toBe(true);
    await page.screenshot({ path: join(shots, 'console-reels.png') });
    reelId = (await row.getAttribute('data-testid'))!.slice('reel-'.length);

    await row.click();
    const restored = page.locator('img[data-testid=restored]');
    await restored.waitFor();
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(/frame 1 \/ 6/);
    // ? lists the keys, J / K / L among them; ? again closes the list.
    await page.keyboard.press('?');
    await expect(page.locator('.help').textContent()).resolves.toMatch(/J \/ K \/ Lplay backwards \/ stop \/ play/);
    await page.keyboard.press('?');
    await expect(page.locator('.help').count()).resolves.toBe(0);
    // The filmstrip: each shot with its thumbnail (loaded) and its share of damaged pixels.
    const shotButton = page.locator('.filmstrip button').first();
    await expect(shotButton.textContent()).resolves.toMatch(/shot 1 · 6 frames · \d+\.\d\d% damage/);
    await shotButton.locator('img').waitFor();
    await until(page, `document.querySelector('.filmstrip button img').complete && document.querySelector('.filmstrip button img').naturalWidth > 0`);
    expect(Number(/([\d.]+)% damage/.exec((await shotButton.textContent())!)![1])).toBeGreaterThan(0);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(/frame 3 \/ 6/);
    await page.keyboard.press('ArrowLeft');
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(/frame 2 \/ 6/);

    // The wipe, dragged with the mouse to about a third: the restored picture shows right of the line.
    const wipe = (await page.locator('[data-testid=wipe]').boundingBox())!;
    await page.mouse.move(wipe.x + wipe.width / 2, wipe.y + wipe.height / 2);
    await page.mouse.down();
    await page.mouse.move(wipe.x + wipe.width * 0.3, wipe.y + wipe.height / 2, { steps: 5 });
    await page.mouse.up();
    const clip = () => page.evaluate(`getComputedStyle(document.querySelector('img[data-testid=restored]')).clipPath`);
    const wiped = Number(/inset\(0px 0px 0px ([\d.]+)%\)/.exec(String(await clip()))?.[1]);
    expect(wiped).toBeGreaterThan(20);
    expect(wiped).toBeLessThan(40);
    // Space shows the scan alone.
    await page.keyboard.press(' ');
    await expect(clip()).resolves.toBe('inset(0px 0px 0px 100%)');
    await page.keyboard.press(' ');

    // The mask overlay: drawn at the frame's size, with some pixels coloured.
    await page.keyboard.press('m');
    const mask = page.locator('canvas[data-testid=mask]');
    await expect(mask.isVisible()).resolves.toBe(true);
    await page.locator('canvas[data-testid=mask][data-drawn="1/0/mask"]').waitFor();
    await expect(mask.getAttribute('width')).resolves.toBe('96');
    // Browser-side code as text: this file is typed for Node, without the DOM.
    const coloured = await page.evaluate(`(() => {
      const c = document.querySelector('canvas[data-testid=mask]');
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
      return n;
    })()`);
    expect(coloured).toBeGreaterThan(0);

    // The difference view, and "next repair": the largest repaired region of the frame, at 2:1 at least.
    await page.keyboard.press('d');
    await page.locator('img[data-testid=difference]').waitFor();
    await page.keyboard.press('d');
    await page.keyboard.press('n');
    await expect(page.locator('[data-testid=repair]').textContent({ timeout: 10_000 })).resolves.toMatch(/repair 1 \/ [1-9]/);
    // The first repair shown is the frame's largest (of its mask's 8-connected regions, as the service counts them).
    const repairFrame = Number(/frame (\d+) \//.exec((await page.locator('[data-testid=frame-counter]').textContent())!)![1]) - 1;
    const repairMask = await frameSamples('mask', repairFrame, 0);
    const areas: number[] = [];
    const counted = new Set<number>();
    for (let i = 0; i < repairMask.length; i++) {
      if (!repairMask[i] || counted.has(i)) continue;
      const region = regionAt(repairMask, W, H, i % W, Math.floor(i / W))!;
      region.pixels.forEach((p) => counted.add(p));
      areas.push(region.pixels.length);
    }
    await expect(page.locator('[data-testid=repair]').textContent()).resolves.toMatch(new RegExp(`repair 1 / ${areas.length}$`));
    await expect(page.locator('[data-testid=repair]').getAttribute('data-area')).resolves.toBe(String(Math.max(...areas)));
    // The zoom follows the repair in the next render: wait for it rather than read it once.
    await expect.poll(() => page.locator('[data-testid=zoom-2]').getAttribute('class'), { timeout: 5_000 }).toBe('on');

    // 1:1: one frame pixel per screen pixel; 4:1 magnifies.
    await page.click('[data-testid=zoom-1]');
    const frameWidth = async () => (await page.locator('.frame').boundingBox())?.width;
    await expect(frameWidth()).resolves.toBe(96);
    await page.keyboard.press('4');
    await expect(frameWidth()).resolves.toBe(384);
    await page.screenshot({ path: join(shots, 'console-viewer.png') });
    for (const name of ['console-reels-running.png', 'console-reels.png', 'console-viewer.png']) expect(statSync(join(shots, name)).size).toBeGreaterThan(5_000);

    // J / K / L: play forwards to the last frame (where it stops by itself), backwards, and stop.
    const counter = () => page.locator('[data-testid=frame-counter]').textContent();
    await page.keyboard.press('l');
    await until(page, `document.querySelector('[data-testid=frame-counter]').textContent.trim() === 'frame 6 / 6'`, 15_000);
    await page.keyboard.press('j');
    await until(page, `/frame [1-4] \\/ 6/.test(document.querySelector('[data-testid=frame-counter]').textContent)`, 15_000);
    await page.keyboard.press('k');
    const stopped = await counter();
    await page.waitForTimeout(500);
    await expect(counter()).resolves.toBe(stopped);

    // On a 2560x1440 monitor, fit shows the whole frame larger, still inside the stage.
    await page.keyboard.press('0');
    const fitAt = async () => ({ frame: (await page.locator('.frame').boundingBox())!, stage: (await page.locator('[data-testid=stage]').boundingBox())! });
    const laptop = await fitAt();
    await page.setViewportSize({ width: 2560, height: 1440 });
    await until(page, `document.querySelector('.frame').getBoundingClientRect().width > ${laptop.frame.width * 1.5}`);
    const monitor = await fitAt();
    for (const { frame, stage } of [laptop, monitor]) {
      expect(frame.height).toBeLessThanOrEqual(stage.height + 1);
      expect(frame.width).toBeLessThanOrEqual(stage.width + 1);
    }
    await page.close();
  }, 150_000);

  it('reviews: a click rejects a repair, a brush stroke adds one, and after Apply the output follows', async () => {
    for (const [n, mask] of truth.entries()) {
      const res = await fetch(`${stack.api.url}/v1/reels/${reelId}/truth/${n}`, { method: 'PUT', headers: { authorization: `Bearer ${stack.keys.acme}`, 'content-type': 'image/png' }, body: await encodeMaskPng(mask, W, H) });
      expect(res.status).toBe(204);
    }
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signIn(page, stack.keys.acme);
    await page.locator(`tr[data-testid=reel-${reelId}]`).click();
    await page.locator('img[data-testid=restored]').waitFor();

    // The frame with the largest repair, found as the console's user would see it: from its mask.
    const masks = await Promise.all([0, 1, 2, 3, 4, 5].map((n) => frameSamples('mask', n, 0)));
    const frame = masks.map((m) => largestRegion(m)).reduce((best, r, n) => (r.pixels.length > best.region.pixels.length ? { n, region: r } : best), { n: -1, region: { pixels: [] as number[] } });
    expect(frame.n).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < frame.n; i++) await page.keyboard.press('ArrowRight');
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(new RegExp(`frame ${frame.n + 1} /`));
    const box = (await page.locator('.frame').boundingBox())!;
    const toPage = (p: number) => ({ x: box.x + ((p % W) + 0.5) * (box.width / W), y: box.y + (Math.floor(p / W) + 0.5) * (box.height / H) });

    // Reject: the R tool, a click on the repair.
    await page.keyboard.press('r');
    const hit = toPage(frame.region.pixels[0]!);
    await page.mouse.click(hit.x, hit.y);
    await page.locator('[data-testid=pending] li').first().waitFor();

    // Add: the B tool, a stroke of radius 3 across a clean part of the frame.
    const mask = masks[frame.n]!;
    const [from, to] = cleanStroke(mask, 3);
    await page.keyboard.press('b');
    for (let i = 0; i < 3; i++) await page.keyboard.press('[');
    await page.mouse.move(toPage(from).x, toPage(from).y);
    await page.mouse.down();
    await page.mouse.move(toPage(to).x, toPage(to).y, { steps: 8 });
    await page.mouse.up();
    await expect(page.locator('[data-testid=pending] li').count()).resolves.toBe(2);
    await page.keyboard.press('m');
    // The overlay draws once its mask (and the known damage) arrived: the screenshot waits for it.
    await page.locator(`canvas[data-testid=mask][data-drawn="${frame.n}/0/truth"]`).waitFor();
    await page.screenshot({ path: join(shots, 'console-review.png') });

    await page.click('[data-testid=apply]');
    await page.locator('[data-testid=edit-log] li').nth(1).waitFor({ timeout: 60_000 });
    await expect(page.locator('[data-testid=pending] li').count()).resolves.toBe(0);
    const reel = await stack.client('acme').status(reelId);
    expect(reel).toMatchObject({ state: 'completed', revision: 1 });

    // Through the API: the rejected repair's pixels are the scan again; the stroke is masked and repainted.
    const [source, restored, after] = await Promise.all([frameSamples('source', frame.n, 1), frameSamples('restored', frame.n, 1), frameSamples('mask', frame.n, 1)]);
    for (const p of frame.region.pixels) {
      expect(after[p]).toBe(0);
      expect(restored[p]).toBe(source[p]);
    }
    const line = strokePixels(from, to, 2);
    expect(line.every((p) => after[p] === 255)).toBe(true);
    expect(line.filter((p) => restored[p] !== source[p]).length).toBeGreaterThan(line.length / 3);
    for (let p = 0; p < W * H; p++) if (!after[p]) expect(restored[p]).toBe(source[p]);

    // With the known damage attached, the overlay colours each pixel as the benchmark does: yellow where the
    // final mask meets true damage, green for a false alarm (the brushed stroke is one), red for a miss (the rejected speck).
    await page.locator('[data-testid=legend]').waitFor();
    await page.locator(`canvas[data-testid=mask][data-drawn="${frame.n}/1/truth"]`).waitFor({ timeout: 30_000 });
    const overlay = (await page.evaluate(`(() => {
      const c = document.querySelector('canvas[data-testid=mask]');
      return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);
    })()`)) as number[];
    const colourAt = (p: number) => (overlay[p * 4 + 3] === 0 ? 'none' : overlay[p * 4 + 1]! > 180 && overlay[p * 4]! > 200 ? 'yellow' : overlay[p * 4 + 1]! > 180 ? 'green' : 'red');
    const expected = (p: number) => (after[p] ? (truth[frame.n]![p] ? 'yellow' : 'green') : truth[frame.n]![p] ? 'red' : 'none');
    const wrong = Array.from({ length: W * H }, (_, p) => p).filter((p) => colourAt(p) !== expected(p));
    expect(wrong).toEqual([]);
    expect(line.every((p) => colourAt(p) === 'green')).toBe(true);
    expect(frame.region.pixels.filter((p) => truth[frame.n]![p]).every((p) => colourAt(p) === 'red')).toBe(true);
    await page.screenshot({ path: join(shots, 'console-review-log.png') });
    for (const name of ['console-review.png', 'console-review-log.png']) expect(statSync(join(shots, name)).size).toBeGreaterThan(5_000);
    await page.close();
  }, 120_000);

  it('resumes an upload after a broken connection, showing speed and time left as it goes', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signIn(page, stack.keys.acme);
    await page.locator('table').waitFor();
    const file = join(work, 'resumed.mkv');
    writeFileSync(file, readFileSync(clipPath));
    // Four parts, so the progress line is seen part way.
    const chunk = Math.ceil(statSync(file).size / 4);
    await page.evaluate(`sessionStorage.setItem('reelrestore.uploadChunkBytes', '${chunk}')`);
    // The first PATCH is cut off; the third (the second part, after the first went through again) is held
    // until the progress line has been read.
    let patches = 0;
    const held = gate();
    await page.route('**/v1/uploads/*', async (route: Route) => {
      if (route.request().method() !== 'PATCH') return route.continue();
      patches += 1;
      if (patches === 1) return route.abort('connectionreset');
      if (patches === 3) await held.opened;
      return route.continue();
    });
    await page.setInputFiles('[data-testid=file]', file);
    const progress = page.locator('[data-testid=upload-progress]');
    try {
      await expect.poll(() => progress.textContent(), { timeout: 30_000 }).toMatch(/at [\d.]+ [kM]B\/s, \d+ s left/);
      const line = (await progress.textContent())!;
      expect(line).toMatch(/resumed\.mkv:\s+[\d.]+ kB of [\d.]+ kB at /);
      expect(line).toMatch(/the connection broke: resumed from the server's offset \(1×\)/);
      const [sent, total] = [...line.matchAll(/([\d.]+) kB/g)].map((m) => Number(m[1]));
      expect(sent).toBeGreaterThan(0);
      expect(sent).toBeLessThan(total!);
    } finally {
      held.open();
    }
    const row = page.locator('tr[data-testid^=reel-]', { hasText: 'resumed.mkv' });
    await row.waitFor({ timeout: 30_000 });
    await page.locator('tr[data-testid^=reel-][data-state=completed]', { hasText: 'resumed.mkv' }).waitFor({ timeout: 90_000 });
    expect(patches).toBeGreaterThanOrEqual(5);
    // The file arrived whole: the reel has every frame.
    const id = (await row.getAttribute('data-testid'))!.slice('reel-'.length);
    expect(await stack.client('acme').status(id)).toMatchObject({ state: 'completed', media: { frameCount: 6 } });
    await page.close();
  }, 120_000);

  it('says why a reel failed in its row, and a broken event stream in an alert before following it again', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await signIn(page, stack.keys.acme);
    await page.locator('table').waitFor();
    // Not a video at all: refused at once, in words, by the upload's alert.
    const text = join(work, 'clip.mp4');
    writeFileSync(text, 'this is a text file, not a film\n'.repeat(40));
    await page.setInputFiles('[data-testid=file]', text);
    await expect(page.locator('.upload [role=alert]').textContent({ timeout: 30_000 })).resolves.toMatch(/clip\.mp4 was uploaded but did not become a reel: .*expected a video file/);

    // A Matroska file whose header is overwritten becomes a reel, and fails when it is probed. The probe
    // queue is held so the row follows the reel's events from before it fails; the first event stream is
    // cut and the second held until the row has said so.
    const broken = Buffer.from(readFileSync(clipPath));
    broken.fill(0x55, 4, 400);
    const file = join(work, 'broken-header.mkv');
    writeFileSync(file, broken);
    let streams = 0;
    const held = gate();
    await page.route('**/v1/reels/*/events', async (route: Route) => {
      streams += 1;
      if (streams === 1) return route.abort('connectionreset');
      if (streams === 2) await held.opened;
      return route.continue();
    });
    await stack.deps.queues.probe.pause();
    const row = page.locator('tr[data-testid^=reel-]', { hasText: 'broken-header.mkv' });
    try {
      await page.setInputFiles('[data-testid=file]', file);
      await row.waitFor({ timeout: 30_000 });
      await expect(row.locator('[role=alert]').textContent({ timeout: 30_000 })).resolves.toMatch(/live progress interrupted .*reconnecting, try 1 of 5/);
    } finally {
      held.open();
      await stack.deps.queues.probe.resume();
    }
    await page.locator('tr[data-testid^=reel-][data-state=failed]', { hasText: 'broken-header.mkv' }).waitFor({ timeout: 60_000 });
    const id = (await row.getAttribute('data-testid'))!.slice('reel-'.length);
    const reel = await stack.client('acme').status(id);
    expect(reel.error).toBeTruthy();
    // The reason, as visible text in the row (not only a tooltip), the same words as the API's.
    const reason = row.locator('[data-testid=reason]');
    await expect(reason.isVisible()).resolves.toBe(true);
    await expect(reason.textContent()).resolves.toBe(reel.error);
    expect(reel.error).toMatch(/is not a readable Matroska \(MKV\) file|cannot be read/);
    // The stream came back: its alert is gone.
    await expect(row.locator('[role=alert]').count()).resolves.toBe(0);
    await page.screenshot({ path: join(shots, 'console-reels-failed.png') });
    await page.close();
  }, 120_000);

  it("keeps another tenant's reels out of sight", async () => {
    const page = await browser.newPage();
    await signIn(page, stack.keys.beta);
    await page.locator('table').waitFor();
    await expect(page.locator('tr[data-testid^=reel-]').count()).resolves.toBe(0);
    // Nor can its key reach the reel's frames or edits by id.
    for (const path of [`/v1/reels/${reelId}`, `/v1/reels/${reelId}/frames/0?variant=source`, `/v1/reels/${reelId}/edits`]) {
      expect((await fetch(`${stack.api.url}${path}`, { headers: { authorization: `Bearer ${stack.keys.beta}` } })).status).toBe(404);
    }
    await page.close();
  });
});
