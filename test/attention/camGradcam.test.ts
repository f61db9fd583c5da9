// CAM and Grad-CAM against hand computations from the heads' weights.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { cam, gradCam, pearson } from '../../src/attention/index.js';
import { flattenAffineHead, gapAffineHead, makeFeatures, nonlinearHead, type TestHead } from './heads.js';
import { useBackend } from './setup.js';

let gap: ReturnType<typeof gapAffineHead>;
let gap3d: ReturnType<typeof gapAffineHead>;
let flat: ReturnType<typeof flattenAffineHead>;
let nl: TestHead;
beforeAll(async () => {
  await useBackend();
  gap = gapAffineHead([6, 7], 10, 8, 1);
  gap3d = gapAffineHead([3, 4, 5], 6, 5, 2);
  flat = flattenAffineHead([5, 4], 6, 7, 3);
  nl = nonlinearHead([4, 4], 3, 5, 6, 4);
});
afterAll(() => [gap, gap3d, flat, nl].forEach((h) => h.dispose()));

/** ReLU(sum_c w_c A[s, c]) for features [1, ..., C]. */
function weightedSum(A: tf.Tensor, w: ArrayLike<number>): number[] {
  const a = A.dataSync();
  const C = A.shape.at(-1)!;
  const S = a.length / C;
  return Array.from({ length: S }, (_, s) => {
    let v = 0;
    for (let c = 0; c < C; c++) v += w[c]! * a[s * C + c]!;
    return Math.max(0, v);
  });
}

/** CAM weights of a pointwise-affine + GAP + dense head for class t, including the 1/S of the average. */
function gapWeights(head: typeof gap, t: number): number[] {
  const { alpha, W } = head.weights;
  const K = head.numOutputs;
  const S = head.filterShape.reduce((a, b) => a * b);
  return Array.from({ length: head.C }, (_, c) => (alpha[c]! * W[c * K + t]!) / S);
}

describe('CAM', () => {
  it('is the ReLU of the class-weighted channel sum on a GAP + linear head (2-D and 3-D)', () => {
    let clipped = 0;
    for (const head of [gap, gap3d]) {
      const A = makeFeatures(head.filterShape, head.C, 5);
      for (let t = 0; t < head.numOutputs; t++) {
        const m = cam(head, A, t);
        const want = weightedSum(A, gapWeights(head, t));
        expect(m.method).toBe('cam');
        expect(m.solver).toBe('weights');
        expect(m.shape).toEqual([...head.filterShape]);
        want.forEach((v, s) => expect(m.raw[s]!).toBeCloseTo(v, 5));
        if (want.some((v) => v === 0) && want.some((v) => v > 0)) clipped++;
      }
      A.dispose();
    }
    expect(clipped, 'some maps had negative evidence that the ReLU removed').toBeGreaterThan(0);
  });

  it('refuses a nonlinear head, naming its linearity and the alternatives', () => {
    const A = makeFeatures(nl.filterShape, nl.C, 1);
    expect(() => cam(nl, A, 0)).toThrow(/CAM needs a head of global average pooling \+ linear layers.*'nonlinear'.*l2caf.*gradcam/);
    A.dispose();
  });

  it("refuses an affine head without global average pooling ('affine')", () => {
    const A = makeFeatures(flat.filterShape, flat.C, 1);
    expect(() => cam(flat, A, 0)).toThrow(/global average pooling.*'affine'/);
    A.dispose();
  });
});

describe('Grad-CAM', () => {
  it('equals the hand computation on a GAP head: d out_t / d A[s, c] = alpha_c W[c, t] / S, so it matches CAM', () => {
    for (const head of [gap, gap3d]) {
      const A = makeFeatures(head.filterShape, head.C, 6);
      const m = gradCam(head, A, 2);
      expect(m.method).toBe('gradcam');
      expect(m.solver).toBe('gradient');
      weightedSum(A, gapWeights(head, 2)).forEach((v, s) => expect(m.raw[s]!).toBeCloseTo(v, 5));
      A.dispose();
    }
  });

  it('equals the hand computation on a flatten head: w_c = mean_s W[s C + c, t]', () => {
    const A = makeFeatures(flat.filterShape, flat.C, 7);
    const S = 20;
    const K = flat.numOutputs;
    const t = 4;
    const w = Array.from({ length: flat.C }, (_, c) => {
      let v = 0;
      for (let s = 0; s < S; s++) v += flat.W[(s * flat.C + c) * K + t]!;
      return v / S;
    });
    const m = gradCam(flat, A, t);
    weightedSum(A, w).forEach((v, s) => expect(m.raw[s]!).toBeCloseTo(v, 5));
    A.dispose();
  });

  it('matches finite-difference gradients on a nonlinear head', () => {
    const A = makeFeatures(nl.filterShape, nl.C, 8);
    const t = 1;
    const a = A.dataSync();
    const out = (x: Float32Array) => tf.tidy(() => nl.apply(tf.tensor(x, A.shape)).dataSync()[t]!);
    const C = nl.C;
    const S = a.length / C;
    const h = 1e-2;
    const w = new Array<number>(C).fill(0);
    for (let i = 0; i < a.length; i++) {
      const p = Float32Array.from(a);
      const q = Float32Array.from(a);
      p[i] = p[i]! + h;
      q[i] = q[i]! - h;
      w[i % C] = w[i % C]! + (out(p) - out(q)) / (2 * h) / S;
    }
    const m = gradCam(nl, A, t);
    const want = weightedSum(A, w);
    expect(pearson(m.raw, want)).toBeGreaterThan(0.999);
    want.forEach((v, s) => expect(Math.abs(m.raw[s]! - v)).toBeLessThan(1e-2 * Math.max(...want)));
    A.dispose();
  });

  it('accepts any output index of an embedding head and rejects out-of-range targets', () => {
    const emb = gapAffineHead([5, 5], 6, 12, 9, 'embedding');
    const A = makeFeatures(emb.filterShape, emb.C, 1);
    expect(gradCam(emb, A, 11).raw.length).toBe(25);
    expect(cam(emb, A, 11).raw.length).toBe(25);
    expect(() => gradCam(emb, A, 12)).toThrow(/target 12 is not an output index/);
    expect(() => cam(emb, A, -1)).toThrow(/target -1/);
    A.dispose();
    emb.dispose();
  });
});
