// Adam (the paper's solver) on heads with tiny outputs: run on outputs scaled to order 1, so that
// its epsilon and the paper's absolute tolerance mean what they do on an ordinary head.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { defaultSolveOptions, pearson, solveL2caf } from '../../src/attention/index.js';
import { adamOutputScale, scaledHead, TINY_OUTPUTS, unscaleLoss } from '../../src/attention/outputScale.js';
import type { SolveOptions } from '../../src/attention/types.js';
import { makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

const paper: SolveOptions = { ...defaultSolveOptions('paper'), solver: 'iterative' };

describe('Adam on tiny outputs', () => {
  let nl: TestHead;
  let B: tf.Tensor;
  beforeAll(async () => {
    await useBackend();
    nl = nonlinearHead([8, 8], 8, 8, 10, 2);
    B = makeFeatures(nl.filterShape, nl.C, 2);
  });
  afterAll(() => {
    B?.dispose();
    nl?.dispose();
  });

  it('scales only outputs below TINY_OUTPUTS, to max |output| = 1; losses back in the head units', () => {
    expect(adamOutputScale([2, -3, 0.5])).toBe(1);
    expect(adamOutputScale([TINY_OUTPUTS, 0])).toBe(1);
    expect(adamOutputScale([0, 0])).toBe(1);
    expect(adamOutputScale([1e-9, -4e-9])).toBeCloseTo(2.5e8, 0);
    expect(unscaleLoss(3, 10, false)).toBeCloseTo(0.03, 12);
    expect(unscaleLoss(3, 10, true)).toBeCloseTo(0.3, 12);
  });

  it('a head whose outputs are ~1e-10 gets the map of the same head at its own scale, for both methods', () => {
    const tiny = scaledHead(nl, 1e-10);
    const out = tf.tidy(() => Array.from(tiny.apply(B).dataSync()));
    expect(Math.max(...out.map(Math.abs))).toBeLessThan(TINY_OUTPUTS);
    const before = tf.memory().numTensors;
    for (const target of [null, 3]) {
      const ref = solveL2caf(nl, B, target, paper);
      const m = solveL2caf(tiny, B, target, paper);
      const label = `${target}: ${m.iterations} vs ${ref.iterations} iterations, loss ${m.loss} vs ${ref.loss}`;
      // Adam moved (an unmoved solve is the uniform start: a constant, all-zero map) ...
      expect(Math.max(...m.values), label).toBeGreaterThan(0.5);
      // ... to the same filter, its loss in the tiny head's units (x 1e-20 or x 1e-10).
      expect(pearson(m.raw, ref.raw), label).toBeGreaterThan(0.999);
      const unit = target === null ? 1e-20 : 1e-10;
      expect(Math.abs(m.loss / unit - ref.loss), label).toBeLessThanOrEqual(1e-3 * Math.abs(ref.loss));
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
