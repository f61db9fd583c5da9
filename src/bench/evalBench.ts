// `npm run bench` (evaluation part): one image's deletion + insertion curves with 50 steps
// (2 x 51 forward passes through darknet-tiny), batched vs one by one, median of 2 runs, run sizes interleaved.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { gradCam } from '../attention/index.js';
import { currentBackend, selectBackend } from '../engine/backend.js';
import { openModel } from '../engine/openModel.js';
import { deletionInsertion } from '../eval/curves.js';
import { splitForward } from '../eval/forward.js';
import { prepareEvalInput } from '../eval/prepareInput.js';
import { makeScorer } from '../eval/targetScore.js';
import { decodeImage } from '../media/decodeImage.js';
import { inputTensor } from '../models/preprocess.js';
import { median, round } from './stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');

export interface EvalBenchFigures {
  steps: number;
  forwardPasses: number;
  /** batch size -> median ms for deletion + insertion */
  ms: { batchSize: number; ms: number }[];
  speedup: number;
}

export async function measureEvalBench(repeats = 2, steps = 50, batchSizes = [1, 8, 16]): Promise<EvalBenchFigures> {
  if (!process.env.L2CAF_MODEL_MIRROR && existsSync(path.join(fixtures, 'models'))) process.env.L2CAF_MODEL_MIRROR = path.join(fixtures, 'models');
  const image = path.join(fixtures, 'images', 'chelsea.png');
  if (!existsSync(image)) throw new Error(`${image}: fixture image missing (the benchmark needs ../shared/fixtures)`);
  await selectBackend();
  const model = await openModel({ model: 'darknet-tiny' });
  try {
    const split = model.split();
    const [h, w] = model.inputSize;
    const img = await decodeImage(image, { width: w, height: h });
    const x = inputTensor(img.data, w, h, model.preprocessing);
    const bb = await split.runBackbone(x);
    x.dispose();
    const head = split.head(bb);
    const output = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array).slice();
    const target = output.indexOf(Math.max(...output));
    const map = gradCam(head, bb.features, target);
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
    const input = prepareEvalInput(img.data, w, h, model.preprocessing, 'logits', output, 'blur');
    const forward = splitForward(split);
    const score = makeScorer('logits', target, output);
    const grid = { width: map.shape[1]!, height: map.shape[0]!, values: map.values };
    // Warm each batch shape once (the first call of a shape compiles and allocates), then
    // alternate the sizes run by run, so a change in the machine's load hits them alike.
    for (const b of batchSizes) {
      const warm = tf.zeros([b, h, w, 3]) as tf.Tensor4D;
      await forward(warm);
      warm.dispose();
    }
    const times = new Map<number, number[]>(batchSizes.map((b) => [b, []]));
    for (let r = 0; r < repeats; r++) {
      for (const b of batchSizes) {
        const t0 = performance.now();
        await deletionInsertion(forward, input, grid, score, { steps, batchSize: b });
        times.get(b)!.push(performance.now() - t0);
      }
    }
    const ms = batchSizes.map((b) => ({ batchSize: b, ms: round(median(times.get(b)!), 1) }));
    const single = ms.find((m) => m.batchSize === 1)?.ms ?? NaN;
    const best = Math.min(...ms.filter((m) => m.batchSize > 1).map((m) => m.ms));
    return { steps, forwardPasses: 2 * (steps + 1), ms, speedup: round(single / best, 2) };
  } finally {
    model.dispose();
  }
}

export async function evalBench(): Promise<void> {
  const f = await measureEvalBench();
  console.log(`deletion + insertion, ${f.steps} steps (${f.forwardPasses} forward passes), darknet-tiny, backend ${currentBackend()}, median ms:`);
  for (const m of f.ms) console.log(`  ${m.batchSize === 1 ? 'one by one' : `batch ${m.batchSize}`}`.padEnd(16) + `${m.ms.toFixed(1).padStart(9)} ms  ${(m.ms / f.forwardPasses).toFixed(1).padStart(6)} ms/pass`);
  console.log(`  batched vs one by one: ${f.speedup}x`);
}
