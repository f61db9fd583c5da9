// The test heads' affine() must agree with apply(), or every exact-solver test would be meaningless.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { randn } from '../../src/attention/rng.js';
import { flattenAffineHead, gapAffineHead, makeFeatures, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

const heads: [string, TestHead][] = [];
beforeAll(async () => {
  await useBackend();
  heads.push(['gap-affine 2-D', gapAffineHead([5, 6], 8, 7, 1)]);
  heads.push(['gap-affine 3-D', gapAffineHead([3, 4, 5], 6, 4, 2)]);
  heads.push(['flatten-affine', flattenAffineHead([4, 5], 3, 6, 3)]);
});
afterAll(() => heads.forEach(([, h]) => h.dispose()));

describe('test heads', () => {
  it('apply(A * f) = J f + c for random filters', () => {
    for (const [name, head] of heads) {
      const A = makeFeatures(head.filterShape, head.C, 5);
      const S = head.filterShape.reduce((a, b) => a * b);
      const { J, c } = head.affine!(A);
      for (const seed of [1, 2, 3]) {
        const f = randn(S, seed);
        const direct = tf.tidy(() => head.apply(tf.mul(A, tf.reshape(tf.tensor1d(f), [1, ...head.filterShape, 1]))).dataSync());
        const viaJ = tf.tidy(() => tf.add(tf.reshape(tf.matMul(J, tf.tensor2d(f, [S, 1])), [head.numOutputs]), c).dataSync());
        for (let k = 0; k < head.numOutputs; k++) expect(viaJ[k]!, `${name} k=${k}`).toBeCloseTo(direct[k]!, 4);
      }
      tf.dispose([J, c, A]);
    }
  });
});
