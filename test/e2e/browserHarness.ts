// Shared by the end-to-end tests: the browser mode's server as a child process (the built
// dist/, exactly what `npm run web` runs) and Debian's Chromium driven by playwright-core.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT, FIXTURES } from '../helpers/fixtures.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = path.join(PROJECT_ROOT, 'test-artifacts', 'e2e');

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (the e2e tests drive Debian's Chromium; no browser is downloaded)`;
  if (!existsSync(path.join(PROJECT_ROOT, 'dist', 'cli', 'serveCommand.js'))) return 'dist/cli/serveCommand.js is missing: build first (npm run build)';
  return null;
}

export interface WebServer {
  /** the server's origin + '/' */
  url: string;
  /** the one-time sign-in URL the server printed (open it first: it signs the browser in) */
  signInUrl: string;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startWebServer(): Promise<WebServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'l2caf-e2e-data-'));
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'scripts', 'web.mjs'), '--data-dir', dataDir, '--workers', '1'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, L2CAF_MODEL_MIRROR: path.join(FIXTURES, 'models'), L2CAF_SAMPLE_MIRROR: path.join(FIXTURES, 'videos'), L2CAF_OFFLINE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const signInUrl = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the server did not start in 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${err}`)));
  });
  return {
    url: new URL('/', signInUrl).toString(),
    signInUrl,
    child,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  log: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'l2caf-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      // WebGL without a GPU: SwiftShader, which Chromium only enables on request
      '--enable-unsafe-swiftshader', '--use-angle=swiftshader',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const log: string[] = [];
  page.on('pageerror', (e) => log.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // (a failed load's message does not name the resource: its location does)
    if (m.type() === 'error') log.push(`console: ${m.text()}${m.location().url ? ` (${m.location().url})` : ''}`);
  });
  return {
    context,
    page,
    log,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A screenshot into test-artifacts/e2e/<name>.png; fullPage for what lies below the viewport. */
export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? false });
  return file;
}
