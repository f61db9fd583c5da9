// The backbone as a service that takes pixels and gives features back as plain arrays, so it can
// run in this thread or in worker threads (one model instance each) behind the same interface.
// Per-frame and per-slice pipelines depend on this, never on where the backbone runs.
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedModel } from '../models/loadModel.js';
import type { BackboneOutput, SplitModel } from '../models/split.js';
import { inputTensor, preprocessPixels } from '../models/preprocess.js';

export interface ArrayTensor {
  data: Float32Array;
  shape: number[];
}

/** One backbone pass as arrays: the chosen layer's output (batch 1) and any side tensors the head reads. */
export interface BackboneArrays {
  features: ArrayTensor;
  side: ArrayTensor[];
  /** the head's per-position linear map (BackboneOutput.perPositionData), when the engine gave it */
  perPosition?: Float32Array;
  /** time spent in the backbone for this input, ms */
  ms: number;
}

export interface BackboneRunner {
  /** How many inputs can usefully be in flight at once (workers x 1). */
  readonly concurrency: number;
  /**
   * rgb: width x height x 3 bytes, already at the model's input size. Rejects with an AbortError
   * when `signal` aborts before the pass starts.
   */
  run(rgb: Uint8Array, width: number, height: number, signal?: AbortSignal): Promise<BackboneArrays>;
  close(): Promise<void>;
}

/** Reads a backbone output into arrays and disposes its tensors. */
export async function backboneToArrays(out: BackboneOutput, ms: number): Promise<BackboneArrays> {
  try {
    const read = async (t: tf.Tensor): Promise<ArrayTensor> => ({ data: (await t.data()) as Float32Array, shape: t.shape.slice() });
    const perPosition = out.perPositionData;
    return { features: await read(out.features), side: await Promise.all(out.side.map(read)), ...(perPosition ? { perPosition } : {}), ms };
  } finally {
    out.features.dispose();
    for (const s of out.side) s.dispose();
  }
}

/**
 * Rebuilds tensors from arrays (the caller disposes them, e.g. with disposeBackbone). The arrays
 * also serve as `featuresData`, so a head that reads its affine map from the features (ONNX, GAP
 * only) needs no TF.js pass here either.
 */
export function arraysToBackbone(a: BackboneArrays): BackboneOutput {
  return {
    features: tf.tensor(a.features.data, a.features.shape),
    featuresData: a.features.data,
    side: a.side.map((s) => tf.tensor(s.data, s.shape)),
    ...(a.perPosition ? { perPositionData: a.perPosition } : {}),
  };
}

export function disposeBackbone(out: BackboneOutput): void {
  out.features.dispose();
  for (const s of out.side) s.dispose();
}

/** One backbone pass on RGB bytes in this thread; the caller owns (and disposes) the output. */
export async function backboneOnPixels(model: LoadedModel, split: SplitModel, rgb: Uint8Array, width: number, height: number): Promise<BackboneOutput> {
  if (split.runBackboneValues) {
    if (rgb.length !== width * height * 3) throw new Error(`image buffer has ${rgb.length} bytes, expected ${width}x${height}x3`);
    return split.runBackboneValues(preprocessPixels(rgb, model.preprocessing), [1, height, width, 3]);
  }
  const x = inputTensor(rgb, width, height, model.preprocessing);
  try {
    return await split.runBackbone(x);
  } finally {
    x.dispose();
  }
}

/** The backbone in this thread: for images, tests, and machines where workers do not pay. */
export function inProcessRunner(model: LoadedModel, split: SplitModel): BackboneRunner {
  return {
    concurrency: 1,
    async run(rgb, width, height, signal) {
      signal?.throwIfAborted();
      const t0 = performance.now();
      return backboneToArrays(await backboneOnPixels(model, split, rgb, width, height), performance.now() - t0);
    },
    async close() {},
  };
}
