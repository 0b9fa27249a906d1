/**
 * The restorer's console in real Chromium (Debian's, driven by playwright-core) against the whole stack:
 * sign in, upload by the file chooser, watch the reel complete through the event stream, and look at it
 * in the viewer. Screenshots go to a temp folder, or to docs/screenshots with SCREENSHOTS=1 (the README's).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

beforeAll(async () => {
  // npm test builds the console first; a test run on its own builds it here.
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) await build({ configFile: join(ROOT, 'console/vite.config.ts'), logLevel: 'warn' });
  work = mkdtempSync(join(tmpdir(), 'rr-console-'));
  shots = process.env.SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : work;
  stack = await startTestStack({ env: { SEGMENTER: 'spike', INPAINTER: 'median' } });
  const clip = makeSyntheticClip({ width: 96, height: 72, frames: 6, channels: 1, bits: 8, seed: 21, shift: { x: 0.5, y: 0.2 }, damage: { specksPerFrame: 4, minRadius: 2, maxRadius: 4 } });
  clipPath = join(work, 'reel-21.mkv');
  await writeFfv1Video(clipPath, clip.layout, clip.damaged);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

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
    await page.setInputFiles('[data-testid=file]', clipPath);
    // The row appears once the upload became a reel, and its state follows the event stream.
    const row = page.locator('tr[data-testid^=reel-]', { hasText: 'reel-21.mkv' });
    await row.waitFor({ timeout: 30_000 });
    await page.locator('tr[data-testid^=reel-][data-state=completed]', { hasText: 'reel-21.mkv' }).waitFor({ timeout: 90_000 });
    await page.screenshot({ path: join(shots, 'console-reels.png') });

    await row.click();
    const restored = page.locator('img[data-testid=restored]');
    await restored.waitFor();
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(/frame 1 \/ 6/);
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(/frame 3 \/ 6/);
    await page.keyboard.press('ArrowLeft');
    await expect(page.locator('[data-testid=frame-counter]').textContent()).resolves.toMatch(/frame 2 \/ 6/);

    // The wipe: the restored picture shows right of the line.
    await page.evaluate(`(() => {
      const wipe = document.querySelector('[data-testid=wipe]');
      wipe.value = '30';
      wipe.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
    const clip = () => page.evaluate(`getComputedStyle(document.querySelector('img[data-testid=restored]')).clipPath`);
    await expect(clip()).resolves.toBe('inset(0px 0px 0px 30%)');
    // Space shows the scan alone.
    await page.keyboard.press(' ');
    await expect(clip()).resolves.toBe('inset(0px 0px 0px 100%)');
    await page.keyboard.press(' ');

    // The mask overlay: drawn at the frame's size, with some pixels coloured.
    await page.keyboard.press('m');
    const mask = page.locator('canvas[data-testid=mask]');
    await expect(mask.isVisible()).resolves.toBe(true);
    await page.waitForFunction(`document.querySelector('canvas[data-testid=mask]').width === 96`);
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
    await expect(page.locator('[data-testid=zoom-2]').getAttribute('class')).resolves.toBe('on');

    // 1:1: one frame pixel per screen pixel; 4:1 magnifies.
    await page.click('[data-testid=zoom-1]');
    const frameWidth = async () => (await page.locator('.frame').boundingBox())?.width;
    await expect(frameWidth()).resolves.toBe(96);
    await page.keyboard.press('4');
    await expect(frameWidth()).resolves.toBe(384);
    await page.screenshot({ path: join(shots, 'console-viewer.png') });
    for (const name of ['console-reels.png', 'console-viewer.png']) expect(statSync(join(shots, name)).size).toBeGreaterThan(5_000);

    // J / K / L: play forwards to the last frame (where it stops by itself), backwards, and stop.
    const counter = () => page.locator('[data-testid=frame-counter]').textContent();
    await page.keyboard.press('l');
    await page.waitForFunction(`document.querySelector('[data-testid=frame-counter]').textContent.trim() === 'frame 6 / 6'`, undefined, { timeout: 15_000 });
    await page.keyboard.press('j');
    await page.waitForFunction(`/frame [1-4] \\/ 6/.test(document.querySelector('[data-testid=frame-counter]').textContent)`, undefined, { timeout: 15_000 });
    await page.keyboard.press('k');
    const stopped = await counter();
    await page.waitForTimeout(500);
    await expect(counter()).resolves.toBe(stopped);
    await page.close();
  }, 150_000);

  it("keeps another tenant's reels out of sight", async () => {
    const page = await browser.newPage();
    await signIn(page, stack.keys.beta);
    await page.locator('table').waitFor();
    await expect(page.locator('tr[data-testid^=reel-]').count()).resolves.toBe(0);
    await page.close();
  });
});
