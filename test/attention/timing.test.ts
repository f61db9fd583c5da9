// Timings of the solvers at realistic sizes (printed; the bounds are loose so that a loaded machine
// does not fail them, but an order-of-magnitude regression does).
//   npx vitest run test/attention/timing.test.ts         (wasm)
//   L2CAF_BACKEND=cpu npx vitest run test/attention/timing.test.ts
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions, solveL2caf } from '../../src/attention/index.js';
import { readAffine } from '../../src/attention/affine.js';
import { solveExactOblivious } from '../../src/attention/exactOblivious.js';
import { solveExactClassSpecific } from '../../src/attention/exactClassSpecific.js';
import { solveIterative } from '../../src/attention/iterative.js';
import { disposeObjective, makeObjective } from '../../src/attention/objectives.js';
import { gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

let backend = '';
let big: TestHead;
let conv: TestHead;
let A: tf.Tensor;
let B: tf.Tensor;
beforeAll(async () => {
  backend = await useBackend();
  big = gapAffineHead([14, 14], 512, 1000, 1); // ImageNet-like: 14x14 grid, 1000 classes
  conv = nonlinearHead([14, 14], 64, 64, 100, 2);
  A = makeFeatures(big.filterShape, big.C, 3);
  B = makeFeatures(conv.filterShape, conv.C, 4);
});
afterAll(() => {
  tf.dispose([A, B]);
  big.dispose();
  conv.dispose();
});

function median(fn: () => void, n: number): number {
  fn();
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return ts[n >> 1]!;
}

describe('timings', () => {
  it('exact solvers at S = 196 (14x14), K = 1000 take a few ms', () => {
    const a = readAffine(big, A);
    const nt = tf.tidy(() => big.apply(A).dataSync());
    let steps = 0;
    const tObl = median(() => {
      steps = solveExactOblivious(a, nt).steps;
    }, 30);
    const tCls = median(() => solveExactClassSpecific(a, 7), 30);
    const opts = defaultSolveOptions('paper');
    const tFull = median(() => solveL2caf(big, A, null, opts), 10);
    const tAffine = median(() => tf.dispose(Object.values(big.affine!(A))), 10);
    console.log(
      `[${backend}] exact class-oblivious core ${tObl.toFixed(2)} ms (${steps} Lanczos steps), class-specific core ${tCls.toFixed(3)} ms; ` +
        `solveL2caf end to end ${tFull.toFixed(1)} ms, of which the test head's affine() ${tAffine.toFixed(1)} ms`,
    );
    expect(tObl).toBeLessThan(20);
    expect(tCls).toBeLessThan(5);
  });

  it('one iterative step costs about one head forward + backward', () => {
    for (const [name, head, X] of [
      ['GAP+dense 14x14x512 -> 1000', big, A],
      ['conv3x3 64->64 + GAP + dense 14x14 -> 100', conv, B],
    ] as const) {
      const obj = makeObjective(head, X, null);
      const N = 100;
      const opts = { ...defaultSolveOptions('paper'), maxIterations: N, stop: { kind: 'paper' as const, every: 50, tol: 0 } };
      const perIt = median(() => solveIterative(head, X, obj, opts), 3) / N;
      const S = head.filterShape.reduce((p, q) => p * q, 1);
      const f = tf.fill([S], 1 / Math.sqrt(S));
      const nt = (obj as { nt: tf.Tensor }).nt;
      const fwdBwd = tf.grad((g: tf.Tensor) => tf.mean(tf.squaredDifference(nt, head.apply(tf.mul(X, tf.reshape(g, [1, ...head.filterShape, 1]))))));
      const bare = median(() => {
        for (let i = 0; i < 20; i++) fwdBwd(f).dispose();
      }, 3) / 20;
      console.log(`[${backend}] ${name}: ${perIt.toFixed(2)} ms per iteration vs ${bare.toFixed(2)} ms for a bare forward+backward (x${(perIt / bare).toFixed(2)})`);
      expect(perIt / bare).toBeLessThan(2);
      f.dispose();
      disposeObjective(obj);
    }
  });
});
