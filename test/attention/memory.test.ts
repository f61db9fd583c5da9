// No tensor leaks: the tensor count is unchanged after 100 calls of each method (and of failing calls).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { cam, CONVERGED_RULE, defaultSolveOptions, gradCam, solveL2caf } from '../../src/attention/index.js';
import { scaledHead } from '../../src/attention/outputScale.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

let gap: TestHead;
let nl: TestHead;
let gap3d: TestHead;
let A: tf.Tensor;
let B: tf.Tensor;
let V: tf.Tensor;
beforeAll(async () => {
  await useBackend();
  gap = gapAffineHead([6, 6], 8, 5, 1);
  nl = nonlinearHead([6, 6], 4, 4, 5, 2);
  gap3d = gapAffineHead([2, 4, 4], 4, 3, 3);
  A = makeFeatures(gap.filterShape, gap.C, 1);
  B = makeFeatures(nl.filterShape, nl.C, 2);
  V = makeFeatures(gap3d.filterShape, gap3d.C, 3);
});
afterAll(() => {
  tf.dispose([A, B, V]);
  [gap, nl, gap3d].forEach((h) => h.dispose());
});

const it30: SolveOptions = { ...defaultSolveOptions('paper'), maxIterations: 30, stop: { kind: 'paper', every: 10, tol: 0 } };
const conv: SolveOptions = { ...defaultSolveOptions('converged'), solver: 'iterative', maxIterations: 30 };
const adamConv: SolveOptions = { ...conv, stop: { ...CONVERGED_RULE } };
/** A head whose outputs are NaN: every solve fails, and must still free what it made. */
function nanHead(head: TestHead): TestHead {
  return { ...head, apply: (x) => tf.tidy(() => tf.mul(head.apply(x), NaN) as tf.Tensor2D) };
}

const cases: [string, () => unknown][] = [
  ['exact class-oblivious', () => solveL2caf(gap, A, null, it30)],
  ['exact class-specific', () => solveL2caf(gap, A, 2, it30)],
  ['iterative l2, paper rule, nonlinear', () => solveL2caf(nl, B, null, it30)],
  ['iterative l2, paper rule, tiny outputs (Adam on them scaled)', () => solveL2caf(scaledHead(nl, 1e-10), B, 1, it30)],
  ['iterative l2, L-BFGS (default), class-oblivious, trace', () => solveL2caf(nl, B, null, { ...conv, traceEvery: 2 })],
  ['iterative l2, L-BFGS (default), class-specific (linearised start)', () => solveL2caf(nl, B, 1, conv)],
  ['iterative l2, L-BFGS, NT given', () => solveL2caf(nl, B, null, conv, { logits: new Float32Array(5).fill(1) })],
  ['iterative l2, Adam converged rule, trace', () => solveL2caf(nl, B, 1, { ...adamConv, traceEvery: 5 })],
  ['iterative l2, L-BFGS warm start with memory', () => {
    const first = solveL2caf(nl, B, null, conv);
    solveL2caf(nl, B, null, { ...conv, init: first.param!, initMemory: first.memory! });
  }],
  ['non-finite loss refused', () => expect(() => solveL2caf(nanHead(nl), B, null, conv)).toThrow(/not finite|NaN/)],
  ['iterative softmax', () => solveL2caf(gap, A, null, { ...it30, constraint: 'softmax' })],
  ['iterative gaussian 3-D', () => solveL2caf(gap3d, V, 1, { ...it30, constraint: 'gaussian' })],
  ['iterative warm start', () => solveL2caf(nl, B, null, { ...conv, init: new Float32Array(36).fill(1) })],
  ['gradcam', () => gradCam(nl, B, 3)],
  ['gradcam 3-D', () => gradCam(gap3d, V, 0)],
  ['cam', () => cam(gap, A, 4)],
  ['cam refused', () => expect(() => cam(nl, B, 0)).toThrow()],
  ['exact refused', () => expect(() => solveL2caf(nl, B, null, { ...it30, solver: 'exact' })).toThrow()],
  ['bad warm start', () => expect(() => solveL2caf(nl, B, null, { ...it30, init: new Float32Array(2) })).toThrow()],
];

describe('tensor memory', () => {
  for (const [name, run] of cases) {
    it(`${name}: 100 calls leave tf.memory().numTensors unchanged`, () => {
      run(); // first call may create lazily cached backend tensors
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) run();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
