// The input-only depthwise gradient against TF.js's own depthwise backprop, on the cpu backend
// (which has DepthwiseConv2dNativeBackpropInput; wasm does not), over strides, paddings,
// dilations, channel multipliers and odd/even sizes.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend.js';
import { depthwiseConvInputOnly, type DepthwiseGeometry } from '../../../src/models/graph/depthwiseConv.js';

beforeAll(async () => {
  await selectBackend('cpu');
});

type Shape4 = [number, number, number, number];
const cases: [string, Shape4, Shape4, DepthwiseGeometry][] = [
  ['3x3 same stride 1', [2, 7, 7, 3], [3, 3, 3, 1], { strides: [1, 1], pad: 'same', dilations: [1, 1] }],
  ['3x3 same stride 2, multiplier 2, even size', [1, 8, 8, 4], [3, 3, 4, 2], { strides: [2, 2], pad: 'same', dilations: [1, 1] }],
  ['3x3 same stride 2, odd size', [1, 7, 9, 2], [3, 3, 2, 1], { strides: [2, 2], pad: 'same', dilations: [1, 1] }],
  ['5x3 valid stride (2, 1), multiplier 3', [1, 11, 8, 2], [5, 3, 2, 3], { strides: [2, 1], pad: 'valid', dilations: [1, 1] }],
  ['3x3 valid stride 3 (rows left over)', [1, 10, 10, 2], [3, 3, 2, 1], { strides: [3, 3], pad: 'valid', dilations: [1, 1] }],
  ['3x3 same dilation 2', [1, 9, 9, 3], [3, 3, 3, 2], { strides: [1, 1], pad: 'same', dilations: [2, 2] }],
  ['2x2 same (even kernel)', [1, 6, 5, 2], [2, 2, 2, 1], { strides: [1, 1], pad: 'same', dilations: [1, 1] }],
  ['3x3 explicit padding', [1, 6, 6, 2], [3, 3, 2, 1], { strides: [2, 2], pad: [[1, 2], [0, 1]], dilations: [1, 1] }],
];

/** The kernel with (d - 1) zeros between taps: a dilated conv as an undilated one (TF.js has no dilated depthwise gradient). */
function dilateKernel(w: tf.Tensor4D, [dh, dw]: [number, number]): tf.Tensor4D {
  const [kh, kw, c, m] = w.shape;
  const spread = tf.pad(tf.reshape(w, [kh, 1, kw, 1, c, m]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, c, m]), [0, 0, 0, 0], [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m]) as tf.Tensor4D;
}

describe('depthwiseConvInputOnly', () => {
  it.each(cases)('%s: value and input gradient equal tf.depthwiseConv2d', (_, xs, ws, g) => {
    tf.tidy(() => {
      const x = tf.randomNormal(xs, 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal(ws, 0, 1, 'float32', 2) as tf.Tensor4D;
      const pad = typeof g.pad === 'string' ? g.pad : ([[0, 0], g.pad[0], g.pad[1], [0, 0]] as tf.backend_util.ExplicitPadding);
      const wd = dilateKernel(w, g.dilations);
      const native = (v: tf.Tensor) => tf.depthwiseConv2d(v as tf.Tensor4D, wd, g.strides, pad, 'NHWC', 1);
      const ours = depthwiseConvInputOnly(w, g);
      const yRef = native(x);
      const y = ours(x);
      expect(y.shape).toEqual(yRef.shape);
      expect(tf.max(tf.abs(tf.sub(y, yRef))).dataSync()[0]).toBeLessThan(1e-5);
      // weight the outputs so every position's gradient differs
      const u = tf.randomNormal(yRef.shape, 0, 1, 'float32', 3);
      const gRef = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(native(v), u)))(x);
      const gOurs = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(ours(v as tf.Tensor4D), u)))(x);
      expect(gOurs.shape).toEqual(x.shape);
      expect(tf.max(tf.abs(tf.sub(gOurs, gRef))).dataSync()[0]).toBeLessThan(1e-4);
    });
  });
});
