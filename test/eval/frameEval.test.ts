// The video pipeline's per-frame entry point on a toy model: targets, box scaling, all metrics.
import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
// the backends, registered by the engine's module, which also silences the cpu backend's tfjs-node banner
import '../../src/engine/backend.js';
import { evaluateFrameMaps } from '../../src/eval/frameEval.js';
import { DEFAULT_METRIC_OPTIONS } from '../../src/eval/evaluateMap.js';
import type { BatchForward } from '../../src/eval/forward.js';

await tf.setBackend('cpu');

/** 4x4 frames; logit 0 = 8 x (mean of channel 0 over the top-left 2x2 block), logit 1 = 0. */
const forward: BatchForward = async (x) => {
  const b = x.shape[0];
  const out = tf.tidy(() => {
    const block = tf.slice(x, [0, 0, 0, 0], [b, 2, 2, 1]);
    const s = tf.mul(tf.mean(tf.reshape(block, [b, 4]), 1, true), 8);
    return tf.concat([s, tf.zerosLike(s)], 1);
  });
  const d = (await out.data()) as Float32Array;
  out.dispose();
  return Array.from({ length: b }, (_, i) => d.slice(2 * i, 2 * i + 2));
};

describe('evaluateFrameMaps', () => {
  it('scores each map for its class (top-1 for class-oblivious maps), boxes scaled from the source', async () => {
    const frame = { data: new Uint8Array(48).fill(255), width: 4, height: 4 };
    const model = { preprocessing: { scale: 1 / 255, offset: 0, channelOrder: 'rgb' as const }, outputKind: 'logits' as const };
    const onBlock = [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const offBlock = onBlock.map((v) => 1 - v);
    const out = await evaluateFrameMaps(
      forward,
      model,
      frame,
      [8, 0],
      [
        { target: null, width: 4, height: 4, values: onBlock },
        { target: { index: 0 }, width: 4, height: 4, values: offBlock },
      ],
      { metrics: { ...DEFAULT_METRIC_OPTIONS, steps: 4, batchSize: 5 }, baseline: 'zero' },
      // the block is the top-left quarter of a 40x20 source frame
      { boxes: [{ x: 0, y: 0, width: 20, height: 10 }], sourceWidth: 40, sourceHeight: 20 },
    );
    const p = 1 / (1 + Math.exp(-8)); // softmax([8, 0])[0]
    expect(out[0]!.score).toBeCloseTo(p, 6);
    // on the block: deletion falls to 0.5 at once, insertion reaches p at once
    expect(out[0]!.deletionAuc!).toBeCloseTo((p + 0.5) / 2 / 4 + (0.5 * 3) / 4, 5);
    expect(out[0]!.insertionAuc!).toBeCloseTo((0.5 + p) / 2 / 4 + (p * 3) / 4, 5);
    expect(out[0]!.pointingHit).toBe(true);
    expect(out[0]!.iou).toBeCloseTo(1, 12);
    expect(out[0]!.relevanceMass).toBeCloseTo(1, 12);
    // masking by the on-block map keeps the block: no drop
    expect(out[0]!.drop).toBeCloseTo(0, 6);
    expect(out[1]!.pointingHit).toBe(false);
    expect(out[1]!.relevanceMass).toBe(0);
    // masking by the off-block map removes the block: the score falls to 0.5
    expect(out[1]!.drop!).toBeCloseTo((p - 0.5) / p, 5);
  });
});
