// The README's method comparison, reproducible: `node dist/eval/compare.js [--steps K]
// [--baseline blur|mean|zero] [--json FILE]`. Two tables, printed whichever method wins:
//  1. the fixture images (../shared/fixtures/images) on their own: faithfulness for the top-1 class;
//  2. composites of every pair of them, built in a temporary folder, each half labelled with what
//     darknet-tiny calls that image on its own (its top-1 class): for every (composite, half),
//     deletion/insertion AUC and confidence drop/increase for that class, and pointing game, mass
//     in box and IoU against that half.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions } from '../attention/index.js';
import { argmax } from '../engine/analyze.js';
import { currentBackend, selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { labelOf } from '../engine/targets.js';
import { writeJsonAtomic } from '../fs/writeJson.js';
import { decodeImage } from '../media/decodeImage.js';
import type { LoadedModel } from '../models/loadModel.js';
import { inputTensor } from '../models/preprocess.js';
import type { SplitModel } from '../models/split.js';
import { BASELINES } from './baselines.js';
import { BoxTable } from './boxTable.js';
import { buildComposites } from './composites.js';
import { DEFAULT_METRIC_OPTIONS } from './evaluateMap.js';
import { ALL_METHODS, evaluateImages, type EvalReport } from './evaluateImages.js';
import { markdownTable } from './formatReport.js';
import type { Baseline } from './types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');

async function topLabel(model: LoadedModel, split: SplitModel, file: string): Promise<string> {
  const [h, w] = model.inputSize;
  const img = await decodeImage(file, { width: w, height: h });
  const x = inputTensor(img.data, w, h, model.preprocessing);
  const bb = await split.runBackbone(x);
  x.dispose();
  try {
    const head = split.head(bb);
    const out = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
    return labelOf(argmax(out), model.labels);
  } finally {
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
}

export interface CompareOptions {
  steps: number;
  baseline: Baseline;
  imagesDir: string;
  log?: (m: string) => void;
}

export async function compareMethods(o: CompareOptions): Promise<{ singles: EvalReport; report: EvalReport; labels: Record<string, string>; seconds: number }> {
  const t0 = performance.now();
  const images = (await readdir(o.imagesDir)).filter((n) => /\.(png|jpe?g)$/i.test(n)).sort().map((n) => path.join(o.imagesDir, n));
  if (images.length < 2) throw new Error(`${o.imagesDir}: at least two images are needed to build composites`);
  await selectBackend();
  const model = await openModel({ model: 'darknet-tiny' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'l2caf-compare-'));
  try {
    const split = model.split();
    const labels: string[] = [];
    for (const f of images) labels.push(await topLabel(model, split, f));
    const settings = {
      methods: [...ALL_METHODS],
      classes: [],
      solve: defaultSolveOptions('paper'),
      metrics: { ...DEFAULT_METRIC_OPTIONS, steps: o.steps },
      baseline: o.baseline,
    };
    // The single images first: one object each, so the target's probability is high and the
    // faithfulness curves have room to fall (no boxes: the object fills the picture).
    const singles = await evaluateImages(model, split, images, { ...settings, boxes: null }, (f, i) => o.log?.(`[single ${i + 1}/${images.length}] ${path.basename(f)}`));
    const [size] = model.inputSize;
    const composites = await buildComposites(images, labels, size, dir);
    const table = new BoxTable(path.join(dir, 'boxes.json'));
    for (const c of composites) table.add(c.file, c.boxes);
    const report = await evaluateImages(
      model,
      split,
      composites.map((c) => c.file),
      { ...settings, boxes: table },
      (f, i) => o.log?.(`[composite ${i + 1}/${composites.length}] ${path.basename(f)}`),
    );
    return { singles, report, labels: Object.fromEntries(images.map((f, i) => [path.basename(f), labels[i]!])), seconds: (performance.now() - t0) / 1000 };
  } finally {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const steps = Number(argValue(args, '--steps') ?? 20);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`--steps must be a positive integer, got ${argValue(args, '--steps')}`);
  const baseline = (argValue(args, '--baseline') ?? 'blur') as Baseline;
  if (!BASELINES.includes(baseline)) throw new Error(`--baseline must be one of ${BASELINES.join(', ')}`);
  const json = argValue(args, '--json');
  if (!process.env.L2CAF_MODEL_MIRROR && existsSync(path.join(fixtures, 'models'))) process.env.L2CAF_MODEL_MIRROR = path.join(fixtures, 'models');
  const imagesDir = path.join(fixtures, 'images');
  if (!existsSync(imagesDir)) throw new Error(`${imagesDir}: fixture images missing (the comparison needs ../shared/fixtures)`);
  const { singles, report, labels, seconds } = await compareMethods({ steps, baseline, imagesDir, log: (m) => process.stderr.write(m + '\n') });
  const pairs = report.rows.filter((r) => r.method === 'gradcam').length;
  console.log(`darknet-tiny at ${report.model.layer} [${currentBackend()}], deletion/insertion ${steps} steps, ${baseline} baseline, mean [95% t interval], ${seconds.toFixed(0)} s`);
  console.log(`fixture images and darknet-tiny's top-1 class: ${Object.entries(labels).map(([f, l]) => `${f} = ${l}`).join('; ')}`);
  console.log('');
  console.log(`Single images (${Object.keys(labels).length}, target = top-1 class):`);
  console.log('');
  console.log(markdownTable(singles.summary));
  console.log('');
  console.log(`Composites (${new Set(report.rows.map((r) => r.image)).size} pairs, each half one image scaled to the input size; ${pairs} (composite, half) cases per method; target = that half's class, box = that half):`);
  console.log('');
  console.log(markdownTable(report.summary));
  if (json) await writeJsonAtomic(json, { singles, composites: report });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().catch((e) => {
    console.error(`compare: ${(e as Error).message}`);
    process.exit(1);
  });
}
