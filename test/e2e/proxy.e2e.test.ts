// A clip the browser cannot play (an MS-MPEG4 AVI, the holdout clip a user would try; the GIF
// fixture) plays in the window from the playable copy the service makes, and clicking the
// timeline moves the picture, the overlay and the playhead. Screenshots at 1400x900 and 1920x1080.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { ffmpegBinary } from '../../src/media/ffmpegPath.js';
import { fixture, haveFixture, PROJECT_ROOT } from '../helpers/fixtures.js';
import { browserSkipReason, launchBrowser, shot, startWebServer, type Browser, type WebServer } from './browserHarness.js';

// Page functions run in Chromium; this tsconfig has no DOM types, so `document` is declared
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const skip = browserSkipReason() ?? (haveFixture('videos/car-detection.mp4') && haveFixture('videos/person-bicycle-car-detection.gif') ? null : 'the shared video fixtures are absent');
if (skip) console.warn(`skipping the playable-copy e2e test: ${skip}`);

/** The <video>'s state: what the window shows. */
function videoState(page: Page): Promise<{ readyState: number; width: number; height: number; src: string; mediaTime: number; note: boolean }> {
  return page.evaluate(() => {
    const v = document.querySelector('[data-testid=video]');
    const c = document.querySelector('[data-testid=overlay]');
    const note = document.querySelector('[data-testid=stage-note]');
    return { readyState: v.readyState, width: v.videoWidth, height: v.videoHeight, src: v.currentSrc, mediaTime: Number(c.dataset.mediaTime), note: !note.hidden };
  });
}

/** An element's box once two measurements 200 ms apart agree (5 s at most). */
async function settledBox(page: Page, testId: string): Promise<{ x: number; y: number; width: number; height: number }> {
  let box = (await page.getByTestId(testId).boundingBox())!;
  for (let i = 0; i < 25; i++) {
    await page.waitForTimeout(200);
    const next = (await page.getByTestId(testId).boundingBox())!;
    if (JSON.stringify(next) === JSON.stringify(box)) break;
    box = next;
  }
  return box;
}

describe.skipIf(skip !== null)('clips the browser cannot play (Chromium)', () => {
  let server: WebServer;
  let browser: Browser;
  let page: Page;
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-e2e-proxy-'));
    execFileSync(ffmpegBinary().path, ['-v', 'error', '-i', fixture('videos/car-detection.mp4'), '-t', '6', '-an', '-c:v', 'msmpeg4v3', path.join(tmp, 'holdout.avi')]);
    execFileSync(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'build-renderer.mjs')], { cwd: PROJECT_ROOT });
    server = await startWebServer();
    browser = await launchBrowser();
    page = browser.page;
    page.setDefaultTimeout(30_000);
    await page.goto(server.signInUrl);
    await page.getByTestId('open-file').waitFor();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  for (const [name, file, size] of [
    ['an MS-MPEG4 AVI', () => path.join(tmp, 'holdout.avi'), [768, 432]],
    ['the GIF fixture', () => fixture('videos/person-bicycle-car-detection.gif'), [480, 270]],
  ] as const) {
    it(`${name}: plays from the copy; a click on the timeline moves picture, overlay and playhead`, async () => {
      const before = await page.evaluate(() => document.querySelector('[data-testid=video]')?.currentSrc ?? '');
      await page.getByTestId('file-input').setInputFiles(file());
      await page.getByTestId('workspace').waitFor({ state: 'visible' });
      // the copy, once made, replaces whatever played before
      await page.waitForFunction(
        (prev: string) => {
          const v = document.querySelector('[data-testid=video]');
          return v.currentSrc !== '' && v.currentSrc !== prev && v.readyState >= 2;
        },
        before,
        { timeout: 60_000 },
      );
      const s = await videoState(page);
      expect([s.width, s.height]).toEqual(size);
      expect(s.src).toMatch(/\/media\/media-[0-9a-f]+$/);
      expect(s.note).toBe(false);
      const duration = await page.evaluate(() => document.querySelector('[data-testid=video]').duration);

      // Click where the timeline is once its box has stopped moving (the page is still filling in
      // while the analysis runs). A full CI run under load once timed out waiting for this seek
      // (2026-12-06; it passed alone and on the rerun): a failure now says what the window showed.
      const box = await settledBox(page, 'timeline-canvas');
      await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
      const seeked = await page
        .waitForFunction(
          (d) => {
            const v = document.querySelector('[data-testid=video]');
            return !v.seeking && v.readyState >= 2 && Math.abs(v.currentTime - d / 2) < 0.25 * d;
          },
          duration,
          { timeout: 20_000 },
        )
        .then(() => true, () => false);
      // on a failure, what the window showed (a timeout alone says nothing)
      if (!seeked) {
        const state = await page.evaluate(() => {
          const v = document.querySelector('[data-testid=video]');
          const r = document.querySelector('[data-testid=timeline-canvas]').getBoundingClientRect();
          return { currentTime: v.currentTime, duration: v.duration, seeking: v.seeking, readyState: v.readyState, timeline: [r.x, r.y, r.width, r.height] };
        });
        expect.fail(`the click at the timeline's middle (${JSON.stringify(box)}) did not seek to ~${duration / 2} s: ${JSON.stringify(state)}`);
      }
      const after = await videoState(page);
      expect(after.mediaTime).toBeGreaterThan(0.25 * duration);
      expect(after.mediaTime).toBeLessThan(0.75 * duration);
      // the picture is a real frame, not a black stage
      const mean = await page.evaluate(() => {
        const v = document.querySelector('[data-testid=video]');
        const c = document.createElement('canvas');
        [c.width, c.height] = [64, 36];
        const g = c.getContext('2d')!;
        g.drawImage(v, 0, 0, 64, 36);
        const d = g.getImageData(0, 0, 64, 36).data;
        let sum = 0;
        for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
        return sum / (d.length / 4) / 3;
      });
      expect(mean).toBeGreaterThan(20);
      for (const [w, h] of [[1400, 900], [1920, 1080]] as const) {
        await page.setViewportSize({ width: w, height: h });
        await shot(page, `proxy-${path.extname(file()).slice(1)}-${w}x${h}`);
      }
      await page.setViewportSize({ width: 1280, height: 860 });
      const logged = browser.log.filter((l) => !l.includes('favicon'));
      expect(logged, JSON.stringify(logged)).toEqual([]);
    }, 240_000);
  }
});
