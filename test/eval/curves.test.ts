// Ranking, perturbation, AUC and the deletion/insertion curves on hand-made inputs whose answers are
// known by construction (a toy "model" whose score is the share of an object region still present).
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// the backends, registered by the engine's module, which also silences the cpu backend's tfjs-node banner
import '../../src/engine/backend.js';
import { rankPixels, upsampleMap } from '../../src/eval/rank.js';
import { perturbedInput, stepCounts } from '../../src/eval/perturb.js';
import { curveAuc } from '../../src/eval/auc.js';
import { deletionInsertion } from '../../src/eval/curves.js';
import type { BatchForward } from '../../src/eval/forward.js';

await tf.setBackend('cpu');

describe('ranking and steps', () => {
  it('ranks pixels high to low, ties in row-major order, NaN last', () => {
    expect(Array.from(rankPixels([0.1, 0.9, 0.5, 0.9, NaN]))).toEqual([1, 3, 2, 0, 4]);
  });
  it('upsamples a constant map to a constant and keeps a same-size map', () => {
    expect(Array.from(upsampleMap({ width: 2, height: 2, values: [3, 3, 3, 3] }, 5, 4))).toEqual(new Array(20).fill(3));
    expect(Array.from(upsampleMap({ width: 2, height: 1, values: [1, 2] }, 2, 1))).toEqual([1, 2]);
  });
  it('upsampling keeps the order of a left-to-right ramp', () => {
    const up = upsampleMap({ width: 2, height: 1, values: [0, 1] }, 8, 1);
    // the right half ranks above the left half; the two edge pixels are clamped to 1 (a tie, row-major)
    expect(Array.from(rankPixels(up)).slice(0, 2)).toEqual([6, 7]);
    expect(Math.min(...Array.from(rankPixels(up)).slice(0, 4))).toBe(4);
  });
  it('step counts are round(i N / k)', () => {
    expect(stepCounts(10, 4)).toEqual([0, 3, 5, 8, 10]);
    expect(stepCounts(7, 1)).toEqual([0, 7]);
    expect(() => stepCounts(10, 0)).toThrow(/steps/);
  });
  it('deletion replaces the first n ranked pixels by the baseline; insertion reveals them', () => {
    const input = Float32Array.of(1, 1, 2, 2, 3, 3); // 3 pixels, 2 channels
    const base = Float32Array.of(0, 0, 0, 0, 0, 0);
    const order = Uint32Array.of(2, 0, 1);
    const out = new Float32Array(6);
    expect(Array.from(perturbedInput('deletion', input, base, order, 2, 2, out))).toEqual([0, 0, 2, 2, 0, 0]);
    expect(Array.from(perturbedInput('insertion', input, base, order, 1, 2, out))).toEqual([0, 0, 0, 0, 3, 3]);
  });
});

describe('area under the curve', () => {
  it('is the trapezoid area over 0..1', () => {
    expect(curveAuc([1, 1, 1])).toBeCloseTo(1, 12);
    expect(curveAuc([1, 0])).toBeCloseTo(0.5, 12);
    expect(curveAuc([1, 0, 0, 0, 0])).toBeCloseTo(0.125, 12);
    expect(curveAuc([0, 0.5, 1])).toBeCloseTo(0.5, 12);
    expect(() => curveAuc([1])).toThrow();
  });
});

/**
 * A toy model on 4x4 inputs: output 0 is the mean of channel 0 over the object (the top-left 2x2
 * block), so with input 1 and baseline 0 its value is the share of the object still present.
 */
function toyForward(calls: number[]): BatchForward {
  const mask = new Float32Array(16);
  for (const p of [0, 1, 4, 5]) mask[p] = 1 / 4;
  return async (x) => {
    calls.push(x.shape[0]);
    const out = tf.tidy(() => {
      const c0 = tf.reshape(tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, 1]), [x.shape[0], 16]);
      const s = tf.sum(tf.mul(c0, tf.tensor1d(mask)), 1, true);
      return tf.concat([s, tf.zerosLike(s)], 1);
    });
    const d = (await out.data()) as Float32Array;
    out.dispose();
    return Array.from({ length: x.shape[0] }, (_, i) => d.slice(i * 2, i * 2 + 2));
  };
}

describe('deletion and insertion curves', () => {
  const input = { data: new Float32Array(48).fill(1), width: 4, height: 4, baseline: new Float32Array(48) };
  const score = (o: ArrayLike<number>) => o[0]!;
  const onObject = new Float32Array(16);
  for (const p of [0, 1, 4, 5]) onObject[p] = 1;
  const offObject = onObject.map((v) => 1 - v);

  it('a map on the object: deletion drops at once, insertion rises at once', async () => {
    const c = await deletionInsertion(toyForward([]), input, { width: 4, height: 4, values: onObject }, score, { steps: 4, batchSize: 16 });
    expect(c.deletion.map((v) => +v.toFixed(6))).toEqual([1, 0, 0, 0, 0]);
    expect(c.insertion.map((v) => +v.toFixed(6))).toEqual([0, 1, 1, 1, 1]);
    expect(c.deletionAuc).toBeCloseTo(0.125, 6);
    expect(c.insertionAuc).toBeCloseTo(0.875, 6);
  });

  it('a map off the object: deletion keeps the score until the end', async () => {
    const c = await deletionInsertion(toyForward([]), input, { width: 4, height: 4, values: offObject }, score, { steps: 4, batchSize: 16 });
    expect(c.deletion.map((v) => +v.toFixed(6))).toEqual([1, 1, 1, 1, 0]);
    expect(c.deletionAuc).toBeCloseTo(0.875, 6);
    expect(c.insertionAuc).toBeCloseTo(0.125, 6);
  });

  it('batched and one-by-one give the same curves, in ceil(2(k+1)/B) calls', async () => {
    const batched: number[] = [];
    const single: number[] = [];
    const map = { width: 2, height: 2, values: [0.9, 0.2, 0.4, 0.1] };
    const a = await deletionInsertion(toyForward(batched), input, map, score, { steps: 8, batchSize: 5 });
    const b = await deletionInsertion(toyForward(single), input, map, score, { steps: 8, batchSize: 1 });
    expect(a).toEqual(b);
    expect(batched).toEqual([5, 5, 5, 3]);
    expect(single).toHaveLength(18);
  });

  it('leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    await deletionInsertion(toyForward([]), input, { width: 4, height: 4, values: onObject }, score, { steps: 6, batchSize: 4 });
    expect(tf.memory().numTensors).toBe(before);
  });
});
