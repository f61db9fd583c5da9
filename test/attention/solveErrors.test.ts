// Solver failures name the layer: a non-finite loss (NaN weights, overflowing features) and a head
// whose outputs do not depend on the filter (no gradient path) are one-line errors, not NaN maps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions, solveL2caf } from '../../src/attention/index.js';
import type { Head } from '../../src/attention/types.js';
import { makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

let nl: TestHead;
let B: tf.Tensor;
beforeAll(async () => {
  await useBackend();
  nl = nonlinearHead([6, 6], 4, 4, 5, 2);
  B = makeFeatures(nl.filterShape, nl.C, 2);
});
afterAll(() => {
  B.dispose();
  nl.dispose();
});

const converged = { ...defaultSolveOptions('converged'), solver: 'iterative' as const };

describe('solver errors', () => {
  it('a non-finite loss names the layer, for both methods and for the paper preset', () => {
    const nan: Head = { ...nl, layer: 'conv_7', apply: (x) => tf.tidy(() => tf.mul(nl.apply(x), NaN) as tf.Tensor2D) };
    expect(() => solveL2caf(nan, B, null, converged)).toThrow(/^L2-CAF: the loss is NaN at the start filter in the head after layer conv_7/);
    expect(() => solveL2caf(nan, B, 1, converged)).toThrow(/head after layer conv_7/);
    const inf: Head = { ...nl, layer: 'conv_7', apply: (x) => tf.tidy(() => tf.add(tf.mul(nl.apply(x), 0), Infinity) as tf.Tensor2D) };
    expect(() => solveL2caf(inf, B, 1, converged)).toThrow(/not finite|Infinity|NaN/);
  });

  it('a head that ignores the filter is refused, naming the layer', () => {
    const constant: Head = { ...nl, layer: 'pool_3', apply: (x) => tf.tidy(() => tf.add(tf.mul(tf.sum(x), 0), tf.ones([x.shape[0]!, 5])) as tf.Tensor2D) };
    expect(() => solveL2caf(constant, B, null, converged)).toThrow(/head after layer pool_3 does not depend on the filter/);
    expect(() => solveL2caf(constant, B, 2, converged)).toThrow(/head after layer pool_3 does not depend on the filter/);
  });
});
