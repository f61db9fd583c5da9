// The two L2-CAF objectives on the head's outputs FT = head(A * f), and the composition
// v -> f -> filtered features -> head -> loss that the iterative solver differentiates.
import * as tf from '@tensorflow/tfjs-core';
import type { FilterConstraint } from './constraints.js';
import type { Head } from './types.js';

/**
 * 'oblivious': mean_k (NT_k - FT_k)^2 with NT = head(A), the unfiltered outputs.
 * 'class':     sum_{k != t} FT_k - FT_t = s . FT with s = 1 - 2 e_t (raw logits, as the paper).
 */
export type Objective =
  | { kind: 'oblivious'; nt: tf.Tensor2D }
  | { kind: 'class'; target: number; weights: tf.Tensor2D };

/**
 * Builds the objective; target null = class-oblivious, whose NT is `outputs` when the caller has
 * them (the logits), else one head pass. The caller disposes it (disposeObjective).
 */
export function makeObjective(head: Head, features: tf.Tensor, target: number | null, outputs?: Float32Array): Objective {
  if (target === null) {
    if (outputs && outputs.length !== head.numOutputs) throw new Error(`makeObjective: ${outputs.length} outputs given, the head has ${head.numOutputs}`);
    return { kind: 'oblivious', nt: outputs ? tf.tensor2d(outputs, [1, head.numOutputs]) : tf.tidy(() => head.apply(features)) };
  }
  const s = new Float32Array(head.numOutputs).fill(1);
  s[target] = -1;
  return { kind: 'class', target, weights: tf.tensor2d(s, [1, head.numOutputs]) };
}

export function disposeObjective(obj: Objective): void {
  if (obj.kind === 'oblivious') obj.nt.dispose();
  else obj.weights.dispose();
}

/** The loss of head outputs FT [1, K]. */
export function objectiveLoss(obj: Objective, ft: tf.Tensor2D): tf.Scalar {
  if (obj.kind === 'oblivious') return tf.mean(tf.squaredDifference(obj.nt, ft));
  return tf.sum(tf.mul(obj.weights, ft));
}

/** A * f with f [S] broadcast over the channel axis: features [1, ...filterShape, C]. */
export function applyFilter(features: tf.Tensor, f: tf.Tensor, filterShape: readonly number[]): tf.Tensor {
  return tf.mul(features, tf.reshape(f, [1, ...filterShape, 1]));
}

/** head(A * f), through the head's prepared form when it was made for these features. */
export function filteredOutputs(head: Head, features: tf.Tensor, f: tf.Tensor): tf.Tensor2D {
  const p = head.prepared;
  return p && p.features === features ? p.apply(f) : head.apply(applyFilter(features, f, head.filterShape));
}

/** v -> { loss, f }: everything the iterative solver needs from one forward pass. */
export type FilterLoss = (v: tf.Tensor1D) => { loss: tf.Scalar; f: tf.Tensor1D };

export function makeFilterLoss(head: Head, features: tf.Tensor, constraint: FilterConstraint, obj: Objective): FilterLoss {
  return (v) => {
    const f = constraint.apply(v);
    const ft = filteredOutputs(head, features, f);
    return { loss: objectiveLoss(obj, ft), f };
  };
}
