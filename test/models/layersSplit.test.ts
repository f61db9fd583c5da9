import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/engine/backend.js';
import { loadModel } from '../../src/models/loadModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

beforeAll(async () => {
  await selectBackend();
});

describe.skipIf(!haveFixture('models/darknet-tiny'))('darknet-tiny split', () => {
  it('backbone + head reproduce the model output and the head is gap-affine', async () => {
    const m = await loadModel({ id: 'darknet-tiny', location: fixture('models/darknet-tiny') });
    expect(m.defaultLayer).toBe('conv2d_16');
    expect(m.labels?.length).toBe(1000);
    const split = m.split();
    expect(split.layerShape).toEqual([14, 14, 1000]);
    // darknet-tiny ends in global average pooling: its outputs are logits already (ml5 applies the softmax)
    expect(split.softmaxRemoved).toBe(false);
    expect(m.outputKind).toBe('logits');
    const x = tf.randomUniform([1, 224, 224, 3]);
    const bb = await split.runBackbone(x);
    const head = split.head(bb);
    expect(head.linearity).toBe('gap-affine');
    const logits = head.apply(bb.features);
    const t0 = performance.now();
    const { J, c } = head.affine!(bb.features);
    console.log('affine ms', performance.now() - t0);
    // J f + c at f = 1 equals the unfiltered logits
    const viaJ = tf.add(tf.squeeze(tf.matMul(J, tf.ones([196, 1]))), c);
    expect(tf.max(tf.abs(tf.sub(viaJ, tf.squeeze(logits)))).dataSync()[0]).toBeLessThan(1e-3);
    tf.dispose([x, bb.features, logits, J, c, viaJ]);
    m.dispose();
  });
});
