// Grad-CAM (Selvaraju et al. 2017) at the same layer L2-CAF filters: the gradient of output t with
// respect to the unfiltered features, averaged over the spatial positions, weights the channels;
// the map is ReLU(sum_c w_c A_c). Works for 2-D and 3-D features and for embedding heads (t is then
// an embedding dimension).
import * as tf from '@tensorflow/tfjs-core';
import { jAt } from './affine.js';
import { makeAttentionMap } from './result.js';
import type { AttentionMap, Head } from './types.js';
import { checkFeatures, checkTarget } from './validate.js';

export function gradCam(head: Head, features: tf.Tensor, target: number): AttentionMap {
  const startedAt = performance.now();
  checkFeatures(head, features);
  checkTarget(head, target);
  // A gap-affine head (pointwise ops, global average pooling, then affine ops) whose affine map
  // the engine already holds (head.affineMap: GAP alone, or GAP + a linear layer): d out_t / d A[s, c]
  // is the same at every position s, so the channel weights are that gradient and the map is
  // ReLU(sum_c w_c A[s, c]) = ReLU(J[t, s]): read from the map, with no autodiff pass.
  const fromMap = head.linearity === 'gap-affine' ? head.affineMap?.(features) : null;
  // A head with another engine for its passes (ONNX Runtime) gives d out_t / d A in one run.
  const pick = new Float32Array(head.numOutputs);
  pick[target] = 1;
  const dA = fromMap ? null : (head.featureGradient?.(features, { kind: 'class', values: pick }) ?? null);
  const raw = fromMap
    ? Float32Array.from({ length: fromMap.S }, (_, s) => Math.max(0, jAt(fromMap, target, s)))
    : dA
      ? gradCamFromGradient(features.dataSync() as Float32Array, dA, filterSize(head))
      : gradCamByAutodiff(head, features, pick);
  return makeAttentionMap({
    method: 'gradcam',
    target,
    solver: 'gradient',
    iterations: 0,
    loss: NaN,
    raw,
    warmStarted: false,
    filterShape: head.filterShape,
    startedAt,
  });
}

/** Through TF.js autodiff of the head. */
function gradCamByAutodiff(head: Head, features: tf.Tensor, pick: Float32Array): Float32Array {
  return tf.tidy(() => {
    // Selecting output t by a one-hot product rather than tf.gather/slice: gather's gradient needs
    // UnsortedSegmentSum, which the wasm backend lacks.
    const onehot = tf.tensor2d(pick, [1, head.numOutputs]);
    const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(head.apply(x), onehot)))(features);
    const spatialAxes = head.filterShape.map((_, i) => i + 1);
    const weights = tf.mean(grad, spatialAxes, true);
    const map = tf.relu(tf.sum(tf.mul(features, weights), -1));
    return map.dataSync().slice() as Float32Array;
  });
}

function filterSize(head: Head): number {
  return head.filterShape.reduce((a, b) => a * b, 1);
}

/** ReLU(sum_c w_c A[s, c]) with w_c the mean over s of dA[s, c]; channels-last [S, C] arrays. */
export function gradCamFromGradient(a: Float32Array, dA: Float32Array, S: number): Float32Array {
  const C = a.length / S;
  const w = new Float64Array(C);
  for (let s = 0; s < S; s++) for (let c = 0; c < C; c++) w[c] += dA[s * C + c]!;
  for (let c = 0; c < C; c++) w[c] /= S;
  const out = new Float32Array(S);
  for (let s = 0; s < S; s++) {
    let v = 0;
    for (let c = 0; c < C; c++) v += w[c]! * a[s * C + c]!;
    out[s] = Math.max(0, v);
  }
  return out;
}
