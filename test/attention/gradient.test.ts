// The gradient the iterative solver follows (autodiff through the constraint, the filter, the head
// and the objective, with the custom l2 gradient) against central finite differences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { makeConstraint } from '../../src/attention/constraints.js';
import { disposeObjective, makeFilterLoss, makeObjective } from '../../src/attention/objectives.js';
import { randn } from '../../src/attention/rng.js';
import type { Constraint } from '../../src/attention/types.js';
import { gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

const heads: [string, TestHead][] = [];
beforeAll(async () => {
  await useBackend();
  heads.push(['gap-affine', gapAffineHead([4, 5], 6, 5, 1)]);
    // tanh rather than ReLU: finite differences straddling a ReLU kink are wrong by O(1) on that coordinate.
  heads.push(['nonlinear', nonlinearHead([4, 5], 4, 6, 5, 2, 'tanh')]);
  heads.push(['gap-affine 3-D', gapAffineHead([2, 3, 4], 3, 4, 3)]);
});
afterAll(() => heads.forEach(([, h]) => h.dispose()));

function relErr(a: number[], b: number[]): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / n);
}

describe('head loss gradient vs finite differences', () => {
  for (const constraint of ['l2', 'softmax', 'gaussian'] as Constraint[]) {
    for (const target of [null, 1]) {
      it(`${constraint}, ${target === null ? 'class-oblivious' : 'class-specific'}`, () => {
        for (const [name, head] of heads) {
          const A = makeFeatures(head.filterShape, head.C, 9);
          const c = makeConstraint(constraint, head.filterShape);
          const obj = makeObjective(head, A, target);
          const lossFn = makeFilterLoss(head, A, c, obj);
          // A generic point: random v, or a Gaussian mean off the grid points.
          const v0 = constraint === 'gaussian' ? Float32Array.from(head.filterShape, (n, i) => n / 2 - 0.3 + 0.2 * i) : randn(c.paramSize, 4);
          const analytic = tf.tidy(() => Array.from(tf.grad((v: tf.Tensor) => lossFn(v as tf.Tensor1D).loss)(tf.tensor1d(v0)).dataSync()));
          const loss = (v: Float32Array) => tf.tidy(() => lossFn(tf.tensor1d(v)).loss.dataSync()[0]!);
          const h = 1e-2;
          const numeric = Array.from(v0, (_, i) => {
            const p = Float32Array.from(v0);
            const m = Float32Array.from(v0);
            p[i] = p[i]! + h;
            m[i] = m[i]! - h;
            return (loss(p) - loss(m)) / (2 * h);
          });
          expect(Math.hypot(...analytic), `${name}: gradient is not trivially zero`).toBeGreaterThan(1e-4);
          expect(relErr(analytic, numeric), `${name} ${constraint} target=${target}`).toBeLessThan(5e-3);
          disposeObjective(obj);
          c.dispose();
          A.dispose();
        }
      });
    }
  }
});
