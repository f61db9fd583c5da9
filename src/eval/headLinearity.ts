// Whether a split's head is gap-affine (so CAM applies), asked before any image is read: the head
// object is only made from a backbone output, so one pass on a blank input gives it.
import * as tf from '@tensorflow/tfjs-core';
import type { HeadLinearity } from '../attention/types.js';
import type { LoadedModel } from '../models/loadModel.js';
import type { SplitModel } from '../models/split.js';

export async function headLinearity(model: LoadedModel, split: SplitModel): Promise<HeadLinearity> {
  const [h, w] = model.inputSize;
  const x = tf.zeros([1, h, w, 3]);
  const bb = await split.runBackbone(x);
  x.dispose();
  try {
    return split.head(bb).linearity;
  } finally {
    bb.features.dispose();
    for (const s of bb.side) s.dispose();
  }
}
