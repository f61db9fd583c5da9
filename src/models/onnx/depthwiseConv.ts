// Depthwise convolution with a gradient for its input only. The wasm backend has no
// DepthwiseConv2dNativeBackpropInput kernel, and the head never needs the filter gradient, so the
// input gradient is written as a forward depthwise convolution: dilate dy by the stride, pad it by
// the (dilated) kernel extent, correlate with the kernel rotated by 180 degrees.
import * as tf from '@tensorflow/tfjs-core';
import { dilateRowsCols } from '../convInputGrad.js';

/**
 * 'valid' depthwise convolution of x [B, H, W, C] with a constant kernel [kH, kW, C, m]
 * (output channel c*m + j uses kernel[:, :, c, j]).
 */
export function depthwiseConvInputGrad(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  strides: [number, number],
  dilations: [number, number],
): tf.Tensor4D {
  const [kH, kW, C, m] = kernel.shape;
  const body = (xx: tf.Tensor4D) => {
    const value = tf.depthwiseConv2d(xx, kernel, strides, 'valid', 'NHWC', dilations);
    const [B, H, W] = xx.shape;
    const gradFunc = (d4: tf.Tensor4D) => {
      const [, Ho, Wo] = d4.shape;
      const dil = dilateRowsCols(d4, strides);
      const extH = (kH - 1) * dilations[0];
      const extW = (kW - 1) * dilations[1];
      const restH = H - ((Ho - 1) * strides[0] + extH + 1);
      const restW = W - ((Wo - 1) * strides[1] + extW + 1);
      const padded = tf.pad(dil, [[0, 0], [extH, extH + restH], [extW, extW + restW], [0, 0]]) as tf.Tensor4D;
      // every (c, j) pair as its own channel, with the kernel rotated by 180 degrees
      const rot = tf.reshape(tf.reverse(kernel, [0, 1]), [kH, kW, C * m, 1]) as tf.Tensor4D;
      const g = tf.depthwiseConv2d(padded, rot, 1, 'valid', 'NHWC', dilations);
      return m === 1 ? g : tf.sum(tf.reshape(g, [B, H, W, C, m]), 4);
    };
    return { value, gradFunc };
  };
  return tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0])(x) as tf.Tensor4D;
}
