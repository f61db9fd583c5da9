// The tap contraction of the factored convolution in the SIMD kernels (src/models/tapProducts.ts,
// tapsForward/tapsBackward in jProducts.wat): against JS loops on sizes with remainders (channels
// not a multiple of 4, one tap, batches), its TF.js gradient against a batched matMul's autodiff,
// no tensors left behind, and the factored convolution running its passes through it.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { randn } from '../../src/attention/rng.js';
import { selectBackend } from '../../src/engine/backend.js';
import { constKernel, conv2dValid } from '../../src/models/convInputGrad.js';
import { FilteredConvKernel } from '../../src/models/filteredConv.js';
import { TapProducts } from '../../src/models/tapProducts.js';
import { maxRel, maxRelArrays } from '../helpers/tensorCompare.js';

beforeAll(async () => {
  await selectBackend();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const floats = (n: number, seed: number) => Float32Array.from(randn(n, seed));

function loopsForward(B: Float32Array, fs: Float32Array, n: number, P: number, T: number, O: number): Float64Array {
  const z = new Float64Array(n * P * O);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < P; p++)
      for (let t = 0; t < T; t++) for (let o = 0; o < O; o++) z[(b * P + p) * O + o]! += fs[(b * P + p) * T + t]! * B[(p * T + t) * O + o]!;
  return z;
}

function loopsBackward(B: Float32Array, dz: Float32Array, n: number, P: number, T: number, O: number): Float64Array {
  const d = new Float64Array(n * P * T);
  for (let b = 0; b < n; b++)
    for (let p = 0; p < P; p++)
      for (let t = 0; t < T; t++) for (let o = 0; o < O; o++) d[(b * P + p) * T + t]! += dz[(b * P + p) * O + o]! * B[(p * T + t) * O + o]!;
  return d;
}

describe('tap products in the SIMD kernels', () => {
  const sizes: [number, number, number, number][] = [
    // [batch, P, T, O]
    [1, 196, 9, 512],
    [1, 7, 3, 13],
    [2, 5, 9, 6],
    [1, 11, 1, 3],
    [3, 4, 25, 1],
  ];
  it.each(sizes)('batch %i, P %i, T %i, O %i: forward and backward equal the loops', (n, P, T, O) => {
    const B = floats(P * T * O, 1);
    const k = TapProducts.create(B, P, T, O);
    expect(k).not.toBeNull();
    const fs = floats(n * P * T, 2);
    const dz = floats(n * P * O, 3);
    expect(maxRelArrays(k!.forward(fs, n), loopsForward(B, fs, n, P, T, O))).toBeLessThan(1e-6);
    expect(maxRelArrays(k!.backward(dz, n), loopsBackward(B, dz, n, P, T, O))).toBeLessThan(1e-6);
    // a larger batch after a smaller one grows the buffers without moving B
    const fs2 = floats((n + 2) * P * T, 4);
    expect(maxRelArrays(k!.forward(fs2, n + 2), loopsForward(B, fs2, n + 2, P, T, O))).toBeLessThan(1e-6);
  });

  it('an instance released and taken again holds the new B; the released one refuses to run', () => {
    const [P, T, O] = [6, 4, 9];
    const B1 = floats(P * T * O, 11);
    const first = TapProducts.create(B1, P, T, O)!;
    const fs = floats(P * T, 12);
    expect(maxRelArrays(first.forward(fs, 1), loopsForward(B1, fs, 1, P, T, O))).toBeLessThan(1e-6);
    first.release();
    expect(() => first.forward(fs, 1)).toThrow(/after its dispose/);
    const B2 = floats(P * T * O, 13);
    const second = TapProducts.create(B2, P, T, O)!;
    expect(maxRelArrays(second.forward(fs, 1), loopsForward(B2, fs, 1, P, T, O))).toBeLessThan(1e-6);
    second.release();
  });

  it('as a TF.js op: value and gradient equal a batched matMul and its autodiff, no tensors left behind', () => {
    const [n, P, T, O] = [2, 12, 9, 10];
    const B = floats(P * T * O, 5);
    const k = TapProducts.create(B, P, T, O)!;
    const Bt = tf.tensor3d(B, [P, T, O]);
    const fs = tf.tensor3d(floats(n * P * T, 6), [n, P, T]);
    const w = tf.tensor3d(floats(n * P * O, 7), [n, P, O]);
    const viaMatMul = (x: tf.Tensor3D) => tf.transpose(tf.matMul(tf.transpose(x, [1, 0, 2]) as tf.Tensor3D, Bt), [1, 0, 2]) as tf.Tensor3D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        // a result made before another call keeps its values (the backend took them, not a view)
        const first = k.apply(fs);
        k.apply(tf.neg(fs));
        expect(maxRel(first, viaMatMul(fs))).toBeLessThan(1e-6);
        const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(k.apply(x as tf.Tensor3D), w)))(fs);
        const ref = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(viaMatMul(x as tf.Tensor3D), w)))(fs);
        expect(maxRel(g, ref)).toBeLessThan(1e-5);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([Bt, fs, w]);
  });

  it('runs the passes of a factored convolution (a silent fallback to the matMul fails this)', () => {
    const [H, W, C, O] = [6, 5, 4, 7];
    const kernel = tf.tensor4d(floats(9 * C * O, 8), [3, 3, C, O]);
    const A = tf.tensor4d(floats(H * W * C, 9), [1, H, W, C]);
    const f = tf.tensor4d(floats(H * W, 10), [1, H, W, 1]);
    const forward = vi.spyOn(TapProducts.prototype, 'forward');
    const backward = vi.spyOn(TapProducts.prototype, 'backward');
    const conv = new FilteredConvKernel(kernel, [1, 1], [1, 1]);
    const step = conv.prepare(A, [[1, 1], [1, 1]])!;
    const ck = constKernel(kernel);
    tf.tidy(() => {
      const plain = (x: tf.Tensor) => conv2dValid(tf.mul(A, x) as tf.Tensor4D, ck, [1, 1], [1, 1], [[1, 1], [1, 1]]);
      expect(maxRel(step.apply(f), plain(f))).toBeLessThan(1e-5);
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(step.apply(x as tf.Tensor4D))))(f);
      const ref = tf.grad((x: tf.Tensor) => tf.sum(tf.square(plain(x))))(f);
      expect(maxRel(g, ref)).toBeLessThan(1e-5);
    });
    expect(forward).toHaveBeenCalled();
    expect(backward).toHaveBeenCalled();
    step.dispose();
    conv.dispose();
    tf.dispose([kernel, A, f, ck.flipped]);
  });
});
