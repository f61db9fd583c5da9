// Makes test/data/nonlinear-references.json: long reference L2-CAF solves on non-linear heads, for
// test/attention/nonlinearReference.test.ts. Each reference is the 'paper' solver (Adam, lr 0.5)
// from the same deterministic start as the default solver, run far past the paper's stopping rule
// (|dloss| < 1e-6 over 50 iterations, 3000 iterations at most): the optimum the default must reach.
// Needs ../shared/fixtures and `npm run build` (it imports dist/). Takes ~25 minutes on 2 cores.
//   node scripts/make-nonlinear-references.mjs [--only ID]
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/engine/backend.js';
import { openModel } from '../dist/engine/openModel.js';
import { decodeImage } from '../dist/media/decodeImage.js';
import { inputTensor } from '../dist/models/preprocess.js';
import { solveL2caf, defaultSolveOptions } from '../dist/attention/index.js';
import { argmax } from '../dist/engine/analyze.js';
import { adamOutputScale } from '../dist/attention/outputScale.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
export const CASES = [
  { id: 'darknet-13', model: 'models/darknet-tiny', layer: 'leaky_re_lu_13', image: 'images/chelsea.png' },
  { id: 'darknet-12', model: 'models/darknet-tiny', layer: 'leaky_re_lu_12', image: 'images/coffee.png' },
  // The MobileNetV2 fixture's weights are random and its outputs ~1e-9: the paper's solver runs on
  // its outputs scaled to max |output| = 1 (src/attention/outputScale.ts; Adam's epsilon would
  // otherwise swamp gradients ~1e-20), which moves no minimiser; losses are in the head's units.
  { id: 'mobilenet-16', model: 'models/mobilenet-v2-random-onnx/model.onnx', layer: '/features/features.16/Add_output_0', image: 'images/chelsea.png' },
  // The ONNX engine is tested on darknet-tiny-onnx against darknet-13 (the same network).
];
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const out = path.join(root, 'test', 'data', 'nonlinear-references.json');

await selectBackend();
const refs = [];
mkdirSync(path.dirname(out), { recursive: true });
const file = only ? `${out}.${only}` : out;
const save = () => writeFileSync(file, JSON.stringify({ note: 'made by scripts/make-nonlinear-references.mjs', references: refs }, null, 0) + '\n');
for (const c of CASES) {
  if (only && c.id !== only) continue;
  const model = await openModel({ model: path.join(fixtures, c.model), ...(c.mean ? { mean: c.mean, std: c.std } : {}) });
  const split = model.split(c.layer);
  const [h, w] = model.inputSize;
  const img = await decodeImage(path.join(fixtures, c.image), { width: w, height: h });
  const bb = await split.runBackbone(inputTensor(img.data, img.width, img.height, model.preprocessing));
  const head = split.head(bb);
  if (head.linearity !== 'nonlinear') throw new Error(`${c.id}: the head after ${c.layer} is ${head.linearity}, not non-linear`);
  const out = tf.tidy(() => head.apply(bb.features).dataSync());
  const target = argmax(out);
  const scale = adamOutputScale(out); // (recorded: 1 but on tiny outputs)
  for (const t of [null, target]) {
    const t0 = performance.now();
    const opts = { ...defaultSolveOptions('paper'), solver: 'iterative', maxIterations: 3000, stop: { kind: 'paper', every: 50, tol: 1e-6 } };
    const m = solveL2caf(head, bb.features, t, opts);
    const filter = Array.from(m.param, (v) => Math.round(v * 1e7) / 1e7);
    refs.push({ id: c.id, model: c.model, layer: c.layer, image: c.image, ...(c.mean ? { mean: c.mean, std: c.std } : {}), ...(scale !== 1 ? { outputScale: scale } : {}), target: t, start: m.start, loss: m.loss, iterations: m.iterations, filter });
    console.log(`${c.id} ${t === null ? 'l2caf' : 'l2caf-class ' + t}: ${m.iterations} iterations, loss ${m.loss}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  bb.features.dispose();
  for (const s of bb.side) s.dispose();
  model.dispose();
  save(); // after each model: an hour of solves is not lost to a later failure
}
console.log(`wrote ${file}`);
