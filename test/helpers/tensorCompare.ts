// Comparing tensors in tests.
import * as tf from '@tensorflow/tfjs-core';

/** max |a - b| / max |b|: the largest difference relative to the reference's scale. */
export function maxRel(a: tf.Tensor, b: tf.Tensor): number {
  const d = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!;
  const s = tf.max(tf.abs(b)).dataSync()[0]!;
  return d / s;
}
