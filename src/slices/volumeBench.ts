// Speed of the per-slice pipeline on a real scan: slices per second and mean iterations, warm vs
// cold starts, exact vs iterative L2-CAF, backbone in this thread or in a worker pool. For
// `node dist/slices/volumeBench.js SCAN [--workers N]` (at the model's default layer; `npm run bench`
// measures slices at a non-linear layer in src/bench/nonlinearVolumeBench.ts).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Method, SolveOptions } from '../attention/types.js';
import type { BackboneRunner } from '../engine/backboneRunner.js';
import { selectBackend, currentBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import type { LoadedModel } from '../models/loadModel.js';
import { readVolume } from '../volume/readVolume.js';
import { acquisitionAxis } from '../volume/acquisitionAxis.js';
import { analyzeVolume } from './analyzeVolume.js';

export interface VolumeBenchRow {
  name: string;
  slices: number;
  slicesPerS: number;
  meanIterations: number;
  wallS: number;
}

interface Variant {
  name: string;
  methods: Method[];
  solve: Partial<SolveOptions>;
  warmStart: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'l2caf-class exact', methods: ['l2caf-class'], solve: { solver: 'exact' }, warmStart: true },
  { name: 'gradcam', methods: ['gradcam'], solve: {}, warmStart: true },
  { name: 'l2caf iterative, warm start', methods: ['l2caf'], solve: { solver: 'iterative' }, warmStart: true },
  { name: 'l2caf iterative, cold', methods: ['l2caf'], solve: { solver: 'iterative' }, warmStart: false },
];

/**
 * `runner` (optional) adds one more row: the exact class-specific variant with the backbone in
 * that runner (a worker pool).
 */
export async function benchVolume(model: LoadedModel, scan: string, runner?: BackboneRunner): Promise<VolumeBenchRow[]> {
  const volume = await readVolume(scan);
  const axis = acquisitionAxis(volume);
  const rows: VolumeBenchRow[] = [];
  const run = async (name: string, v: Variant, r?: BackboneRunner) => {
    const res = await analyzeVolume({ volume, model, axis, methods: v.methods, solve: v.solve, warmStart: v.warmStart, runner: r });
    rows.push({
      name,
      slices: res.summary.slicesAnalyzed,
      slicesPerS: Math.round(res.summary.fps * 100) / 100,
      meanIterations: Math.round(res.summary.meanIterations * 10) / 10,
      wallS: Math.round(res.summary.wallS * 100) / 100,
    });
  };
  for (const v of VARIANTS) await run(v.name, v);
  if (runner) await run(`${VARIANTS[0]!.name}, ${runner.concurrency} workers`, VARIANTS[0]!, runner);
  return rows;
}

export function formatVolumeBench(rows: readonly VolumeBenchRow[]): string {
  const head = 'variant'.padEnd(40) + 'slices'.padStart(7) + 'slices/s'.padStart(10) + 'mean iter'.padStart(11) + 'wall s'.padStart(9);
  return [head, ...rows.map((r) => r.name.padEnd(40) + String(r.slices).padStart(7) + r.slicesPerS.toFixed(2).padStart(10) + r.meanIterations.toFixed(1).padStart(11) + r.wallS.toFixed(2).padStart(9))].join('\n');
}

async function main(): Promise<void> {
  const scan = process.argv[2];
  if (!scan) throw new Error('usage: node dist/slices/volumeBench.js SCAN [--workers N]');
  const wi = process.argv.indexOf('--workers');
  const workers = wi > 0 ? Number(process.argv[wi + 1]) : 0;
  await selectBackend();
  const model = await openModel({ model: 'darknet-tiny' });
  let pool: BackboneRunner | undefined;
  try {
    if (workers > 0) {
      const { createBackbonePool } = await import('../pool/index.js');
      pool = await createBackbonePool({ model: { model: 'darknet-tiny' }, workers, backend: currentBackend() });
    }
    const rows = await benchVolume(model, scan, pool);
    console.log(`darknet-tiny, backend ${currentBackend()}, ${path.basename(scan)}`);
    console.log(formatVolumeBench(rows));
  } finally {
    await pool?.close();
    model.dispose();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
  });
}
