// The iterative (Adam) solver's v -> { loss, f } through the head's other engine when it has one
// (Head.gradOracle: ONNX Runtime), else through TF.js autodiff of the head (objectives.ts). The
// other engine's pass enters TF.js as one op with its gradient given, so Adam, the constraints and
// their autodiff stay as they are; only the head pass moves.
import * as tf from '@tensorflow/tfjs-core';
import type { FilterConstraint } from './constraints.js';
import { lossSeed } from './lossSeed.js';
import { makeFilterLoss, type FilterLoss, type Objective } from './objectives.js';
import type { Head } from './types.js';

export function filterLossFor(head: Head, features: tf.Tensor, constraint: FilterConstraint, obj: Objective): FilterLoss {
  const oracle = head.gradOracle ? head.gradOracle(features, lossSeed(obj)) : null;
  if (!oracle) return makeFilterLoss(head, features, constraint, obj);
  const pass = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const r = oracle(Float64Array.from((args[0] as tf.Tensor).dataSync()));
    return { value: tf.scalar(r.loss), gradFunc: (dy: tf.Tensor | tf.Tensor[]) => tf.mul(dy as tf.Tensor, tf.tensor1d(Float32Array.from(r.grad))) };
  }) as (f: tf.Tensor) => tf.Scalar;
  return (v) => {
    const f = constraint.apply(v);
    return { loss: pass(f), f };
  };
}
