// `npm run bench`: speed figures on darknet-tiny with the current backend. Prints a table; with
// --json also one JSON object on the last line. Uses the offline mirror ../shared/fixtures/models
// when L2CAF_MODEL_MIRROR is not set and that folder exists.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { benchImage } from './imageBench.js';
import { videoBench } from './videoBench.js';
import { onnxBench } from './onnxBench.js';
import { evalBench } from './evalBench.js';
import { productsBench } from './productsBench.js';
import { nonlinearBench } from './nonlinearBench.js';
import { batchBench } from './batchBench.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const json = args.includes('--json');
  const repeats = Number(args.find((a) => a.startsWith('--repeats='))?.split('=')[1] ?? 10);
  if (!process.env.L2CAF_MODEL_MIRROR && existsSync(path.join(fixtures, 'models'))) {
    process.env.L2CAF_MODEL_MIRROR = path.join(fixtures, 'models');
  }
  const image = path.join(fixtures, 'images', 'chelsea.png');
  if (!existsSync(image)) throw new Error(`${image}: fixture image missing (the benchmark needs ../shared/fixtures)`);
  const backend = await selectBackend();
  const model = await openModel({ model: 'darknet-tiny' });
  const img = await benchImage(model, image, repeats);
  model.dispose();
  console.log(`darknet-tiny, backend ${backend}, ${repeats} repeats, median ms (image ${path.basename(image)})`);
  console.log(`backbone forward: ${img.backboneMs} ms`);
  console.log('method'.padEnd(42) + 'solver'.padEnd(11) + 'iter'.padStart(6) + 'solve'.padStart(10) + 'total'.padStart(10) + '  x gradcam');
  for (const m of img.methods) {
    console.log(m.name.padEnd(42) + m.solver.padEnd(11) + String(m.iterations).padStart(6) + m.solveMs.toFixed(2).padStart(10) + m.totalMs.toFixed(2).padStart(10) + `  ${m.ratioToGradcam.toFixed(2)}`);
  }
  const exact = img.methods.find((m) => m.name === 'l2caf exact')!;
  const iter = img.methods.find((m) => m.name === 'l2caf iterative (cold, paper rule)')!;
  console.log(`goals: exact L2-CAF <= 1.2x Grad-CAM: ${exact.ratioToGradcam.toFixed(2)}x; iterative cold <= 3x: ${iter.ratioToGradcam.toFixed(2)}x`);
  if (json) console.log(JSON.stringify({ model: 'darknet-tiny', backend, repeats, image: { backboneMs: img.backboneMs, methods: img.methods } }));
  // Each further section can be skipped: --no-nonlinear, --no-products, --no-video, --no-onnx, --no-eval.
  if (!args.includes('--no-nonlinear')) await nonlinearBench();
  if (!args.includes('--no-products')) productsBench();
  if (!args.includes('--no-video')) await videoBench();
  if (!args.includes('--no-onnx')) await onnxBench({ repeats });
  if (!args.includes('--no-eval')) await evalBench();
  // Opt-in (it starts CLI processes): --batch, items per minute of one process vs two shards.
  if (args.includes('--batch')) await batchBench(fixtures);
}

main().catch((e) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
