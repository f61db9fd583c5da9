// One video frame through the engine, outside the video pipeline: the convergence view replays a
// frame's solve with a trace (the pipeline keeps only the final maps).
import type { AttentionMap, Method, SolveOptions } from '../attention/types.js';
import { analyzeFeatures, argmax, type WarmStart } from '../engine/analyze.js';
import { decodeFrames, type VideoFrame } from '../media/decodeFrames.js';
import type { LoadedModel } from '../models/loadModel.js';
import { inputTensor } from '../models/preprocess.js';
import type { SplitModel } from '../models/split.js';
import * as tf from '@tensorflow/tfjs-core';

/** The frame shown at `timeS` (the first frame at or after it), at the model's input size. */
export async function decodeFrameAt(file: string, timeS: number, size: [number, number], signal?: AbortSignal): Promise<VideoFrame> {
  const [h, w] = size;
  for await (const f of decodeFrames(file, { width: w, height: h, fromS: Math.max(0, timeS - 1e-3), signal })) return f;
  throw new Error(`"${file}": no frame at ${timeS.toFixed(3)} s`);
}

export interface FrameAnalysis {
  logits: Float32Array;
  maps: AttentionMap[];
}

/** Backbone once, then one map per (method, target); target null = the frame's top class. */
export async function analyzeFrame(
  model: LoadedModel,
  split: SplitModel,
  frame: VideoFrame,
  requests: { method: Method; target: number | null }[],
  solve: SolveOptions,
  /** where the frame's solves started in the job (the previous frame's warm starts), to replay them as they ran */
  init?: ReadonlyMap<string, WarmStart>,
): Promise<FrameAnalysis> {
  const x = inputTensor(frame.data, frame.width, frame.height, model.preprocessing);
  const bb = await split.runBackbone(x);
  x.dispose();
  try {
    const head = split.head(bb);
    const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
    const top = argmax(logits);
    const resolved = requests.map((r) => ({ method: r.method, target: r.method === 'l2caf' ? null : (r.target ?? top) }));
    return analyzeFeatures(head, bb.features, resolved, { solve, ...(init ? { init } : {}) });
  } finally {
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
}
