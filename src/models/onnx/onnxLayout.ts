// The one place where ONNX's channels-first layout meets the engine's channels-last one.
// ONNX CNNs exported from PyTorch are NCHW (NCDHW for 3-D); the engine, the solvers and every
// pipeline work on [1, h, w, C] (or [1, d, h, w, C]). The backbone graph is edited so that ONNX
// Runtime itself takes NHWC pixels and returns NHWC features (a Transpose node at each end); the
// head transposes its features back to channels-first once on entry and then runs every ONNX op
// with its own (channels-first) semantics.
import * as tf from '@tensorflow/tfjs-core';

export type OnnxLayout = 'NCHW' | 'NHWC';

/** Channels-first -> channels-last permutation for a rank-r tensor: [0, 2, ..., r-1, 1]. */
export function toChannelsLastPerm(rank: number): number[] {
  return [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
}

/** Channels-last -> channels-first permutation for a rank-r tensor: [0, r-1, 1, ..., r-2]. */
export function toChannelsFirstPerm(rank: number): number[] {
  return [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)];
}

/** Applies a permutation to a dims list. */
export function permute<T>(dims: readonly T[], perm: readonly number[]): T[] {
  return perm.map((p) => dims[p]!);
}

/**
 * The engine's view of a tensor's static dims (batch dropped): channels moved last for
 * channels-first models of rank >= 3, unchanged otherwise.
 */
export function engineShape(dims: readonly number[], layout: OnnxLayout): number[] {
  if (layout === 'NCHW' && dims.length >= 3) return permute(dims, toChannelsLastPerm(dims.length)).slice(1);
  return dims.slice(1);
}

/** Head entry: the engine's channels-last features as the model's own layout. */
export function featuresToModelLayout(features: tf.Tensor, layout: OnnxLayout): tf.Tensor {
  if (layout === 'NHWC' || features.rank < 3) return features;
  return tf.transpose(features, toChannelsFirstPerm(features.rank));
}

/**
 * Global average pooling of channels-last features, returned as the channels-first [B, C, 1, 1]
 * that ONNX's GlobalAveragePool gives: with 1x1 spatial extent the two layouts share one memory
 * order, so no transpose is needed (heads that start with GlobalAveragePool skip the entry
 * transpose this way, which halves Grad-CAM's cost on darknet-tiny).
 */
export function channelsLastGlobalAveragePool(features: tf.Tensor): tf.Tensor {
  const r = features.rank;
  const C = features.shape[r - 1]!;
  const pooled = tf.mean(features, Array.from({ length: r - 2 }, (_, i) => i + 1));
  return tf.reshape(pooled, [features.shape[0]!, C, ...new Array<number>(r - 2).fill(1)]);
}
