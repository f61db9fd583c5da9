// For a head whose outputs are affine in the filter, out(f) = J f + c exactly. The iterative solver
// can then run on that form instead of the head's layers: a head over the filter itself, fed with
// features of ones, gives the same outputs and gradients for a [K x S] matMul per iteration instead
// of a pass over the [h, w, C] features (measured on darknet-tiny, wasm: ~1.6 ms -> a fraction of it).
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from './types.js';
import { readAffine } from './affine.js';

export interface AffineProxy {
  head: Head;
  /** ones [1, ...filterShape, 1]: features * f = f */
  features: tf.Tensor;
  dispose(): void;
}

/** J^T [S, K] and c: from the map the engine already holds (head.affineMap), else from head.affine. */
function transposedMap(head: Head, features: tf.Tensor): { JT: tf.Tensor2D; c: tf.Tensor1D } {
  if (head.affineMap?.(features)) {
    const a = readAffine(head, features);
    return tf.tidy(() => {
      const JT = a.transposed ? tf.tensor2d(a.J, [a.S, a.K]) : tf.transpose(tf.tensor2d(a.J, [a.K, a.S]));
      return { JT: (a.scale !== undefined && a.scale !== 1 ? tf.mul(JT, a.scale) : JT) as tf.Tensor2D, c: tf.tensor1d(a.c) };
    });
  }
  const { J, c } = head.affine!(features);
  const JT = tf.transpose(J) as tf.Tensor2D;
  J.dispose();
  return { JT, c };
}

export function affineProxy(head: Head, features: tf.Tensor): AffineProxy {
  const { JT, c } = transposedMap(head, features);
  const S = head.filterShape.reduce((a, b) => a * b, 1);
  const ones = tf.ones([1, ...head.filterShape, 1]);
  const proxy: Head = {
    featureShape: [...head.filterShape, 1],
    filterShape: head.filterShape,
    numOutputs: head.numOutputs,
    outputKind: head.outputKind,
    linearity: head.linearity,
    apply: (x) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0]!, S]) as tf.Tensor2D, JT), c) as tf.Tensor2D,
  };
  return {
    head: proxy,
    features: ones,
    dispose: () => tf.dispose([JT, c, ones]),
  };
}
