// The contract between the head planner (onnxHead.ts) and the per-op translators.
import type * as tf from '@tensorflow/tfjs-core';
import type { OpKind } from '../layersTranslate.js';
import type { Owned } from '../owned.js';
import type { NodeProto } from './onnxProto.js';
import type { PrepareFiltered } from '../filteredConv.js';

export interface OpContext {
  node: NodeProto;
  /** the value of input i when it is a constant (weights, folded shapes), else null */
  constant(i: number): tf.Tensor | null;
  /** whether input i depends on the filtered features */
  dependsOnF(i: number): boolean;
  /** static dims of input i at batch 1 (model layout), null when unknown */
  dims(i: number): number[] | null;
  /** the model's ai.onnx opset: some ops changed meaning (Softmax's axis at 13) */
  opset: number;
}

export interface TranslatedOp {
  kind: OpKind;
  /** inputs in node order (constants included, omitted optional inputs null) -> first output */
  fn: (xs: (tf.Tensor | null)[]) => tf.Tensor;
  /** tensors (and tensor caches) created at translation, disposed with the split */
  owned: Owned[];
  /**
   * When input 0 can be the filtered features read factored (a group-1 Conv, filteredConv.ts): from
   * the features A in the engine's layout (channels last), f -> the op's output in the model's.
   */
  filtered?: PrepareFiltered;
}

export class UnsupportedOpError extends Error {}

/**
 * Whether input 0 varies with the image and so carries the batch axis (features, side tensors);
 * constants (shape arithmetic being folded) have none, and may use axis 0 freely.
 */
export function batched(ctx: OpContext): boolean {
  return ctx.constant(0) === null;
}
