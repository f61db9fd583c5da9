// Full-model forward passes for the faithfulness metrics, in batches: a batch of B perturbed
// inputs is one tf call through the backbone and the head (the model itself, cut and rejoined),
// instead of B calls. Inputs are generated per batch so 2 x 51 curve inputs never sit in memory at once.
import * as tf from '@tensorflow/tfjs-core';
import type { SplitModel } from '../models/split.js';

/** inputs [B, H, W, 3] (preprocessed) -> one output row per input. Must not dispose its input. */
export type BatchForward = (batch: tf.Tensor4D) => Promise<Float32Array[]>;

/** The whole model as a BatchForward: the split's backbone, then its head, on the same batch. */
export function splitForward(split: SplitModel): BatchForward {
  return async (batch) => {
    const bb = await split.runBackbone(batch);
    try {
      const head = split.head(bb);
      const out = tf.tidy(() => head.apply(bb.features));
      const [b, k] = out.shape;
      const flat = (await out.data()) as Float32Array;
      out.dispose();
      return Array.from({ length: b }, (_, i) => flat.slice(i * k, (i + 1) * k));
    } finally {
      bb.features.dispose();
      for (const s of bb.side) s.dispose();
    }
  };
}

/**
 * Runs `count` inputs of width x height x 3 through `forward`, `batchSize` at a time; `fill(i, out)`
 * writes input i into `out`. Returns the outputs in order.
 */
export async function forwardInBatches(
  forward: BatchForward,
  count: number,
  width: number,
  height: number,
  batchSize: number,
  fill: (i: number, out: Float32Array) => void,
): Promise<Float32Array[]> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  const per = width * height * 3;
  const results: Float32Array[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const b = Math.min(batchSize, count - start);
    const buf = new Float32Array(b * per);
    for (let j = 0; j < b; j++) fill(start + j, buf.subarray(j * per, (j + 1) * per));
    const x = tf.tensor4d(buf, [b, height, width, 3]);
    try {
      const rows = await forward(x);
      if (rows.length !== b) throw new Error(`the model returned ${rows.length} outputs for a batch of ${b}`);
      results.push(...rows);
    } finally {
      x.dispose();
    }
  }
  return results;
}
