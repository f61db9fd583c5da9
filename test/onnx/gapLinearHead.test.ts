// Heads that are global average pooling and one linear layer (Gemm or MatMul, with or without a
// bias): ONNX Runtime computes their affine map J^T = A W / S beside the features (gapLinear.ts,
// onnxEdit.ts), and it must equal the map computed through the translated TF.js head, give the
// same logits, the same Grad-CAM as autodiff and the same exact L2-CAF maps. Heads of any other
// shape keep the TF.js route (no affineMap).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { onnx as O } from 'onnx-proto';
import { jAt, readAffine, unfilteredOutputs, type AffineMap } from '../../src/attention/affine.js';
import { gradCam } from '../../src/attention/gradcam.js';
import { defaultSolveOptions, solveL2caf } from '../../src/attention/index.js';
import type { Head } from '../../src/attention/types.js';
import { mulberry32 } from '../../src/attention/rng.js';
import { loadOnnxModel } from '../../src/models/onnx/loadOnnx.js';
import { useBackend } from '../attention/setup.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { buildModel, node, randomTensor, removeWrittenModels, writeModel, type GraphSpec } from './buildOnnx.js';
import type { SplitModel, BackboneOutput } from '../../src/models/split.js';

/** x [1,3,8,8] -> 3x3 conv + relu -> "feat" [1,6,8,8] (the chosen layer) -> tail -> "y". */
function withFeat(tail: O.INodeProto[], inits: O.ITensorProto[] = []): GraphSpec {
  return {
    nodes: [node('Conv', ['x', 'w0', 'b0'], ['c0'], { pads: { ints: [1, 1, 1, 1] }, kernel_shape: { ints: [3, 3] } }), node('Relu', ['c0'], ['feat']), ...tail],
    initializers: [randomTensor('w0', [6, 3, 3, 3], 10), randomTensor('b0', [6], 11), ...inits],
    outputs: ['y'],
  };
}
const gapFlat = [node('GlobalAveragePool', ['feat'], ['gap']), node('Flatten', ['gap'], ['fl'])];

async function open(spec: GraphSpec): Promise<{ split: SplitModel; bb: BackboneOutput; head: Head; close: () => void }> {
  const model = await loadOnnxModel({ id: 'test', location: writeModel(buildModel(spec)), preprocessing: { scale: 1, offset: 0, channelOrder: 'rgb' }, threads: 1 });
  const split = model.split('feat');
  const r = mulberry32(3);
  const input = tf.tensor4d(Float32Array.from({ length: 8 * 8 * 3 }, () => r() * 2 - 1), [1, 8, 8, 3]);
  const bb = await split.runBackbone(input);
  input.dispose();
  return {
    split,
    bb,
    head: split.head(bb),
    close: () => {
      bb.features.dispose();
      for (const s of bb.side) s.dispose();
      model.dispose();
    },
  };
}

/** max |a - b| over J and c, relative to the largest entry of b. */
function mapGap(a: AffineMap, b: AffineMap): number {
  let d = 0;
  let m = 0;
  for (let k = 0; k < b.K; k++) {
    for (let s = 0; s < b.S; s++) {
      d = Math.max(d, Math.abs(jAt(a, k, s) - jAt(b, k, s)));
      m = Math.max(m, Math.abs(jAt(b, k, s)));
    }
    d = Math.max(d, Math.abs(a.c[k]! - b.c[k]!));
    m = Math.max(m, Math.abs(b.c[k]!));
  }
  return d / m;
}

function maxGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const linearCases: [string, GraphSpec][] = [
  ['Gemm transB, alpha, beta, bias', withFeat([...gapFlat, node('Gemm', ['fl', 'wg', 'bg'], ['y'], { transB: { i: 1 }, alpha: { f: 0.5 }, beta: { f: 2 } })], [randomTensor('wg', [5, 6], 8), randomTensor('bg', [5], 9)])],
  ['Gemm without bias, B not transposed', withFeat([...gapFlat, node('Gemm', ['fl', 'wg'], ['y'])], [randomTensor('wg', [6, 5], 8)])],
  ['MatMul + Add', withFeat([...gapFlat, node('MatMul', ['fl', 'wm'], ['mm']), node('Add', ['mm', 'bm'], ['y'])], [randomTensor('wm', [6, 7], 8), randomTensor('bm', [7], 9)])],
  ['Gemm, then a final Softmax (removed)', withFeat([...gapFlat, node('Gemm', ['fl', 'wg', 'bg'], ['z'], { transB: { i: 1 } }), node('Softmax', ['z'], ['y'], { axis: { i: 1 } })], [randomTensor('wg', [4, 6], 8), randomTensor('bg', [4], 9)])],
];

describe('GAP + linear ONNX heads: J from ONNX Runtime', () => {
  beforeAll(async () => {
    await useBackend();
  });
  afterAll(removeWrittenModels);

  it.each(linearCases)('%s: the map, logits, Grad-CAM and exact L2-CAF equal the TF.js route', async (_name, spec) => {
    const before = tf.memory().numTensors;
    const { bb, head, close } = await open(spec);
    try {
      expect(typeof head.affineMap).toBe('function');
      const fast = readAffine(head, bb.features);
      expect(fast.transposed).toBe(true);
      expect(head.affineMap!(bb.features)).toBe(fast); // one map per backbone output
      const other = tf.clone(bb.features);
      expect(head.affineMap!(other)).toBeNull();
      other.dispose();
      const tfRoute: Head = { ...head, affineMap: undefined };
      const slow = readAffine(tfRoute, bb.features);
      expect(mapGap(fast, slow)).toBeLessThan(1e-5);
      const logits = tf.tidy(() => head.apply(bb.features).dataSync() as Float32Array);
      expect(maxGap(unfilteredOutputs(fast), logits)).toBeLessThan(1e-5 * Math.max(1, ...Array.from(logits, Math.abs)));
      for (let t = 0; t < head.numOutputs; t++) {
        const a = gradCam(head, bb.features, t).raw;
        const b = gradCam(tfRoute, bb.features, t).raw;
        expect(maxGap(a, b)).toBeLessThan(1e-5 * Math.max(1e-3, ...Array.from(b)));
      }
      const opts = defaultSolveOptions('converged');
      for (const target of [null, 1]) {
        const a = solveL2caf(head, bb.features, target, opts, { affine: fast });
        const b = solveL2caf(tfRoute, bb.features, target, opts, { affine: slow });
        expect(a.solver).toBe('exact');
        expect(maxGap(a.raw, b.raw)).toBeLessThan(1e-4 * Math.max(...Array.from(b.raw, Math.abs)));
        // the iterative solver runs on the affine form too (affineProxy), taken from the map
        const ia = solveL2caf(head, bb.features, target, { ...opts, solver: 'iterative' });
        const ib = solveL2caf(tfRoute, bb.features, target, { ...opts, solver: 'iterative' });
        expect(ia.solver).toBe('iterative');
        expect(maxGap(ia.raw, ib.raw)).toBeLessThan(1e-3 * Math.max(...Array.from(ib.raw, Math.abs)));
      }
    } finally {
      close();
    }
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('runs a batch (as the faithfulness metrics do) on a model fixed at batch 1, without J: the map is for single inputs', async () => {
    const { split, close } = await open(linearCases[0]![1]);
    const r = mulberry32(4);
    const values = Float32Array.from({ length: 2 * 8 * 8 * 3 }, () => r() * 2 - 1);
    const batch = tf.tensor4d(values, [2, 8, 8, 3]);
    const bb = await split.runBackbone(batch);
    batch.dispose();
    const second = tf.tensor4d(values.slice(8 * 8 * 3), [1, 8, 8, 3]);
    const one = await split.runBackbone(second);
    second.dispose();
    try {
      expect(bb.features.shape).toEqual([2, 8, 8, 6]);
      // input 1 of the batch gives what it gives alone
      expect(maxGap(bb.features.dataSync().slice(8 * 8 * 6), one.features.dataSync())).toBe(0);
      expect(one.perPositionData?.length).toBe(64 * 5);
      expect(bb.perPositionData).toBeUndefined();
      const head = split.head(bb);
      expect(head.affineMap).toBeUndefined();
      expect(tf.tidy(() => head.apply(bb.features).shape)).toEqual([2, 5]);
    } finally {
      bb.features.dispose();
      one.features.dispose();
      close();
    }
  });

  it.each([
    ['a pointwise op before the pooling', withFeat([node('Mul', ['feat', 'sc'], ['m']), node('GlobalAveragePool', ['m'], ['gap']), node('Flatten', ['gap'], ['fl']), node('Gemm', ['fl', 'wg'], ['y'], { transB: { i: 1 } })], [randomTensor('sc', [1, 6, 1, 1], 4), randomTensor('wg', [5, 6], 8)])],
    ['two linear layers', withFeat([...gapFlat, node('Gemm', ['fl', 'wg'], ['h'], { transB: { i: 1 } }), node('Gemm', ['h', 'wh'], ['y'], { transB: { i: 1 } })], [randomTensor('wg', [5, 6], 8), randomTensor('wh', [3, 5], 9)])],
    ['a Relu after the linear layer', withFeat([...gapFlat, node('Gemm', ['fl', 'wg'], ['h'], { transB: { i: 1 } }), node('Relu', ['h'], ['y'])], [randomTensor('wg', [5, 6], 8)])],
  ] as [string, GraphSpec][])('keeps the TF.js route for %s', async (_name, spec) => {
    const { bb, head, close } = await open(spec);
    try {
      expect(bb.perPositionData).toBeUndefined();
      expect(head.affineMap).toBeUndefined();
    } finally {
      close();
    }
  });
});

const mobilenet = haveFixture('models/mobilenet-v2-random-onnx') && haveFixture('images/chelsea.png');

describe.skipIf(!mobilenet)('MobileNetV2 (ONNX, GAP + Gemm head): J from ONNX Runtime', () => {
  beforeAll(async () => {
    await useBackend();
  });

  it('equals the map through the TF.js head at the default layer', async () => {
    const { openModel } = await import('../../src/engine/openModel.js');
    const { backboneOnPixels, disposeBackbone } = await import('../../src/engine/backboneRunner.js');
    const { decodeImage } = await import('../../src/media/decodeImage.js');
    const model = await openModel({ model: fixture('models/mobilenet-v2-random-onnx/model.onnx') });
    try {
      const split = model.split();
      const img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224 });
      const bb = await backboneOnPixels(model, split, img.data, 224, 224);
      try {
        const head = split.head(bb);
        expect(bb.perPositionData?.length).toBe(49 * 1000);
        const fast = readAffine(head, bb.features);
        const slow = readAffine({ ...head, affineMap: undefined }, bb.features);
        // sums of 1280 float32 products in different orders
        expect(mapGap(fast, slow)).toBeLessThan(1e-4);
      } finally {
        disposeBackbone(bb);
      }
    } finally {
      model.dispose();
    }
  });

  it('comes back from a pool worker with the features, so maps solved on the main thread use it too', async () => {
    const { openModel } = await import('../../src/engine/openModel.js');
    const { arraysToBackbone, disposeBackbone } = await import('../../src/engine/backboneRunner.js');
    const { createBackbonePool } = await import('../../src/pool/backbonePool.js');
    const { decodeImage } = await import('../../src/media/decodeImage.js');
    const flags = { model: fixture('models/mobilenet-v2-random-onnx/model.onnx') };
    const img = await decodeImage(fixture('images/chelsea.png'), { width: 224, height: 224 });
    const pool = await createBackbonePool({ model: flags, workers: 1 });
    const model = await openModel(flags);
    try {
      const arrays = await pool.run(img.data, 224, 224);
      expect(arrays.perPosition?.length).toBe(49 * 1000);
      const split = model.split();
      const bb = arraysToBackbone(arrays);
      try {
        const head = split.head(bb);
        const fast = readAffine(head, bb.features);
        expect(fast.J).toBe(arrays.perPosition);
        expect(mapGap(fast, readAffine({ ...head, affineMap: undefined }, bb.features))).toBeLessThan(1e-4);
      } finally {
        disposeBackbone(bb);
      }
    } finally {
      await pool.close();
      model.dispose();
    }
  });
});
