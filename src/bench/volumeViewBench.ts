// Volume viewer speed in headless Chromium (WebGL2 on SwiftShader here: software rendering, so
// these are worst-case figures): a 512 x 512 x 300 scan generated in the page; time to the first
// render of the three views + the 3-D view, and per-slice redraw (one step + redraw of all views)
// for each view, with the attention overlay on. The page code is renderer/volume/benchPage.ts,
// bundled here with esbuild (a development dependency, as the bench is).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface VolumeViewBenchResult {
  dims: number[];
  generateMs: number;
  firstRenderMs: number;
  steps: Record<'axial' | 'coronal' | 'sagittal', { medianMs: number; p95Ms: number }>;
  windowMs: number;
  withAttention: boolean;
  browser: string;
}

export async function volumeViewBench(opts: { dims?: [number, number, number]; steps?: number; chromium?: string } = {}): Promise<VolumeViewBenchResult> {
  const dims = opts.dims ?? [512, 512, 300];
  const executablePath = opts.chromium ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`${executablePath}: no Chromium for the volume viewer benchmark (set CHROMIUM_PATH)`);
  const { build } = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const bundle = await build({
    entryPoints: [path.join(root, 'renderer', 'volume', 'benchPage.ts')],
    bundle: true, write: false, format: 'iife', platform: 'browser', target: ['chrome120'], logLevel: 'error',
  });
  const browser = await chromium.launch({ executablePath, args: ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.setContent('<!doctype html><html><body style="margin:0"><div id="bench" style="width:1280px;height:900px;display:flex"></div></body></html>');
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    // runs in the page (this file is compiled without the DOM library: globalThis stands for window)
    type PageRun = { runVolumeBench: (d: number[], s: number, a: boolean) => Promise<Omit<VolumeViewBenchResult, 'browser'>> };
    const r = await page.evaluate(([d, s]) => (globalThis as unknown as PageRun).runVolumeBench(d, s, true), [dims, opts.steps ?? 40] as [number[], number]);
    return { ...r, browser: `${browser.version()} (SwiftShader)` };
  } finally {
    await browser.close();
  }
}

export function formatVolumeViewBench(r: VolumeViewBenchResult): string {
  const lines = [
    `volume viewer, ${r.dims.join(' x ')} float32 scan + attention, headless Chromium ${r.browser}`,
    `generate in page: ${round(r.generateMs, 0)} ms; first render (3 views + 3-D): ${round(r.firstRenderMs, 1)} ms`,
    ...(['axial', 'coronal', 'sagittal'] as const).map((v) => `slice step + redraw, ${v.padEnd(8)}: median ${round(r.steps[v].medianMs, 1)} ms, p95 ${round(r.steps[v].p95Ms, 1)} ms`),
    `window/level change + redraw: median ${round(r.windowMs, 1)} ms`,
  ];
  return lines.join('\n');
}

// `node dist/bench/volumeViewBench.js` runs it alone
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  volumeViewBench().then((r) => console.log(formatVolumeViewBench(r)), (e: unknown) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
  });
}
