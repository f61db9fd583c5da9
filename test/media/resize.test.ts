import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/engine/backend.js'; // registers cpu without its tfjs-node banner
import { resizeBilinear } from '../../src/media/resize.js';

await tf.setBackend('cpu');

function rand(n: number, seed: number): Float32Array {
  // xorshift: deterministic maps without a dependency
  let x = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  });
}

describe('resizeBilinear (half-pixel centres, align corners false)', () => {
  it('2x2 -> 4x4 gives OpenCV INTER_LINEAR\'s values', () => {
    const out = resizeBilinear(Float32Array.from([0, 1, 2, 3]), 2, 2, 4, 4);
    expect([...out]).toEqual([
      0, 0.25, 0.75, 1,
      0.5, 0.75, 1.25, 1.5,
      1.5, 1.75, 2.25, 2.5,
      2, 2.25, 2.75, 3,
    ]);
  });

  it('same size is the identity; 4x1 -> 2x1 averages pairs; constants stay constant', () => {
    const src = rand(35, 7);
    expect([...resizeBilinear(src, 7, 5, 7, 5)]).toEqual([...src]);
    expect([...resizeBilinear(Float32Array.from([0, 2, 4, 6]), 4, 1, 2, 1)]).toEqual([1, 5]);
    const c = resizeBilinear(new Float32Array(49).fill(0.3), 7, 7, 224, 224);
    expect(c.every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
  });

  it('agrees with tf.image.resizeBilinear(halfPixelCenters=true), up and down, 1 and 3 channels', () => {
    const cases: [number, number, number, number, number][] = [
      [7, 7, 224, 224, 1], [14, 14, 451, 300, 1], [10, 6, 3, 4, 1], [5, 9, 17, 2, 3], [1, 1, 4, 3, 1],
    ];
    for (const [sw, sh, dw, dh, c] of cases) {
      const src = rand(sw * sh * c, sw * 31 + dh);
      const ours = resizeBilinear(src, sw, sh, dw, dh, c);
      const theirs = tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(src, [sh, sw, c]), [dh, dw], false, true).dataSync());
      let maxDiff = 0;
      for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - theirs[i]!));
      expect(ours.length).toBe(dw * dh * c);
      expect(maxDiff).toBeLessThan(1e-5);
    }
  });

  it('rejects inconsistent sizes', () => {
    expect(() => resizeBilinear(new Float32Array(5), 2, 2, 4, 4)).toThrow(/expected 2x2x1 = 4/);
    expect(() => resizeBilinear(new Float32Array(4), 2, 2, 0, 4)).toThrow(/dw must be a positive integer/);
  });
});
