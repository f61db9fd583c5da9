// Comparing tensors in tests.
import * as tf from '@tensorflow/tfjs-core';

/** max |a - b| / max |b|: the largest difference relative to the reference's scale. */
export function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
  const s = tf.max(tf.abs(b)).dataSync()[0]!;
  return d / s;
}

/** max |a - b| / max |b| over plain arrays. */
export function maxRelArrays(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}
