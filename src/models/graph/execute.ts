// Runs a TF.js GraphModel to named tensors and keeps the model's own weights safe: the converter
// may hand back a weight tensor itself (a Const asked for as an output), which the caller must not
// dispose.
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';

export function executeTo(model: GraphModel, inputName: string, input: tf.Tensor, names: readonly string[], where: string): tf.Tensor[] {
  if (names.length === 0) return [];
  let out: tf.Tensor | tf.Tensor[];
  try {
    out = model.execute({ [inputName]: input }, [...names]);
  } catch (e) {
    const msg = (e as Error).message;
    if (/executeAsync/.test(msg)) {
      throw new Error(`${where}: the graph has dynamic ops or control flow (it needs executeAsync), which the attention engine does not support`);
    }
    throw new Error(`${where}: cannot run the graph model: ${msg}`);
  }
  return Array.isArray(out) ? out : [out];
}

/** Ids of the model's weight tensors (never disposed by us). */
export function weightIds(model: GraphModel): Set<number> {
  const ids = new Set<number>();
  for (const list of Object.values(model.weights)) for (const t of list) ids.add(t.id);
  return ids;
}
