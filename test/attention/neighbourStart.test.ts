// A class-specific solve whose class has no warm start (the argmax changed from the previous slice
// or frame) tries the previous answer for the other class as a third cold start ('neighbour').
// Unit: which starts coldStarts gives. Real data: someones_anatomy.nii.gz at darknet-tiny's
// leaky_re_lu_12, slices 50 -> 51 (argmax 527 -> 521), where the two deterministic starts end
// 5.9e-2 above the best loss known and the neighbour start finds it.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from './setup.js';
import { coldStarts } from '../../src/attention/start.js';
import type { SphereOracle } from '../../src/attention/sphereLbfgs.js';
import { defaultSolveOptions } from '../../src/attention/index.js';
import { analyzeFeatures, argmax, warmStartsOf } from '../../src/engine/analyze.js';
import { openModel } from '../../src/engine/openModel.js';
import { haveFixture } from '../helpers/fixtures.js';
import { anatomySlices } from '../helpers/anatomySlices.js';

// a head whose gradient is the filter itself: the linearised start is then -1/||1||
const oracle: SphereOracle = (x) => ({ loss: 0, grad: Float64Array.from(x) });

describe('coldStarts with a neighbour', () => {
  const S = 4;
  const n = Float32Array.of(0.5, 0.5, 0.5, 0.5);
  it('class-specific on a non-linear head: linearised, uniform, then the neighbour', () => {
    expect(coldStarts(oracle, S, true, 'deterministic', 0, true, n).map((s) => s.kind)).toEqual(['linearised', 'uniform', 'neighbour']);
    expect(Array.from(coldStarts(oracle, S, true, 'deterministic', 0, true, n)[2]!.x0)).toEqual([0.5, 0.5, 0.5, 0.5]);
  });
  it('ignored for class-oblivious solves, linear heads, random starts, and unusable filters', () => {
    expect(coldStarts(oracle, S, false, 'deterministic', 0, true, n).map((s) => s.kind)).toEqual(['uniform']);
    expect(coldStarts(oracle, S, true, 'deterministic', 0, false, n).map((s) => s.kind)).toEqual(['linearised']);
    expect(coldStarts(oracle, S, true, 'random', 0, true, n).map((s) => s.kind)).toEqual(['random']);
    for (const bad of [new Float32Array(S), Float32Array.of(1, NaN, 1, 1), new Float32Array(3).fill(1)]) {
      expect(coldStarts(oracle, S, true, 'deterministic', 0, true, bad).map((s) => s.kind)).toEqual(['linearised', 'uniform']);
    }
  });
});

describe("coldStarts for --seed ('also-random')", () => {
  const S = 4;
  const kinds = (classSpecific: boolean, nonlinear: boolean, n?: Float32Array) => coldStarts(oracle, S, classSpecific, 'also-random', 3, nonlinear, n).map((s) => s.kind);
  it('on a non-linear head: the deterministic starts first, then the random one', () => {
    expect(kinds(true, true)).toEqual(['linearised', 'uniform', 'random']);
    expect(kinds(true, true, Float32Array.of(0.5, 0.5, 0.5, 0.5))).toEqual(['linearised', 'uniform', 'neighbour', 'random']);
    expect(kinds(false, true)).toEqual(['uniform', 'random']);
    // the same noise as 'random' with that seed
    const alone = coldStarts(oracle, S, true, 'random', 3, true)[0]!.x0;
    expect(Array.from(coldStarts(oracle, S, true, 'also-random', 3, true).at(-1)!.x0)).toEqual(Array.from(alone));
  });
  it('on a linear head (one optimum): the random start alone', () => {
    expect(kinds(true, false)).toEqual(['random']);
    expect(kinds(false, false)).toEqual(['random']);
  });
});

const ok = haveFixture('models/darknet-tiny') && haveFixture('volumes/someones_anatomy.nii.gz');

describe.skipIf(!ok)('a slice whose class changed starts from the previous slice too', () => {
  beforeAll(useBackend);

  it('someones_anatomy z 50 -> 51 at leaky_re_lu_12: the neighbour start is kept, 1e-2 below the two-start answer', async () => {
    const model = await openModel({ model: 'darknet-tiny' });
    try {
      const split = model.split('leaky_re_lu_12');
      const slice = await anatomySlices(model, split);
      const solve = defaultSolveOptions('converged');
      const before = tf.memory().numTensors;
      const a = await slice(50);
      const b = await slice(51);
      try {
        const headA = split.head(a);
        const logitsA = tf.tidy(() => headA.apply(a.features).dataSync() as Float32Array);
        const first = analyzeFeatures(headA, a.features, [{ method: 'l2caf-class', target: argmax(logitsA) }], { solve, logits: logitsA });
        const headB = split.head(b);
        const logitsB = tf.tidy(() => headB.apply(b.features).dataSync() as Float32Array);
        const target = argmax(logitsB);
        expect(target).not.toBe(first.maps[0]!.target);
        const request = [{ method: 'l2caf-class' as const, target }];
        const chained = analyzeFeatures(headB, b.features, request, { solve, logits: logitsB, init: warmStartsOf(first.maps) }).maps[0]!;
        const cold = analyzeFeatures(headB, b.features, request, { solve, logits: logitsB }).maps[0]!;
        expect(chained.start).toBe('neighbour');
        expect(chained.warmStarted).toBe(false);
        expect(cold.start === 'linearised' || cold.start === 'uniform').toBe(true);
        expect(chained.loss).toBeLessThan(cold.loss - 1e-2 * Math.abs(cold.loss));
      } finally {
        for (const bb of [a, b]) tf.dispose([bb.features, ...bb.side]);
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      model.dispose();
    }
  });
});
