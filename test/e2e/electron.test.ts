// Launches the Electron shell where its binary exists (playwright-core's _electron): the window
// loads the app from l2caf-app://, the preload exposes only the contract, and there is no Node in
// the page. Where the binary is absent (offline installs, as here) the test is skipped and says why.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/fixtures.js';

const { electronBinary } = (await import(pathToFileURL(path.join(PROJECT_ROOT, 'scripts', 'electronBinary.mjs')).href)) as {
  electronBinary(): { path: string | null; reason: string | null };
};
const bin = electronBinary();
const main = path.join(PROJECT_ROOT, 'dist', 'electron', 'main.mjs');
const reason = bin.path ? (existsSync(main) ? null : `${main} is missing: npm run build`) : bin.reason;
if (reason) console.warn(`[skip] Electron launch test: ${reason}`);

describe('the Electron shell', () => {
  it.skipIf(reason !== null)('opens the window with a sandboxed page that sees only the contract', async () => {
    const { _electron } = await import('playwright-core');
    const app = await _electron.launch({ executablePath: bin.path!, args: [main], env: { ...process.env, L2CAF_MODEL_MIRROR: path.resolve(PROJECT_ROOT, '..', 'shared', 'fixtures', 'models') } });
    try {
      const page = await app.firstWindow();
      await page.waitForSelector('[data-testid=open-file]');
      expect(page.url()).toBe('l2caf-app://app/index.html');
      const exposed = await page.evaluate(() => {
        const w = globalThis as unknown as Record<string, unknown>;
        return { keys: Object.keys(w.l2caf as object).sort(), require: typeof w.require, process: typeof w.process };
      });
      expect(exposed).toEqual({ keys: ['call', 'onEvent', 'pathForFile', 'version'], require: 'undefined', process: 'undefined' });
      const info = await page.evaluate(async () => {
        const b = (globalThis as unknown as { l2caf: { call(m: string, a: unknown): Promise<unknown> } }).l2caf;
        return [await b.call('app.info', {}), await b.call('fs.readFile', { path: '/etc/passwd' })];
      });
      expect(info[0]).toMatchObject({ ok: true, result: { host: 'electron' } });
      expect(info[1]).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    } finally {
      await app.close();
    }
  }, 120_000);
});
