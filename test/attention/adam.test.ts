// The hand-written tensor Adam against a plain-number transcription of TensorFlow 1's AdamOptimizer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { TensorAdam } from '../../src/attention/adam.js';
import { useBackend } from './setup.js';

beforeAll(async () => {
  await useBackend();
});

describe('TensorAdam', () => {
  it('follows lr_t = lr sqrt(1 - b2^t) / (1 - b1^t), v -= lr_t m / (sqrt(s) + eps)', () => {
    const grads = [
      [0.5, -2, 1e-3],
      [0.4, -1, -1e-3],
      [-0.1, 3, 2e-3],
    ];
    const lrs = [0.5, 0.4, 0.3];
    const adam = new TensorAdam(3);
    let v = tf.tensor1d([1, 2, 3]);
    const ref = [1, 2, 3];
    const m = [0, 0, 0];
    const s = [0, 0, 0];
    grads.forEach((g, k) => {
      const t = k + 1;
      const lrT = (lrs[k]! * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
      for (let i = 0; i < 3; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        s[i] = 0.999 * s[i]! + 0.001 * g[i]! ** 2;
        ref[i] = ref[i]! - (lrT * m[i]!) / (Math.sqrt(s[i]!) + 1e-8);
      }
      const gt = tf.tensor1d(g);
      const next = adam.step(v, gt, lrs[k]!);
      tf.dispose([v, gt]);
      v = next;
      const got = v.dataSync();
      for (let i = 0; i < 3; i++) expect(got[i]!).toBeCloseTo(ref[i]!, 5);
    });
    v.dispose();
    const before = tf.memory().numTensors;
    adam.dispose();
    expect(tf.memory().numTensors).toBe(before - 7); // m, s and five constant scalars
  });
});
