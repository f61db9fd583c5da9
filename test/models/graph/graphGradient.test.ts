// The translated heads' gradients (what the iterative solver and Grad-CAM use) against central
// finite differences, on the backend the app picks (wasm here: this exercises the input-only conv
// and depthwise gradients, since wasm has no filter or depthwise backprop kernels).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { selectBackend } from '../../../src/engine/backend.js';
import { convClassifier, residualNet } from './tinyGraphs.js';
import { loadBuiltIn } from './loadBuilt.js';

let tmp: string;
let backend: string;
beforeAll(async () => {
  backend = await selectBackend();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'l2caf-graph-grad-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('graph heads: d loss / d filter against finite differences', () => {
  it.each([
    ['conv classifier', 'r1', 12],
    ['conv classifier', 'f4', 6],
    ['residual net', 'a1', 8],
    ['residual net', 'b1', 8],
  ])('%s at %s', async (which, layer, side) => {
    const g = which === 'conv classifier' ? convClassifier() : residualNet();
    const inSize = which === 'conv classifier' ? 12 : 10;
    const { m } = await loadBuiltIn(tmp, g, `${which.replace(' ', '-')}-${layer}`);
    const split = m.split(layer);
    const x = tf.randomUniform([1, inSize, inSize, 3], -1, 1, 'float32', 3);
    const bb = await split.runBackbone(x);
    const head = split.head(bb);
    const S = side * side;
    const K = head.numOutputs;
    const { grad, fd, scale } = tf.tidy(() => {
      const u = tf.randomNormal([1, K], 0, 1, 'float32', 4);
      const f0 = tf.add(tf.randomNormal([S], 0, 0.3, 'float32', 5), 1);
      const loss = (f: tf.Tensor) => tf.sum(tf.mul(u, head.apply(tf.mul(bb.features, tf.reshape(f, [-1, side, side, 1])))), 1);
      const grad = tf.grad((f: tf.Tensor) => tf.sum(loss(f)))(f0).dataSync();
      // every coordinate at once: a batch of 2S filters f0 +- eps e_p
      const eps = 1e-2;
      const E = tf.mul(tf.eye(S), eps);
      const plus = loss(tf.add(f0, E));
      const minus = loss(tf.sub(f0, E));
      const fd = tf.div(tf.sub(plus, minus), 2 * eps).dataSync();
      const scale = tf.max(tf.abs(tf.tensor1d(grad))).dataSync()[0]!;
      return { grad, fd, scale };
    });
    expect(scale).toBeGreaterThan(0);
    const errs = Array.from(grad, (v, i) => Math.abs(v - fd[i]!) / scale).sort((a, b) => a - b);
    // ReLU kinks within eps of a few coordinates may disagree; the bulk must match closely.
    const median = errs[Math.floor(errs.length / 2)]!;
    const p95 = errs[Math.floor(errs.length * 0.95)]!;
    console.log(`${backend} ${which} ${layer}: median rel err ${median.toExponential(2)}, p95 ${p95.toExponential(2)}, max ${errs[errs.length - 1]!.toExponential(2)}`);
    expect(median).toBeLessThan(1e-3);
    expect(p95).toBeLessThan(1e-2);
    tf.dispose([x, bb.features, ...bb.side]);
    m.dispose();
  });
});
