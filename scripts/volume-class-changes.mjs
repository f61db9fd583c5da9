// Class-specific L2-CAF on the slices of a volume whose top-1 class differs from the previous
// slice's (no warm start for the new class): the default solve (two deterministic starts, the
// previous slice's answer as a third: 'neighbour') against a start from the previous slice's
// answer alone (without curvature), each against the best of both and a 300-pass polish from the
// better: passes and loss excess per slice, mean and worst. With THREE unset the default is run
// without the neighbour start (the two-start solve). The figures behind the README's paragraph on
// class changes. Needs ../shared/fixtures and `npm run build` (it imports dist/).
//   node scripts/volume-class-changes.mjs [LAYER] [VOLUME]        (two starts vs previous alone)
//   THREE=1 node scripts/volume-class-changes.mjs [LAYER] [VOLUME] (two starts vs three starts, the default)
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/engine/backend.js';
import { openModel } from '../dist/engine/openModel.js';
import { readVolume } from '../dist/volume/readVolume.js';
import { windowIntensity } from '../dist/volume/windowIntensity.js';
import { acquisitionAxis } from '../dist/volume/acquisitionAxis.js';
import { sliceInput } from '../dist/slices/sliceInput.js';
import { inputTensor } from '../dist/models/preprocess.js';
import { solveL2caf, defaultSolveOptions, pearson } from '../dist/attention/index.js';
import { argmax } from '../dist/engine/analyze.js';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
// As `npm run bench` does: the fixtures' models when no mirror is set (this machine is offline).
if (!process.env.L2CAF_MODEL_MIRROR && existsSync(path.join(fixtures, 'models'))) process.env.L2CAF_MODEL_MIRROR = path.join(fixtures, 'models');
await selectBackend();
const layer = process.argv[2] ?? 'leaky_re_lu_13';
const file = process.argv[3] ?? path.join(fixtures, 'volumes', 'someones_anatomy.nii.gz');
const model = await openModel({ model: 'darknet-tiny' });
const split = model.split(layer);
const vol = await readVolume(file, {});
const windowed = { dims: vol.dims, spacing: vol.spacing, data: windowIntensity(vol.data) };
const axis = acquisitionAxis(vol);
const n = vol.dims[{ x: 0, y: 1, z: 2 }[axis]];
const opts = defaultSolveOptions('converged');
const polishOpts = { ...opts, stop: { kind: 'optimal', stepTol: 1e-5, lossTol: 1e-9, maxPasses: 300 } };
let prev = null;
const rows = [];
for (let i = 0; i < n; i++) {
  const s = sliceInput(windowed, axis, i, model.inputSize);
  const x = inputTensor(s.rgb, s.width, s.height, model.preprocessing);
  const bb = await split.runBackbone(x);
  x.dispose();
  const head = split.head(bb);
  const logits = tf.tidy(() => head.apply(bb.features).dataSync());
  const t = argmax(logits);
  // the two-start solve (what a slice gets without a previous answer)
  const cold = solveL2caf(head, bb.features, t, opts);
  if (prev && prev.t !== t) {
    // THREE: the default on a class change (a third start); else the previous answer alone
    const cross = solveL2caf(head, bb.features, t, process.env.THREE ? { ...opts, neighbour: prev.param } : { ...opts, init: prev.param });
    const best = cold.loss <= cross.loss ? cold : cross;
    const pol = solveL2caf(head, bb.features, t, { ...polishOpts, init: best.param });
    const ref = Math.min(pol.loss, cold.loss, cross.loss);
    const ex = (l) => (l - ref) / Math.abs(ref);
    rows.push({ i, cold: cold.iterations, coldEx: ex(cold.loss), cross: cross.iterations, crossEx: ex(cross.loss), r: pearson(cold.values, cross.values), start: cross.start });
    console.log(`slice ${i} t ${prev.t}->${t}: cold ${cold.iterations} passes ${ex(cold.loss).toExponential(1)} | ${process.env.THREE ? 'three starts' : 'from previous'} ${cross.iterations} passes ${ex(cross.loss).toExponential(1)} r ${pearson(cold.values, cross.values).toFixed(3)} ${cross.start}`);
  }
  prev = { t, param: cold.param };
  bb.features.dispose(); for (const s2 of bb.side) s2.dispose();
}
const mean = (k) => rows.reduce((a, r) => a + r[k], 0) / rows.length;
const worst = (k) => Math.max(...rows.map((r) => r[k]));
console.log(`${rows.length} class changes: cold ${mean('cold').toFixed(1)} passes, worst ${worst('coldEx').toExponential(2)}; ${process.env.THREE ? 'three starts' : 'from previous'} ${mean('cross').toFixed(1)} passes, worst ${worst('crossEx').toExponential(2)}`);
