// Input checks shared by every method, so a wrong layer or target fails with a message that says
// what was expected instead of a shape error deep inside TF.js.
import type * as tf from '@tensorflow/tfjs-core';
import type { Head } from './types.js';

/** Features must be one input: [1, ...head.featureShape]; the filter shape must match it. */
export function checkFeatures(head: Head, features: tf.Tensor): void {
  const want = [1, ...head.featureShape];
  const got = features.shape;
  if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
    throw new Error(`features have shape [${got.join(', ')}] but the head expects [${want.join(', ')}] (one input, batch 1)`);
  }
  const fs = head.filterShape;
  if (fs.length !== head.featureShape.length - 1 || fs.some((d, i) => d !== head.featureShape[i])) {
    throw new Error(`head.filterShape [${fs.join(', ')}] must be featureShape [${head.featureShape.join(', ')}] without its channel axis`);
  }
  if (fs.length !== 2 && fs.length !== 3) {
    throw new Error(`the filter must be 2-D [h, w] or 3-D [d, h, w], got [${fs.join(', ')}]`);
  }
}

/** A class-specific target: any output index (a class, or an embedding dimension). */
export function checkTarget(head: Head, target: number): void {
  if (!Number.isInteger(target) || target < 0 || target >= head.numOutputs) {
    throw new Error(`target ${target} is not an output index of this head (0..${head.numOutputs - 1})`);
  }
}

/** Number of filter positions S = product of filterShape. */
export function filterSize(head: Head): number {
  return head.filterShape.reduce((a, b) => a * b, 1);
}
