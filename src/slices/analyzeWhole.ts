// Models whose chosen layer is 3-D (rank 5): the whole scan goes in as one [1, d, h, w, C] input
// (resampled trilinearly to the model's input size; scan axes x, y, z become the model's w, h, d)
// and one d x h x w filter comes out per map, resampled back onto the scan's grid. Runs in this
// thread: a BackboneRunner takes 2-D pictures.
import * as tf from '@tensorflow/tfjs-core';
import type { SolveOptions } from '../attention/types.js';
import { analyzeFeatures, argmax } from '../engine/analyze.js';
import { disposeBackbone } from '../engine/backboneRunner.js';
import { softmax, topK } from '../engine/predictions.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { Preprocessing } from '../models/preprocess.js';
import type { SplitModel } from '../models/split.js';
import type { Volume } from '../volume/types.js';
import { mapRecord } from './mapRecord.js';
import { modelInputShape } from './modelInputShape.js';
import { concreteRequest, type RequestTemplate } from './requests.js';
import { resampleTrilinear } from './resample3d.js';
import type { AttentionVolume, SliceWeighting, WholeVolumeRecord } from './types.js';
import { sliceWeight } from './weighting.js';

export interface WholeJob {
  model: LoadedModel;
  split: SplitModel;
  windowed: Pick<Volume, 'dims' | 'data'>;
  templates: RequestTemplate[];
  solve: SolveOptions;
  weighting: SliceWeighting;
  signal?: AbortSignal;
}

/** The 3-D model's input [d, h, w, C]; unknown spatial sizes take the scan's own. */
export async function wholeInputShape(model: LoadedModel, dims: readonly [number, number, number]): Promise<[number, number, number, number]> {
  const shape = await modelInputShape(model);
  if (!shape || shape.length !== 4) {
    throw new Error(`${model.location}: cannot tell the 3-D model's input shape [depth, height, width, channels] (its first layer has no batch_input_shape)`);
  }
  const [d, h, w, c] = shape;
  if (c == null || c < 1) throw new Error(`${model.location}: the 3-D model's input has no fixed channel count`);
  return [d ?? dims[2], h ?? dims[1], w ?? dims[0], c];
}

/**
 * Windowed 0..1 values on the model's grid (x fastest = the tensor's w axis) to the input tensor's
 * values [d, h, w, C]: pixel = value * 255, then the model's scale/offset and mean/std, as for
 * pictures; grey goes to every channel.
 */
export function volumeInputValues(grid: Float32Array, channels: number, p: Preprocessing): Float32Array {
  const out = new Float32Array(grid.length * channels);
  const mean = p.mean ?? [0, 0, 0];
  const std = p.std ?? [1, 1, 1];
  for (let i = 0; i < grid.length; i++) {
    const px = Math.min(Math.max(grid[i]!, 0), 1) * 255 * p.scale + p.offset;
    for (let c = 0; c < channels; c++) out[i * channels + c] = (px - (mean[c % 3] ?? 0)) / (std[c % 3] ?? 1);
  }
  return out;
}

export async function analyzeWhole(job: WholeJob): Promise<{ attention: AttentionVolume[]; record: WholeVolumeRecord; wallS: number }> {
  const { model, split, windowed, templates } = job;
  const t0 = performance.now();
  job.signal?.throwIfAborted();
  const [d, h, w, c] = await wholeInputShape(model, windowed.dims);
  const grid = resampleTrilinear(windowed.data, windowed.dims, [w, h, d]);
  const x = tf.tensor(volumeInputValues(grid, c, model.preprocessing), [1, d, h, w, c]);
  let bb;
  try {
    bb = await split.runBackbone(x);
  } finally {
    x.dispose();
  }
  try {
    job.signal?.throwIfAborted();
    const head = split.head(bb);
    const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
    const isLogits = model.outputKind === 'logits';
    const probs = isLogits ? softmax(logits) : null;
    const requests = templates.map((t) => concreteRequest(t, argmax(logits)));
    const { maps } = analyzeFeatures(head, bb.features, requests, { solve: job.solve });
    const attention: AttentionVolume[] = [];
    const records = maps.map((m, r) => {
      const weight = sliceWeight(job.weighting, probs, m.target);
      const [fd, fh, fw] = m.shape as [number, number, number];
      const data = resampleTrilinear(m.values, [fw, fh, fd], windowed.dims);
      if (weight !== 1) for (let i = 0; i < data.length; i++) data[i]! *= weight;
      const record = mapRecord(m, model.labels, logits, probs, weight);
      attention.push({ axis: 'volume', method: m.method, target: record.target, perSliceTop1: templates[r]!.perSliceTop1, weighting: job.weighting, data });
      return { ...record, ms: m.ms };
    });
    const record: WholeVolumeRecord = {
      predictions: isLogits ? topK(logits, model.labels, 5) : [],
      inputShape: [d, h, w, c],
      filterShape: split.layerShape.slice(0, 3),
      maps: records,
    };
    return { attention, record, wallS: (performance.now() - t0) / 1000 };
  } finally {
    disposeBackbone(bb);
  }
}
