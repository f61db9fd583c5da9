// The head's leaky ReLU: tfjs-core's op forward, a two-kernel gradient (dy x step(x, alpha)). It
// must give what tfjs-core's own gradient gives, bit for bit, zeros and both signs included.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/engine/backend.js';
import { leakyRelu } from '../../src/models/activations.js';

beforeAll(async () => {
  await selectBackend();
});

describe('leakyRelu', () => {
  for (const alpha of [0.1, 0.01, 0.3]) {
    it(`alpha ${alpha}: the value and the gradient equal tfjs-core's, and no tensor is left behind`, () => {
      // Values with exact zeros, both signs, and a non-uniform upstream gradient.
      const xs = Float32Array.from({ length: 4 * 5 * 6 }, (_, i) => (i % 7 === 0 ? 0 : Math.sin(i * 1.7) * (1 + (i % 5))));
      const dys = Float32Array.from(xs, (_, i) => Math.cos(i * 0.3) + 0.5);
      const before = tf.memory().numTensors;
      const [ours, ref, valueOurs, valueRef] = tf.tidy(() => {
        const x = tf.tensor3d(xs, [4, 5, 6]);
        const dy = tf.tensor3d(dys, [4, 5, 6]);
        const mine = tf.grad((t: tf.Tensor) => leakyRelu(t, alpha))(x, dy);
        const theirs = tf.grad((t: tf.Tensor) => tf.leakyRelu(t, alpha))(x, dy);
        return [mine.dataSync().slice(), theirs.dataSync().slice(), leakyRelu(x, alpha).dataSync().slice(), tf.leakyRelu(x, alpha).dataSync().slice()];
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(valueOurs)).toEqual(Array.from(valueRef));
      expect(Array.from(ours)).toEqual(Array.from(ref));
      // and the gradient is the right one: 1 above zero, alpha at and below it
      for (let i = 0; i < xs.length; i++) expect(ours[i]).toBeCloseTo(dys[i]! * (xs[i]! > 0 ? 1 : alpha), 6);
    });
  }
});
