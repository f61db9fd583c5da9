// How right the default L2-CAF solve is on the frames of a clip, cold and warm-started, against
// the paper's solver on each frame (Adam, lr 0.5, the reference stopping rule, from the same
// deterministic start) and a long L-BFGS polish (300 passes, tolerances near zero): head passes a
// frame, Pearson r of the maps and the loss excess over the best loss either reference found, per
// frame and worst/mean. The figures behind the README's accuracy paragraph on video frames; a tool
// for solver work (the unit tests check single images against stored references, this checks chains).
// Needs ../shared/fixtures (or your own clip) and `npm run build` (it imports dist/). ~2 min for 25
// frames at darknet-tiny's leaky_re_lu_13 on 2 cores.
//   node scripts/nonlinear-frames.mjs [--method l2caf|l2caf-class] [--model ID] [--layer NAME]
//                                     [--clip FILE] [--from S] [--to S] [--long]
// --long: the paper's solver run as the stored references are (|dloss| < 1e-6 per 50 iterations,
// 3000 at most; scripts/make-nonlinear-references.mjs) instead of with the paper's own rule
// (1e-4): how much of the distance to "paper" is the paper solve's own early stop (~10x longer).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../dist/engine/backend.js';
import { openModel } from '../dist/engine/openModel.js';
import { decodeFrames } from '../dist/media/decodeFrames.js';
import { inputTensor } from '../dist/models/preprocess.js';
import { solveL2caf, defaultSolveOptions, pearson } from '../dist/attention/index.js';
import { argmax } from '../dist/engine/analyze.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.resolve(root, '..', 'shared', 'fixtures');
// As `npm run bench` does: the fixtures' models when no mirror is set (this machine is offline).
if (!process.env.L2CAF_MODEL_MIRROR && existsSync(path.join(fixtures, 'models'))) process.env.L2CAF_MODEL_MIRROR = path.join(fixtures, 'models');
const { values: a } = parseArgs({
  options: {
    method: { type: 'string', default: 'l2caf-class' },
    model: { type: 'string', default: 'darknet-tiny' },
    layer: { type: 'string', default: 'leaky_re_lu_13' },
    clip: { type: 'string', default: path.join(fixtures, 'videos', 'car-detection.mp4') },
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: '2' },
    long: { type: 'boolean', default: false },
  },
});
const classSpecific = a.method === 'l2caf-class';

async function main() {
  if (a.method !== 'l2caf' && a.method !== 'l2caf-class') throw new Error(`--method: l2caf or l2caf-class, got ${a.method}`);
  await selectBackend();
  const model = await openModel({ model: a.model });
  const split = model.split(a.layer);
  const [h, w] = model.inputSize;
  const converged = defaultSolveOptions('converged');
  const paperOpts = a.long ? { ...defaultSolveOptions('paper'), maxIterations: 3000, stop: { kind: 'paper', every: 50, tol: 1e-6 } } : defaultSolveOptions('paper');
  const polishOpts = { ...converged, stop: { kind: 'optimal', stepTol: 1e-5, lossTol: 1e-9, maxPasses: 300 } };
  const absOf = (v) => Float32Array.from(v, Math.abs);

  const rows = [];
  let prev = null;
  for await (const fr of decodeFrames(a.clip, { width: w, height: h, fromS: Number(a.from), toS: Number(a.to) })) {
    const x = inputTensor(fr.data, fr.width, fr.height, model.preprocessing);
    const bb = await split.runBackbone(x);
    x.dispose();
    const head = split.head(bb);
    try {
      const logits = tf.tidy(() => head.apply(bb.features).dataSync());
      const target = classSpecific ? argmax(logits) : null;
      const solve = (opts) => solveL2caf(head, bb.features, target, opts, { logits });
      const paper = solve(paperOpts);
      const polish = solve(polishOpts);
      const cold = solve(converged);
      // Warm as a video chain runs it: the previous frame's filter and L-BFGS memory, same target.
      const warmable = prev && prev.target === target;
      const warm = warmable ? solve({ ...converged, init: prev.map.param, initMemory: prev.map.memory }) : cold;
      prev = { target, map: warm };
      const best = Math.min(paper.loss, polish.loss);
      const rel = (m) => (m.loss - best) / Math.abs(best);
      const r = (m) => pearson(absOf(m.param), absOf(paper.param));
      rows.push({
        index: fr.index,
        paper: paper.iterations,
        polishR: r(polish),
        polishRel: rel(polish),
        cold: { passes: cold.iterations, r: r(cold), rel: rel(cold) },
        warm: { passes: warm.iterations, r: r(warm), rel: rel(warm), warm: warmable },
      });
      const f = (v) => v.toFixed(4);
      const e = (v) => v.toExponential(1);
      console.log(
        `frame ${fr.index}: paper ${paper.iterations} it | polish r ${f(r(polish))} ${e(rel(polish))} | cold ${cold.iterations} passes r ${f(r(cold))} ${e(rel(cold))}` +
          ` | ${warmable ? 'warm' : 'cold'} ${warm.iterations} passes r ${f(r(warm))} ${e(rel(warm))}`,
      );
    } finally {
      bb.features.dispose();
      for (const s of bb.side) s.dispose();
    }
  }
  model.dispose();
  if (rows.length === 0) throw new Error(`${a.clip}: no frames between ${a.from} and ${a.to} s`);

  const mean = (v) => v.reduce((s, x) => s + x, 0) / v.length;
  const line = (name, pick) => {
    const rs = rows.map((row) => pick(row).r);
    const rels = rows.map((row) => pick(row).rel);
    const passes = pick(rows[0]).passes === undefined ? '' : `${mean(rows.map((row) => pick(row).passes)).toFixed(2)} passes a frame, `;
    return `${name}: ${passes}r to paper worst ${Math.min(...rs).toFixed(4)} mean ${mean(rs).toFixed(4)}, loss excess worst ${Math.max(...rels).toExponential(2)} mean ${mean(rels).toExponential(2)}`;
  };
  console.log(`\n${a.model} ${a.layer} ${a.method}, ${rows.length} frames of ${path.basename(a.clip)} ${a.from}-${a.to} s (r: Pearson of |f| with the ${a.long ? 'long (reference-rule) ' : ''}paper solve's map; excess: over the best loss of paper and polish)`);
  console.log(line('polish (300 passes)', (row) => ({ r: row.polishR, rel: row.polishRel })));
  console.log(line('default, cold', (row) => row.cold));
  console.log(line('default, warm chain', (row) => row.warm));
  console.log(`warm/cold passes ${(mean(rows.map((row) => row.warm.passes)) / mean(rows.map((row) => row.cold.passes))).toFixed(3)} (the chain, its cold first frame included)`);
  // The same ratio over the frames that did start warm: what a warm start saves where it is used
  // (a chain's first frame, and a frame after a change of target class, start cold).
  const warmRows = rows.filter((row) => row.warm.warm);
  if (warmRows.length > 0 && warmRows.length < rows.length) {
    const w = mean(warmRows.map((row) => row.warm.passes));
    const c = mean(warmRows.map((row) => row.cold.passes));
    console.log(`warm-started frames only (${warmRows.length}): ${w.toFixed(2)} passes a frame vs ${c.toFixed(2)} cold on the same frames, ${(w / c).toFixed(3)}`);
  }
}

main().catch((e) => {
  console.error(`nonlinear-frames: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
