// CAM (Zhou et al. 2016). For a head of pointwise affine ops + global average pooling + affine ops,
// out_t(f) = sum_s J[t, s] f_s + c_t with J[t, s] = (1/S) sum_c w_ct A_sc (w: the affine layers
// folded into one matrix), i.e. row t of J is exactly the class activation map (scaled by 1/S,
// which the 0..1 normalisation removes). We ReLU it, as Grad-CAM does and as CAM maps are usually
// shown: negative evidence is not "where the network looks". For any other head the weighted sum
// is not what the head computes, so CAM is refused rather than approximated.
import type * as tf from '@tensorflow/tfjs-core';
import { jAt, readAffine } from './affine.js';
import { makeAttentionMap } from './result.js';
import type { AttentionMap, Head } from './types.js';
import { checkFeatures, checkTarget } from './validate.js';

export function cam(head: Head, features: tf.Tensor, target: number): AttentionMap {
  const startedAt = performance.now();
  if (head.linearity !== 'gap-affine' || typeof head.affine !== 'function') {
    throw new Error(
      `CAM needs a head of global average pooling + linear layers (linearity 'gap-affine' with an affine() map); ` +
        `this head's linearity is '${head.linearity}'. Use 'l2caf' (or 'l2caf-class') or 'gradcam' instead.`,
    );
  }
  checkFeatures(head, features);
  checkTarget(head, target);
  const a = readAffine(head, features);
  const raw = new Float32Array(a.S);
  for (let s = 0; s < a.S; s++) raw[s] = Math.max(0, jAt(a, target, s));
  return makeAttentionMap({
    method: 'cam',
    target,
    solver: 'weights',
    iterations: 0,
    loss: NaN,
    raw,
    warmStarted: false,
    filterShape: head.filterShape,
    startedAt,
  });
}
