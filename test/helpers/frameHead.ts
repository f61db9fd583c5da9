// One 224x224 RGB frame through a split model's backbone, for tests that solve on its head: the
// head, its features, the logits and their argmax, with the backbone's tensors disposed afterwards.
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from '../../src/attention/types.js';
import { argmax } from '../../src/engine/analyze.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { inputTensor } from '../../src/models/preprocess.js';
import type { SplitModel } from '../../src/models/split.js';

export interface FrameHead {
  head: Head;
  features: tf.Tensor;
  logits: Float32Array;
  target: number;
}

export async function withFrameHead<T>(model: LoadedModel, split: SplitModel, pixels: Uint8Array, use: (f: FrameHead) => T): Promise<T> {
  const x = inputTensor(pixels, 224, 224, model.preprocessing);
  const bb = await split.runBackbone(x);
  x.dispose();
  try {
    const head = split.head(bb);
    const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
    return use({ head, features: bb.features, logits, target: argmax(logits) });
  } finally {
    tf.dispose([bb.features, ...bb.side]);
  }
}
