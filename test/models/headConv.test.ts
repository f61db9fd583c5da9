// The head's convolutions with the input gradient written as a forward convolution
// (src/models/convInputGrad.ts) against TF.js's own conv2d and its gradient, and the head rewrite
// that averages over space before pointwise layers that end in global average pooling
// (poolBeforeGap): same outputs, same gradients, on darknet-tiny's non-linear heads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { randn } from '../../src/attention/rng.js';
import { selectBackend } from '../../src/engine/backend.js';
import { constKernel, conv2dConst, dilatedKernel } from '../../src/models/convInputGrad.js';
import { axisPadding } from '../../src/models/graph/convPadding.js';
import { poolBeforeGap } from '../../src/models/poolBeforeGap.js';
import { loadModel } from '../../src/models/loadModel.js';
import { fixture, haveFixture } from '../helpers/fixtures.js';
import { maxRel } from '../helpers/tensorCompare.js';

beforeAll(async () => {
  await selectBackend();
});

type Pad = 'same' | 'valid' | [[number, number], [number, number]];
const cases: { name: string; x: [number, number, number, number]; k: [number, number, number, number]; s: [number, number]; pad: Pad; d: [number, number] }[] = [
  { name: '3x3 same', x: [1, 7, 6, 5], k: [3, 3, 5, 4], s: [1, 1], pad: 'same', d: [1, 1] },
  { name: '1x1 valid, batch 2', x: [2, 5, 4, 6], k: [1, 1, 6, 3], s: [1, 1], pad: 'valid', d: [1, 1] },
  { name: '2x2 same (odd padding after)', x: [1, 5, 7, 3], k: [2, 2, 3, 2], s: [1, 1], pad: 'same', d: [1, 1] },
  { name: '3x3 stride 2 same, odd size', x: [1, 9, 8, 4], k: [3, 3, 4, 5], s: [2, 2], pad: 'same', d: [1, 1] },
  { name: '5x3 stride 2x1 valid (rows left over)', x: [1, 10, 6, 2], k: [5, 3, 2, 3], s: [2, 1], pad: 'valid', d: [1, 1] },
  { name: '3x3 dilation 2 same', x: [1, 9, 9, 3], k: [3, 3, 3, 4], s: [1, 1], pad: 'same', d: [2, 2] },
  { name: 'explicit padding', x: [1, 6, 6, 3], k: [3, 3, 3, 2], s: [1, 1], pad: [[2, 0], [1, 1]], d: [1, 1] },
  // padding wider than the kernel reaches: the gradient is cropped rather than padded less
  { name: '1x1 with explicit padding', x: [1, 4, 5, 3], k: [1, 1, 3, 2], s: [1, 1], pad: [[1, 2], [0, 1]], d: [1, 1] },
  { name: '3x3 stride 2, padding 2', x: [1, 7, 6, 2], k: [3, 3, 2, 3], s: [2, 2], pad: [[2, 2], [2, 2]], d: [1, 1] },
];

describe('conv2dConst: input gradient as a forward convolution', () => {
  for (const c of cases) {
    it(c.name, () => {
      const x = tf.tensor4d(randn(c.x.reduce((a, b) => a * b, 1), 1), c.x);
      const kernel = tf.tensor4d(randn(c.k.reduce((a, b) => a * b, 1), 2), c.k);
      const k = constKernel(kernel);
      // TF.js has no conv gradient with dilations: the reference spreads the kernel with zeros instead
      const spread = c.d[0] === 1 && c.d[1] === 1 ? kernel : dilatedKernel(kernel, c.d);
      const pads: [[number, number], [number, number]] =
        c.pad === 'valid' ? [[0, 0], [0, 0]] : c.pad === 'same' ? [axisPadding(c.x[1], c.k[0], c.s[0], c.d[0], 'same'), axisPadding(c.x[2], c.k[1], c.s[1], c.d[1], 'same')] : c.pad;
      const native = (xx: tf.Tensor) => tf.conv2d(tf.pad(xx, [[0, 0], pads[0], pads[1], [0, 0]]) as tf.Tensor4D, spread, c.s, 'valid');
      const ours = (xx: tf.Tensor) => conv2dConst(xx as tf.Tensor4D, k, c.s, c.pad, c.d);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const yN = native(x);
        const yO = ours(x);
        expect(yO.shape).toEqual(yN.shape);
        expect(maxRel(yO, yN)).toBeLessThan(1e-5);
        // a weighted sum as the loss, so every output position carries a different gradient
        const w = tf.tensor(randn(yN.size, 3), yN.shape);
        const gN = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(native(xx), w)))(x);
        const gO = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(ours(xx), w)))(x);
        expect(gO.shape).toEqual(x.shape);
        expect(maxRel(gO, gN)).toBeLessThan(1e-5);
      });
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, kernel, k.flipped]);
      if (spread !== kernel) spread.dispose();
    });
  }

  it("'same' padding follows TF: the odd row or column goes after", () => {
    expect(axisPadding(14, 3, 1, 1, 'same')).toEqual([1, 1]);
    expect(axisPadding(5, 2, 1, 1, 'same')).toEqual([0, 1]);
    expect(axisPadding(9, 3, 2, 1, 'same')).toEqual([1, 1]);
    expect(axisPadding(8, 3, 2, 1, 'same')).toEqual([0, 1]);
    expect(axisPadding(9, 3, 1, 2, 'same')).toEqual([2, 2]);
  });
});

describe('poolBeforeGap', () => {
  const step = (kind: 'pointwise' | 'identity' | 'gap' | 'affine' | 'nonlinear', reads: (number | null)[]) => ({ kind, reads });
  it('averages before the first of the pointwise steps that end in global average pooling', () => {
    // conv 3x3 + leaky (non-linear), batch norm, dropout, 1x1 conv, GAP
    const steps = [step('nonlinear', [null]), step('pointwise', [0]), step('identity', [1]), step('pointwise', [2]), step('gap', [3])];
    expect([...poolBeforeGap(steps)]).toEqual([1]);
    // a pointwise layer right after the chosen layer
    expect([...poolBeforeGap([step('pointwise', [null]), step('gap', [0]), step('pointwise', [1])])]).toEqual([0]);
  });
  it('stops at a step read twice, a non-linear or spatially mixing step, a step with two inputs and the output', () => {
    // step 1 is also read by step 4 (a skip): only step 2 may be averaged early
    expect([...poolBeforeGap([step('nonlinear', [null]), step('pointwise', [0]), step('pointwise', [1]), step('gap', [2]), step('pointwise', [1])])]).toEqual([2]);
    expect([...poolBeforeGap([step('affine', [null]), step('gap', [0])])]).toEqual([]);
    expect([...poolBeforeGap([step('nonlinear', [null]), step('pointwise', [0, null]), step('gap', [1])])]).toEqual([]);
    expect([...poolBeforeGap([step('gap', [null])])]).toEqual([]);
    // the head's output is step 1 itself (a GAP after it is not what the head returns)
    expect([...poolBeforeGap([step('nonlinear', [null]), step('pointwise', [0]), step('gap', [1])], 1)]).toEqual([]);
  });
});

describe.skipIf(!haveFixture('models/darknet-tiny'))('darknet-tiny non-linear heads', () => {
  let m: Awaited<ReturnType<typeof loadModel>>;
  beforeAll(async () => {
    m = await loadModel({ id: 'darknet-tiny', location: fixture('models/darknet-tiny') });
  });
  afterAll(() => m?.dispose());

  for (const layer of ['leaky_re_lu_13', 'leaky_re_lu_12']) {
    it(`${layer}: the head's outputs equal the whole model's, and nothing is left behind`, async () => {
      const x = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 7);
      // the default layer's head is global average pooling alone: the model's own logits
      const whole = m.split();
      const bbWhole = await whole.runBackbone(x);
      const ref = whole.head(bbWhole).apply(bbWhole.features);
      const split = m.split(layer);
      const bb = await split.runBackbone(x);
      const head = split.head(bb);
      expect(head.linearity).toBe('nonlinear');
      const before = tf.memory().numTensors;
      // the chain's gradients are TF.js's own autodiff over ops whose gradients are checked above;
      // the solver agreement tests (test/attention/nonlinearReference.test.ts) cover the whole path
      const rel = tf.tidy(() => maxRel(head.apply(bb.features), ref));
      expect(rel).toBeLessThan(1e-4);
      // nothing the head made is left behind
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, ref, bbWhole.features, ...bbWhole.side, bb.features, ...bb.side]);
      whole.dispose();
      split.dispose();
    });
  }
});
