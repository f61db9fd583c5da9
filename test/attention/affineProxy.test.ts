// The iterative solver on an affine head runs on out(f) = J f + c; it must be the same function.
import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { affineProxy } from '../../src/attention/affineProxy.js';
import { gapAffineHead, flattenAffineHead, makeFeatures } from './heads.js';
import { useBackend } from './setup.js';

beforeAll(async () => {
  await useBackend();
});

describe('affineProxy', () => {
  it.each([
    ['gap-affine', () => gapAffineHead([6, 5], 7, 9, 3)],
    ['affine (flatten)', () => flattenAffineHead([4, 4], 3, 5, 4)],
  ])('%s: proxy outputs and gradients equal the head', (_name, make) => {
    const head = make();
    const features = makeFeatures(head.filterShape, head.featureShape[head.featureShape.length - 1]!, 11);
    const p = affineProxy(head, features);
    const S = head.filterShape.reduce((a, b) => a * b, 1);
    const f = tf.randomNormal([S], 0, 1, 'float32', 5);
    const direct = (v: tf.Tensor) => tf.sum(tf.square(head.apply(tf.mul(features, tf.reshape(v, [1, ...head.filterShape, 1])))));
    const viaProxy = (v: tf.Tensor) => tf.sum(tf.square(p.head.apply(tf.mul(p.features, tf.reshape(v, [1, ...head.filterShape, 1])))));
    const a = direct(f).dataSync()[0]!;
    const b = viaProxy(f).dataSync()[0]!;
    expect(Math.abs(a - b) / Math.abs(a)).toBeLessThan(1e-4);
    const ga = tf.grad(direct)(f).dataSync();
    const gb = tf.grad(viaProxy)(f).dataSync();
    let err = 0;
    let norm = 0;
    for (let i = 0; i < S; i++) {
      err = Math.max(err, Math.abs(ga[i]! - gb[i]!));
      norm = Math.max(norm, Math.abs(ga[i]!));
    }
    expect(err / norm).toBeLessThan(1e-4);
    p.dispose();
    tf.dispose([features, f]);
  });
});
