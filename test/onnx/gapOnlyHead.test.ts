// darknet-tiny-onnx's default head is global average pooling and a Flatten: its affine map is read
// from ONNX Runtime's output array (no TF.js pass), and equals the one computed through the head.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { jAt, readAffine } from '../../src/attention/affine.js';
import { gradCam } from '../../src/attention/gradcam.js';
import { selectBackend } from '../../src/engine/backend.js';
import { backboneOnPixels, disposeBackbone } from '../../src/engine/backboneRunner.js';
import { openModel } from '../../src/engine/openModel.js';
import { decodeImage } from '../../src/media/decodeImage.js';
import { inputTensor } from '../../src/models/preprocess.js';
import type { LoadedModel } from '../../src/models/loadModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';

const ok = haveFixture('models/darknet-tiny-onnx') && haveFixture('images/chelsea.png');

describe.skipIf(!ok)('GAP-only ONNX head: affine map from the features', () => {
  let model: LoadedModel;
  beforeAll(async () => {
    await selectBackend();
    model = await openModel({ model: 'darknet-tiny-onnx' });
  });
  afterAll(() => model?.dispose());

  it('is taken at conv2d_16, equals the head-computed map, and refuses other tensors', async () => {
    const split = model.split();
    const img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224 });
    const bb = await backboneOnPixels(model, split, img.data, 224, 224);
    const before = tf.memory().numTensors;
    try {
      const head = split.head(bb);
      expect(typeof head.affineMap).toBe('function');
      const fast = readAffine(head, bb.features);
      expect(fast.transposed).toBe(true);
      const other = tf.clone(bb.features);
      expect(head.affineMap!(other)).toBeNull();
      other.dispose();
      const viaHead = readAffine({ ...head, affineMap: undefined }, bb.features);
      let d = 0;
      for (let k = 0; k < fast.K; k += 3) for (let s = 0; s < fast.S; s++) d = Math.max(d, Math.abs(jAt(fast, k, s) - jAt(viaHead, k, s)));
      expect(d).toBeLessThan(1e-6);
      expect(Math.max(...Array.from(fast.c, Math.abs))).toBeLessThan(1e-6);
      // Grad-CAM from the map (no autodiff) equals Grad-CAM through TF.js's gradient.
      const viaMap = gradCam(head, bb.features, 281);
      const viaGrad = gradCam({ ...head, affineMap: undefined }, bb.features, 281);
      let g = 0;
      for (let i = 0; i < viaMap.raw.length; i++) g = Math.max(g, Math.abs(viaMap.raw[i]! - viaGrad.raw[i]!));
      expect(g).toBeLessThan(1e-6 * Math.max(1, ...Array.from(viaGrad.raw)));
      expect(Math.max(...Array.from(viaGrad.raw))).toBeGreaterThan(0);
    } finally {
      disposeBackbone(bb);
    }
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('pixels straight to ONNX Runtime (runBackboneValues) give the features of the TF.js-tensor route', async () => {
    const split = model.split();
    expect(typeof split.runBackboneValues).toBe('function');
    const img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224 });
    const a = await backboneOnPixels(model, split, img.data, 224, 224);
    const x = inputTensor(img.data, 224, 224, model.preprocessing);
    const b = await split.runBackbone(x);
    x.dispose();
    try {
      const [da, db] = [a.features.dataSync(), b.features.dataSync()];
      expect(da.length).toBe(db.length);
      let d = 0;
      for (let i = 0; i < da.length; i++) d = Math.max(d, Math.abs(da[i]! - db[i]!));
      expect(d).toBe(0);
    } finally {
      disposeBackbone(a);
      disposeBackbone(b);
    }
  });

  it('is not offered at an earlier layer (a head with convolutions)', async () => {
    const layer = model.layers.filter((l) => l.type === 'Conv' && l.spatial).at(-3)!.name;
    const split = model.split(layer);
    const img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224 });
    const bb = await backboneOnPixels(model, split, img.data, 224, 224);
    try {
      expect(split.head(bb).affineMap).toBeUndefined();
    } finally {
      disposeBackbone(bb);
      split.dispose?.();
    }
  });
});
