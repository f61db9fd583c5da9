// The engine-neutral view of a model split at a layer: a backbone that runs once per input and a
// head that the solvers iterate on. TF.js layers models, TF.js graph models and (later) ONNX models
// all produce this shape, so the attention code never knows which engine ran the backbone.
import type * as tf from '@tensorflow/tfjs-core';
import type { Head } from '../attention/types.js';

export interface LayerInfo {
  name: string;
  /** Layer class or op type, e.g. Conv2D, LeakyReLU, FusedConv2D. */
  type: string;
  /** Output shape without the batch dimension; null where unknown. */
  shape: number[] | null;
  /** Whether a spatial filter can be applied here (rank 4 with h, w > 1, or rank 5 with spatial > 1). */
  spatial: boolean;
}

/** What the backbone returns for one input: the chosen layer's output plus any other tensors the head needs. */
export interface BackboneOutput {
  /** [1, h, w, C] or [1, d, h, w, C] */
  features: tf.Tensor;
  /** Tensors computed before the chosen layer that the head also reads (skip connections). */
  side: tf.Tensor[];
  /** The features' values when the engine produced them outside TF.js (ONNX Runtime): read, never written. */
  featuresData?: Float32Array;
  /**
   * The head's linear part applied to every position (S x K), when the engine computed it beside
   * the features (ONNX Runtime, for GAP + linear heads: see models/onnx/gapLinear.ts). Read only.
   */
  perPositionData?: Float32Array;
}

export interface SplitModel {
  layer: string;
  /** features shape without the batch dimension */
  layerShape: number[];
  /**
   * Runs input [B, H, W, 3] (already preprocessed) up to the chosen layer. TF.js engines answer at
   * once; engines that run elsewhere (ONNX Runtime) answer with a promise, so callers always await.
   */
  runBackbone(input: tf.Tensor): BackboneOutput | Promise<BackboneOutput>;
  /**
   * Optional: the same from plain preprocessed values (NHWC), for engines outside TF.js, which
   * would otherwise copy the input into a TF.js tensor only to read it back.
   */
  runBackboneValues?(values: Float32Array, shape: readonly number[]): Promise<BackboneOutput>;
  /** The head bound to one backbone output (its side tensors). */
  head(out: BackboneOutput): Head;
  /** Whether a softmax at the end of the model was removed to get logits. */
  softmaxRemoved: boolean;
  dispose(): void;
}

/** A layer can carry the filter when it has spatial extent beyond 1x1. */
export function isSpatialShape(shape: readonly (number | null)[] | null): boolean {
  if (!shape || (shape.length !== 3 && shape.length !== 4)) return false;
  // [h, w, C] or [d, h, w, C]: the filter needs h, w > 1 (d may be 1 for a 3-D conv on one slab)
  const h = shape[shape.length - 3];
  const w = shape[shape.length - 2];
  return h != null && w != null && h > 1 && w > 1;
}

/** The default layer: the last one (in topological order) whose output still has spatial extent. */
export function defaultLayer(layers: readonly LayerInfo[]): string | null {
  for (let i = layers.length - 1; i >= 0; i--) if (layers[i]!.spatial) return layers[i]!.name;
  return null;
}
