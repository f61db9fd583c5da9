// A depthwise convolution whose gradient is computed for its input only. The wasm backend has no
// DepthwiseConv2dNativeBackpropInput (nor the filter gradient), and tf.depthwiseConv2d's gradient
// asks for it; a head needs d(out)/d(input) only, which is itself a depthwise convolution: the
// upstream gradient, dilated by the stride (zeros between samples), padded so that every input
// position sees every tap, correlated with the spatially flipped filter, and summed over the
// channel multiplier. Forward values come from the backend's own depthwise kernel.
import * as tf from '@tensorflow/tfjs-core';
import { dilateRowsCols, padOrCrop } from '../convInputGrad.js';
import { axisPadding } from './convPadding.js';

export interface DepthwiseGeometry {
  strides: [number, number];
  /** 'same', 'valid', or explicit [[top, bottom], [left, right]] */
  pad: 'same' | 'valid' | [[number, number], [number, number]];
  dilations: [number, number];
}

/**
 * dL/dx of y = depthwiseConv2d(x, filter) for x of shape inShape [B, H, W, C], filter
 * [kh, kw, C, M], dy [B, Ho, Wo, C*M].
 */
export function depthwiseInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D, inShape: readonly number[], g: DepthwiseGeometry): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, C, M] = filter.shape;
    const [, H, W] = inShape as [number, number, number, number];
    const [sh, sw] = g.strides;
    const [dh, dw] = g.dilations;
    const padH = axisPadding(H, kh, sh, dh, g.pad === 'same' || g.pad === 'valid' ? g.pad : g.pad[0]);
    const padW = axisPadding(W, kw, sw, dw, g.pad === 'same' || g.pad === 'valid' ? g.pad : g.pad[1]);
    const u = dilateRowsCols(dy, g.strides);
    const top = (kh - 1) * dh - padH[0];
    const left = (kw - 1) * dw - padW[0];
    const bottom = H + padH[0] - u.shape[1];
    const right = W + padW[0] - u.shape[2];
    const framed = padOrCrop(u, top, bottom, left, right);
    // Flipped filter, one output per (channel, multiplier) pair: [kh, kw, C*M, 1].
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, C * M, 1]) as tf.Tensor4D;
    const perPair = tf.depthwiseConv2d(framed, flipped, 1, 'valid', 'NHWC', [dh, dw]);
    const [b] = perPair.shape;
    return tf.sum(tf.reshape(perPair, [b, H, W, C, M]), 4) as tf.Tensor4D;
  });
}

/** y = depthwiseConv2d(x, filter) with a gradient for x only (filter is a constant). */
export function depthwiseConvInputOnly(filter: tf.Tensor4D, g: DepthwiseGeometry): (x: tf.Tensor4D) => tf.Tensor4D {
  const pad = g.pad === 'same' || g.pad === 'valid' ? g.pad : ([[0, 0], g.pad[0], g.pad[1], [0, 0]] as tf.backend_util.ExplicitPadding);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x4 = args[0] as tf.Tensor4D;
    const save = args[1] as tf.GradSaveFunc;
    const value = tf.depthwiseConv2d(x4, filter, g.strides, pad, 'NHWC', g.dilations);
    const inShape = x4.shape.slice();
    save([]);
    return { value, gradFunc: (dy: tf.Tensor | tf.Tensor[]) => depthwiseInputGradient(dy as tf.Tensor4D, filter, inShape, g) };
  });
  return (x) => op(x) as tf.Tensor4D;
}
