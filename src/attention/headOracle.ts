// One head pass as the sphere solver's oracle: the objective and its gradient with respect to the
// filter f itself (not v: on the sphere the normalisation is the solver's business), through
// TF.js autodiff of the head, unless the head has a faster engine for it (Head.gradOracle: ONNX
// Runtime for ONNX models). Everything made here is disposed here: the solver sees plain arrays.
import * as tf from '@tensorflow/tfjs-core';
import { filteredOutputs, objectiveLoss, type Objective } from './objectives.js';
import type { SphereOracle } from './sphereLbfgs.js';
import type { Head } from './types.js';
import { lossSeed } from './lossSeed.js';
import { throwIfInterrupted } from './interrupt.js';

export function headOracle(head: Head, features: tf.Tensor, obj: Objective): SphereOracle {
  const other = head.gradOracle ? head.gradOracle(features, lossSeed(obj)) : null;
  if (other) return other;
  const valueAndGrad = tf.valueAndGrad((f: tf.Tensor1D) => objectiveLoss(obj, filteredOutputs(head, features, f)));
  return (x) => {
    throwIfInterrupted();
    let loss = NaN;
    let grad = new Float64Array(0);
    tf.tidy(() => {
      const r = valueAndGrad(tf.tensor1d(Float32Array.from(x)));
      loss = r.value.dataSync()[0]!;
      grad = Float64Array.from(r.grad.dataSync());
    });
    return { loss, grad };
  };
}
